//! A bounded cache of rewrites, keyed by rewriter, mode, output (plain or guarded bound output)
//! and SQL text, so a repeated statement costs a lookup, not a parse, and a hit writes no memory
//! that another thread uses.
//!
//! Two levels:
//!
//! - each rewriter shares one sharded concurrent cache per mode and output (`quick_cache::sync`, about
//!   `capacity` statements each), so a statement is parsed once per rewriter, not per thread;
//! - each thread has a front cache (`FRONT`, a thread-local `quick_cache::unsync`, at most
//!   [`FRONT_WEIGHT`] bytes of statements and rewrites, for all rewriters together) holding
//!   the thread's own copy of each rewrite it uses, made by that thread. A hit there hashes the
//!   text, bumps a reference count and reads a rewrite that no other thread touches: no lock,
//!   no shared recency list, no shared count, and no line shared with another core's writes
//!   (a shared rewrite read by every thread can sit in the same cache line as another thread's
//!   small allocations, such as its reference counts: measured, that alone cost a third of the
//!   second core; see docs/benchmarks.md).
//!
//! A front entry is keyed by the rewriter's id, unique for the life of the process (an address
//! could be reused by a later rewriter with another schema). A tokio task that moves between
//! threads meets a different front on each; that costs a copy from the shared level, never a
//! wrong entry.

use std::cell::RefCell;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use quick_cache::{Equivalent, Weighter};

use super::Template;
use crate::{Error, Output, Scope};

/// The most a thread's front cache holds, by [`FrontWeight`]: 512 KiB, about 900 statements
/// of 200 bytes. A statement too large for it is served from the shared level.
pub(super) const FRONT_WEIGHT: u64 = 512 * 1024;

/// Which rewrites are cached, each kind apart: those that do not depend on the tenant values
/// (the tenant bound as a parameter, with or without guards), per mode of the scope. One byte
/// (`mode + MODES * guarded`), so that it costs the hit path nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct CacheMode(u8);

/// The modes of a scope: no tenant, one tenant, several, unscoped.
const MODES: u8 = 4;

impl CacheMode {
    /// How many kinds there are: each mode, with [`Output::Bind`] and [`Output::Guarded`].
    const COUNT: usize = 2 * MODES as usize;

    /// The kind of a rewrite of `output` for `scope`; `None` when it is not cached (inline
    /// output, whose text holds the tenant).
    pub(super) fn of(scope: Option<&Scope>, output: Output) -> Option<Self> {
        let mode = match scope {
            None => 0,
            Some(Scope::Tenants(set)) if set.single().is_some() => 1,
            Some(Scope::Tenants(_)) => 2,
            Some(Scope::Unscoped) => 3,
        };
        let guarded = match output {
            Output::Bind => 0,
            Output::Guarded => 1,
            Output::Inline => return None,
        };
        Some(Self(mode + MODES * guarded))
    }

    fn index(self) -> usize {
        usize::from(self.0)
    }
}

type Shared = quick_cache::sync::Cache<Box<str>, Arc<Template>>;
type Front = quick_cache::unsync::Cache<FrontKey, Arc<Template>, FrontWeight>;

thread_local! {
    static FRONT: RefCell<Front> = RefCell::new(Front::with_weighter(256, FRONT_WEIGHT, FrontWeight));
}

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

/// The rewrites of one rewriter: its shared level, and its id in the threads' front caches.
#[derive(Debug)]
pub(super) struct Cache {
    id: u64,
    /// One cache per [`CacheMode`], so a lookup borrows the SQL text; `None` when caching is
    /// disabled.
    shared: Option<[Shared; CacheMode::COUNT]>,
}

impl Cache {
    pub(super) fn new(capacity: usize) -> Self {
        let shared = (capacity > 0).then(|| std::array::from_fn(|_| Shared::new(capacity)));
        Self { id: NEXT_ID.fetch_add(1, Ordering::Relaxed), shared }
    }

    /// The rewrite of `sql` in `mode`: from this thread's front, else from [`miss`](Self::miss).
    pub(super) fn get_or_rewrite(
        &self,
        mode: CacheMode,
        sql: &str,
        rewrite: impl FnOnce() -> Result<Template, Error>,
    ) -> Result<Arc<Template>, Error> {
        let Some(shared) = &self.shared else {
            return Ok(Arc::new(rewrite()?));
        };
        let key = FrontLookup { rewriter: self.id, mode, sql };
        if let Some(hit) = front(|f| f.get(&key).cloned()).flatten() {
            return Ok(hit);
        }
        self.miss(&shared[mode.index()], mode, sql, rewrite)
    }

