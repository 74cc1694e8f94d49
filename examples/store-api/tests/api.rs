//! The API's contract, through the built binary over HTTP, on SQLite and on PostgreSQL: each
//! route, isolation between stores on every route, the tenant rejections, JSON errors.

mod common;

use common::{Backend, Database, Server};
use hyper::{Method, StatusCode};
use serde_json::{Value, json};

/// Runs each scenario as a test on each database: `sqlite::name` and `postgres::name`.
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test]
            async fn $name() {
                super::$name(super::Backend::Sqlite).await
            })*
        }
        mod postgres {
            $(#[tokio::test]
            async fn $name() {
                super::$name(super::Backend::Postgres).await
            })*
        }
    };
}

on_both_databases!(
    products_are_created_listed_read_changed_and_deleted,
    purchases_join_their_product_and_the_report_adds_them_up,
    every_route_refuses_another_stores_rows_and_leaves_them_unchanged,
    the_store_comes_from_the_header_or_the_subdomain_and_must_exist,
    bad_requests_get_json_errors,
    a_database_error_is_a_generic_500,
);

async fn products_are_created_listed_read_changed_and_deleted(backend: Backend) {
    let db = Database::create(backend).await;
    let server = Server::start(&db);
    let store = server.create_store("north").await;
    let tea = server.create_product(store, "tea", 300).await;
    let cake = server.create_product(store, "cake", 450).await;
    assert_eq!(server.get(store, "/products").await.json(StatusCode::OK), json!([tea, cake]));

    let tea_path = format!("/products/{}", tea["id"]);
    assert_eq!(server.get(store, &tea_path).await.json(StatusCode::OK), tea);
    let changed = server.patch(store, &tea_path, json!({ "price_cents": 350 })).await.json(StatusCode::OK);
    assert_eq!(changed, json!({ "id": tea["id"], "name": "tea", "price_cents": 350 }));
    let renamed = server.patch(store, &tea_path, json!({ "name": "green tea" })).await.json(StatusCode::OK);
    assert_eq!(renamed, json!({ "id": tea["id"], "name": "green tea", "price_cents": 350 }));

    let deleted = server.delete(store, &tea_path).await;
    assert_eq!((deleted.status, deleted.text.as_str()), (StatusCode::NO_CONTENT, ""));
    server.get(store, &tea_path).await.error(StatusCode::NOT_FOUND);
    assert_eq!(server.get(store, "/products").await.json(StatusCode::OK), json!([cake]));
}

async fn purchases_join_their_product_and_the_report_adds_them_up(backend: Backend) {
    let db = Database::create(backend).await;
    let server = Server::start(&db);
    let store = server.create_store("north").await;
    let tea = server.create_product(store, "tea", 300).await;
    let cake = server.create_product(store, "cake", 450).await;
    let jam = server.create_product(store, "jam", 200).await;
    let first = server.create_purchase(store, id(&tea), 2).await;
    let second = server.create_purchase(store, id(&cake), 1).await;
    let third = server.create_purchase(store, id(&tea), 3).await;

    let lines = server.get(store, "/purchases").await.json(StatusCode::OK);
    let line = |purchase: &Value, name: &str| {
        json!({ "id": purchase["id"], "product_id": purchase["product_id"], "product_name": name,
                "quantity": purchase["quantity"] })
    };
    assert_eq!(lines, json!([line(&first, "tea"), line(&second, "cake"), line(&third, "tea")]));

    let report = server.get(store, "/report").await.json(StatusCode::OK);
    let row = |product: &Value, units: i64, revenue: i64| {
        json!({ "product_id": product["id"], "product_name": product["name"], "units": units,
                "revenue_cents": revenue })
    };
    assert_eq!(report, json!([row(&tea, 5, 1500), row(&cake, 1, 450), row(&jam, 0, 0)]));

    let refused = server.delete(store, &format!("/products/{}", tea["id"])).await;
    assert!(refused.error(StatusCode::CONFLICT).contains("purchases"), "{refused:?}");
}

/// Everything one store can see, read through its own API.
async fn view(server: &Server, store: i64) -> Vec<Value> {
    let mut seen = Vec::new();
    for path in ["/products", "/purchases", "/report"] {
        seen.push(server.get(store, path).await.json(StatusCode::OK));
    }
    seen
}

