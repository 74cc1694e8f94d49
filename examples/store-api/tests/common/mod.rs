//! The built `store-api` binary on a throwaway database, driven over real HTTP.
//!
//! [`Database`] is a SQLite file or a PostgreSQL database of the test's own, removed when it is
//! dropped (also when the test fails); [`Server`] is the child process on `127.0.0.1:0`,
//! killed when it is dropped. Declare the database first, so the server goes first.

#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request, StatusCode, header};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use sqlx::{AssertSqlSafe, Connection, PgConnection, SqliteConnection};

/// Which database the server runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database of the test's own: `url` is what the server gets as `DATABASE_URL`.
pub struct Database {
    pub backend: Backend,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    Postgres(String),
}

/// The PostgreSQL server the tests use (trust auth).
const PG_SERVER: &str = "postgres://postgres@127.0.0.1:5432";

pub fn unique_name() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    format!("store_api_{}_{}_{nanos}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

impl Database {
    pub async fn create(backend: Backend) -> Self {
        let name = unique_name();
        match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("{name}.db"));
                let url = format!("sqlite://{}", path.display());
                Self { backend, url, cleanup: Cleanup::File(path) }
            }
            Backend::Postgres => {
                let mut admin = PgConnection::connect(&format!("{PG_SERVER}/postgres"))
                    .await
                    .unwrap_or_else(|e| panic!("PostgreSQL is not reachable at {PG_SERVER} ({e}): start it"));
                let create = format!("CREATE DATABASE {name}");
                sqlx::raw_sql(AssertSqlSafe(create)).execute(&mut admin).await.expect("create database");
                let url = format!("{PG_SERVER}/{name}");
                Self { backend, url, cleanup: Cleanup::Postgres(name) }
            }
        }
    }

    /// Runs `sql` directly on the database, as its owner (around the server, not through it).
    pub async fn execute(&self, sql: &'static str) {
        match self.backend {
            Backend::Sqlite => {
                let mut conn = SqliteConnection::connect(&self.url).await.expect("open");
                sqlx::raw_sql(sql).execute(&mut conn).await.expect("run directly");
            }
            Backend::Postgres => {
                let mut conn = PgConnection::connect(&self.url).await.expect("connect");
                sqlx::raw_sql(sql).execute(&mut conn).await.expect("run directly");
            }
        }
    }

    /// Every row of `products` as (store_id, id, name, price_cents), read directly.
    pub async fn all_products(&self) -> Vec<(i64, i64, String, i64)> {
        let sql = "SELECT store_id, id, name, price_cents FROM products ORDER BY store_id, id";
        match self.backend {
            Backend::Sqlite => {
                let mut conn = SqliteConnection::connect(&self.url).await.expect("open");
                sqlx::query_as(sql).fetch_all(&mut conn).await.expect("read")
            }
            Backend::Postgres => {
                let mut conn = PgConnection::connect(&self.url).await.expect("connect");
                sqlx::query_as(sql).fetch_all(&mut conn).await.expect("read")
            }
        }
    }

    /// Every row of `purchases` as (store_id, id, product_id, quantity), read directly.
    pub async fn all_purchases(&self) -> Vec<(i64, i64, i64, i64)> {
        let sql = "SELECT store_id, id, product_id, quantity FROM purchases ORDER BY store_id, id";
        match self.backend {
            Backend::Sqlite => {
                let mut conn = SqliteConnection::connect(&self.url).await.expect("open");
                sqlx::query_as(sql).fetch_all(&mut conn).await.expect("read")
            }
            Backend::Postgres => {
                let mut conn = PgConnection::connect(&self.url).await.expect("connect");
                sqlx::query_as(sql).fetch_all(&mut conn).await.expect("read")
            }
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut file = path.clone().into_os_string();
                    file.push(suffix);
                    drop(std::fs::remove_file(file));
                }
            }
            Cleanup::Postgres(name) => drop_pg_database(name.clone()),
        }
    }
}

/// Drops the database from a thread with a runtime of its own: `Drop` runs inside the test's
/// runtime, maybe while panicking.
fn drop_pg_database(name: String) {
    let dropped = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        runtime.block_on(async {
            let Ok(mut admin) = PgConnection::connect(&format!("{PG_SERVER}/postgres")).await else { return };
            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            drop(sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut admin).await);
        });
    });
    drop(dropped.join());
}

