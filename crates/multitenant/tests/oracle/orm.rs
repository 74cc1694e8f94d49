//! The second corpus: statements as an ORM emits them, built with `sea-query` (the builder
//! SeaORM uses) and rendered for PostgreSQL and SQLite with their placeholders and values.
//! Hand-written SQL misses the ORM's forms: every name quoted and qualified, conditions in
//! parentheses, aliases such as `"U0"`, loaders' `IN ($1, $2)` lists, the paginator's count
//! over a `"sub_query"`, `LIMIT $n`, full-row saves, upserts with `"excluded"`.
//!
//! Each case becomes a corpus [`Entry`] named `orm_<operation>`, checked by the same oracle.

use multitenant::Dialect;
use sea_query::{
    Cond, Expr, ExprTrait, Func, OnConflict, Order, PostgresQueryBuilder, Query, QueryStatementWriter,
    SelectStatement, SqliteQueryBuilder, Value, Values,
};

use super::corpus::{Entry, Expect, Param, ScopeSpec};

/// Entries the core does not handle yet; fixes are under way on other branches. They are left
/// out of the run here and listed in the report; empty this list once the fixes are merged.
///
/// - full-row saves and upserts that assign the tenant column its current value (refused);
/// - with several tenants or unscoped, correlations through a parenthesized outer reference
///   (`= ("campaigns"."id")`) and `IN (SELECT ...)` along a foreign key (no tenant equality);
/// - `DECLARE ... CURSOR` (refused).
pub const PENDING_CORE_FIXES: &[&str] = &[];

const ADS: &[&str] = &["company_id", "id", "campaign_id", "geo_id", "title", "clicks"];
const CAMPAIGNS: &[&str] = &["company_id", "id", "name", "budget"];

/// The ORM corpus for `dialect`: the entries to run, and the names of those left out
/// pending core fixes.
pub fn entries(dialect: Dialect) -> (Vec<Entry>, Vec<String>) {
    let cases = cases();
    for pending in PENDING_CORE_FIXES {
        assert!(cases.iter().any(|c| c.name == *pending), "pending entry {pending} is not an ORM case");
    }
    let mut names: Vec<&str> = cases.iter().map(|c| c.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), cases.len(), "ORM case names repeat");
    let (pending, run): (Vec<Entry>, Vec<Entry>) = cases
        .into_iter()
        .filter_map(|c| c.entry(dialect))
        .partition(|e| PENDING_CORE_FIXES.contains(&e.name.as_str()));
    (run, pending.into_iter().map(|e| e.name).collect())
}

fn cases() -> Vec<Case> {
    let groups = [finds(), joins(), related(), pages(), inserts(), updates(), deletes(), upserts()];
    groups.into_iter().chain([several_tenants(), unscoped()]).flatten().collect()
}

// ------------------------------------------------------------------------- the cases

fn finds() -> Vec<Case> {
    vec![
        // `Entity::find_by_id(3).one(db)`. Without the tenant the scan meets tenant 1's ad 3 first.
        case("orm_find_by_id", find("ads", ADS).and_where(col("ads", "id").eq(3_i64)).limit(1)),
        case(
            "orm_find_and_or_groups",
            find("ads", ADS).cond_where(
                Cond::all()
                    .add(Cond::any().add(col("ads", "clicks").gt(23)).add(col("ads", "title").like("%ad 1")))
                    .add(col("ads", "campaign_id").is_in([1_i64, 2])),
            ),
        ),
        case(
            "orm_find_like_is_null",
            find("ads", ADS).cond_where(
                Cond::all()
                    .add(col("ads", "title").like("t_ ad %"))
                    .add(Cond::any().add(col("ads", "geo_id").is_null()).add(col("ads", "geo_id").eq(1))),
            ),
        ),
        case(
            "orm_find_not_group",
            find("ads", ADS).cond_where(
                Cond::any().add(col("ads", "id").eq(1_i64)).add(col("ads", "clicks").lt(24)).not(),
            ),
        ),
        case(
            "orm_find_in_list_ordered",
            find("ads", ADS)
                .and_where(col("ads", "id").is_in([1_i64, 3, 5]))
                .order_by(("ads", "id"), Order::Asc),
        )
        .ordered(),
        // `select_only().column(..).column_as(Column::Clicks.sum(), "total").group_by(..)`.
        case(
            "orm_find_group_by_sum",
            Query::select()
                .column(("ads", "campaign_id"))
                .expr_as(Func::sum(col("ads", "clicks")), "total")
                .from("ads")
                .group_by_col(("ads", "campaign_id"))
                .to_owned(),
        ),
    ]
}

