//! What a driver says to Citus around the statements it scopes, for every driver the same.
//!
//! In a transaction, Citus refuses a write to a reference table that a distributed table
//! references after any parallel multi-shard statement, a read as well as a write, and it is
//! too late to switch afterwards (measured on Citus 13). A statement that is not scoped to one
//! tenant ([`Rewritten::is_single_tenant`](crate::Rewritten::is_single_tenant) is false) may
//! be multi-shard, so in a transaction on Citus run [`SEQUENTIAL_MODE`] before it; one
//! tenant's statements route to one shard and never need it.
//!
//! ```
//! use multitenant::{Dialect, Output, Rewriter, Schema, Scope};
//!
//! let schema = Schema::builder().tenant_table("ads", "company_id").build()?;
//! let rewriter = Rewriter::new(schema, Dialect::Postgres);
//! let sql = "UPDATE ads SET clicks = 0";
//! let one = rewriter.rewrite_in(Some(&Scope::tenant(7_i64)), sql, Output::Bind)?;
//! let all = rewriter.rewrite_in(Some(&Scope::Unscoped), sql, Output::Bind)?;
//! assert!(one.is_single_tenant() && !all.is_single_tenant());
//! // In a transaction on Citus, `all` runs after multitenant::citus::SEQUENTIAL_MODE.
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

/// Switches the current transaction to sequential multi-shard mode, so that it may still
/// write reference tables after a statement that spans tenants.
pub const SEQUENTIAL_MODE: &str = "SET LOCAL citus.multi_shard_modify_mode TO 'sequential'";

/// Answers one boolean: whether the database has the `citus` extension.
pub const IS_CITUS: &str = "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')";
