//! The TOML schema file format: what it accepts, what it refuses and on which line, and that it
//! means the same as the builder.

use std::path::Path;

use multitenant::{ForeignKey, Schema, SchemaError, Table, TableKind, TableName, TenantType};

const EXAMPLE: &str = r#"
[tables.companies]               # the tenant table itself: its tenant column is its id
tenant_column = "id"

[tables.campaigns]
tenant_column = "company_id"
foreign_keys = [{ columns = ["company_id"], references = "companies", referenced_columns = ["id"] }]

[tables.ads]
tenant_column = "company_id"
foreign_keys = [{ columns = ["campaign_id"], references = "campaigns", referenced_columns = ["id"] }]

[tables.geo]                     # shared by all tenants (a Citus reference table)
reference = true
"#;

fn name(text: &str) -> TableName {
    TableName::parse(text).expect("valid table name")
}

fn table<'s>(schema: &'s Schema, text: &str) -> &'s Table {
    schema.table(&name(text)).unwrap_or_else(|| panic!("table {text} is declared"))
}

fn tenant(column: &str) -> TableKind {
    TableKind::Tenant { column: column.to_owned() }
}

fn fk(columns: &[&str], references: &str, referenced_columns: &[&str]) -> ForeignKey {
    ForeignKey {
        columns: columns.iter().map(|c| (*c).to_owned()).collect(),
        references: name(references),
        referenced_columns: referenced_columns.iter().map(|c| (*c).to_owned()).collect(),
    }
}

fn refused(text: &str) -> SchemaError {
    match Schema::from_toml_str(text) {
        Ok(schema) => panic!("accepted {text:?} as {schema:?}"),
        Err(error) => error,
    }
}

/// The line an error names, for the variants that name one.
fn line(error: &SchemaError) -> Option<usize> {
    match error {
        SchemaError::Syntax { line, .. }
        | SchemaError::MissingTenantColumn { line, .. }
        | SchemaError::TenantAndReference { line, .. }
        | SchemaError::UndeclaredReference { line, .. }
        | SchemaError::ForeignKeyArity { line, .. }
        | SchemaError::DuplicateTable { line, .. }
        | SchemaError::UnknownTenantType { line, .. }
        | SchemaError::TenantTypeConflict { line, .. }
        | SchemaError::TenantTypeOnReference { line, .. }
        | SchemaError::InvalidName { line, .. } => *line,
        other => panic!("{other:?} names no line"),
    }
}

#[test]
fn the_example_parses_into_its_tables_kinds_and_foreign_keys() {
    let schema = Schema::from_toml_str(EXAMPLE).expect("the example is valid");

    let names: Vec<String> = schema.tables().map(|t| t.name().to_string()).collect();
    assert_eq!(names, ["companies", "campaigns", "ads", "geo"]);

    assert_eq!(table(&schema, "companies").kind(), &tenant("id"));
    assert_eq!(table(&schema, "companies").foreign_keys(), []);
    assert_eq!(table(&schema, "campaigns").kind(), &tenant("company_id"));
    assert_eq!(table(&schema, "campaigns").foreign_keys(), [fk(&["company_id"], "companies", &["id"])]);
    assert_eq!(table(&schema, "ads").tenant_column(), Some("company_id"));
    assert_eq!(table(&schema, "ads").foreign_keys(), [fk(&["campaign_id"], "campaigns", &["id"])]);
    assert_eq!(table(&schema, "geo").kind(), &TableKind::Reference);
    assert_eq!(table(&schema, "geo").tenant_column(), None);
    assert!(schema.has_tenant_tables());
}

#[test]
fn the_builder_and_the_file_declare_the_same_schema() {
    let built = Schema::builder()
        .tenant_table("companies", "id")
        .tenant_table("campaigns", "company_id")
        .foreign_key("campaigns", ["company_id"], "companies", ["id"])
        .tenant_table("ads", "company_id")
        .foreign_key("ads", ["campaign_id"], "campaigns", ["id"])
        .reference_table("geo")
        .build()
        .expect("valid declarations");
    assert_eq!(Schema::from_toml_str(EXAMPLE).expect("the example is valid"), built);
}