fn joins() -> Vec<Case> {
    vec![
        case(
            "orm_join_inner",
            find("ads", ADS)
                .inner_join("campaigns", col("ads", "campaign_id").equals(("campaigns", "id")))
                .and_where(col("campaigns", "budget").gt(201)),
        ),
        case("orm_find_also_related", find_also_related()),
        case("orm_find_with_related", find_with_related()),
        case("orm_join_three_tables", three_tables()),
        case("orm_join_schema_qualified", events_with_ads()).postgres_only(),
        case(
            "orm_join_quoted_table",
            Query::select()
                .columns([("Visits", "id"), ("Visits", "ad_id")])
                .column(("ads", "title"))
                .from("Visits")
                .inner_join("ads", col("Visits", "ad_id").equals(("ads", "id")))
                .to_owned(),
        ),
        case(
            "orm_join_left_filtered",
            find("campaigns", CAMPAIGNS)
                .left_join("ads", col("campaigns", "id").equals(("ads", "campaign_id")))
                .cond_where(Cond::any().add(col("ads", "id").is_null()).add(col("ads", "clicks").gt(24)))
                .to_owned(),
        ),
        // A relation with an extra `on_condition`, and the parents it leaves without children.
        case(
            "orm_join_left_anti",
            find("campaigns", CAMPAIGNS)
                .left_join(
                    "ads",
                    Cond::all()
                        .add(col("campaigns", "id").equals(("ads", "campaign_id")))
                        .add(col("ads", "clicks").gt(24)),
                )
                .and_where(col("ads", "id").is_null())
                .to_owned(),
        ),
    ]
}

fn related() -> Vec<Case> {
    vec![
        // The loaders: children of loaded parents, parents of loaded children.
        case(
            "orm_load_many_in_list",
            find("ads", ADS).and_where(col("ads", "campaign_id").is_in([1_i64, 2])),
        ),
        case(
            "orm_load_one_in_list",
            find("campaigns", CAMPAIGNS).and_where(col("campaigns", "id").is_in([2_i64, 3])),
        ),
        // SeaORM's loader for a composite key: row values naming the tenant.
        case(
            "orm_load_many_composite_key",
            find("ads", ADS).and_where(
                Expr::tuple([col("ads", "company_id"), col("ads", "campaign_id")])
                    .in_tuples([(2_i64, 1_i64), (2, 3)]),
            ),
        )
        .insensitive(
            "the row values name the current tenant: the statement cannot reach another tenant's row",
        ),
        case("orm_has_related_exists", has_related(23)),
        case("orm_exists_u0", exists_u0(col("U0", "clicks").gt(24))),
        case(
            "orm_not_exists_u0",
            find("campaigns", CAMPAIGNS).and_where(Expr::exists(u0_ads(col("U0", "clicks").gt(24))).not()),
        ),
        case("orm_in_subquery_along_foreign_key", in_subquery(203)),
    ]
}

/// Counts, pages and cursors.
fn pages() -> Vec<Case> {
    vec![
        case("orm_count_paginator", paginator_count(find("ads", ADS).and_where(col("ads", "clicks").gt(22)))),
        case(
            "orm_count_paginator_join",
            paginator_count(
                find("ads", ADS)
                    .inner_join("campaigns", col("ads", "campaign_id").equals(("campaigns", "id")))
                    .and_where(col("campaigns", "budget").lt(203)),
            ),
        ),
        case(
            "orm_count_grouped",
            Query::select()
                .column(("ads", "campaign_id"))
                .expr_as(Func::count(col("ads", "id")), "count")
                .from("ads")
                .group_by_col(("ads", "campaign_id"))
                .to_owned(),
        ),
        // `paginate(db, 2).fetch_page(1)`.
        case("orm_fetch_page", find("ads", ADS).order_by(("ads", "id"), Order::Asc).limit(2).offset(2))
            .ordered(),
        // `cursor_by(Column::Id).after(2).first(2)`.
        case(
            "orm_cursor_after",
            find("ads", ADS)
                .and_where(col("ads", "id").gt(2_i64))
                .order_by(("ads", "id"), Order::Asc)
                .limit(2),
        )
        .ordered(),
        // A server-side cursor over a query the ORM built.
        script(
            "orm_declare_cursor",
            Dialect::Postgres,
            format!(
                "DECLARE \"orm_cursor\" NO SCROLL CURSOR FOR {}; FETCH ALL FROM \"orm_cursor\"",
                find("ads", ADS)
                    .and_where(col("ads", "clicks").gt(22))
                    .order_by(("ads", "id"), Order::Asc)
                    .to_string(PostgresQueryBuilder)
            ),
        )
        .ordered(),
    ]
}

