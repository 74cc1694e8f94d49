//! A bounded cache of rewrites, keyed by SQL text and mode, so a repeated statement costs a
//! lookup, not a parse. The hit path takes a lock, hashes the text and clones an `Arc`.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};

use lru::LruCache;

use super::Template;
use crate::Scope;

/// The modes whose rewrites do not depend on the tenant values (bound output).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

type Lru = Mutex<LruCache<Box<str>, Arc<Template>>>;

/// One LRU per mode, so a lookup borrows the SQL text instead of building a key.
#[derive(Debug)]
pub(super) struct Cache {
    modes: Option<[Lru; 4]>,
}

impl Cache {
    pub(super) fn new(capacity: usize) -> Self {
        let modes =
            NonZeroUsize::new(capacity).map(|cap| std::array::from_fn(|_| Mutex::new(LruCache::new(cap))));
        Self { modes }
    }

    pub(super) fn get(&self, mode: CacheMode, sql: &str) -> Option<Arc<Template>> {
        let lru = &self.modes.as_ref()?[mode as usize];
        lru.lock().unwrap_or_else(PoisonError::into_inner).get(sql).cloned()
    }

    pub(super) fn insert(&self, mode: CacheMode, sql: &str, template: Arc<Template>) {
        if let Some(modes) = &self.modes {
            modes[mode as usize].lock().unwrap_or_else(PoisonError::into_inner).put(sql.into(), template);
        }
    }
}