#[test]
fn the_builder_and_the_file_fold_quoted_and_qualified_names_alike() {
    let file = Schema::from_toml_str(
        r#"
        [tables."Analytics.Events"]
        tenant_column = '"CompanyId"'
        foreign_keys = [{ columns = ['"CompanyId"', "Kind"], references = '"Visits"', referenced_columns = ["ID", '"Kind"'] }]

        [tables.'"Visits"']
        tenant_column = "Company_Id"
        "#,
    )
    .expect("valid schema");
    let built = Schema::builder()
        .tenant_table("Analytics.Events", "\"CompanyId\"")
        .foreign_key("analytics.EVENTS", ["\"CompanyId\"", "Kind"], "\"Visits\"", ["ID", "\"Kind\""])
        .tenant_table("\"Visits\"", "Company_Id")
        .build()
        .expect("valid declarations");
    assert_eq!(file, built);

    let events = table(&file, "analytics.events");
    assert_eq!(events.kind(), &tenant("CompanyId"));
    assert_eq!(events.foreign_keys(), [fk(&["CompanyId", "kind"], "\"Visits\"", &["id", "Kind"])]);
    assert_eq!(table(&file, "\"Visits\"").kind(), &tenant("company_id"));
}

#[test]
fn quoted_and_qualified_keys_name_the_table_by_sql_rules() {
    let schema = Schema::from_toml_str(
        r#"
        [tables."analytics.events"]
        tenant_column = "company_id"
        [tables.'"Visits"']
        tenant_column = "company_id"
        [tables.'analytics."Page Views"']
        tenant_column = "company_id"
        [tables.Clicks]
        tenant_column = "company_id"
        "#,
    )
    .expect("valid schema");
    let names: Vec<(Option<&str>, &str)> =
        schema.tables().map(|t| (t.name().schema(), t.name().name())).collect();
    assert_eq!(
        names,
        [
            (Some("analytics"), "events"),
            (None, "Visits"),
            (Some("analytics"), "Page Views"),
            (None, "clicks")
        ]
    );
    assert_eq!(schema.tables().nth(2).map(|t| t.name().to_string()), Some("analytics.\"Page Views\"".into()));
}

#[test]
fn a_quoted_name_and_its_folded_spelling_are_two_tables() {
    let schema = Schema::from_toml_str(
        r#"
        [tables.ads]
        tenant_column = "company_id"
        [tables.'"Ads"']
        reference = true
        "#,
    )
    .expect("\"Ads\" and ads are different tables");
    assert_eq!(table(&schema, "ads").kind(), &tenant("company_id"));
    assert_eq!(table(&schema, "\"Ads\"").kind(), &TableKind::Reference);
}

#[test]
fn reference_false_with_a_tenant_column_is_a_tenant_table() {
    let schema = Schema::from_toml_str("[tables.ads]\ntenant_column = \"company_id\"\nreference = false\n")
        .expect("valid");
    assert_eq!(table(&schema, "ads").kind(), &tenant("company_id"));
}

#[test]
fn foreign_keys_may_be_written_as_an_array_of_tables() {
    let schema = Schema::from_toml_str(
        r#"
        [tables.companies]
        tenant_column = "id"
        [tables.ads]
        tenant_column = "company_id"
        [[tables.ads.foreign_keys]]
        columns = ["company_id"]
        references = "COMPANIES"
        referenced_columns = ["id"]
        "#,
    )
    .expect("valid schema");
    assert_eq!(table(&schema, "ads").foreign_keys(), [fk(&["company_id"], "companies", &["id"])]);
}

#[test]
fn unknown_keys_are_refused_on_their_line() {
    let cases = [
        ("[tables.ads]\nreference = true\n\ntenants = 3\n", 4, "top level, after a table"),
        ("version = 1\n[tables.ads]\nreference = true\n", 1, "top level"),
        ("[tables.ads]\ntenant_column = \"company_id\"\ntenant_colum = \"x\"\n", 3, "in a table"),
        ("[tables.analytics.events]\ntenant_column = \"company_id\"\n", 1, "unquoted dotted key"),
        (
            "[tables.c]\nreference = true\n[tables.ads]\ntenant_column = \"company_id\"\nforeign_keys = [\n  \
             { columns = [\"c\"], references = \"c\", referenced_columns = [\"id\"] },\n  \
             { columns = [\"c\"], references = \"c\", referenced_columns = [\"id\"], on_delete = \"cascade\" },\n]\n",
            7,
            "in a foreign key",
        ),
    ];
    for (text, expected, case) in cases {
        let error = refused(text);
        assert!(matches!(error, SchemaError::Syntax { .. }), "{case}: {error:?}");
        assert_eq!(line(&error), Some(expected), "{case}: {error}");
    }
}

