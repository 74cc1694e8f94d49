//! `Rewritten::kind`: what each statement is, as drivers use it (Citus's transaction rules
//! care whether a statement changes rows) and logs name it.

use multitenant::{Dialect, Output, Rewriter, Scope, StatementKind};

mod common;

#[test]
fn each_statement_reports_its_kind() {
    let rewriter = Rewriter::new(common::schema(), Dialect::Postgres);
    let cases = [
        ("select", "SELECT * FROM ads", StatementKind::Query),
        ("values", "VALUES (1)", StatementKind::Query),
        ("insert", "INSERT INTO ads (id, title) VALUES (1, 'x')", StatementKind::Insert),
        ("upsert", "INSERT INTO ads (id) VALUES (1) ON CONFLICT (id) DO NOTHING", StatementKind::Insert),
        ("update", "UPDATE ads SET title = 'x' WHERE id = 1", StatementKind::Update),
        ("delete", "DELETE FROM ads WHERE id = 1", StatementKind::Delete),
        ("cte_delete", "WITH d AS (DELETE FROM ads RETURNING id) SELECT * FROM d", StatementKind::Delete),
        ("cte_select", "WITH a AS (SELECT id FROM ads) SELECT * FROM a", StatementKind::Query),
        ("first_that_writes", "SELECT 1; UPDATE ads SET title = 'x'", StatementKind::Update),
        ("set", "SET statement_timeout = 0", StatementKind::Other),
    ];
    let scope = Scope::tenant(7_i64);
    for (name, sql, want) in cases {
        let got = rewriter.rewrite_in(Some(&scope), sql, Output::Bind).map(|r| r.kind());
        assert_eq!(got.as_ref().ok(), Some(&want), "{name}: {sql} -> {got:?}");
        assert_eq!(
            want.modifies_rows(),
            !matches!(want, StatementKind::Query | StatementKind::Other),
            "{name}"
        );
    }
}