fn inserts() -> Vec<Case> {
    let columns = ["id", "campaign_id", "geo_id", "title", "clicks"];
    vec![
        case(
            "orm_insert_one_returning",
            Query::insert()
                .into_table("ads")
                .columns(columns)
                .values_panic(row(9, 1, "orm ad 9"))
                .returning(Query::returning().columns(ADS.iter().copied()))
                .to_owned(),
        ),
        case(
            "orm_insert_many_returning",
            Query::insert()
                .into_table("ads")
                .columns(columns)
                .values_panic(row(9, 1, "orm ad 9"))
                .values_panic(row(10, 3, "orm ad 10"))
                .returning(Query::returning().columns(ADS.iter().copied()))
                .to_owned(),
        ),
        case(
            "orm_insert_naming_tenant",
            Query::insert()
                .into_table("ads")
                .columns(ADS.iter().copied())
                .values_panic([Expr::val(2_i64)].into_iter().chain(row(11, 2, "orm ad 11")))
                .returning(Query::returning().columns(ADS.iter().copied()))
                .to_owned(),
        )
        .insensitive("the statement names its own tenant, which is the current one"),
        case(
            "orm_insert_quoted_table",
            Query::insert()
                .into_table("Visits")
                .columns(["id", "ad_id"])
                .values_panic([Expr::val(7_i64), Expr::val(3_i64)])
                .returning(Query::returning().columns(["company_id", "id", "ad_id"]))
                .to_owned(),
        ),
        // `on_conflict_do_nothing()`: ad 1 exists for the tenant.
        case(
            "orm_insert_do_nothing",
            Query::insert()
                .into_table("ads")
                .columns(columns)
                .values_panic(row(1, 1, "orm clash"))
                .values_panic(row(12, 1, "orm ad 12"))
                .on_conflict(OnConflict::columns(["company_id", "id"]).do_nothing().to_owned())
                .returning(Query::returning().columns(["company_id", "id", "title"]))
                .to_owned(),
        ),
    ]
}

fn updates() -> Vec<Case> {
    vec![
        // `update_many().col_expr(Column::Title, Expr::value(..)).filter(Column::Id.eq(3))`.
        case(
            "orm_update_one_column",
            Query::update()
                .table("ads")
                .value("title", "orm renamed")
                .and_where(col("ads", "id").eq(3_i64))
                .to_owned(),
        ),
        case(
            "orm_update_expression",
            Query::update()
                .table("ads")
                .value("clicks", Expr::col("clicks").add(100))
                .and_where(col("ads", "campaign_id").is_in([1_i64, 2]))
                .to_owned(),
        ),
        case(
            "orm_update_returning",
            Query::update()
                .table("campaigns")
                .value("budget", 7)
                .and_where(col("campaigns", "name").like("%campaign 2"))
                .returning(Query::returning().columns(CAMPAIGNS.iter().copied()))
                .to_owned(),
        ),
        // An active model saved with its changed columns (the tenant column unchanged, not set).
        case("orm_update_changed_columns", save(&["campaign_id", "geo_id", "title", "clicks"], &["id"])),
        // Saved by its composite key, as a model whose key is (company_id, id) is.
        case(
            "orm_update_by_composite_key",
            save(&["campaign_id", "geo_id", "title", "clicks"], &["company_id", "id"]),
        )
        .insensitive("the key names the current tenant: the statement cannot reach another tenant's row"),
        // A full-row save: every column, the tenant's with its current value.
        case(
            "orm_update_all_columns",
            save(&["company_id", "campaign_id", "geo_id", "title", "clicks"], &["id"]),
        ),
    ]
}

