//! GoKer `istio_8144` (istio PR #8144): a TTL cache's evicter goroutine calls the test's
//! eviction callback, which increments a plain counter, while the test reads the counter: a
//! data race.
//!
//! Ports `gobench/goker/nonblocking/istio/8144/istio8144_test.go` (GoBench: traditional, data
//! race). The test adds one to a WaitGroup, starts a goroutine and waits for it. The goroutine
//! makes a callback recorder and a TTL cache with the recorder's `callback` as its eviction
//! callback, which starts the cache's `evicter` goroutine; it stores one entry in the cache and
//! reads the recorder's `callbacks` count (comparing it with 1 and doing nothing either way).
//! The evicter ranges over the cache's entries and calls the callback for each, which increments
//! `callbacks`. When the evicter sees the entry, the map orders its range after the store, but
//! nothing orders the increment with the test's read, which follows the store: Go's race
//! detector reports them (the counter is a `RaceCell` here), in whichever order they ran. When
//! the evicter ranges before the store, it sees no entry and nothing races. The kernel's
//! `sync.Map`, which the kit lacks, is a map behind the kit's `RwMutex` here: `Store` takes the
//! write lock, `Range` copies the entries under the read lock and calls back outside it, as
//! `sync.Map.Range` holds no lock while its function runs. Fix (neither the kernel nor its
//! README states it; upstream's PR fixes the races of its cache tests): the port's recorder
//! guards its count with a mutex, taken by the callback's increment and by the test's read.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{Backend, Mutex, RaceCell, RwMutex, WaitGroup};
use std::collections::BTreeMap;
use std::sync::Arc;

zoo_entry! {
    /// A TTL cache with an eviction callback gets one entry while its evicter runs.
    pub struct Istio8144 {}
}

/// The kernel's `EvictionCallback`.
type EvictionCallback = Box<dyn Fn() + Send + Sync>;

struct CallbackRecorder<B: Backend> {
    /// Go's `callbacks`, a plain field: the evicter's callback writes it, the test reads it.
    callbacks: RaceCell<i32, B>,
    /// The fix's lock around the count.
    mu: Mutex<B>,
    fixed: bool,
}

impl<B: Backend> CallbackRecorder<B> {
    fn callback(&self) {
        if self.fixed {
            self.mu.lock();
        }
        self.callbacks.update(|n| *n += 1); // races with the test's read
        if self.fixed {
            self.mu.unlock();
        }
    }
}

struct TtlCache<B: Backend> {
    /// The kernel's `sync.Map` (see the header).
    entries: RwMutex<BTreeMap<i32, i32>, B>,
    callback: EvictionCallback,
}

impl<B: Backend> TtlCache<B> {
    fn evicter(&self) {
        self.evict_expired();
    }

    fn evict_expired(&self) {
        self.range(|_key, _value| {
            (self.callback)();
            true
        });
    }

    /// `sync.Map.Range`: `f` for each entry until it returns false, with no lock held.
    fn range(&self, mut f: impl FnMut(i32, i32) -> bool) {
        let entries: Vec<(i32, i32)> = self.entries.read().iter().map(|(k, v)| (*k, *v)).collect();
        for (key, value) in entries {
            if !f(key, value) {
                break;
            }
        }
    }

    fn set_with_expiration(&self, key: i32, value: i32) {
        self.entries.write().insert(key, value); // `sync.Map.Store`
    }
}

fn new_ttl_with_callback<B: Backend>(callback: EvictionCallback) -> Arc<TtlCache<B>> {
    let c = Arc::new(TtlCache {
        entries: RwMutex::new_in(BTreeMap::new()),
        callback,
    });
    let evicting = Arc::clone(&c);
    drop(B::spawn("evicter", move || evicting.evicter()));
    c
}

impl Scenario for Istio8144 {
    const NAME: &'static str = "goker::istio_8144";
    const INVARIANT: &'static str = "the eviction callback's count and the test's read never race";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let wg = WaitGroup::<B>::new_in();
        wg.add(1);
        let body_wg = wg.clone();
        drop(B::spawn("test-body", move || {
            let c = Arc::new(CallbackRecorder::<B> {
                callbacks: RaceCell::new_in(0),
                mu: Mutex::new_in(),
                fixed,
            });
            let recorder = Arc::clone(&c);
            let ttl = new_ttl_with_callback::<B>(Box::new(move || recorder.callback()));
            ttl.set_with_expiration(1, 1);
            if fixed {
                c.mu.lock();
            }
            // Races with the callback's increment. The kernel compares the count with 1 and does
            // nothing either way.
            let _callbacks = c.callbacks.get();
            if fixed {
                c.mu.unlock();
            }
            body_wg.done(); // the deferred Done
        }));
        wg.wait();
    }
}

impl Mistake for Istio8144 {
    const CAUGHT_AS: FailureKind = FailureKind::DataRace;
    // The test's store, the evicter's callback writing the count, the race with the test's read.
    const TRACE_SHOWS: &'static [&'static str] = &["lock rwmutex", "write cell", "data race"];
}

impl Kernel for Istio8144 {
    const GOKER: Goker = Goker {
        project: "istio",
        id: 8144,
        class: Class::NonBlocking,
        kind: "Traditional",
        subtype: "Data race",
    };
}