#[test]
fn invalid_toml_is_refused_on_its_line() {
    let cases = [
        ("[tables.ads]\ntenant_column = \"company_id\"\n[tables.geo\nreference = true\n", 3),
        ("[tables.ads]\ntenant_column = company_id\n", 2),
        ("[tables.ads]\nreference = true\n[tables.ads]\nreference = true\n", 3),
        ("[tables.ads]\ntenant_column = 7\n", 2),
        ("[tables]\nads = \"company_id\"\n", 2),
    ];
    for (text, expected) in cases {
        let error = refused(text);
        assert!(matches!(error, SchemaError::Syntax { .. }), "{text:?}: {error:?}");
        assert_eq!(line(&error), Some(expected), "{text:?}: {error}");
    }
}

#[test]
fn a_table_of_no_kind_is_refused_on_its_header() {
    let text = "[tables.geo]\nreference = true\n\n[tables.ads]\nreference = false\n";
    let error = refused(text);
    assert!(matches!(&error, SchemaError::MissingTenantColumn { table, .. } if table == "ads"), "{error:?}");
    assert_eq!(line(&error), Some(4));

    let error = refused("[tables.geo]\nreference = true\n[tables.ads]\n");
    assert!(matches!(&error, SchemaError::MissingTenantColumn { table, .. } if table == "ads"), "{error:?}");
    assert_eq!(line(&error), Some(3));
}

#[test]
fn a_table_of_both_kinds_is_refused_on_its_header() {
    let error =
        refused("[tables.geo]\nreference = true\n\n[tables.ads]\ntenant_column = \"c\"\nreference = true\n");
    assert!(matches!(&error, SchemaError::TenantAndReference { table, .. } if table == "ads"), "{error:?}");
    assert_eq!(line(&error), Some(4));
}

#[test]
fn a_foreign_key_to_an_undeclared_table_is_refused_on_its_line() {
    let text = r#"[tables.companies]
tenant_column = "id"
[tables.ads]
tenant_column = "company_id"
foreign_keys = [
  { columns = ["company_id"], references = "companies", referenced_columns = ["id"] },
  { columns = ["campaign_id"], references = "campaigns", referenced_columns = ["id"] },
]
"#;
    let error = refused(text);
    assert!(
        matches!(&error, SchemaError::UndeclaredReference { table, references, .. }
            if table == "ads" && references == "campaigns"),
        "{error:?}"
    );
    assert_eq!(line(&error), Some(7));
}

#[test]
fn a_foreign_key_reference_is_compared_by_its_parsed_name() {
    let declared =
        "[tables.companies]\ntenant_column = \"id\"\n[tables.ads]\ntenant_column = \"company_id\"\n";
    let to = |references: &str| {
        format!(
            "{declared}foreign_keys = [{{ columns = [\"company_id\"], references = '{references}', \
             referenced_columns = [\"id\"] }}]\n"
        )
    };
    assert!(Schema::from_toml_str(&to("COMPANIES")).is_ok());
    assert!(Schema::from_toml_str(&to("\"companies\"")).is_ok());
    for undeclared in ["\"Companies\"", "public.companies", "companie"] {
        let error = refused(&to(undeclared));
        assert!(matches!(error, SchemaError::UndeclaredReference { .. }), "{undeclared}: {error:?}");
        assert_eq!(line(&error), Some(5), "{undeclared}");
    }
}

#[test]
fn foreign_key_column_lists_must_be_non_empty_and_of_equal_length() {
    let head = "[tables.c]\nreference = true\n[tables.ads]\ntenant_column = \"company_id\"\n";
    let cases = [
        "foreign_keys = [{ columns = [], references = \"c\", referenced_columns = [] }]",
        "foreign_keys = [{ columns = [\"a\", \"b\"], references = \"c\", referenced_columns = [\"id\"] }]",
        "foreign_keys = [{ columns = [\"a\"], references = \"c\", referenced_columns = [\"id\", \"x\"] }]",
    ];
    for fk in cases {
        let error = refused(&format!("{head}\n{fk}\n"));
        assert!(
            matches!(&error, SchemaError::ForeignKeyArity { table, .. } if table == "ads"),
            "{fk}: {error:?}"
        );
        assert_eq!(line(&error), Some(6), "{fk}");
    }
}

