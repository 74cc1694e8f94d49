//! Statements that carry a query or name only a cursor: `DECLARE ... CURSOR FOR <query>` and
//! `COPY (<query>) TO ...` scope their query like any other, so the cursor or the copy holds
//! only the tenant's rows; `FETCH` and `CLOSE` name a cursor, no table, and pass.
//!
//! A cursor declared `WITH HOLD` outlives its transaction and stays open on the connection;
//! a pooled connection then serves the next request, maybe another tenant's, which could
//! `FETCH` it. The rewriter cannot tie a cursor to a scope, so under a tenant scope a held
//! cursor over a tenant table is refused.
//!
//! `COPY` takes no bound parameters, so a `COPY` whose query needs the tenant is refused with
//! [`Output::Bind`](crate::Output::Bind) (and `Output::Guarded`);
//! [`Output::Inline`](crate::Output::Inline) writes the tenant into it.

use sqlparser::ast::{Declare, DeclareType, Query};

use super::walker::Walker;
use crate::Error;

const WITH_HOLD: &str = "a held cursor outlives its transaction and stays open on the connection, where a \
     later request of another tenant could FETCH it; declare it without WITH HOLD inside a transaction \
     (it closes at COMMIT), or run it inside multitenant::unscoped(..)";

const COPY_BIND: &str = "COPY takes no bound parameters, so the tenant cannot be bound; rewrite it with \
     Output::Inline, which writes the tenant into the SQL";

impl Walker<'_> {
    /// `DECLARE name [BINARY] [ASENSITIVE | INSENSITIVE] [[NO] SCROLL] CURSOR
    /// [WITH | WITHOUT HOLD] FOR query`, one declaration at a time.
    pub(super) fn declare(&mut self, declarations: &mut [Declare]) -> Result<(), Error> {
        declarations.iter_mut().try_for_each(|declaration| self.declaration(declaration))
    }

    fn declaration(&mut self, declaration: &mut Declare) -> Result<(), Error> {
        let Declare { declare_type: Some(DeclareType::Cursor), for_query: Some(query), hold, .. } =
            declaration
        else {
            // Variable declarations of other dialects: conservative, as for any other statement.
            let text = declaration.to_string();
            return self.refuse_if_tenant(&text, "DECLARE".to_owned(), "declare a cursor FOR a query");
        };
        if *hold == Some(true) {
            self.refuse_if_tenant(&query.to_string(), "DECLARE ... CURSOR WITH HOLD".to_owned(), WITH_HOLD)?;
        }
        self.query(query)
    }

    /// `COPY (query) TO ...`: the query is scoped; the tenant must then be written inline.
    pub(super) fn copy_query(&mut self, query: &mut Query) -> Result<(), Error> {
        let used_before = std::mem::take(&mut self.findings.tenant_parameter_used);
        let result = self.query(query);
        let bound_here = self.findings.tenant_parameter_used;
        self.findings.tenant_parameter_used |= used_before;
        result?;
        if bound_here && self.output.binds_tenant() {
            let table = self.mentioned_tenant_table(&query.to_string()).map(|t| t.name().to_string());
            return Err(Error::Unsupported {
                statement: "COPY (query)".to_owned(),
                table: table.unwrap_or_else(|| "(in the query)".to_owned()),
                reason: COPY_BIND,
            });
        }
        Ok(())
    }
}
