//! Entities declare their tenant: the schema built from them equals the hand-written one, a
//! key without the tenant column is reported, the composite key helpers make the database
//! refuse a cross-tenant reference, and SeaORM's related-entity queries, rewritten with the
//! schema, return one tenant's rows on PostgreSQL and SQLite (whose ids repeat across tenants).

mod support;

use multitenant::{Dialect, Output, Rewriter, Scope, TenantBinding, TenantId, TenantType};
use multitenant_sea_orm::{EntityError, KeyWithoutTenant, TenantSchema};
use sea_orm::sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, FromQueryResult, JoinType, QueryOrder,
    QuerySelect, QueryTrait, RelationTrait, Statement, Value,
};
use support::database::{TestDatabase, server_url};
use support::entities::{bad_purchase, schema, shared_note};
use support::{category, load, product, purchase, store};

#[test]
fn the_schema_built_from_the_entities_equals_the_hand_written_one() {
    assert_eq!(schema(), support::hand_written_schema());
}

#[test]
fn a_key_between_tenant_entities_without_the_tenant_column_is_reported() {
    let built = TenantSchema::new().tenant::<product::Entity>().tenant::<bad_purchase::Entity>().build();
    let Err(error) = built else { panic!("the bad relation was accepted: {built:?}") };
    let message = error.to_string();
    match error {
        EntityError::KeyWithoutTenantColumn(key) => {
            let KeyWithoutTenant { relation, table, columns, references, referenced_columns, .. } = *key;
            assert_eq!(relation, "Product");
            assert_eq!((table.as_str(), references.as_str()), ("purchases", "products"));
            assert_eq!((columns, referenced_columns), (vec!["product_id".to_owned()], vec!["id".to_owned()]));
        }
        other => panic!("another error: {other:?}"),
    }
    assert!(message.contains("(store_id, product_id) -> (store_id, id)"), "{message}");
}

#[test]
fn a_reference_entity_that_references_a_tenant_entity_is_reported() {
    let built = TenantSchema::new().tenant::<product::Entity>().reference::<shared_note::Entity>().build();
    match built {
        Err(EntityError::ReferenceToTenant { relation, table, references }) => {
            assert_eq!(
                (relation.as_str(), table.as_str(), references.as_str()),
                ("Product", "notes", "products")
            );
        }
        other => panic!("not reported: {other:?}"),
    }
}

#[test]
fn the_tenant_type_is_declared_for_the_core() {
    let built = TenantSchema::new()
        .tenant::<store::Entity>()
        .tenant_type(TenantType::BigInt)
        .build()
        .expect("schema");
    assert_eq!(built.tenant_type(), Some(TenantType::BigInt));
}

#[test]
fn relations_to_entities_not_registered_are_left_out() {
    let built = TenantSchema::new().tenant::<purchase::Entity>().build().expect("a schema");
    let expected =
        multitenant::Schema::builder().tenant_table("purchases", "store_id").build().expect("schema");
    assert_eq!(built, expected);
}