async fn every_route_refuses_another_stores_rows_and_leaves_them_unchanged(backend: Backend) {
    let db = Database::create(backend).await;
    let server = Server::start(&db);
    let north = server.create_store("north").await;
    let south = server.create_store("south").await;
    let north_tea = server.create_product(north, "north tea", 300).await;
    server.create_product(north, "north cake", 450).await;
    server.create_purchase(north, id(&north_tea), 2).await;
    let south_pie = server.create_product(south, "south pie", 500).await;
    server.create_purchase(south, id(&south_pie), 1).await;

    let north_before = view(&server, north).await;
    let south_before = view(&server, south).await;
    let rows_before = (db.all_products().await, db.all_purchases().await);

    // South tries north's product on every route that takes one.
    let north_path = format!("/products/{}", north_tea["id"]);
    server.get(south, &north_path).await.error(StatusCode::NOT_FOUND);
    server.patch(south, &north_path, json!({ "name": "stolen" })).await.error(StatusCode::NOT_FOUND);
    server.delete(south, &north_path).await.error(StatusCode::NOT_FOUND);
    let buy = json!({ "product_id": north_tea["id"], "quantity": 9 });
    server.post(south, "/purchases", buy).await.error(StatusCode::NOT_FOUND);
    // The body cannot name a store.
    let claim = json!({ "name": "planted", "price_cents": 1, "store_id": north });
    server.post(south, "/products", claim).await.error(StatusCode::UNPROCESSABLE_ENTITY);

    // The lists, the join and the report of each store hold its own rows only.
    assert_eq!(view(&server, north).await, north_before);
    assert_eq!(view(&server, south).await, south_before);
    let names = |products: &Value| -> Vec<String> {
        products
            .as_array()
            .expect("list")
            .iter()
            .map(|p| p["name"].as_str().expect("name").to_owned())
            .collect()
    };
    assert_eq!(names(&north_before[0]), ["north tea", "north cake"]);
    assert_eq!(names(&south_before[0]), ["south pie"]);
    assert_eq!(south_before[1].as_array().map(Vec::len), Some(1));
    assert_eq!(south_before[2][0]["product_name"], "south pie");
    assert_eq!(south_before[2].as_array().map(Vec::len), Some(1));
    // And nothing changed underneath, read directly.
    assert_eq!((db.all_products().await, db.all_purchases().await), rows_before);

    // New rows land in the store of the request.
    let south_jam = server.create_product(south, "south jam", 200).await;
    let stored = db.all_products().await;
    assert!(
        stored.iter().any(|row| *row == (south, id(&south_jam), "south jam".to_owned(), 200)),
        "{stored:?}"
    );
}

async fn the_store_comes_from_the_header_or_the_subdomain_and_must_exist(backend: Backend) {
    let db = Database::create(backend).await;
    let server = Server::start(&db);
    let north = server.create_store("north").await;
    let south = server.create_store("south").await;
    let tea = server.create_product(north, "tea", 300).await;
    let pie = server.create_product(south, "pie", 500).await;

    let by_host = |store: i64| format!("{store}.localhost:3000");
    let get = |headers: Vec<(&'static str, String)>| {
        let server = &server;
        async move {
            let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
            server.send(Method::GET, "/products", &headers, "").await
        }
    };
    assert_eq!(get(vec![("host", by_host(north))]).await.json(StatusCode::OK), json!([tea]));
    assert_eq!(get(vec![("host", by_host(south))]).await.json(StatusCode::OK), json!([pie]));
    // The header comes first.
    let both = vec![("x-tenant-id", south.to_string()), ("host", by_host(north))];
    assert_eq!(get(both).await.json(StatusCode::OK), json!([pie]));

    for headers in [vec![], vec![("host", "127.0.0.1:3000".into())], vec![("x-tenant-id", String::new())]] {
        assert_eq!(
            get(headers).await.error(StatusCode::BAD_REQUEST),
            "missing tenant: send the x-tenant-id header with the tenant id, or the request to the \
             tenant's subdomain, <tenant>.localhost"
        );
    }
    for headers in [
        vec![("x-tenant-id", "north".into())],
        vec![("host", "north.localhost".into())],
        vec![("host", format!("{north}.{south}.localhost"))],
        vec![("x-tenant-id", "1.5".into())],
        // Named twice, it names no store, and the subdomain is not read instead.
        vec![
            ("x-tenant-id", north.to_string()),
            ("x-tenant-id", south.to_string()),
            ("host", by_host(north)),
        ],
    ] {
        get(headers).await.error(StatusCode::BAD_REQUEST);
    }
    let unknown = south + 1000;
    get(vec![("x-tenant-id", unknown.to_string())]).await.error(StatusCode::NOT_FOUND);
    get(vec![("host", by_host(unknown))]).await.error(StatusCode::NOT_FOUND);
    // An unknown store gets the 404 on writes too, and nothing is written.
    let body = json!({ "name": "ghost", "price_cents": 1 });
    server.post(unknown, "/products", body).await.error(StatusCode::NOT_FOUND);
    assert_eq!(db.all_products().await.len(), 2);
    // Creating a store needs no store.
    assert!(server.create_store("west").await > south);
}

