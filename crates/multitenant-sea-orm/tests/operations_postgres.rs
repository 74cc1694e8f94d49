//! Every SeaORM operation through a `ScopedDatabase` on a real PostgreSQL database of its own
//! (`DATABASE_URL`, or the local server), with two stores whose ids repeat.

#[macro_use]
mod common;

operation_tests!(common::Fixture::postgres);
