//! Many stores at once: 1600 concurrent requests (reads and writes, the store named by header
//! or by subdomain, own ids and other stores' ids) through the real server, on SQLite and on
//! PostgreSQL. Each answer must hold its own store's rows only, and afterwards each store must
//! hold exactly the purchases its requests made.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::{Backend, Database, Server};
use hyper::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

const STORES: usize = 20;
const PRODUCTS: usize = 3;
const REQUESTS: usize = 1600;
const IN_FLIGHT: usize = 64;

/// One store as the test set it up.
struct Store {
    id: i64,
    products: Vec<Value>,
}

impl Store {
    fn product_ids(&self) -> Vec<i64> {
        self.products.iter().map(|p| p["id"].as_i64().expect("id")).collect()
    }

    fn owns(&self, product: &Value) -> bool {
        let prefix = format!("s{}-", self.id);
        product["product_name"].as_str().is_some_and(|name| name.starts_with(&prefix))
            && self.product_ids().contains(&product["product_id"].as_i64().unwrap_or(-1))
    }
}

async fn set_up(server: &Server) -> Vec<Store> {
    let mut stores = Vec::new();
    for s in 0..STORES {
        let id = server.create_store(&format!("store {s}")).await;
        let mut products = Vec::new();
        for k in 0..PRODUCTS {
            let price = id * 100 + k as i64;
            products.push(server.create_product(id, &format!("s{id}-p{k}"), price).await);
        }
        let first = products[0]["id"].as_i64().expect("id");
        server.create_purchase(id, first, 1).await;
        stores.push(Store { id, products });
    }
    stores
}

/// Sends request `i` (its kind and store follow from `i`) and checks the answer; returns the
/// quantity bought, if it bought.
async fn request(server: &Server, stores: &[Store], i: usize) -> Option<(i64, i64)> {
    let store = &stores[i % STORES];
    let other = &stores[(i % STORES + 1 + i % (STORES - 1)) % STORES];
    let own_product = store.product_ids()[i % PRODUCTS];
    let other_product = other.product_ids()[i % PRODUCTS];
    match (i / STORES) % 8 {
        0 => assert_eq!(server.get(store.id, "/products").await.json(StatusCode::OK), json!(store.products)),
        1 => {
            let host = format!("{}.localhost", store.id);
            let answer = server.send(Method::GET, "/products", &[("host", &host)], "").await;
            assert_eq!(answer.json(StatusCode::OK), json!(store.products));
        }
        2 => {
            let product = server.get(store.id, &format!("/products/{own_product}")).await;
            assert_eq!(product.json(StatusCode::OK), store.products[i % PRODUCTS]);
        }
        3 => {
            server.get(store.id, &format!("/products/{other_product}")).await.error(StatusCode::NOT_FOUND);
        }
        4 => {
            let quantity = (i % 5 + 1) as i64;
            let bought = server.create_purchase(store.id, own_product, quantity).await;
            assert_eq!(bought["product_id"], own_product);
            return Some((store.id, quantity));
        }
        5 => {
            let report = server.get(store.id, "/report").await.json(StatusCode::OK);
            let lines = report.as_array().expect("report");
            assert_eq!(lines.len(), PRODUCTS, "{report}");
            assert!(lines.iter().all(|line| store.owns(line)), "store {}: {report}", store.id);
        }
        6 => {
            let buy = json!({ "product_id": other_product, "quantity": 1 });
            server.post(store.id, "/purchases", buy).await.error(StatusCode::NOT_FOUND);
        }
        _ => {
            let purchases = server.get(store.id, "/purchases").await.json(StatusCode::OK);
            let lines = purchases.as_array().expect("purchases");
            assert!(!lines.is_empty() && lines.iter().all(|line| store.owns(line)), "{purchases}");
        }
    }
    None
}

async fn many_stores_at_once(backend: Backend) {
    let db = Database::create(backend).await;
    let server = Arc::new(Server::start(&db));
    let stores = Arc::new(set_up(&server).await);

    let permits = Arc::new(Semaphore::new(IN_FLIGHT));
    let mut requests = JoinSet::new();
    for i in 0..REQUESTS {
        let (server, stores, permits) = (Arc::clone(&server), Arc::clone(&stores), Arc::clone(&permits));
        requests.spawn(async move {
            let _permit = permits.acquire().await.expect("semaphore");
            request(&server, &stores, i).await
        });
    }
    // Each store starts with one purchase of one unit.
    let mut bought: BTreeMap<i64, (usize, i64)> = stores.iter().map(|s| (s.id, (1, 1))).collect();
    while let Some(done) = requests.join_next().await {
        if let Some((store, quantity)) = done.expect("a request failed its check") {
            let entry = bought.get_mut(&store).expect("a known store");
            *entry = (entry.0 + 1, entry.1 + quantity);
        }
    }

    // Every purchase is of its own store's product, and each store has exactly its own.
    let mut found: BTreeMap<i64, (usize, i64)> = BTreeMap::new();
    for (store_id, _id, product_id, quantity) in db.all_purchases().await {
        let store = stores.iter().find(|s| s.id == store_id).expect("a known store");
        assert!(store.product_ids().contains(&product_id), "store {store_id} bought {product_id}");
        let entry = found.entry(store_id).or_default();
        *entry = (entry.0 + 1, entry.1 + quantity);
    }
    assert_eq!(found, bought);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_many_stores_at_once() {
    many_stores_at_once(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_many_stores_at_once() {
    many_stores_at_once(Backend::Postgres).await;
}