#[test]
fn the_key_helpers_build_composite_keys_for_both_backends() {
    let purchases = support::tables().pop().expect("the purchases table");
    for sql in [purchases.to_string(PostgresQueryBuilder), purchases.to_string(SqliteQueryBuilder)] {
        assert!(sql.contains(r#"PRIMARY KEY ("store_id", "id")"#), "{sql}");
        assert!(
            sql.contains(
                r#"FOREIGN KEY ("store_id", "product_id") REFERENCES "products" ("store_id", "id")"#
            ),
            "{sql}"
        );
        assert!(sql.contains(r#"FOREIGN KEY ("store_id") REFERENCES "stores" ("id")"#), "{sql}");
    }
}

/// A purchase may reference its own store's product 4, not store 2's.
async fn refuses_a_cross_tenant_reference(db: &DatabaseConnection) {
    load(db).await;
    db.execute_unprepared(
        "INSERT INTO products (store_id, id, name, price_cents) VALUES (2, 4, 's2-p4', 204)",
    )
    .await
    .expect("store 2's product 4");
    let cross = db
        .execute_unprepared("INSERT INTO purchases (store_id, id, product_id, quantity) VALUES (1, 9, 4, 1)")
        .await;
    assert!(cross.is_err(), "store 1 bought store 2's product");
    db.execute_unprepared("INSERT INTO purchases (store_id, id, product_id, quantity) VALUES (2, 9, 4, 1)")
        .await
        .expect("store 2 buys its own product");
}

#[tokio::test]
async fn the_composite_foreign_key_refuses_a_cross_tenant_reference_on_postgresql() {
    let database = TestDatabase::create(&server_url()).await;
    refuses_a_cross_tenant_reference(&database.connect().await).await;
}

#[tokio::test]
async fn the_composite_foreign_key_refuses_a_cross_tenant_reference_on_sqlite() {
    refuses_a_cross_tenant_reference(&support::sqlite().await).await;
}

/// `statement` rewritten for `tenant`, with its values and the tenant bound after them.
fn scoped(statement: Statement, tenant: i64) -> Statement {
    let dialect = match statement.db_backend {
        DbBackend::Sqlite => Dialect::Sqlite,
        _ => Dialect::Postgres,
    };
    let rewriter = Rewriter::new(schema(), dialect);
    let rewritten =
        rewriter.rewrite_in(Some(&Scope::tenant(tenant)), &statement.sql, Output::Bind).expect("rewritten");
    let mut values = statement.values.map(|v| v.0).unwrap_or_default();
    let parameter = rewritten.tenant_parameter().expect("the statement needs the tenant");
    assert_eq!(parameter.index(), values.len() + 1, "{}", rewritten.sql());
    assert_eq!(parameter.binding(), TenantBinding::One(&TenantId::I64(tenant)));
    values.push(Value::BigInt(Some(tenant)));
    Statement::from_sql_and_values(statement.db_backend, rewritten.sql(), values)
}

/// The rows of `statement` as (A, B) pairs, SeaORM's prefixes for a two-entity select.
async fn pairs<A: FromQueryResult, B: FromQueryResult>(
    db: &DatabaseConnection,
    statement: Statement,
) -> Vec<(A, Option<B>)> {
    let rows = db.query_all_raw(statement).await.expect("the query runs");
    rows.iter()
        .map(|row| {
            let a = A::from_query_result(row, "A_").expect("the first entity");
            let b = B::from_query_result_optional(row, "B_").expect("the second entity");
            (a, b)
        })
        .collect()
}

fn product_names<M>(rows: &[(M, Option<product::Model>)]) -> Vec<String> {
    rows.iter().map(|(_, p)| p.as_ref().map_or_else(|| "-".to_owned(), |p| p.name.clone())).collect()
}

async fn related_queries_return_one_tenants_rows(db: &DatabaseConnection) {
    let backend = db.get_database_backend();
    load(db).await;

    // find_also_related: purchases with their product (a LEFT JOIN along the composite key).
    let query =
        purchase::Entity::find().find_also_related(product::Entity).order_by_asc(purchase::Column::Id);
    let statement = query.build(backend);
    let all: Vec<(purchase::Model, Option<product::Model>)> = pairs(db, statement.clone()).await;
    assert_eq!(all.len(), 4, "unrewritten, both stores' purchases");
    let scoped_statement = scoped(statement, 2);
    let sql = &scoped_statement.sql;
    let join = sql.split_once("LEFT JOIN").and_then(|(_, rest)| rest.split_once(" WHERE ")).map(|(on, _)| on);
    assert!(
        join.is_some_and(|on| on.contains(r#""products".store_id = "#)),
        "the tenant is not in the join: {sql}"
    );
    let rows: Vec<(purchase::Model, Option<product::Model>)> = pairs(db, scoped_statement).await;
    assert!(rows.iter().all(|(p, _)| p.store_id == 2), "{rows:?}");
    assert_eq!(product_names(&rows), ["s2-p1", "s2-p2"]);

    // find_with_related: a store with its products.
    let query = store::Entity::find().find_with_related(product::Entity).order_by_asc(product::Column::Id);
    let rows: Vec<(store::Model, Option<product::Model>)> = pairs(db, scoped(query.build(backend), 1)).await;
    assert!(rows.iter().all(|(s, _)| s.id == 1), "{rows:?}");
    assert_eq!(product_names(&rows), ["s1-p1", "s1-p2", "s1-p3"]);

    // A reference table joined to a tenant table: only the tenant's products, all categories.
    let query = product::Entity::find().find_also_related(category::Entity).order_by_asc(product::Column::Id);
    let rows: Vec<(product::Model, Option<category::Model>)> =
        pairs(db, scoped(query.build(backend), 2)).await;
    let names: Vec<_> =
        rows.iter().map(|(p, c)| (p.name.as_str(), c.as_ref().map(|c| c.name.as_str()))).collect();
    assert_eq!(names, [("s2-p1", Some("food")), ("s2-p2", Some("tools")), ("s2-p3", Some("food"))]);

    // An inner join along the reverse (has_many) relation, selecting the product's columns.
    let query = product::Entity::find()
        .join(JoinType::InnerJoin, product::Relation::Purchase.def())
        .order_by_asc(product::Column::Id);
    let statement = query.build(backend);
    let unscoped = product::Model::find_by_statement(statement.clone()).all(db).await.expect("runs");
    assert_eq!(unscoped.len(), 4, "unrewritten, both stores' purchased products");
    let products = product::Model::find_by_statement(scoped(statement, 1)).all(db).await.expect("runs");
    let names: Vec<_> = products.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["s1-p1", "s1-p2"]);
}

#[tokio::test]
async fn related_queries_rewritten_return_one_tenants_rows_on_postgresql() {
    let database = TestDatabase::create(&server_url()).await;
    related_queries_return_one_tenants_rows(&database.connect().await).await;
}

#[tokio::test]
async fn related_queries_rewritten_return_one_tenants_rows_on_sqlite() {
    related_queries_return_one_tenants_rows(&support::sqlite().await).await;
}
