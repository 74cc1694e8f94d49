//! Connecting to the database `check` and `schema dump` read, and running their work on a
//! runtime of its own. Any failure here exits with 2: the command could not decide.

use std::process::ExitCode;

use anyhow::Context;
use sqlx::PgConnection;

/// The exit code for an argument that does not work or a database that cannot be read.
pub(crate) const CANNOT_DECIDE: u8 = 2;

/// The single-threaded runtime every command that talks to a database runs on.
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Runs `work` on [`runtime`]; an error prints `error: ...` and exits with 2.
pub(crate) fn run(work: impl Future<Output = anyhow::Result<ExitCode>>) -> ExitCode {
    match runtime().and_then(|runtime| runtime.block_on(work)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {}", crate::describe(&error));
            ExitCode::from(CANNOT_DECIDE)
        }
    }
}

/// Connects to `url` (already taken from `--database-url` or `DATABASE_URL`), with the errors
/// of [`multitenant_citus::connect`]: a bad URL, or a server that cannot be reached, named
/// without its password.
pub(crate) async fn connect(url: &str) -> anyhow::Result<PgConnection> {
    Ok(multitenant_citus::connect(url).await?)
}
