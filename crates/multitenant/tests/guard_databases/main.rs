//! Guarded output (`Output::Guarded`) on real databases: PostgreSQL (`postgres_guards.rs`:
//! every tenant type, under both plan cache modes) and SQLite (`sqlite_guards.rs`).
//!
//! A table holds three tenants whose ids repeat. Statements whose own parameter 1 fills the
//! tenant column (`INSERT ... VALUES`, `INSERT ... SELECT`, `UPDATE ... SET company_id = $1`,
//! an upsert) run rewritten with guards, each prepared once and executed again and again. With
//! a current tenant bound they write; with another tenant, or NULL, the database refuses them
//! naming the parameter, `Rewritten::guard_failure` maps that to the typed error, and no
//! tenant's rows change. The same statement rewritten with bound output (no guard, nothing
//! checked by the driver) writes the other tenant's row and the NULL: the guard is what stops
//! them.

#[allow(dead_code)]
#[path = "../oracle/corpus.rs"]
mod corpus;
#[allow(dead_code)]
#[path = "../oracle/dataset.rs"]
mod dataset;
#[allow(dead_code)]
#[path = "../oracle/db.rs"]
mod db;
#[allow(dead_code)]
#[path = "../oracle/postgres.rs"]
mod postgres;
mod postgres_guards;
mod sqlite_guards;

use multitenant::{Dialect, Error, Output, Rewriter, Rewritten, Schema, Scope, TenantId, TenantType};

/// A statement's own argument.
#[derive(Debug, Clone)]
enum Arg {
    Tenant(TenantId),
    /// NULL, of the tenant column's type.
    Null(TenantType),
    Int(i32),
    Text(String),
}

/// A row of the table: the tenant as text (`None`: NULL), the id, the title.
type Row = (Option<String>, i64, String);

/// What the scenario needs of a database holding one table, `ads`, whose tenant column
/// `company_id` has the type of the tenants it was made for.
trait Database {
    fn dialect(&self) -> Dialect;
    /// Empties the table and fills it with ads 1, 2 and 3 of each of `tenants`.
    async fn reset(&mut self, tenants: &[TenantId]);
    /// Runs `rewritten` once (prepared, so that later runs execute the same prepared
    /// statement), binding `args` and then the tenant; the rows it changed, or the database's
    /// error message.
    async fn execute(&mut self, rewritten: &Rewritten, args: &[Arg]) -> Result<u64, String>;
    /// Every row, sorted.
    async fn rows(&mut self) -> Vec<Row>;
}

/// How many times each statement runs with each value: more than the 5 custom plans after
/// which PostgreSQL may switch a prepared statement to its generic plan.
const ROUNDS: i32 = 7;

fn schema() -> Schema {
    Schema::builder().tenant_table("ads", "company_id").build().expect("a valid schema")
}

/// `sql` in `dialect`'s placeholders (written with `$n`).
fn sql(dialect: Dialect, sql: &str) -> String {
    match dialect {
        Dialect::Sqlite => sql.replace('$', "?"),
        _ => sql.to_owned(),
    }
}

const INSERT: &str = "INSERT INTO ads (company_id, id, title) VALUES ($1, $2, $3)";
const INSERT_SELECT: &str =
    "INSERT INTO ads (company_id, id, title) SELECT $1, id + $2, title FROM ads WHERE id <= 2";
const UPDATE: &str = "UPDATE ads SET company_id = $1, title = $2 WHERE id = $3";
const UPSERT: &str = "INSERT INTO ads (company_id, id, title) VALUES ($1, $2, $3) \
     ON CONFLICT (company_id, id) DO UPDATE SET title = EXCLUDED.title";

struct Scenario<'d, D> {
    db: &'d mut D,
    rewriter: Rewriter,
    /// Three tenants: the first (and, for several tenants, the third) are current, the second
    /// is another tenant.
    tenants: [TenantId; 3],
}

/// Runs every statement on `db` for `tenants` (of one type): see the crate documentation.
async fn scenario<D: Database>(db: &mut D, tenants: [TenantId; 3]) {
    let rewriter = Rewriter::new(schema(), db.dialect());
    let mut scenario = Scenario { db, rewriter, tenants };
    scenario.unguarded_writes_any_value().await;
    scenario.insert_values().await;
    scenario.insert_values_several_tenants().await;
    scenario.insert_select().await;
    scenario.update_set_tenant().await;
    scenario.upsert().await;
}

