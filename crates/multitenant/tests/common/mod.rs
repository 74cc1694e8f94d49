//! The schema the tests, the benchmarks and the fuzz target share: the tenant table itself
//! (`companies`, tenant column `id`), tenant tables joined by foreign keys, a schema-qualified
//! table, a case-sensitive quoted name, a view, and a reference table.

use multitenant::Schema;

pub fn schema() -> Schema {
    Schema::builder()
        .tenant_table("companies", "id")
        .tenant_table("campaigns", "company_id")
        .foreign_key("campaigns", ["company_id"], "companies", ["id"])
        .tenant_table("ads", "company_id")
        .foreign_key("ads", ["campaign_id"], "campaigns", ["id"])
        .tenant_table("analytics.events", "company_id")
        .foreign_key("analytics.events", ["ad_id"], "ads", ["id"])
        .tenant_table("\"Visits\"", "company_id")
        .foreign_key("\"Visits\"", ["ad_id"], "ads", ["id"])
        .tenant_table("ad_stats", "company_id")
        .reference_table("geo")
        .build()
        .expect("the shared test schema is valid")
}