fn deletes() -> Vec<Case> {
    vec![
        case(
            "orm_delete_by_id",
            Query::delete().from_table("ads").and_where(col("ads", "id").eq(2_i64)).to_owned(),
        ),
        case(
            "orm_delete_by_filter",
            Query::delete()
                .from_table("ads")
                .cond_where(
                    Cond::all().add(col("ads", "clicks").gt(22)).add(
                        Cond::any().add(col("ads", "title").like("%ad 4")).add(col("ads", "geo_id").eq(2)),
                    ),
                )
                .to_owned(),
        ),
        case(
            "orm_delete_returning",
            Query::delete()
                .from_table("ads")
                .and_where(col("ads", "campaign_id").eq(2_i64))
                .returning(Query::returning().columns(ADS.iter().copied()))
                .to_owned(),
        ),
        case(
            "orm_delete_in_subquery",
            Query::delete()
                .from_table("ads")
                .and_where(
                    col("ads", "campaign_id").in_subquery(
                        Query::select()
                            .column(("campaigns", "id"))
                            .from("campaigns")
                            .and_where(col("campaigns", "budget").eq(202))
                            .to_owned(),
                    ),
                )
                .to_owned(),
        ),
    ]
}

fn upserts() -> Vec<Case> {
    let columns = ["id", "campaign_id", "geo_id", "title", "clicks"];
    let key = || OnConflict::columns(["company_id", "id"]);
    let all_but_id = ["company_id", "campaign_id", "geo_id", "title", "clicks"];
    vec![
        case(
            "orm_upsert_update_title",
            Query::insert()
                .into_table("ads")
                .columns(columns)
                .values_panic(row(3, 1, "orm upserted"))
                .on_conflict(key().update_column("title").to_owned())
                .to_owned(),
        ),
        case(
            "orm_upsert_many_returning",
            Query::insert()
                .into_table("ads")
                .columns(columns)
                .values_panic(row(3, 1, "orm upserted"))
                .values_panic(row(13, 2, "orm ad 13"))
                .on_conflict(key().update_columns(["campaign_id", "title", "clicks"]).to_owned())
                .returning(Query::returning().columns(ADS.iter().copied()))
                .to_owned(),
        ),
        case(
            "orm_upsert_campaign",
            Query::insert()
                .into_table("campaigns")
                .columns(["id", "name", "budget"])
                .values_panic([Expr::val(2_i64), Expr::val("orm campaign"), Expr::val(5)])
                .on_conflict(key().update_columns(["name", "budget"]).to_owned())
                .returning(Query::returning().columns(CAMPAIGNS.iter().copied()))
                .to_owned(),
        ),
        // Every column updated from `excluded`, the tenant's too (the model does not name it).
        case(
            "orm_upsert_tenant_from_excluded",
            Query::insert()
                .into_table("ads")
                .columns(columns)
                .values_panic(row(4, 1, "orm upserted"))
                .on_conflict(key().update_columns(all_but_id).to_owned())
                .to_owned(),
        ),
        // The same with the tenant named, as a model that holds it is saved.
        case(
            "orm_upsert_tenant_from_excluded_named",
            Query::insert()
                .into_table("ads")
                .columns(ADS.iter().copied())
                .values_panic([Expr::val(2_i64)].into_iter().chain(row(4, 1, "orm upserted")))
                .on_conflict(key().update_columns(all_but_id).to_owned())
                .returning(Query::returning().columns(ADS.iter().copied()))
                .to_owned(),
        )
        .insensitive("the statement names its own tenant, which is the current one, in the row and the key"),
    ]
}

