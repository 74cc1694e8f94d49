//! Connecting to the database `check` and `schema dump` read, and running their work on a
//! runtime of its own. Any failure here exits with 2: the command could not decide.

use std::process::ExitCode;

use anyhow::Context;
use sqlx::{Connection, PgConnection};

/// The exit code for an argument that does not work or a database that cannot be read.
pub(crate) const CANNOT_DECIDE: u8 = 2;

/// Runs `work` on a single-threaded runtime; an error prints `error: ...` and exits with 2.
pub(crate) fn run(work: impl Future<Output = anyhow::Result<ExitCode>>) -> ExitCode {
    let result = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
        .and_then(|runtime| runtime.block_on(work));
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {}", crate::describe(&error));
            ExitCode::from(CANNOT_DECIDE)
        }
    }
}

/// Connects to `url` (already taken from `--database-url` or `DATABASE_URL`).
pub(crate) async fn connect(url: &str) -> anyhow::Result<PgConnection> {
    PgConnection::connect(url).await.with_context(|| {
        format!(
            "cannot connect to the database at {}: check that it is running and that the URL is right",
            redact(url)
        )
    })
}

/// `url` without its password.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    match rest.split_once('@') {
        Some((user, host)) => match user.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}
