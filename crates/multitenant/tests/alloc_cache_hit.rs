//! A cached rewrite costs a lookup, not a parse: it allocates nothing.
//!
//! A counting global allocator counts this thread's allocations around a warm `rewrite`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use multitenant::{Dialect, Output, Rewriter, Scope};

mod common;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to the system allocator; counting touches only a
// const-initialised thread-local `Cell`, which does not allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn allocations_during(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

fn rewriter() -> Rewriter {
    Rewriter::new(common::schema(), Dialect::Postgres)
}

const SQL: &str = "SELECT a.id, c.name FROM ads a JOIN campaigns c ON a.campaign_id = c.id WHERE a.id = $1";

#[test]
fn cache_hit_allocates_nothing() {
    let rewriter = rewriter();
    let scope = Scope::tenant(42_i64);
    let cold =
        allocations_during(|| drop(rewriter.rewrite_in(Some(&scope), SQL, Output::Bind).expect("scoped")));
    assert!(cold > 0, "the first rewrite parses and allocates");
    let warm = allocations_during(|| {
        let rewritten = rewriter.rewrite_in(Some(&scope), SQL, Output::Bind).expect("scoped");
        assert_eq!(rewritten.tenant_parameter().map(|p| p.index()), Some(2));
    });
    assert_eq!(warm, 0, "a cached rewrite allocated {warm} times");
}

#[test]
fn guarded_cache_hit_allocates_nothing() {
    let rewriter = rewriter();
    let scope = Scope::tenant(42_i64);
    let sql = "INSERT INTO ads (company_id, id, title) VALUES ($1, $2, $3)";
    drop(rewriter.rewrite_in(Some(&scope), sql, Output::Guarded).expect("guarded"));
    let warm = allocations_during(|| {
        let rewritten = rewriter.rewrite_in(Some(&scope), sql, Output::Guarded).expect("guarded");
        assert!(rewritten.guarded_parameters().is_empty());
    });
    assert_eq!(warm, 0, "a cached guarded rewrite allocated {warm} times");
}

#[test]
fn cache_hit_in_task_scope_allocates_nothing() {
    let rewriter = rewriter();
    multitenant::with_tenant_sync(7_i64, || {
        drop(rewriter.rewrite(SQL).expect("scoped"));
        let warm = allocations_during(|| drop(rewriter.rewrite(SQL).expect("scoped")));
        assert_eq!(warm, 0, "a cached rewrite in the task's scope allocated {warm} times");
    });
}

#[test]
fn cache_hit_on_a_second_thread_allocates_nothing_once_that_thread_has_it() {
    let rewriter = rewriter();
    let scope = Scope::tenant(42_i64);
    drop(rewriter.rewrite_in(Some(&scope), SQL, Output::Bind).expect("scoped"));
    std::thread::scope(|s| {
        s.spawn(|| {
            let scope = Scope::tenant(7_i64);
            let first = allocations_during(|| {
                drop(rewriter.rewrite_in(Some(&scope), SQL, Output::Bind).expect("scoped"))
            });
            let warm = allocations_during(|| {
                drop(rewriter.rewrite_in(Some(&scope), SQL, Output::Bind).expect("scoped"))
            });
            assert!(first > 0, "the thread's first use takes the rewrite into its own cache");
            assert_eq!(warm, 0, "a cached rewrite on the second thread allocated {warm} times");
        });
    });
}

#[test]
fn capacity_zero_caches_nothing() {
    let rewriter = Rewriter::with_cache_capacity(common::schema(), Dialect::Postgres, 0);
    let scope = Scope::tenant(42_i64);
    drop(rewriter.rewrite_in(Some(&scope), SQL, Output::Bind).expect("scoped"));
    let again =
        allocations_during(|| drop(rewriter.rewrite_in(Some(&scope), SQL, Output::Bind).expect("scoped")));
    assert!(again > 0, "with the cache off every rewrite parses, so it allocates");
}
