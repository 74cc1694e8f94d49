//! Connecting to the database a command works on, with errors that tell a bad URL from a
//! database that cannot be reached.

use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, PgConnection};

use crate::Error;

/// Connects to the PostgreSQL (or Citus coordinator) at `url`
/// (`postgres://user[:password]@host[:port]/database`).
///
/// A URL that is not `postgres://` or `postgresql://` is [`Error::UrlScheme`], one that does
/// not parse [`Error::InvalidUrl`]; a server that does not answer, or
/// refuses the connection, is [`Error::Unreachable`] naming the host, port and database (never
/// the password).
///
/// ```no_run
/// # async fn example() -> Result<(), multitenant_citus::Error> {
/// let mut conn = multitenant_citus::connect("postgres://postgres@127.0.0.1:5433/postgres").await?;
/// let catalog = multitenant_citus::Catalog::read(&mut conn).await?;
/// # Ok(())
/// # }
/// ```
pub async fn connect(url: &str) -> Result<PgConnection, Error> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        let scheme =
            url.split_once("://").map_or_else(|| url.chars().take(12).collect(), |(s, _)| s.to_owned());
        return Err(Error::UrlScheme { scheme });
    }
    let options = PgConnectOptions::from_str(url).map_err(|source| Error::InvalidUrl { source })?;
    let target = format!(
        "{}:{}/{}",
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or("(the user's database)")
    );
    options.connect().await.map_err(|source| Error::Unreachable { target, source })
}