/// The `store-api` binary, serving `database` on a free port; killed when dropped.
pub struct Server {
    child: Child,
    /// Kept open: the server's stdout stays a pipe with a reader.
    _stdout: BufReader<ChildStdout>,
    pub addr: SocketAddr,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Server {
    pub fn start(database: &Database) -> Self {
        Self::start_with(|command| command.env("DATABASE_URL", &database.url))
    }

    /// Starts the binary as `configure` sets it up (environment, working directory).
    pub fn start_with(configure: impl FnOnce(&mut Command) -> &mut Command) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_store-api"));
        let mut child = configure(command.args(["--listen", "127.0.0.1:0"]))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start store-api");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        let read = stdout.read_line(&mut line);
        let addr = line.trim_end().strip_prefix("listening on http://").and_then(|a| a.parse().ok());
        let Some(addr) = addr else {
            drop(child.kill());
            panic!("store-api did not print its address first (read {read:?}): {line:?}");
        };
        let client = Client::builder(TokioExecutor::new()).build_http();
        Self { child, _stdout: stdout, addr, client }
    }

    /// Sends a request; `body` is sent as JSON text.
    pub async fn send(&self, method: Method, path: &str, headers: &[(&str, &str)], body: &str) -> Answer {
        let mut request = Request::builder().method(method).uri(format!("http://{}{path}", self.addr));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if !body.is_empty() {
            request = request.header(header::CONTENT_TYPE, "application/json");
        }
        let request = request.body(Full::new(Bytes::from(body.to_owned()))).expect("request");
        let response = self.client.request(request).await.expect("the server answers");
        let status = response.status();
        let content_type =
            response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        Answer { status, content_type, text: String::from_utf8(bytes.to_vec()).expect("UTF-8 body") }
    }

    /// A request for `store`, named by the `X-Tenant-Id` header.
    pub async fn store(&self, store: i64, method: Method, path: &str, body: Option<Value>) -> Answer {
        let id = store.to_string();
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        self.send(method, path, &[("x-tenant-id", &id)], &body).await
    }

    pub async fn get(&self, store: i64, path: &str) -> Answer {
        self.store(store, Method::GET, path, None).await
    }

    pub async fn post(&self, store: i64, path: &str, body: Value) -> Answer {
        self.store(store, Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, store: i64, path: &str, body: Value) -> Answer {
        self.store(store, Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, store: i64, path: &str) -> Answer {
        self.store(store, Method::DELETE, path, None).await
    }

    /// Creates a store (no tenant: admin work) and returns its id.
    pub async fn create_store(&self, name: &str) -> i64 {
        let body = json!({ "name": name }).to_string();
        let created = self.send(Method::POST, "/stores", &[], &body).await;
        let store = created.json(StatusCode::CREATED);
        assert_eq!(store["name"], name, "{created:?}");
        store["id"].as_i64().expect("store id")
    }

    /// Creates a product of `store` and returns it.
    pub async fn create_product(&self, store: i64, name: &str, price_cents: i64) -> Value {
        let created =
            self.post(store, "/products", json!({ "name": name, "price_cents": price_cents })).await;
        let product = created.json(StatusCode::CREATED);
        assert_eq!((&product["name"], &product["price_cents"]), (&json!(name), &json!(price_cents)));
        assert_eq!(product.as_object().map(|o| o.len()), Some(3), "{created:?}");
        product
    }

    /// Records a purchase for `store` and returns it.
    pub async fn create_purchase(&self, store: i64, product_id: i64, quantity: i64) -> Value {
        let body = json!({ "product_id": product_id, "quantity": quantity });
        let purchase = self.post(store, "/purchases", body).await.json(StatusCode::CREATED);
        assert_eq!((&purchase["product_id"], &purchase["quantity"]), (&json!(product_id), &json!(quantity)));
        purchase
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.child.kill());
        drop(self.child.wait());
    }
}

/// What the server answered.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub content_type: Option<String>,
    pub text: String,
}

impl Answer {
    /// The JSON body, after checking the status and the content type.
    pub fn json(&self, status: StatusCode) -> Value {
        assert_eq!(self.status, status, "{self:?}");
        assert_eq!(self.content_type.as_deref(), Some("application/json"), "{self:?}");
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {self:?}"))
    }

    /// The message of an error body, after checking the status and that the body is exactly
    /// `{"error": "<message>"}`.
    pub fn error(&self, status: StatusCode) -> String {
        let body = self.json(status);
        let message = body.as_object().filter(|o| o.len() == 1).and_then(|o| o.get("error")?.as_str());
        message.unwrap_or_else(|| panic!("not {{\"error\": string}}: {self:?}")).to_owned()
    }
}