    /// A front miss: this thread's own copy of the shared level's rewrite (made here, so its
    /// memory is this thread's), or a new rewrite; taken into both levels.
    #[cold]
    #[inline(never)]
    fn miss(
        &self,
        shared: &Shared,
        mode: CacheMode,
        sql: &str,
        rewrite: impl FnOnce() -> Result<Template, Error>,
    ) -> Result<Arc<Template>, Error> {
        let shared_template = match shared.get(sql) {
            Some(template) => template,
            None => {
                let template = Arc::new(rewrite()?);
                shared.insert(sql.into(), Arc::clone(&template));
                template
            }
        };
        // Too heavy for the front: serve the shared rewrite, without a copy the front would refuse.
        if weight(sql, &shared_template) > FRONT_WEIGHT {
            return Ok(shared_template);
        }
        let own = Arc::new(Template::clone(&shared_template));
        let entry = FrontKey { rewriter: self.id, mode, sql: sql.into() };
        front_mut(|f| f.insert(entry, Arc::clone(&own)));
        Ok(own)
    }
}

/// Runs `f` on this thread's front cache; `None` while the thread is being torn down.
fn front<R>(f: impl FnOnce(&Front) -> R) -> Option<R> {
    FRONT.try_with(|front| front.try_borrow().ok().map(|front| f(&front))).ok().flatten()
}

fn front_mut(f: impl FnOnce(&mut Front)) {
    let _ = FRONT.try_with(|front| front.try_borrow_mut().map(|mut front| f(&mut front)));
}

/// A front entry's key: which rewriter, which kind of rewrite, which text.
#[derive(Debug, PartialEq, Eq)]
struct FrontKey {
    rewriter: u64,
    mode: CacheMode,
    sql: Box<str>,
}

/// A [`FrontKey`] borrowing its text, for lookups; it hashes as the key does.
#[derive(Hash)]
struct FrontLookup<'a> {
    rewriter: u64,
    mode: CacheMode,
    sql: &'a str,
}

impl Hash for FrontKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        FrontLookup { rewriter: self.rewriter, mode: self.mode, sql: &self.sql }.hash(state);
    }
}

impl Equivalent<FrontKey> for FrontLookup<'_> {
    fn equivalent(&self, key: &FrontKey) -> bool {
        self.rewriter == key.rewriter && self.mode == key.mode && self.sql == &*key.sql
    }
}

/// What a front entry holds: its text, the rewritten text, and a fixed allowance for the entry,
/// the `Arc` and the checks.
#[derive(Debug, Clone, Copy)]
struct FrontWeight;

/// The fixed allowance per front entry, in bytes.
const ENTRY_OVERHEAD: u64 = 160;

impl Weighter<FrontKey, Arc<Template>> for FrontWeight {
    fn weight(&self, key: &FrontKey, template: &Arc<Template>) -> u64 {
        weight(&key.sql, template)
    }
}

/// A front entry's weight: its text, the rewritten text, and the fixed allowance.
fn weight(sql: &str, template: &Template) -> u64 {
    (sql.len() + template.sql().len()) as u64 + ENTRY_OVERHEAD
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rewrite::engine::Template;

    fn template(sql: &str) -> Result<Template, Error> {
        Ok(Template::new(sql.to_owned(), crate::StatementKind::Query, None, Vec::new(), false, Vec::new()))
    }

    fn one_tenant() -> CacheMode {
        CacheMode::of(Some(&Scope::tenant(1_i64)), Output::Bind).expect("bound output is cached")
    }

    #[test]
    fn every_kind_of_cached_rewrite_has_a_shared_cache_of_its_own() {
        let scopes = [None, Some(Scope::tenant(1_i64)), Scope::tenants([1_i64, 2]), Some(Scope::Unscoped)];
        let mut seen = Vec::new();
        for scope in &scopes {
            assert_eq!(CacheMode::of(scope.as_ref(), Output::Inline), None, "inline output is not cached");
            for output in [Output::Bind, Output::Guarded] {
                let mode = CacheMode::of(scope.as_ref(), output).expect("cached");
                assert!(mode.index() < CacheMode::COUNT && !seen.contains(&mode), "{scope:?} {output:?}");
                seen.push(mode);
            }
        }
        assert_eq!(seen.len(), CacheMode::COUNT);
    }

    #[test]
    fn the_front_cache_stays_within_its_weight() {
        let cache = Cache::new(16);
        for i in 0..10_000 {
            let sql = format!("SELECT {i}, '{}'", "x".repeat(i % 500));
            cache.get_or_rewrite(one_tenant(), &sql, || template(&sql)).expect("rewritten");
        }
        let weight = front(Front::weight).expect("the thread is alive");
        assert!(weight > 0 && weight <= FRONT_WEIGHT, "front weight {weight}");
    }

    #[test]
    fn a_statement_heavier_than_the_front_is_still_cached_in_the_shared_level() {
        let cache = Cache::new(16);
        let sql = format!("SELECT '{}'", "x".repeat(FRONT_WEIGHT as usize));
        let mode = CacheMode::of(None, Output::Bind).expect("bound output is cached");
        let first = cache.get_or_rewrite(mode, &sql, || template(&sql)).expect("rewritten");
        let again = cache.get_or_rewrite(mode, &sql, || panic!("rewritten twice")).expect("cached");
        assert_eq!(first.sql(), again.sql());
        assert_eq!(front(Front::len), Some(0), "too heavy for the front");
    }
}
