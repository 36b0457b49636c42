//! GoKer `istio_8214` (istio PR #8214): an LRU cache counts its writes with an atomic add but
//! hands its stats out with a plain read, so two concurrent `Set`s race: one's read of the stats
//! against the other's atomic add.
//!
//! Ports `gobench/goker/nonblocking/istio/8214/istio8214_test.go` (GoBench: traditional, data
//! race). The test adds three to a WaitGroup and starts a goroutine that makes a gRPC server with
//! a cache over an LRU cache, starts two goroutines that each call the server's `Check`, and calls
//! `Done`; the test waits for all three. `Check` calls the cache's `Set`, which calls the LRU
//! cache's `SetWithExpiration` (an `atomic.AddUint64` on its stats' `Writes`) and then records
//! the stats, copying them with `Stats()`, a plain read. Go's race detector treats atomic
//! operations on one address as ordered among themselves and a plain access beside them as a
//! race: whichever goroutine adds first, its later plain read is ordered with nothing the other's
//! add does, so every run has the race (the other pair is ordered: the first add, then the
//! second, then the second's read). Here the stats are a `RaceCell`, and an atomic operation on
//! them is an access of the cell under a lock that stands for the atomicity (the lock orders the
//! atomic operations among themselves, as the race detector does; a plain access takes no lock).
//! Fix (the upstream fix): `Stats()` loads the counter atomically.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{Backend, Mutex, RaceCell, WaitGroup};
use std::sync::Arc;

zoo_entry! {
    /// Two checks of one gRPC server set its cache at once.
    pub struct Istio8214 {}
}

#[derive(Clone, Copy, Debug, Default)]
struct Stats {
    writes: u64,
}

struct LruCache<B: Backend> {
    /// Go's `stats`: added to atomically, read plainly by `Stats()`.
    stats: RaceCell<Stats, B>,
    /// What makes an operation of `sync/atomic` on the stats atomic (see the header).
    atomic: Mutex<B>,
    fixed: bool,
}

impl<B: Backend> LruCache<B> {
    fn stats(&self) -> Stats {
        if self.fixed {
            // The fix: `atomic.LoadUint64`.
            self.atomic.lock();
            let stats = self.stats.get();
            self.atomic.unlock();
            return stats;
        }
        self.stats.get() // a plain read: races with the other goroutine's add
    }

    fn set_with_expiration(&self) {
        // `atomic.AddUint64(&c.stats.Writes, 1)`.
        self.atomic.lock();
        self.stats.update(|s| s.writes += 1);
        self.atomic.unlock();
    }
}

struct Cache<B: Backend> {
    cache: LruCache<B>,
}

impl<B: Backend> Cache<B> {
    fn set(&self) {
        self.cache.set_with_expiration();
        self.record_stats();
    }

    fn record_stats(&self) {
        let _stats = self.cache.stats();
    }
}

struct GrpcServer<B: Backend> {
    cache: Option<Cache<B>>,
}

impl<B: Backend> GrpcServer<B> {
    /// The kernel's unexported `check`.
    fn check_cache(&self) {
        if let Some(cache) = &self.cache {
            cache.set();
        }
    }

    /// The kernel's `Check`.
    fn check(&self) {
        self.check_cache();
    }
}

impl Scenario for Istio8214 {
    const NAME: &'static str = "goker::istio_8214";
    // Unbounded, the fix ran past 90 s; a data race shows on any schedule that makes both accesses,
    // whatever its preemptions, so a bound of 2 loses little.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "the cache's stats are never read plainly beside an atomic add";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let wg = WaitGroup::<B>::new_in();
        wg.add(3);
        let body_wg = wg.clone();
        drop(B::spawn("test-body", move || {
            let s = Arc::new(GrpcServer::<B> {
                cache: Some(Cache {
                    cache: LruCache {
                        stats: RaceCell::new_in(Stats::default()),
                        atomic: Mutex::new_in(),
                        fixed,
                    },
                }),
            });
            for i in 0..2 {
                let (s, check_wg) = (Arc::clone(&s), body_wg.clone());
                drop(B::spawn(&format!("check-{i}"), move || {
                    s.check();
                    check_wg.done(); // the deferred Done
                }));
            }
            body_wg.done(); // the deferred Done
        }));
        wg.wait();
    }
}

impl Mistake for Istio8214 {
    const CAUGHT_AS: FailureKind = FailureKind::DataRace;
    // Both atomic adds, then the race of the first adder's plain read with the second's add.
    const TRACE_SHOWS: &'static [&'static str] = &["write cell", "write cell", "data race"];
}

impl Kernel for Istio8214 {
    const GOKER: Goker = Goker {
        project: "istio",
        id: 8214,
        class: Class::NonBlocking,
        kind: "Traditional",
        subtype: "Data race",
    };
}
