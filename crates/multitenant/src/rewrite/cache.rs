//! A bounded cache of rewrites, keyed by SQL text and mode, so a repeated statement costs a
//! lookup, not a parse.
//!
//! EXPERIMENT: four designs side by side, chosen per rewriter, so one benchmark run compares
//! them; the losers are removed once measured.

use std::cell::RefCell;
use std::hash::{Hash, Hasher};
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use lru::LruCache;
use quick_cache::Equivalent;

use super::Template;
use crate::Scope;

/// The modes whose rewrites do not depend on the tenant values (bound output).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum CacheMode {
    NoScope = 0,
    OneTenant = 1,
    ManyTenants = 2,
    Unscoped = 3,
}

impl CacheMode {
    pub(super) fn of(scope: Option<&Scope>) -> Self {
        match scope {
            None => Self::NoScope,
            Some(Scope::Unscoped) => Self::Unscoped,
            Some(Scope::Tenants(set)) if set.single().is_some() => Self::OneTenant,
            Some(Scope::Tenants(_)) => Self::ManyTenants,
        }
    }
}

/// Which cache design a rewriter uses (experiment only).
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheDesign {
    /// One `Mutex<LruCache>` per mode (the design before).
    Mutex,
    /// A sharded concurrent cache (`quick_cache::sync`) per mode, handing out the shared `Arc`.
    Sharded,
    /// A per-thread front cache holding the shared `Arc`, before `Sharded`.
    FrontShared,
    /// A per-thread front cache holding a per-thread copy, before `Sharded`.
    FrontPrivate,
}

type Lru = Mutex<LruCache<Box<str>, Arc<Template>>>;
type Shared = quick_cache::sync::Cache<Box<str>, Arc<Template>>;

const FRONT_ENTRIES: usize = 256;

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static FRONT: RefCell<quick_cache::unsync::Cache<FrontKey, Arc<Template>>> =
        RefCell::new(quick_cache::unsync::Cache::new(FRONT_ENTRIES));
}

#[derive(Debug, PartialEq, Eq)]
struct FrontKey {
    rewriter: u64,
    mode: CacheMode,
    sql: Box<str>,
}

impl Hash for FrontKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        FrontLookup { rewriter: self.rewriter, mode: self.mode, sql: &self.sql }.hash(state);
    }
}

#[derive(Hash)]
struct FrontLookup<'a> {
    rewriter: u64,
    mode: CacheMode,
    sql: &'a str,
}

impl Equivalent<FrontKey> for FrontLookup<'_> {
    fn equivalent(&self, key: &FrontKey) -> bool {
        self.rewriter == key.rewriter && self.mode == key.mode && self.sql == &*key.sql
    }
}

#[derive(Debug)]
pub(super) struct Cache {
    id: u64,
    design: CacheDesign,
    mutex: Option<[Lru; 4]>,
    sharded: Option<[Shared; 4]>,
}

impl Cache {
    pub(super) fn new(capacity: usize, design: CacheDesign) -> Self {
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let (mut mutex, mut sharded) = (None, None);
        if let Some(cap) = NonZeroUsize::new(capacity) {
            match design {
                CacheDesign::Mutex => mutex = Some(std::array::from_fn(|_| Mutex::new(LruCache::new(cap)))),
                _ => sharded = Some(std::array::from_fn(|_| Shared::new(capacity))),
            }
        }
        Self { id, design, mutex, sharded }
    }

    pub(super) fn get(&self, mode: CacheMode, sql: &str) -> Option<Arc<Template>> {
        match self.design {
            CacheDesign::Mutex => {
                let lru = &self.mutex.as_ref()?[mode as usize];
                lru.lock().unwrap_or_else(PoisonError::into_inner).get(sql).cloned()
            }
            CacheDesign::Sharded => self.sharded.as_ref()?[mode as usize].get(sql),
            CacheDesign::FrontShared | CacheDesign::FrontPrivate => {
                let shared = self.sharded.as_ref()?;
                let lookup = FrontLookup { rewriter: self.id, mode, sql };
                if let Some(hit) = FRONT.with(|f| f.borrow().get(&lookup).cloned()) {
                    return Some(hit);
                }
                let found = shared[mode as usize].get(sql)?;
                let found = match self.design {
                    CacheDesign::FrontPrivate => Arc::new(Template::clone(&found)),
                    _ => found,
                };
                self.front_insert(mode, sql, Arc::clone(&found));
                Some(found)
            }
        }
    }

    fn front_insert(&self, mode: CacheMode, sql: &str, template: Arc<Template>) {
        let key = FrontKey { rewriter: self.id, mode, sql: sql.into() };
        FRONT.with(|f| f.borrow_mut().insert(key, template));
    }

    pub(super) fn insert(&self, mode: CacheMode, sql: &str, template: Arc<Template>) {
        match self.design {
            CacheDesign::Mutex => {
                if let Some(modes) = &self.mutex {
                    modes[mode as usize]
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .put(sql.into(), template);
                }
            }
            CacheDesign::Sharded => {
                if let Some(modes) = &self.sharded {
                    modes[mode as usize].insert(sql.into(), template);
                }
            }
            CacheDesign::FrontShared | CacheDesign::FrontPrivate => {
                if let Some(modes) = &self.sharded {
                    let shared = match self.design {
                        CacheDesign::FrontPrivate => Arc::new(Template::clone(&template)),
                        _ => Arc::clone(&template),
                    };
                    modes[mode as usize].insert(sql.into(), shared);
                    self.front_insert(mode, sql, template);
                }
            }
        }
    }
}
