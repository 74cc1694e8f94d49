//! `store-api`: a multi-tenant store API (stores, products, purchases) on one shared schema.
//!
//! ```text
//! store-api [--listen ADDR]        # DATABASE_URL: sqlite://store-api.db (default) or postgres://...
//! ```
//!
//! Each request names its store (`X-Tenant-Id: 1`, or `Host: 1.localhost`); the handlers' SQL
//! names none, and the scoped pool scopes every statement to the request's store.

mod app;
mod db;
mod error;
mod routes;
mod sql;
mod tenant;

use std::io::Write;
use std::net::SocketAddr;

use anyhow::Context;
use clap::Parser;

/// A multi-tenant store API. DATABASE_URL selects the database (default sqlite://store-api.db).
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:3000")]
    listen: SocketAddr,
}

const DEFAULT_DATABASE_URL: &str = "sqlite://store-api.db";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_writer(std::io::stderr).init();
    let args = Args::parse();
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_owned());
    let db = db::Db::connect(&url).await.context("opening the database")?;
    let listener = tokio::net::TcpListener::bind(args.listen).await.context("binding the address")?;
    let addr = listener.local_addr()?;
    // The first line of stdout: tests and scripts read the bound address from it.
    println!("listening on http://{addr}");
    std::io::stdout().flush()?;
    axum::serve(listener, app::router(db)).await.context("serving")
}
