//! Tenants that are not bigints, end to end: text tenants on PostgreSQL and SQLite, uuid
//! tenants on PostgreSQL. Two tenants hold notes with the same ids; every operation sees and
//! changes one tenant's rows, several tenants at once bind as the dialect takes a set, and a
//! note written into another tenant is refused with nothing written.
//!
//! (On SQLite a uuid tenant is compared as its text, so an entity keeps such a column as a
//! `String` there; that case is the text one.)

mod common;

use common::database::{TestDatabase, server_url};
use multitenant::{Scope, TenantId, TenantType, with_scope, with_tenant};
use multitenant_sea_orm::{Error, ScopedDatabase, TenantEntity, TenantSchema};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, Database, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder,
};

/// Notes of text tenants (`tenant` is an organisation's slug).
mod note {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "notes")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub org: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub body: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Documents of uuid tenants.
mod document {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "documents")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub account: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub title: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

impl TenantEntity for note::Entity {
    const TENANT_COLUMN: note::Column = note::Column::Org;
}

impl TenantEntity for document::Entity {
    const TENANT_COLUMN: document::Column = document::Column::Account;
}

const ACME: &str = "acme";
const GLOBEX: &str = "globex";

fn scoped(raw: &DatabaseConnection, schema: &TenantSchema) -> ScopedDatabase {
    ScopedDatabase::new(raw.clone(), schema.build().expect("the entities' schema"))
        .expect("a supported backend")
}

/// Every note of `org`, read past the scoped connection.
async fn notes_of(raw: &DatabaseConnection, org: &str) -> Vec<(i64, String)> {
    let notes =
        note::Entity::find().filter(note::Column::Org.eq(org)).order_by_asc(note::Column::Id).all(raw);
    notes.await.expect("read directly").into_iter().map(|n| (n.id, n.body)).collect()
}

async fn text_tenants(raw: DatabaseConnection) {
    raw.execute_unprepared("CREATE TABLE notes (org text NOT NULL, id bigint NOT NULL, body text NOT NULL, PRIMARY KEY (org, id))")
        .await
        .expect("create the table");
    let db = scoped(&raw, TenantSchema::new().tenant_type(TenantType::Text).tenant::<note::Entity>());

    for org in [ACME, GLOBEX] {
        with_tenant(org, async {
            for (id, body) in [(1, "plan"), (2, "budget")] {
                let body = Set(format!("{org} {body}"));
                note::ActiveModel { id: Set(id), body, ..Default::default() }.insert(&db).await?;
            }
            Ok::<_, sea_orm::DbErr>(())
        })
        .await
        .expect("insert, the tenant filled in");
    }
    let globex = vec![(1, "globex plan".to_owned()), (2, "globex budget".to_owned())];
    assert_eq!(notes_of(&raw, GLOBEX).await, globex);

    let found =
        with_tenant(ACME, note::Entity::find().order_by_asc(note::Column::Id).all(&db)).await.expect("find");
    let found: Vec<(&str, i64)> = found.iter().map(|n| (n.org.as_str(), n.id)).collect();
    assert_eq!(found, [(ACME, 1), (ACME, 2)]);
    let other =
        with_tenant(ACME, note::Entity::find_by_id((GLOBEX.to_owned(), 1)).one(&db)).await.expect("find");
    assert_eq!(other, None, "globex's note by its full key, from acme");

    let update = note::Entity::update_many()
        .col_expr(note::Column::Body, "done".into())
        .filter(note::Column::Id.eq(1));
    let updated = with_tenant(ACME, update.exec(&db)).await.expect("update");
    assert_eq!(updated.rows_affected, 1);
    assert_eq!(notes_of(&raw, ACME).await, [(1, "done".to_owned()), (2, "acme budget".to_owned())]);
    assert_eq!(notes_of(&raw, GLOBEX).await, globex);

    // Several tenants at once: an array on PostgreSQL, a JSON array on SQLite.
    let both = Scope::tenants([ACME, GLOBEX]).expect("two tenants");
    let all =
        with_scope(both, note::Entity::find().filter(note::Column::Id.eq(2)).all(&db)).await.expect("find");
    assert_eq!(all.len(), 2);

    let forged =
        note::ActiveModel { org: Set(GLOBEX.to_owned()), id: Set(9), body: Set("forged".to_owned()) };
    let refused = with_tenant(ACME, forged.insert(&db)).await.expect_err("a note written into globex");
    assert!(
        matches!(
            Error::from_db_err(&refused),
            Some(Error::Refused(multitenant::Error::ForeignTenantParameter { .. }))
        ),
        "{refused}"
    );
    assert_eq!(notes_of(&raw, GLOBEX).await, globex, "nothing written");

    let deleted = with_tenant(ACME, note::Entity::delete_many().exec(&db)).await.expect("delete");
    assert_eq!(deleted.rows_affected, 2);
    assert_eq!(notes_of(&raw, GLOBEX).await, globex);
}

#[tokio::test]
async fn text_tenants_on_sqlite() {
    text_tenants(Database::connect("sqlite::memory:").await.expect("open SQLite")).await;
}

#[tokio::test]
async fn text_tenants_on_postgres() {
    let database = TestDatabase::create(&server_url()).await;
    text_tenants(database.connect().await).await;
}

#[tokio::test]
async fn uuid_tenants_on_postgres() {
    let database = TestDatabase::create(&server_url()).await;
    let raw = database.connect().await;
    raw.execute_unprepared(
        "CREATE TABLE documents (account uuid NOT NULL, id bigint NOT NULL, title text NOT NULL, PRIMARY KEY (account, id))",
    )
    .await
    .expect("create the table");
    let db = scoped(&raw, TenantSchema::new().tenant_type(TenantType::Uuid).tenant::<document::Entity>());
    let (first, second) = (uuid::Uuid::from_u128(1), uuid::Uuid::from_u128(2));

    for account in [first, second] {
        with_tenant(account, async {
            for id in [1, 2] {
                let title = Set(format!("{account} {id}"));
                document::ActiveModel { id: Set(id), title, ..Default::default() }.insert(&db).await?;
            }
            Ok::<_, sea_orm::DbErr>(())
        })
        .await
        .expect("insert, the tenant filled in");
    }
    let found = with_tenant(first, document::Entity::find().all(&db)).await.expect("find");
    assert!(found.len() == 2 && found.iter().all(|d| d.account == first), "{found:?}");

    let both = Scope::tenants([TenantId::from(first), TenantId::from(second)]).expect("two tenants");
    let ones = document::Entity::find().filter(document::Column::Id.eq(1)).all(&db);
    assert_eq!(with_scope(both, ones).await.expect("find").len(), 2);

    let forged = document::ActiveModel { account: Set(second), id: Set(9), title: Set("forged".to_owned()) };
    let refused = with_tenant(first, forged.insert(&db)).await.expect_err("written into the second account");
    assert!(Error::from_db_err(&refused).is_some(), "{refused}");
    let second_rows = document::Entity::find().filter(document::Column::Account.eq(second)).all(&raw);
    assert_eq!(second_rows.await.expect("read directly").len(), 2, "nothing written");
}
