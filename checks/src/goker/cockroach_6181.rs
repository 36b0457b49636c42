//! GoKer `cockroach_6181` (cockroach PR #6181): `LookupRangeDescriptor` prints the range cache
//! while it holds the cache's read lock, and printing it calls its `String`, which read-locks the
//! cache again; a lookup that write-locks the cache in between holds that second read lock back
//! while it waits for the first (RWR).
//!
//! Ports `gobench/goker/blocking/cockroach/6181/cockroach6181_test.go` (GoBench: resource
//! deadlock, RWR deadlock). The test starts `testRangeCacheCoalescedRquests` on a goroutine and
//! returns; it starts three lookups on a goroutine each and waits for them on a WaitGroup. Each
//! lookup read-locks the cache, prints it (`String` read-locks it again), read-unlocks, then
//! write-locks and unlocks it. When one lookup's write lock comes between another's two read
//! locks, Go's writer preference makes the second read wait for the writer, which waits for the
//! first: both lookups and the waiting goroutine are left blocked (a leak). The port formats the
//! line rather than printing it (Go's `String` is the cache's `Display`). The small instance starts
//! two lookups (loom's thread limit; two show the bug). Neither the kernel nor its README states
//! the fix; the kernel keeps `stringLocked`, the form of `String` for a caller that already holds
//! the lock, and the port's fix prints through it, so a lookup read-locks the cache only once.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{Backend, RwMutex, WaitGroup};
use std::fmt;
use std::sync::Arc;

zoo_entry! {
    /// Lookups in a range descriptor cache, each printing the cache under its read lock.
    pub struct Cockroach6181 {
        /// Concurrent lookups (the kernel has three).
        pub lookups: usize,
    }
}

struct TestDescriptorDb<B: Backend> {
    cache: Arc<RangeDescriptorCache<B>>,
}

fn init_test_descriptor_db<B: Backend>() -> TestDescriptorDb<B> {
    TestDescriptorDb {
        cache: Arc::new(RangeDescriptorCache {
            range_cache_mu: RwMutex::new_in(()),
        }),
    }
}

struct RangeDescriptorCache<B: Backend> {
    range_cache_mu: RwMutex<(), B>,
}

impl<B: Backend> RangeDescriptorCache<B> {
    fn lookup_range_descriptor(&self, fixed: bool) {
        // The first read lock; the kernel then prints this line.
        let shared = self.range_cache_mu.read();
        let _line = if fixed {
            format!("lookup range descriptor: {}", self.string_locked())
        } else {
            format!("lookup range descriptor: {self}")
        };
        drop(shared);
        let held = self.range_cache_mu.write(); // blocks here
        drop(held);
    }

    fn string_locked(&self) -> String {
        "something here".to_owned()
    }
}

/// Go's `String`, which formatting the cache calls.
impl<B: Backend> fmt::Display for RangeDescriptorCache<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let _shared = self.range_cache_mu.read(); // the second read lock: blocks here
        f.write_str(&self.string_locked())
    }
}

fn do_lookup_with_token<B: Backend>(rc: &RangeDescriptorCache<B>, fixed: bool) {
    rc.lookup_range_descriptor(fixed);
}

fn test_range_cache_coalesced_requests<B: Backend>(lookups: usize, fixed: bool) {
    let db = init_test_descriptor_db::<B>();
    pause_lookup_resume_and_assert(&db, lookups, fixed);
}

/// The test's closure `pauseLookupResumeAndAssert`.
fn pause_lookup_resume_and_assert<B: Backend>(
    db: &TestDescriptorDb<B>,
    lookups: usize,
    fixed: bool,
) {
    let wg = WaitGroup::<B>::new_in();
    for i in 0..lookups {
        wg.add(1);
        let (cache, wg) = (Arc::clone(&db.cache), wg.clone());
        drop(B::spawn(&format!("lookup-{i}"), move || {
            do_lookup_with_token(&cache, fixed);
            wg.done();
        }));
    }
    wg.wait(); // blocks here
}

impl Scenario for Cockroach6181 {
    const NAME: &'static str = "goker::cockroach_6181";
    // Unbounded, the fix passes in 297,109 schedules (14 s); at 2 preemptions in 159.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "every lookup and the goroutine waiting for them finish";
    broken_instances! {
        small: { lookups: 2 },
        large: { lookups: 3 },
    }
    fn run<B: Backend>(&self) {
        let (lookups, fixed) = (self.lookups, self.variant == Variant::Correct);
        drop(B::spawn("test-range-cache-coalesced-requests", move || {
            test_range_cache_coalesced_requests::<B>(lookups, fixed)
        }));
    }
}

impl Mistake for Cockroach6181 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    const TRACE_SHOWS: &'static [&'static str] = &[
        "read lock rwmutex",
        "read lock rwmutex (never returned)",
        "■ lock rwmutex (never returned)",
    ];
}

impl Kernel for Cockroach6181 {
    const GOKER: Goker = Goker {
        project: "cockroach",
        id: 6181,
        class: Class::Blocking,
        kind: "Resource Deadlock",
        subtype: "RWR deadlock",
    };
}
