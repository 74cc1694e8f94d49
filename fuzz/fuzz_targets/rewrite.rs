//! Fuzzes the rewriter: on any input it must not panic, and whatever it accepts (for one
//! tenant, two, or unscoped) must parse again and pass the audit.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use multitenant::{Dialect, Output, Rewriter, Scope};
use sqlparser::dialect::{PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;

#[path = "../../crates/multitenant/tests/common/mod.rs"]
mod common;

static REWRITERS: LazyLock<[Rewriter; 2]> = LazyLock::new(|| {
    let schema = common::schema();
    [Rewriter::new(schema.clone(), Dialect::Postgres), Rewriter::new(schema, Dialect::Sqlite)]
});

fuzz_target!(|data: &[u8]| {
    let Ok(sql) = std::str::from_utf8(data) else { return };
    let scopes = [Scope::tenant(42_i64), Scope::tenants([42_i64, 7]).expect("two tenants"), Scope::Unscoped];
    for (rewriter, scope) in REWRITERS.iter().flat_map(|r| scopes.iter().map(move |s| (r, s))) {
        for output in [Output::Bind, Output::Guarded, Output::Inline] {
            let Ok(rewritten) = rewriter.rewrite_in(Some(scope), sql, output) else { continue };
            let reparsed = match rewriter.dialect() {
                Dialect::Sqlite => Parser::parse_sql(&SQLiteDialect {}, rewritten.sql()),
                _ => Parser::parse_sql(&PostgreSqlDialect {}, rewritten.sql()),
            };
            assert!(reparsed.is_ok(), "output does not parse: {}", rewritten.sql());
            if let Err(e) = multitenant::audit(&rewritten, rewriter.schema(), rewriter.dialect()) {
                panic!("audit failed: {e}\n  in:  {sql}\n  out: {}", rewritten.sql());
            }
        }
    }
});
