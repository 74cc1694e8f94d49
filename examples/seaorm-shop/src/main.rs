//! django-multitenant's shop on SeaORM, scoped per store: `cargo run -p seaorm-shop`.
//!
//! SQLite in memory by default, no server; `DATABASE_URL=postgres://...` for PostgreSQL, or a
//! Citus coordinator, where the migrations distribute the tables by store. Each run starts by
//! rolling its own migrations back, so it starts from empty tables of its own.

use anyhow::Context;
use multitenant::{unscoped, with_tenant};
use multitenant_sea_orm::ScopedDatabase;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, LoaderTrait, PaginatorTrait, QueryOrder};
use sea_orm_migration::MigratorTrait;
use seaorm_shop::entities::{product, purchase, store};
use seaorm_shop::migration::Migrator;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite::memory:".to_owned());
    let conn = sea_orm::Database::connect(&url).await.with_context(|| format!("connecting to {url}"))?;
    Migrator::down(&conn, None).await.context("rolling the example's migrations back")?;
    Migrator::up(&conn, None).await.context("running the migrations")?;
    let db = ScopedDatabase::new(conn, seaorm_shop::schema()?)?;

    // Creating tenants is admin work, across stores: said explicitly.
    unscoped(async {
        for (id, name) in [(1, "North"), (2, "South")] {
            store::ActiveModel { id: Set(id), name: Set(name.into()) }.insert(&db).await?;
        }
        Ok::<_, sea_orm::DbErr>(())
    })
    .await?;
    println!("stores 1 (North) and 2 (South) created, unscoped");

    // Each store writes the same ids, naming no store: the scope fills `store_id`.
    for (store, names) in [(1, ["shoe", "hat", "scarf"]), (2, ["kettle", "teapot", "cup"])] {
        with_tenant(store, async {
            for (id, name) in (1..).zip(names) {
                let product = product::ActiveModel {
                    id: Set(id),
                    name: Set(name.into()),
                    price_cents: Set(500 * id),
                    ..Default::default()
                };
                product.insert(&db).await?;
            }
            for (id, product_id, quantity) in [(1, 1, 2), (2, 3, 1)] {
                purchase::ActiveModel {
                    id: Set(id),
                    product_id: Set(product_id),
                    quantity: Set(quantity),
                    ..Default::default()
                }
                .insert(&db)
                .await?;
            }
            Ok::<_, sea_orm::DbErr>(())
        })
        .await?;
        println!("store {store}: products 1-3 ({}) and purchases 1-2 written", names.join(", "));
    }

    with_tenant(1_i64, async {
        let products = product::Entity::find().order_by_asc(product::Column::Id).all(&db).await?;
        println!("\nstore 1 sees products: {}", names(&products));

        let bought = purchase::Entity::find().find_also_related(product::Entity).all(&db).await?;
        for (purchase, product) in &bought {
            let name = product.as_ref().map_or("?", |p| p.name.as_str());
            println!("  purchase {}: {} x {name}", purchase.id, purchase.quantity);
        }

        let purchases = products.load_many(purchase::Entity, &db).await?;
        for (product, purchases) in products.iter().zip(&purchases) {
            println!("  {} was bought {} time(s)", product.name, purchases.len());
        }

        let pages = product::Entity::find().order_by_asc(product::Column::Id).paginate(&db, 2);
        let (count, number) = (pages.num_items().await?, pages.num_pages().await?);
        println!("  {count} products on {number} pages of 2; page 2: {}", names(&pages.fetch_page(1).await?));

        // An update names no store either; store 2's product 2 keeps its price.
        let hat = product::Entity::find_by_id((1, 2)).one(&db).await?.context("store 1's product 2")?;
        let mut hat: product::ActiveModel = hat.into();
        hat.price_cents = Set(450);
        let hat = hat.update(&db).await?;
        println!("  {} now costs {} cents", hat.name, hat.price_cents);

        // Store 2's product 1, asked for by its full key: not this store's, so not found.
        let other = product::Entity::find_by_id((2, 1)).one(&db).await?;
        println!("  store 2's product 1 from store 1: {other:?}");

        // A forged write into store 2 is refused before it reaches the database.
        let forged =
            purchase::ActiveModel { store_id: Set(2), id: Set(9), product_id: Set(1), quantity: Set(99) };
        let refused = forged.insert(&db).await.err().context("a write into another store went through")?;
        println!("  a purchase written into store 2: {}", explain(&refused));
        anyhow::Ok(())
    })
    .await?;

    with_tenant(2_i64, async {
        let products = product::Entity::find().order_by_asc(product::Column::Id).all(&db).await?;
        let purchases = purchase::Entity::find().all(&db).await?;
        println!("\nstore 2 sees products: {}; {} purchases", names(&products), purchases.len());
        anyhow::Ok(())
    })
    .await?;

    // No store set: refused, never "every store".
    let refused =
        product::Entity::find().all(&db).await.err().context("a read with no store went through")?;
    println!("\nno store set, a read: {}", explain(&refused));
    Ok(())
}

/// The refusal a SeaORM error carries, in its own words.
fn explain(error: &sea_orm::DbErr) -> String {
    multitenant_sea_orm::Error::from_db_err(error).map_or_else(|| error.to_string(), ToString::to_string)
}

fn names(products: &[product::Model]) -> String {
    let named: Vec<String> =
        products.iter().map(|p| format!("{} {} ({} cents)", p.id, p.name, p.price_cents)).collect();
    named.join(", ")
}
