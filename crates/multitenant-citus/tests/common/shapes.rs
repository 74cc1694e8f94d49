//! Schema shapes the plan must handle, each as DDL with data, a schema file, and the plan's
//! exact SQL. `{s}` stands for the schema the tables live in, `{q}` for how the schema file
//! qualifies them (`""` to test names that resolve through `public`, or `"{s}."`).

pub struct Shape {
    pub name: &'static str,
    pub ddl: &'static str,
    pub toml: &'static str,
    pub plan: &'static str,
    /// The tenant tables and their tenant columns; the rest are reference tables.
    pub tenant_tables: &'static [(&'static str, &'static str)],
    pub reference_tables: &'static [&'static str],
}

impl Shape {
    /// `text` for tables in `schema`, the schema file naming them `qualifier`-qualified.
    pub fn fill(text: &str, schema: &str, qualifier: &str) -> String {
        text.replace("{q}", qualifier).replace("{s}", schema)
    }
}

pub const CHAIN: Shape = Shape {
    name: "chain_of_foreign_keys_tenant_table_distributed",
    ddl: "
        CREATE TABLE {s}.companies (id bigint PRIMARY KEY, name text);
        CREATE TABLE {s}.geo (id int PRIMARY KEY, name text);
        CREATE TABLE {s}.campaigns (company_id bigint NOT NULL REFERENCES {s}.companies (id), id bigint NOT NULL,
                                    name text, PRIMARY KEY (company_id, id));
        CREATE TABLE {s}.ads (company_id bigint NOT NULL, id bigint NOT NULL, campaign_id bigint NOT NULL,
                              geo_id int REFERENCES {s}.geo (id), title text, PRIMARY KEY (company_id, id),
                              FOREIGN KEY (company_id, campaign_id) REFERENCES {s}.campaigns (company_id, id));
        INSERT INTO {s}.companies SELECT c, 'company ' || c FROM generate_series(1, 6) c;
        INSERT INTO {s}.geo SELECT g, 'geo ' || g FROM generate_series(1, 5) g;
        INSERT INTO {s}.campaigns SELECT c, k, 'campaign ' || k FROM generate_series(1, 6) c, generate_series(1, 4) k;
        INSERT INTO {s}.ads SELECT c, k * 10 + a, k, a, 'c' || c || ' ad ' || a
            FROM generate_series(1, 6) c, generate_series(1, 4) k, generate_series(1, 5) a;
    ",
    toml: r#"
        [tables."{q}companies"]
        tenant_column = "id"
        [tables."{q}campaigns"]
        tenant_column = "company_id"
        foreign_keys = [{ columns = ["company_id"], references = "{q}companies", referenced_columns = ["id"] }]
        [tables."{q}ads"]
        tenant_column = "company_id"
        foreign_keys = [{ columns = ["campaign_id"], references = "{q}campaigns", referenced_columns = ["id"] }]
        [tables."{q}geo"]
        reference = true
    "#,
    plan: "BEGIN;
SET LOCAL citus.multi_shard_modify_mode TO 'sequential';
ALTER TABLE {s}.campaigns DROP CONSTRAINT campaigns_company_id_fkey;
ALTER TABLE {s}.ads DROP CONSTRAINT ads_company_id_campaign_id_fkey;
ALTER TABLE {s}.ads DROP CONSTRAINT ads_geo_id_fkey;
SELECT create_reference_table('{s}.geo');
SELECT create_distributed_table('{s}.companies', 'id', colocate_with => 'none');
SELECT create_distributed_table('{s}.campaigns', 'company_id', colocate_with => '{s}.companies');
SELECT create_distributed_table('{s}.ads', 'company_id', colocate_with => '{s}.companies');
ALTER TABLE {s}.campaigns ADD CONSTRAINT campaigns_company_id_fkey FOREIGN KEY (company_id) REFERENCES {s}.companies(id);
ALTER TABLE {s}.ads ADD CONSTRAINT ads_company_id_campaign_id_fkey FOREIGN KEY (company_id, campaign_id) REFERENCES {s}.campaigns(company_id, id);
ALTER TABLE {s}.ads ADD CONSTRAINT ads_geo_id_fkey FOREIGN KEY (geo_id) REFERENCES {s}.geo(id);
COMMIT;
",
    tenant_tables: &[("companies", "id"), ("campaigns", "company_id"), ("ads", "company_id")],
    reference_tables: &["geo"],
};