/// Several tenants set: single-table statements are compared with the tenants' rows; reads
/// joining along foreign keys with each tenant's own result.
///
/// Only tenant 1 has ads with fewer than 13 clicks and campaigns with a budget below 103, so a
/// correlation or join that crosses tenants shows.
fn several_tenants() -> Vec<Case> {
    let both = [1, 3];
    vec![
        case("orm_two_tenants_load_in_list", find("ads", ADS).and_where(col("ads", "id").is_in([1_i64, 2])))
            .scope(&both),
        case(
            "orm_two_tenants_count_paginator",
            paginator_count(find("ads", ADS).and_where(col("ads", "id").lt(3_i64))),
        )
        .scope(&both),
        case(
            "orm_two_tenants_update_one_column",
            Query::update()
                .table("ads")
                .value("title", "orm renamed")
                .and_where(col("ads", "id").eq(4_i64))
                .to_owned(),
        )
        .scope(&both),
        case(
            "orm_two_tenants_join_inner",
            find("ads", ADS)
                .inner_join("campaigns", col("ads", "campaign_id").equals(("campaigns", "id")))
                .to_owned(),
        )
        .scope(&both)
        .per_tenant(),
        case("orm_two_tenants_find_also_related", find_also_related()).scope(&both).per_tenant(),
        case("orm_two_tenants_join_three_tables", three_tables()).scope(&both).per_tenant(),
        case("orm_two_tenants_has_related_exists", has_related(13)).scope(&both).per_tenant(),
        case("orm_two_tenants_exists_u0", exists_u0(col("U0", "clicks").lt(13))).scope(&both).per_tenant(),
        case("orm_two_tenants_in_subquery_along_foreign_key", in_subquery(103)).scope(&both).per_tenant(),
    ]
}

/// Unscoped (admin) reads: joins along foreign keys stay within a tenant.
fn unscoped() -> Vec<Case> {
    vec![
        case(
            "orm_unscoped_join_inner",
            find("ads", ADS)
                .inner_join("campaigns", col("ads", "campaign_id").equals(("campaigns", "id")))
                .to_owned(),
        )
        .unscoped(),
        case("orm_unscoped_find_also_related", find_also_related()).unscoped(),
        case("orm_unscoped_join_schema_qualified", events_with_ads()).unscoped().postgres_only(),
        case("orm_unscoped_has_related_exists", has_related(13)).unscoped(),
        case("orm_unscoped_exists_u0", exists_u0(col("U0", "clicks").lt(13))).unscoped(),
        case("orm_unscoped_in_subquery_along_foreign_key", in_subquery(103)).unscoped(),
        case(
            "orm_unscoped_find_by_filter",
            find("ads", ADS).and_where(col("ads", "clicks").gt(22)).to_owned(),
        )
        .unscoped()
        .insensitive("no join: unscoped adds nothing"),
    ]
}

// ------------------------------------------------------------------------- the ORM's shapes

fn col(table: &'static str, column: &'static str) -> Expr {
    Expr::col((table, column))
}

/// `Entity::find()`: every column, qualified.
fn find(table: &'static str, columns: &[&'static str]) -> SelectStatement {
    Query::select().columns(columns.iter().map(|c| (table, *c))).from(table).to_owned()
}

/// The columns of `table` as `"table"."c" AS "<prefix>_c"`, as `find_also_related` and
/// `find_with_related` select both sides.
fn select_as(query: &mut SelectStatement, table: &'static str, columns: &[&'static str], prefix: &str) {
    for column in columns {
        query.expr_as(col(table, column), format!("{prefix}_{column}"));
    }
}

/// `campaigns::Entity::find().find_with_related(ads::Entity)`: one-to-many, ordered by the
/// parent's key.
fn find_with_related() -> SelectStatement {
    let mut query = Query::select();
    select_as(&mut query, "campaigns", CAMPAIGNS, "A");
    select_as(&mut query, "ads", ADS, "B");
    query
        .from("campaigns")
        .left_join("ads", col("campaigns", "id").equals(("ads", "campaign_id")))
        .order_by(("campaigns", "id"), Order::Asc)
        .to_owned()
}

/// `ads::Entity::find().find_also_related(campaigns::Entity)`.
fn find_also_related() -> SelectStatement {
    let mut query = Query::select();
    select_as(&mut query, "ads", ADS, "A");
    select_as(&mut query, "campaigns", CAMPAIGNS, "B");
    query
        .from("ads")
        .left_join("campaigns", col("ads", "campaign_id").equals(("campaigns", "id")))
        .and_where(col("ads", "clicks").lt(24))
        .to_owned()
}

/// Along both foreign keys: ads -> campaigns -> companies.
fn three_tables() -> SelectStatement {
    Query::select()
        .column(("companies", "name"))
        .column(("campaigns", "name"))
        .column(("ads", "title"))
        .from("ads")
        .inner_join("campaigns", col("ads", "campaign_id").equals(("campaigns", "id")))
        .inner_join("companies", col("campaigns", "company_id").equals(("companies", "id")))
        .to_owned()
}