async fn bad_requests_get_json_errors(backend: Backend) {
    let db = Database::create(backend).await;
    let server = Server::start(&db);
    let store = server.create_store("north").await;
    let tea = server.create_product(store, "tea", 300).await;
    let header = store.to_string();
    let send = |method: Method, path: &'static str, body: &'static str| {
        let (server, header) = (&server, &header);
        async move { server.send(method, path, &[("x-tenant-id", header)], body).await }
    };
    send(Method::POST, "/products", r#"{"name": "jam""#).await.error(StatusCode::BAD_REQUEST);
    let missing = send(Method::POST, "/products", r#"{"name": "jam"}"#).await;
    assert!(missing.error(StatusCode::UNPROCESSABLE_ENTITY).contains("price_cents"), "{missing:?}");
    let mistyped = r#"{"name": "jam", "price_cents": "cheap"}"#;
    send(Method::POST, "/products", mistyped).await.error(StatusCode::UNPROCESSABLE_ENTITY);
    let negative = r#"{"name": "jam", "price_cents": -1}"#;
    send(Method::POST, "/products", negative).await.error(StatusCode::UNPROCESSABLE_ENTITY);
    send(Method::POST, "/purchases", r#"{"product_id": 1}"#).await.error(StatusCode::UNPROCESSABLE_ENTITY);
    let none = format!(r#"{{"product_id": {}, "quantity": 0}}"#, tea["id"]);
    let none = server.send(Method::POST, "/purchases", &[("x-tenant-id", &header)], &none).await;
    none.error(StatusCode::UNPROCESSABLE_ENTITY);
    send(Method::PATCH, "/products/1", "[]").await.error(StatusCode::UNPROCESSABLE_ENTITY);
    send(Method::GET, "/products/tea", "").await.error(StatusCode::BAD_REQUEST);
    let stores = server.send(Method::POST, "/stores", &[], r#"{"title": "x"}"#).await;
    stores.error(StatusCode::UNPROCESSABLE_ENTITY);
    let plain = server.send(Method::POST, "/stores", &[("content-type", "text/plain")], "").await;
    plain.error(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Nothing was written.
    assert_eq!(server.get(store, "/products").await.json(StatusCode::OK), json!([tea]));
}

async fn a_database_error_is_a_generic_500(backend: Backend) {
    let db = Database::create(backend).await;
    let server = Server::start(&db);
    let store = server.create_store("north").await;
    let tea = server.create_product(store, "secret tea", 300).await;
    server.create_purchase(store, id(&tea), 1).await;
    db.execute("DROP TABLE purchases").await;

    for answer in [server.get(store, "/purchases").await, server.get(store, "/report").await] {
        let message = answer.error(StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(message, "internal error: the request failed");
        for secret in ["purchases", "SELECT", "store_id", "secret tea"] {
            assert!(!answer.text.contains(secret), "{answer:?}");
        }
    }
    // The rest still works.
    assert_eq!(server.get(store, "/products").await.json(StatusCode::OK), json!([tea]));

    // Without the stores table no store can be checked: every request fails closed, with a 503.
    db.execute("DROP TABLE products").await;
    db.execute("DROP TABLE stores").await;
    let unchecked = server.get(store, "/products").await;
    assert_eq!(
        unchecked.error(StatusCode::SERVICE_UNAVAILABLE),
        "the tenant could not be checked; try again later"
    );
}

#[tokio::test]
async fn without_database_url_it_creates_store_api_db_in_the_working_directory() {
    let dir = TempDir(std::env::temp_dir().join(common::unique_name()));
    std::fs::create_dir(&dir.0).expect("a directory");
    let server = Server::start_with(|command| command.env_remove("DATABASE_URL").current_dir(&dir.0));
    assert!(dir.0.join("store-api.db").is_file());
    let store = server.create_store("north").await;
    assert_eq!(server.get(store, "/products").await.json(StatusCode::OK), json!([]));
}

#[test]
fn an_unknown_database_url_stops_it_with_a_message() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_store-api"))
        .args(["--listen", "127.0.0.1:0"])
        .env("DATABASE_URL", "mysql://localhost/shop")
        .output()
        .expect("run store-api");
    assert!(!output.status.success());
    assert!(output.stdout.is_empty(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("DATABASE_URL must start with postgres://"), "{stderr}");
}

/// A directory removed with what it holds when dropped.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        drop(std::fs::remove_dir_all(&self.0));
    }
}

fn id(row: &Value) -> i64 {
    row["id"].as_i64().expect("an id")
}
