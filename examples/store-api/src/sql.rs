//! The statements the app runs. None names a store: the scoped pool adds `store_id` to each,
//! from the request's scope.
//!
//! Each is written once with PostgreSQL's `$n` placeholders; SQLite gets the same text with
//! `?n`, the numbered form the rewriter reads in SQLite (which has no other `$`).

/// One statement in each database's placeholder syntax.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sql {
    pub(crate) postgres: &'static str,
    pub(crate) sqlite: &'static str,
}

/// `sql` with every `$` written `?`, at compile time.
const fn sqlite_placeholders<const N: usize>(sql: &str) -> [u8; N] {
    let bytes = sql.as_bytes();
    let mut out = [0; N];
    let mut i = 0;
    while i < N {
        out[i] = if bytes[i] == b'$' { b'?' } else { bytes[i] };
        i += 1;
    }
    out
}

macro_rules! statements {
    ($($(#[$doc:meta])* $name:ident = $text:literal;)*) => {$(
        $(#[$doc])*
        pub(crate) const $name: Sql = Sql {
            postgres: $text,
            sqlite: {
                const BYTES: [u8; $text.len()] = sqlite_placeholders($text);
                match std::str::from_utf8(&BYTES) {
                    Ok(text) => text,
                    Err(_) => panic!("a statement is not UTF-8"),
                }
            },
        };
    )*};
}

statements! {
    /// Admin work, run unscoped: a new store (tenant).
    INSERT_STORE = "INSERT INTO stores (name) VALUES ($1) RETURNING id, name";
    /// 1 when the current store exists, else 0 (the scope filters `stores` by its `id`).
    STORE_EXISTS = "SELECT count(*) FROM stores";
    LIST_PRODUCTS = "SELECT id, name, price_cents FROM products ORDER BY id";
    GET_PRODUCT = "SELECT id, name, price_cents FROM products WHERE id = $1";
    INSERT_PRODUCT =
        "INSERT INTO products (name, price_cents) VALUES ($1, $2) RETURNING id, name, price_cents";
    UPDATE_PRODUCT = "UPDATE products SET name = COALESCE($1, name), \
        price_cents = COALESCE($2, price_cents) WHERE id = $3 RETURNING id, name, price_cents";
    DELETE_PRODUCT = "DELETE FROM products WHERE id = $1";
    INSERT_PURCHASE = "INSERT INTO purchases (product_id, quantity) VALUES ($1, $2) \
        RETURNING id, product_id, quantity";
    LIST_PURCHASES = "SELECT pu.id, pu.product_id, p.name AS product_name, pu.quantity \
        FROM purchases pu JOIN products p ON p.id = pu.product_id ORDER BY pu.id";
    /// Units sold and revenue per product, products without purchases included.
    REPORT = "SELECT p.id AS product_id, p.name AS product_name, \
        CAST(COALESCE(SUM(pu.quantity), 0) AS BIGINT) AS units, \
        CAST(COALESCE(SUM(pu.quantity * p.price_cents), 0) AS BIGINT) AS revenue_cents \
        FROM products p LEFT JOIN purchases pu ON pu.product_id = p.id \
        GROUP BY p.id, p.name ORDER BY p.id";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_reads_numbered_question_marks() {
        assert_eq!(GET_PRODUCT.postgres, "SELECT id, name, price_cents FROM products WHERE id = $1");
        assert_eq!(GET_PRODUCT.sqlite, "SELECT id, name, price_cents FROM products WHERE id = ?1");
    }
}