/// An entity in a schema (`"analytics"."events"`, columns named in three parts) with its ads.
fn events_with_ads() -> SelectStatement {
    let events = ("analytics", "events");
    Query::select()
        .columns(["id", "kind"].map(|c| ("analytics", "events", c)))
        .column(("ads", "title"))
        .from(events)
        .inner_join("ads", Expr::col(("analytics", "events", "ad_id")).equals(("ads", "id")))
        .and_where(Expr::col(("analytics", "events", "kind")).eq("click"))
        .to_owned()
}

/// `campaigns::Entity::find().has_related(ads::Entity, ads::Column::Clicks.lt(clicks))`.
fn has_related(clicks: i32) -> SelectStatement {
    find("campaigns", CAMPAIGNS)
        .and_where(Expr::exists(
            Query::select()
                .expr(Expr::cust("1"))
                .from("ads")
                .and_where(col("campaigns", "id").equals(("ads", "campaign_id")))
                .and_where(col("ads", "clicks").lt(clicks))
                .to_owned(),
        ))
        .to_owned()
}

/// `SELECT 1 FROM "ads" AS "U0" WHERE "U0"."campaign_id" = ("campaigns"."id") AND <filter>`:
/// the outer reference in parentheses, as ORMs write it.
fn u0_ads(filter: Expr) -> SelectStatement {
    Query::select()
        .expr(Expr::cust("1"))
        .from_as("ads", "U0")
        .and_where(col("U0", "campaign_id").eq(Expr::tuple([col("campaigns", "id")])))
        .and_where(filter)
        .to_owned()
}

/// Campaigns with an ad that passes `filter` (on `"U0"`).
fn exists_u0(filter: Expr) -> SelectStatement {
    find("campaigns", CAMPAIGNS).and_where(Expr::exists(u0_ads(filter))).to_owned()
}

/// Ads whose campaign's budget is below `budget`, through `IN (SELECT ...)` on the foreign key.
fn in_subquery(budget: i32) -> SelectStatement {
    find("ads", ADS)
        .and_where(
            col("ads", "campaign_id").in_subquery(
                Query::select()
                    .column(("U0", "id"))
                    .from_as("campaigns", "U0")
                    .and_where(col("U0", "budget").lt(budget))
                    .to_owned(),
            ),
        )
        .to_owned()
}

/// The paginator's count: `SELECT COUNT(*) AS "num_items" FROM (<query>) AS "sub_query"`.
fn paginator_count(query: &SelectStatement) -> SelectStatement {
    Query::select()
        .expr_as(Expr::cust("COUNT(*)"), "num_items")
        .from_subquery(query.clone(), "sub_query")
        .to_owned()
}

/// An active model saved: `UPDATE "ads" SET <set> WHERE <key> RETURNING *columns*`, the
/// values those of tenant 2's ad 3 changed.
fn save(set: &[&'static str], key: &[&'static str]) -> sea_query::UpdateStatement {
    let value = |column: &str| match column {
        "company_id" => Expr::val(2_i64),
        "id" => Expr::val(3_i64),
        "campaign_id" => Expr::val(2_i64),
        "geo_id" => Expr::val(2),
        "title" => Expr::val("orm saved"),
        _ => Expr::val(0),
    };
    let mut update = Query::update();
    update.table("ads").values(set.iter().map(|c| (*c, value(c))));
    for column in key {
        update.and_where(col("ads", column).eq(value(column)));
    }
    update.returning(Query::returning().columns(ADS.iter().copied())).to_owned()
}

/// Values for `("id", "campaign_id", "geo_id", "title", "clicks")`.
fn row(id: i64, campaign: i64, title: &'static str) -> [Expr; 5] {
    [Expr::val(id), Expr::val(campaign), Expr::val(1), Expr::val(title), Expr::val(0)]
}

// ------------------------------------------------------------------------- cases to entries

/// A statement in both dialects, and what the oracle must find.
struct Case {
    name: &'static str,
    /// The SQL and values per dialect.
    rendered: Vec<(Dialect, String, Vec<Param>)>,
    script: bool,
    scope: ScopeSpec,
    insensitive: Option<String>,
    ordered: bool,
    per_tenant: bool,
}

/// `statement` rendered with `build(..)` for PostgreSQL and SQLite.
fn case(name: &'static str, statement: impl Into<Built>) -> Case {
    let statement = statement.into();
    let rendered = [Dialect::Postgres, Dialect::Sqlite]
        .into_iter()
        .map(|dialect| {
            let (sql, values) = statement.build(dialect);
            (dialect, sql, params(name, values))
        })
        .collect();
    Case::new(name, rendered, false)
}

