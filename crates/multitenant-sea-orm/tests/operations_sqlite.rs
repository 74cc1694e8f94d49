//! Every SeaORM operation through a `ScopedDatabase` on an in-memory SQLite database, with two
//! stores whose ids repeat.

#[macro_use]
mod common;

operation_tests!(common::Fixture::sqlite);