pub const TENANT_AS_REFERENCE: Shape = Shape {
    name: "tenant_table_as_reference_table",
    ddl: CHAIN.ddl,
    toml: r#"
        [tables."{q}companies"]
        reference = true
        [tables."{q}campaigns"]
        tenant_column = "company_id"
        [tables."{q}ads"]
        tenant_column = "company_id"
        foreign_keys = [{ columns = ["campaign_id"], references = "{q}campaigns", referenced_columns = ["id"] }]
        [tables."{q}geo"]
        reference = true
    "#,
    plan: "BEGIN;
SET LOCAL citus.multi_shard_modify_mode TO 'sequential';
ALTER TABLE {s}.campaigns DROP CONSTRAINT campaigns_company_id_fkey;
ALTER TABLE {s}.ads DROP CONSTRAINT ads_company_id_campaign_id_fkey;
ALTER TABLE {s}.ads DROP CONSTRAINT ads_geo_id_fkey;
SELECT create_reference_table('{s}.companies');
SELECT create_reference_table('{s}.geo');
SELECT create_distributed_table('{s}.campaigns', 'company_id', colocate_with => 'none');
SELECT create_distributed_table('{s}.ads', 'company_id', colocate_with => '{s}.campaigns');
ALTER TABLE {s}.campaigns ADD CONSTRAINT campaigns_company_id_fkey FOREIGN KEY (company_id) REFERENCES {s}.companies(id);
ALTER TABLE {s}.ads ADD CONSTRAINT ads_company_id_campaign_id_fkey FOREIGN KEY (company_id, campaign_id) REFERENCES {s}.campaigns(company_id, id);
ALTER TABLE {s}.ads ADD CONSTRAINT ads_geo_id_fkey FOREIGN KEY (geo_id) REFERENCES {s}.geo(id);
COMMIT;
",
    tenant_tables: &[("campaigns", "company_id"), ("ads", "company_id")],
    reference_tables: &["companies", "geo"],
};

pub const SHARED_REFERENCE: Shape = Shape {
    name: "reference_table_referenced_by_tenant_tables",
    ddl: "
        CREATE TABLE {s}.countries (code text PRIMARY KEY, name text);
        CREATE TABLE {s}.users (account_id bigint NOT NULL, id bigint NOT NULL,
                                country text REFERENCES {s}.countries (code), PRIMARY KEY (account_id, id));
        CREATE TABLE {s}.orders (account_id bigint NOT NULL, id bigint NOT NULL, user_id bigint NOT NULL,
                                 ship_to text NOT NULL REFERENCES {s}.countries (code), PRIMARY KEY (account_id, id),
                                 CONSTRAINT orders_user FOREIGN KEY (account_id, user_id) REFERENCES {s}.users (account_id, id));
        INSERT INTO {s}.countries VALUES ('fr', 'France'), ('jp', 'Japan');
        INSERT INTO {s}.users SELECT a, u, CASE WHEN u % 2 = 0 THEN 'fr' ELSE 'jp' END
            FROM generate_series(1, 4) a, generate_series(1, 3) u;
        INSERT INTO {s}.orders SELECT a, u * 10 + o, u, 'fr' FROM generate_series(1, 4) a, generate_series(1, 3) u,
            generate_series(1, 2) o;
    ",
    toml: r#"
        [tables."{q}users"]
        tenant_column = "account_id"
        [tables."{q}orders"]
        tenant_column = "account_id"
        [tables."{q}countries"]
        reference = true
    "#,
    plan: "BEGIN;
SET LOCAL citus.multi_shard_modify_mode TO 'sequential';
ALTER TABLE {s}.users DROP CONSTRAINT users_country_fkey;
ALTER TABLE {s}.orders DROP CONSTRAINT orders_ship_to_fkey;
ALTER TABLE {s}.orders DROP CONSTRAINT orders_user;
SELECT create_reference_table('{s}.countries');
SELECT create_distributed_table('{s}.users', 'account_id', colocate_with => 'none');
SELECT create_distributed_table('{s}.orders', 'account_id', colocate_with => '{s}.users');
ALTER TABLE {s}.users ADD CONSTRAINT users_country_fkey FOREIGN KEY (country) REFERENCES {s}.countries(code);
ALTER TABLE {s}.orders ADD CONSTRAINT orders_ship_to_fkey FOREIGN KEY (ship_to) REFERENCES {s}.countries(code);
ALTER TABLE {s}.orders ADD CONSTRAINT orders_user FOREIGN KEY (account_id, user_id) REFERENCES {s}.users(account_id, id);
COMMIT;
",
    tenant_tables: &[("users", "account_id"), ("orders", "account_id")],
    reference_tables: &["countries"],
};

