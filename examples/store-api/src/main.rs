//! `store-api`: a multi-tenant store API (stores, products, purchases) on one shared schema.
//!
//! ```text
//! store-api [--listen ADDR]        # DATABASE_URL: sqlite://store-api.db (default) or postgres://...
//! ```
//!
//! Each request names its store (`X-Tenant-Id: 1`, or `Host: 1.localhost`); the handlers' SQL
//! names none, and the scoped pool scopes every statement to the request's store.
//!
//! | route | answers |
//! |---|---|
//! | `POST /stores {"name"}` | 201 `{"id", "name"}` (no store: admin work, run unscoped) |
//! | `GET /products` | 200 `[{"id", "name", "price_cents"}]`, by id |
//! | `POST /products {"name", "price_cents"}` | 201 the product |
//! | `GET`, `PATCH {"name"?, "price_cents"?}`, `DELETE /products/{id}` | 200, 200, 204; 404 if not this store's; 409 deleting a product with purchases |
//! | `POST /purchases {"product_id", "quantity"}` | 201 `{"id", "product_id", "quantity"}`; 404 if the product is not this store's |
//! | `GET /purchases` | 200 `[{"id", "product_id", "product_name", "quantity"}]` |
//! | `GET /report` | 200 `[{"product_id", "product_name", "units", "revenue_cents"}]`, every product, by id |
//!
//! No store named: 400; not a number: 400; no such store: 404. Bad JSON: 400; missing, mistyped
//! or unknown fields, invalid values: 422; a database error: 500 with a generic message. Every
//! error is `{"error": "..."}`.
//!
//! The store is whatever the client names: fine for an example, not for a service, which
//! takes it from a verified session or a gateway that sets the header (see "Which sources to
//! trust" in `multitenant-axum`'s docs).

#![forbid(unsafe_code)]

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