#[test]
fn invalid_identifiers_are_refused_on_their_line() {
    let cases = [
        ("[tables.ok]\nreference = true\n[tables.\"a b\"]\nreference = true\n", "a b", 3),
        ("[tables.'a.b.c']\nreference = true\n", "a.b.c", 1),
        ("[tables.'\"open']\nreference = true\n", "\"open", 1),
        ("[tables.ads]\nreference = false\ntenant_column = \"company id\"\n", "company id", 3),
        ("[tables.ads]\ntenant_column = \"s.company_id\"\n", "s.company_id", 2),
        (
            "[tables.ads]\ntenant_column = \"c\"\nforeign_keys = [{ columns = [\"c\"],\n  references = \"ads\",\n  \
             referenced_columns = [\"1d\"] }]\n",
            "1d",
            5,
        ),
        (
            "[tables.ads]\ntenant_column = \"c\"\nforeign_keys = [{ columns = [\"c\"],\n  references = \"a-b\",\n  \
             referenced_columns = [\"id\"] }]\n",
            "a-b",
            4,
        ),
    ];
    for (text, expected_name, expected_line) in cases {
        let error = refused(text);
        assert!(
            matches!(&error, SchemaError::InvalidName { name, .. } if name == expected_name),
            "{text:?}: {error:?}"
        );
        assert_eq!(line(&error), Some(expected_line), "{text:?}");
    }
}

#[test]
fn a_table_declared_twice_after_folding_is_refused_on_the_second_declaration() {
    let cases = [
        ("[tables.ads]\nreference = true\n\n[tables.ADS]\nreference = true\n", 4),
        ("[tables.ADS]\nreference = true\n[tables.ads]\nreference = true\n", 3),
        ("[tables]\nads = { reference = true }\n'\"ads\"' = { reference = true }\n", 3),
        (
            "[tables.'analytics.events']\nreference = true\n[tables.'Analytics.\"events\"']\nreference = true\n",
            3,
        ),
    ];
    for (text, expected) in cases {
        let error = refused(text);
        assert!(matches!(error, SchemaError::DuplicateTable { .. }), "{text:?}: {error:?}");
        assert_eq!(line(&error), Some(expected), "{text:?}");
    }
}

#[test]
fn errors_say_what_is_wrong_and_where() {
    let error = refused("[tables.geo]\nreference = true\n[tables.ads]\n");
    assert_eq!(
        error.to_string(),
        "table ads (line 3): set `tenant_column = \"...\"` for a tenant table or `reference = true` for a shared one"
    );
    let error = refused("[tables.ads]\ntenant_column = \"c\"\ncolour = 1\n");
    assert_eq!(
        error.to_string(),
        "invalid schema file (line 3): unknown field `colour`, expected one of `tenant_column`, `reference`, \
         `tenant_type`, `foreign_keys`"
    );
}

#[test]
fn builder_errors_name_no_line() {
    let error = Schema::builder().tenant_table("ads", "company_id").reference_table("ADS").build();
    assert!(matches!(error, Err(SchemaError::TenantAndReference { line: None, .. })), "{error:?}");
    let error = Schema::builder().tenant_table("a b", "company_id").build();
    assert!(matches!(error, Err(SchemaError::InvalidName { line: None, .. })), "{error:?}");
    let error = Schema::builder().tenant_table("ads", "c").foreign_key("ads", ["c"], "nope", ["id"]).build();
    assert!(matches!(error, Err(SchemaError::UndeclaredReference { line: None, .. })), "{error:?}");
}

#[test]
fn the_builder_merges_calls_that_name_the_same_table() {
    let schema = Schema::builder()
        .tenant_table("Ads", "company_id")
        .foreign_key("ADS", ["campaign_id"], "campaigns", ["id"])
        .tenant_table("campaigns", "company_id")
        .build()
        .expect("Ads and ADS are one table");
    assert_eq!(schema.tables().count(), 2);
    assert_eq!(table(&schema, "ads").foreign_keys(), [fk(&["campaign_id"], "campaigns", &["id"])]);
}

#[test]
fn the_example_file_in_the_repository_parses() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/multitenant.toml");
    let schema = Schema::from_toml_file(&path).expect("examples/multitenant.toml is valid");
    let names: Vec<String> = schema.tables().map(|t| t.name().to_string()).collect();
    assert_eq!(names, ["companies", "campaigns", "ads", "geo", "analytics.events", "ad_stats"]);
    assert_eq!(table(&schema, "analytics.events").kind(), &tenant("company_id"));
    assert_eq!(table(&schema, "ad_stats").kind(), &tenant("company_id"));
    assert_eq!(table(&schema, "geo").kind(), &TableKind::Reference);
    assert_eq!(schema.tenant_type(), Some(TenantType::BigInt));
    assert_eq!(table(&schema, "ads").foreign_keys(), [fk(&["campaign_id"], "campaigns", &["id"])]);
}

