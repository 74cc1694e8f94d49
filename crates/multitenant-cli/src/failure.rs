//! How a command fails, and the runtime the commands that talk to a database run on: a failure
//! prints `error: <message>` (each cause once) on stderr and exits with its code, 1 for a
//! problem found or refused, 2 for a command that could not decide (a bad argument, a database
//! it cannot reach).

use std::process::ExitCode;

use anyhow::Context;

/// Why a command stopped, and its exit code.
#[derive(Debug)]
pub(crate) struct Failure {
    error: anyhow::Error,
    code: u8,
}

impl Failure {
    /// A problem found in the schema or the database, or a step the database refused: exit 1.
    pub(crate) fn problem(error: impl Into<anyhow::Error>) -> Self {
        Self { error: error.into(), code: 1 }
    }

    /// A command that could not decide (a bad argument, a database it cannot reach): exit 2.
    pub(crate) fn cannot_decide(error: impl Into<anyhow::Error>) -> Self {
        Self { error: error.into(), code: 2 }
    }
}

impl From<multitenant_citus::Error> for Failure {
    /// A URL that does not work or a server that cannot be reached cannot decide; any other
    /// error of the Citus crate is a problem.
    fn from(error: multitenant_citus::Error) -> Self {
        use multitenant_citus::Error;
        match error {
            Error::InvalidUrl { .. } | Error::UrlScheme { .. } | Error::Unreachable { .. } => {
                Self::cannot_decide(error)
            }
            _ => Self::problem(error),
        }
    }
}

/// Runs `work` on a single-threaded runtime and exits with what it answers, or prints its
/// failure and exits with the failure's code.
pub(crate) fn run(work: impl Future<Output = Result<ExitCode, Failure>>) -> ExitCode {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
        .map_err(Failure::cannot_decide);
    match runtime.and_then(|runtime| runtime.block_on(work)) {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("error: {}", describe(&failure.error));
            ExitCode::from(failure.code)
        }
    }
}

/// The error and its causes on one line, leaving out a cause whose text an outer message
/// already includes.
pub(crate) fn describe(error: &anyhow::Error) -> String {
    let mut message = error.to_string();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !message.contains(&cause) {
            message.push_str(": ");
            message.push_str(&cause);
        }
    }
    message
}