/// Tables in two schemas, declared qualified; the second schema is `{s}_analytics`.
pub const TWO_SCHEMAS: Shape = Shape {
    name: "schema_qualified_tables",
    ddl: "
        CREATE SCHEMA {s}_analytics;
        CREATE TABLE {s}.accounts (id bigint PRIMARY KEY);
        CREATE TABLE {s}_analytics.events (account_id bigint NOT NULL REFERENCES {s}.accounts (id),
                                           at timestamptz NOT NULL DEFAULT now(), kind text);
        INSERT INTO {s}.accounts SELECT generate_series(1, 5);
        INSERT INTO {s}_analytics.events (account_id, kind) SELECT a, 'seen' FROM generate_series(1, 5) a, generate_series(1, 3);
    ",
    toml: r#"
        [tables."{s}.accounts"]
        tenant_column = "id"
        [tables."{s}_analytics.events"]
        tenant_column = "account_id"
    "#,
    plan: "BEGIN;
SET LOCAL citus.multi_shard_modify_mode TO 'sequential';
ALTER TABLE {s}_analytics.events DROP CONSTRAINT events_account_id_fkey;
SELECT create_distributed_table('{s}.accounts', 'id', colocate_with => 'none');
SELECT create_distributed_table('{s}_analytics.events', 'account_id', colocate_with => '{s}.accounts');
ALTER TABLE {s}_analytics.events ADD CONSTRAINT events_account_id_fkey FOREIGN KEY (account_id) REFERENCES {s}.accounts(id);
COMMIT;
",
    tenant_tables: &[("accounts", "id"), ("events", "account_id")],
    reference_tables: &[],
};

/// Names that must be quoted: mixed case, a reserved word.
pub const QUOTED_NAMES: Shape = Shape {
    name: "names_that_need_quoting",
    ddl: r#"
        CREATE TABLE {s}."Accounts" ("Id" bigint PRIMARY KEY, "user" text);
        CREATE TABLE {s}."order" ("Account" bigint NOT NULL REFERENCES {s}."Accounts" ("Id"), id bigint NOT NULL,
                                  PRIMARY KEY ("Account", id));
        INSERT INTO {s}."Accounts" SELECT a, 'u' || a FROM generate_series(1, 3) a;
        INSERT INTO {s}."order" SELECT a, o FROM generate_series(1, 3) a, generate_series(1, 4) o;
    "#,
    toml: r#"
        [tables.'{q}"Accounts"']
        tenant_column = '"Id"'
        [tables.'{q}"order"']
        tenant_column = '"Account"'
    "#,
    plan: r#"BEGIN;
SET LOCAL citus.multi_shard_modify_mode TO 'sequential';
ALTER TABLE {s}."order" DROP CONSTRAINT "order_Account_fkey";
SELECT create_distributed_table('{s}."Accounts"', 'Id', colocate_with => 'none');
SELECT create_distributed_table('{s}."order"', 'Account', colocate_with => '{s}."Accounts"');
ALTER TABLE {s}."order" ADD CONSTRAINT "order_Account_fkey" FOREIGN KEY ("Account") REFERENCES {s}."Accounts"("Id");
COMMIT;
"#,
    tenant_tables: &[("Accounts", "Id"), ("order", "Account")],
    reference_tables: &[],
};

pub const ALL: &[&Shape] = &[&CHAIN, &TENANT_AS_REFERENCE, &SHARED_REFERENCE, &TWO_SCHEMAS, &QUOTED_NAMES];