#[test]
fn a_missing_file_is_a_read_error_naming_the_path() {
    let error = Schema::from_toml_file("/nonexistent/multitenant.toml").expect_err("no such file");
    assert!(
        matches!(&error, SchemaError::Read { path, .. } if path == "/nonexistent/multitenant.toml"),
        "{error:?}"
    );
}

// The tenant column's type: `tenant_type`, at the top level or per tenant table.

const TWO_TENANT_TABLES: &str =
    "[tables.companies]\ntenant_column = \"id\"\n[tables.ads]\ntenant_column = \"company_id\"\n";

#[test]
fn the_tenant_type_is_read_from_the_top_level_or_from_tenant_tables() {
    let cases = [
        ("undeclared", String::new(), None),
        ("top level", "tenant_type = \"text\"\n".to_owned(), Some(TenantType::Text)),
        ("top level, uuid", "tenant_type = \"uuid\"\n".to_owned(), Some(TenantType::Uuid)),
        ("first table", "[tables.x]\ntenant_column = \"c\"\ntenant_type = \"integer\"\n".to_owned(), Some(TenantType::Integer)),
        (
            "a later table only",
            "[tables.x]\ntenant_column = \"c\"\n[tables.y]\ntenant_column = \"c\"\ntenant_type = \"bigint\"\n".to_owned(),
            Some(TenantType::BigInt),
        ),
        (
            "top level and tables agree",
            "tenant_type = \"text\"\n[tables.x]\ntenant_column = \"c\"\ntenant_type = \"text\"\n\
             [tables.y]\ntenant_column = \"c\"\ntenant_type = \"text\"\n"
                .to_owned(),
            Some(TenantType::Text),
        ),
        (
            "inline table",
            "[tables]\nx = { tenant_column = \"c\", tenant_type = \"uuid\" }\ny = { reference = true }\n".to_owned(),
            Some(TenantType::Uuid),
        ),
        ("no tenant tables", "tenant_type = \"text\"\n[tables.geo]\nreference = true\n".to_owned(), Some(TenantType::Text)),
    ];
    for (case, text, expected) in cases {
        let schema = Schema::from_toml_str(&text).unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(schema.tenant_type(), expected, "{case}");
    }
}

#[test]
fn the_tenant_type_does_not_change_the_tables() {
    let typed =
        Schema::from_toml_str(&format!("tenant_type = \"text\"\n{TWO_TENANT_TABLES}")).expect("valid");
    let untyped = Schema::from_toml_str(TWO_TENANT_TABLES).expect("valid");
    assert!(typed.tables().eq(untyped.tables()));
    assert_ne!(typed, untyped, "schemas of different tenant types are different schemas");
}

#[test]
fn the_builder_and_the_file_declare_the_same_tenant_type() {
    let built = Schema::builder()
        .tenant_type(TenantType::Uuid)
        .tenant_table("companies", "id")
        .tenant_table("ads", "company_id")
        .build()
        .expect("valid declarations");
    assert_eq!(built.tenant_type(), Some(TenantType::Uuid));
    let at_top =
        Schema::from_toml_str(&format!("tenant_type = \"uuid\"\n{TWO_TENANT_TABLES}")).expect("valid");
    assert_eq!(at_top, built);
    let per_table = Schema::from_toml_str(
        "[tables.companies]\ntenant_column = \"id\"\ntenant_type = \"uuid\"\n[tables.ads]\ntenant_column = \"company_id\"\n",
    )
    .expect("valid");
    assert_eq!(per_table, built);
}

#[test]
fn an_unknown_tenant_type_is_refused_on_its_line_listing_the_known_ones() {
    let cases = [
        ("top level", "tenant_type = \"int8\"\n[tables.x]\ntenant_column = \"c\"\n", "int8", 1),
        ("upper case", "\n[tables.x]\ntenant_column = \"c\"\ntenant_type = \"BIGINT\"\n", "BIGINT", 4),
        ("empty", "[tables.x]\ntenant_column = \"c\"\ntenant_type = \"\"\n", "", 3),
        ("builder spelling", "tenant_type = \"BigInt\"\n", "BigInt", 1),
    ];
    for (case, text, expected_name, expected_line) in cases {
        let error = refused(text);
        assert!(
            matches!(&error, SchemaError::UnknownTenantType { name, .. } if name == expected_name),
            "{case}: {error:?}"
        );
        assert_eq!(line(&error), Some(expected_line), "{case}");
        assert!(error.to_string().ends_with("use one of bigint, integer, uuid, text"), "{case}: {error}");
    }
}

