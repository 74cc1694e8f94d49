//! Connecting to the database `check` and `schema dump` read.

use sqlx::PgConnection;

/// Connects to `url` (already taken from `--database-url` or `DATABASE_URL`), with the errors
/// of [`multitenant_citus::connect`]: a bad URL, or a server that cannot be reached, named
/// without its password.
pub(crate) async fn connect(url: &str) -> anyhow::Result<PgConnection> {
    Ok(multitenant_citus::connect(url).await?)
}
