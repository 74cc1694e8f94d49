-- The stores are the tenants; every other row carries its store in `store_id`, and each
-- foreign key carries it too, so a row can only reference a row of its own store.
--
-- SQLite numbers rows only for a one-column INTEGER PRIMARY KEY, so `id` is that key here and
-- `(store_id, id)` is a UNIQUE key the foreign keys reference (on PostgreSQL it is the primary
-- key).
CREATE TABLE stores (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL
);

CREATE TABLE products (
    store_id INTEGER NOT NULL REFERENCES stores (id),
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    price_cents INTEGER NOT NULL,
    UNIQUE (store_id, id)
);

CREATE TABLE purchases (
    store_id INTEGER NOT NULL REFERENCES stores (id),
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id INTEGER NOT NULL,
    quantity INTEGER NOT NULL,
    UNIQUE (store_id, id),
    FOREIGN KEY (store_id, product_id) REFERENCES products (store_id, id)
);