/// Several statements as one script (no bound values) in one dialect.
fn script(name: &'static str, dialect: Dialect, sql: String) -> Case {
    Case::new(name, vec![(dialect, sql, Vec::new())], true)
}

impl Case {
    fn new(name: &'static str, rendered: Vec<(Dialect, String, Vec<Param>)>, script: bool) -> Self {
        Self {
            name,
            rendered,
            script,
            scope: ScopeSpec::Tenants(vec![2]),
            insensitive: None,
            ordered: false,
            per_tenant: false,
        }
    }

    fn scope(mut self, tenants: &[i64]) -> Self {
        self.scope = ScopeSpec::Tenants(tenants.to_vec());
        self
    }

    fn unscoped(mut self) -> Self {
        self.scope = ScopeSpec::Unscoped;
        self
    }

    fn per_tenant(mut self) -> Self {
        self.per_tenant = true;
        self
    }

    fn ordered(mut self) -> Self {
        self.ordered = true;
        self
    }

    fn insensitive(mut self, reason: &str) -> Self {
        self.insensitive = Some(reason.to_owned());
        self
    }

    /// For tables only the PostgreSQL data set has (`analytics.events`).
    fn postgres_only(mut self) -> Self {
        self.rendered.retain(|(dialect, _, _)| *dialect == Dialect::Postgres);
        self
    }

    fn entry(self, dialect: Dialect) -> Option<Entry> {
        let (_, sql, params) = self.rendered.into_iter().find(|(d, _, _)| *d == dialect)?;
        Some(Entry {
            name: self.name.to_owned(),
            sql,
            expect: Expect::Ok,
            scope: self.scope,
            dialects: vec![dialect],
            params,
            insensitive: self.insensitive,
            script: self.script,
            ordered: self.ordered,
            per_tenant: self.per_tenant,
        })
    }
}

/// The statement kinds the cases build.
enum Built {
    Select(SelectStatement),
    Insert(sea_query::InsertStatement),
    Update(sea_query::UpdateStatement),
    Delete(sea_query::DeleteStatement),
}

impl Built {
    fn build(&self, dialect: Dialect) -> (String, Values) {
        fn with(statement: &impl QueryStatementWriter, dialect: Dialect) -> (String, Values) {
            match dialect {
                Dialect::Sqlite => statement.build(SqliteQueryBuilder),
                _ => statement.build(PostgresQueryBuilder),
            }
        }
        match self {
            Self::Select(s) => with(s, dialect),
            Self::Insert(s) => with(s, dialect),
            Self::Update(s) => with(s, dialect),
            Self::Delete(s) => with(s, dialect),
        }
    }
}

impl From<SelectStatement> for Built {
    fn from(statement: SelectStatement) -> Self {
        Self::Select(statement)
    }
}

impl From<&mut SelectStatement> for Built {
    fn from(statement: &mut SelectStatement) -> Self {
        Self::Select(statement.to_owned())
    }
}

impl From<sea_query::InsertStatement> for Built {
    fn from(statement: sea_query::InsertStatement) -> Self {
        Self::Insert(statement)
    }
}

impl From<sea_query::UpdateStatement> for Built {
    fn from(statement: sea_query::UpdateStatement) -> Self {
        Self::Update(statement)
    }
}

impl From<sea_query::DeleteStatement> for Built {
    fn from(statement: sea_query::DeleteStatement) -> Self {
        Self::Delete(statement)
    }
}

/// sea-query's values as the oracle's parameters.
fn params(name: &str, values: Values) -> Vec<Param> {
    values
        .into_iter()
        .map(|value| match value {
            Value::Int(v) => v.map_or(Param::Null, |v| Param::Int(v.into())),
            Value::BigInt(v) => v.map_or(Param::Null, Param::Int),
            Value::BigUnsigned(v) => v.map_or(Param::Null, |v| {
                Param::Int(i64::try_from(v).unwrap_or_else(|_| panic!("{name}: {v} overflows")))
            }),
            Value::String(v) => v.map_or(Param::Null, Param::Text),
            other => panic!("{name}: the oracle binds integers and text, not {other:?}"),
        })
        .collect()
}