#[test]
fn a_tenant_type_that_is_not_a_string_is_refused_on_its_line() {
    for (text, expected) in
        [("tenant_type = 8\n", 1), ("[tables.x]\ntenant_column = \"c\"\ntenant_type = [\"text\"]\n", 3)]
    {
        let error = refused(text);
        assert!(matches!(error, SchemaError::Syntax { .. }), "{text:?}: {error:?}");
        assert_eq!(line(&error), Some(expected), "{text:?}: {error}");
    }
}

#[test]
fn tenant_types_that_disagree_are_refused_naming_both_declarations() {
    let cases = [
        (
            "table against top level",
            "tenant_type = \"bigint\"\n[tables.x]\ntenant_column = \"c\"\ntenant_type = \"text\"\n",
            ("x", TenantType::Text, TenantType::BigInt, None, 4),
        ),
        (
            "table against table",
            "[tables.x]\ntenant_column = \"c\"\ntenant_type = \"uuid\"\n\n[tables.y]\ntenant_column = \"c\"\n\
             tenant_type = \"text\"\n",
            ("y", TenantType::Text, TenantType::Uuid, Some("x"), 7),
        ),
        (
            "third table against the first",
            "[tables.x]\ntenant_column = \"c\"\ntenant_type = \"integer\"\n[tables.y]\ntenant_column = \"c\"\n\
             tenant_type = \"integer\"\n[tables.z]\ntenant_column = \"c\"\ntenant_type = \"bigint\"\n",
            ("z", TenantType::BigInt, TenantType::Integer, Some("x"), 9),
        ),
    ];
    for (case, text, (expected_table, expected_type, expected_other, expected_other_table, expected_line)) in
        cases
    {
        let error = refused(text);
        let SchemaError::TenantTypeConflict { table, tenant_type, other, other_table, line } = &error else {
            panic!("{case}: {error:?}");
        };
        assert_eq!(
            (table.as_str(), *tenant_type, *other, other_table.as_deref(), *line),
            (expected_table, expected_type, expected_other, expected_other_table, Some(expected_line)),
            "{case}"
        );
    }
}

#[test]
fn tenant_type_conflicts_say_which_declarations_disagree_and_what_to_do() {
    let error =
        refused("tenant_type = \"bigint\"\n[tables.ads]\ntenant_column = \"c\"\ntenant_type = \"text\"\n");
    assert_eq!(
        error.to_string(),
        "table ads (line 4): tenant_type text disagrees with bigint, declared at the top level; every tenant \
         table holds the same tenant, so declare one tenant_type (once, at the top level of the file)"
    );
    let error = refused(
        "[tables.companies]\ntenant_column = \"id\"\ntenant_type = \"uuid\"\n[tables.ads]\ntenant_column = \"c\"\n\
         tenant_type = \"text\"\n",
    );
    assert!(
        error.to_string().starts_with(
            "table ads (line 6): tenant_type text disagrees with uuid, declared for table companies;"
        ),
        "{error}"
    );
}

#[test]
fn a_tenant_type_on_a_reference_table_is_refused_on_its_line() {
    let cases = [
        ("[tables.geo]\nreference = true\ntenant_type = \"text\"\n", 3),
        ("tenant_type = \"text\"\n[tables.geo]\nreference = true\ntenant_type = \"text\"\n", 4),
        ("[tables]\ngeo = { tenant_type = \"uuid\", reference = true }\n", 2),
    ];
    for (text, expected) in cases {
        let error = refused(text);
        assert!(
            matches!(&error, SchemaError::TenantTypeOnReference { table, .. } if table == "geo"),
            "{text:?}: {error:?}"
        );
        assert_eq!(line(&error), Some(expected), "{text:?}");
        assert_eq!(
            error.to_string(),
            format!(
                "table geo (line {expected}): a reference table has no tenant column, so no tenant_type; remove it"
            )
        );
    }
}

#[test]
fn a_table_of_no_kind_with_a_tenant_type_still_asks_for_its_kind() {
    let error = refused("[tables.ads]\ntenant_type = \"text\"\n");
    assert!(matches!(error, SchemaError::MissingTenantColumn { line: Some(1), .. }), "{error:?}");
}