impl<D: Database> Scenario<'_, D> {
    fn one(&self) -> Scope {
        Scope::tenant(self.tenants[0].clone())
    }

    fn several(&self) -> Scope {
        Scope::tenants([self.tenants[0].clone(), self.tenants[2].clone()]).expect("two tenants")
    }

    fn rewrite(&self, scope: &Scope, statement: &str, output: Output) -> Rewritten {
        let text = sql(self.db.dialect(), statement);
        self.rewriter.rewrite_in(Some(scope), &text, output).expect("accepted")
    }

    fn null(&self) -> Arg {
        Arg::Null(self.tenants[0].tenant_type())
    }

    fn tenant(&self, k: usize) -> Arg {
        Arg::Tenant(self.tenants[k].clone())
    }

    /// How many rows tenant `k` has.
    async fn count(&mut self, k: usize) -> usize {
        let tenant = self.tenants[k].to_string();
        self.db.rows().await.iter().filter(|row| row.0.as_deref() == Some(tenant.as_str())).count()
    }

    async fn counts(&mut self) -> [usize; 3] {
        [self.count(0).await, self.count(1).await, self.count(2).await]
    }

    async fn nulls(&mut self) -> usize {
        self.db.rows().await.iter().filter(|row| row.0.is_none()).count()
    }

    /// Without the guard, the database writes another tenant's row, and a NULL tenant.
    async fn unguarded_writes_any_value(&mut self) {
        self.db.reset(&self.tenants).await;
        let bound = self.rewrite(&self.one(), INSERT, Output::Bind);
        assert_eq!(bound.guarded_parameters(), &[1], "the driver would have to check it");
        let foreign = [self.tenant(1), Arg::Int(50), Arg::Text("hijack".into())];
        assert_eq!(self.db.execute(&bound, &foreign).await, Ok(1));
        let null = [self.null(), Arg::Int(51), Arg::Text("orphan".into())];
        assert_eq!(self.db.execute(&bound, &null).await, Ok(1));
        assert_eq!((self.count(1).await, self.nulls().await), (4, 1), "written unguarded");
        self.db.reset(&self.tenants).await;
    }

    async fn insert_values(&mut self) {
        let guarded = self.rewrite(&self.one(), INSERT, Output::Guarded);
        assert!(guarded.guarded_parameters().is_empty(), "nothing is left to the driver");
        for round in 0..ROUNDS {
            let id = Arg::Int(100 + round);
            let own = [self.tenant(0), id.clone(), Arg::Text(format!("new {round}"))];
            assert_eq!(self.db.execute(&guarded, &own).await, Ok(1), "the current tenant writes");
            self.refused(&guarded, &[self.tenant(1), id.clone(), Arg::Text("hijack".into())]).await;
            self.refused(&guarded, &[self.tenant(2), id.clone(), Arg::Text("hijack".into())]).await;
            self.refused(&guarded, &[self.null(), id, Arg::Text("orphan".into())]).await;
        }
        let rounds = ROUNDS as usize;
        assert_eq!(self.counts().await, [3 + rounds, 3, 3]);
        assert_eq!(self.nulls().await, 0);
    }

    async fn insert_values_several_tenants(&mut self) {
        let guarded = self.rewrite(&self.several(), INSERT, Output::Guarded);
        let before = self.counts().await;
        for round in 0..ROUNDS {
            let id = Arg::Int(200 + round);
            for k in [0, 2] {
                let own = [self.tenant(k), id.clone(), Arg::Text(format!("new {round}"))];
                assert_eq!(self.db.execute(&guarded, &own).await, Ok(1), "a current tenant writes");
            }
            self.refused(&guarded, &[self.tenant(1), id.clone(), Arg::Text("hijack".into())]).await;
            self.refused(&guarded, &[self.null(), id, Arg::Text("orphan".into())]).await;
        }
        let rounds = ROUNDS as usize;
        assert_eq!(self.counts().await, [before[0] + rounds, before[1], before[2] + rounds]);
    }

    /// Copies the tenant's ads 1 and 2 under new ids, filling the tenant column with $1.
    async fn insert_select(&mut self) {
        let guarded = self.rewrite(&self.one(), INSERT_SELECT, Output::Guarded);
        let before = self.counts().await;
        for round in 0..ROUNDS {
            let offset = Arg::Int(1000 * (round + 1));
            assert_eq!(self.db.execute(&guarded, &[self.tenant(0), offset.clone()]).await, Ok(2));
            self.refused(&guarded, &[self.tenant(1), offset.clone()]).await;
            self.refused(&guarded, &[self.null(), offset]).await;
        }
        let copied = 2 * ROUNDS as usize;
        assert_eq!(self.counts().await, [before[0] + copied, before[1], before[2]]);
    }

    /// A full-row save of ad 1, which every tenant has: the tenant's own row changes; with
    /// another tenant's value nothing does (the database refuses it, or the `WHERE`, which
    /// also compares the column with the parameter, matches no row).
    async fn update_set_tenant(&mut self) {
        let guarded = self.rewrite(&self.one(), UPDATE, Output::Guarded);
        for round in 0..ROUNDS {
            let title = format!("saved {round}");
            let own = [self.tenant(0), Arg::Text(title.clone()), Arg::Int(1)];
            assert_eq!(self.db.execute(&guarded, &own).await, Ok(1));
            let tenant = self.tenants[0].to_string();
            let saved =
                self.db.rows().await.into_iter().find(|row| row.0.as_deref() == Some(&*tenant) && row.1 == 1);
            assert_eq!(saved.map(|row| row.2), Some(title));
            for foreign in [self.tenant(1), self.tenant(2), self.null()] {
                let args = [foreign, Arg::Text("hijack".into()), Arg::Int(1)];
                self.refused_or_unchanged(&guarded, &args).await;
            }
        }
    }

    /// An upsert of ad 2, which every tenant has: the tenant's own row is updated; another
    /// tenant's value, or NULL (which conflicts with no row: unguarded, it is inserted), is
    /// refused.
    async fn upsert(&mut self) {
        let guarded = self.rewrite(&self.one(), UPSERT, Output::Guarded);
        for round in 0..ROUNDS {
            let own = [self.tenant(0), Arg::Int(2), Arg::Text(format!("upserted {round}"))];
            assert_eq!(self.db.execute(&guarded, &own).await, Ok(1));
            self.refused(&guarded, &[self.tenant(1), Arg::Int(2), Arg::Text("hijack".into())]).await;
            self.refused(&guarded, &[self.null(), Arg::Int(2), Arg::Text("orphan".into())]).await;
        }
        assert!(self.db.rows().await.iter().all(|row| row.2 != "hijack" && row.2 != "orphan"));
    }

    /// Runs `guarded`, which the database must refuse by the guard of parameter 1, changing
    /// nothing.
    async fn refused(&mut self, guarded: &Rewritten, args: &[Arg]) {
        let before = self.db.rows().await;
        let message = match self.db.execute(guarded, args).await {
            Err(message) => message,
            Ok(n) => panic!("{args:?}: the guard let the statement through ({n} rows): {}", guarded.sql()),
        };
        assert_guard_failure(guarded, &message);
        assert!(!message.contains(&self.tenants[1].to_string()), "no tenant value in the message: {message}");
        assert_eq!(self.db.rows().await, before, "{args:?}: a refused statement changed nothing");
    }

    /// Like [`refused`](Self::refused), or the statement changes no row.
    async fn refused_or_unchanged(&mut self, guarded: &Rewritten, args: &[Arg]) {
        let before = self.db.rows().await;
        match self.db.execute(guarded, args).await {
            Err(message) => assert_guard_failure(guarded, &message),
            Ok(n) => assert_eq!(n, 0, "{args:?}: {}", guarded.sql()),
        }
        assert_eq!(self.db.rows().await, before, "{args:?}: nothing changed");
    }
}

fn assert_guard_failure(guarded: &Rewritten, message: &str) {
    let failure = guarded.guard_failure(message);
    assert!(matches!(failure, Some(Error::ForeignTenantGuard { index: 1 })), "{message}: {failure:?}");
    assert!(message.contains("multitenant: parameter 1 is not a current tenant"), "{message}");
}
