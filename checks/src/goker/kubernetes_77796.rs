//! GoKer `kubernetes_77796` (kubernetes PR #77796): several goroutines dispatch events of one
//! cacher at once; each resets the cacher's watcher buffer under the cacher's lock but then ranges
//! over it with no lock, racing with the others' resets.
//!
//! Ports `gobench/goker/nonblocking/kubernetes/77796/kubernetes77796_test.go` (GoBench:
//! traditional, data race). Making the test cacher starts its own dispatching goroutine
//! (`dispatchEvents`, which dispatches one event); the test then, three times, starts a goroutine
//! that dispatches an event and sleeps 10 ms, and returns. `dispatchEvent` calls
//! `startDispatching`, which write-locks the cacher and truncates `watcherBuffer` (a write of the
//! slice), unlocks, and then ranges over `watcherBuffer` unlocked (a read): one dispatcher's read
//! and another's truncation are ordered by nothing (the unlock comes before the read, not after
//! it), so Go's race detector reports them, on every run. The port keeps `watcherBuffer` in a
//! `RaceCell`. The small instance starts two dispatching goroutines, not three (with the cacher's
//! own, the test's and the sleeps' timer thread, five threads); the large has the kernel's three.
//!
//! Fix (ours): `dispatchEvent` ranges over the buffer under the cacher's read lock, so every
//! truncation, under the write lock, is ordered with every read. Upstream fixed its test instead:
//! #77796 made the test wait (a WaitGroup) for each of its dispatching goroutines before the
//! next, but that leaves the race with the cacher's own dispatching goroutine (GoBench's kernel
//! `kubernetes_89164` is exactly that), which #89164 fixed by handing the test's events to the
//! cacher's dispatcher (`processEvent`) instead of dispatching them itself; in this kernel,
//! whose dispatcher takes no events, that would leave the test nothing to do.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{time, Backend, RaceCell, RwMutex};
use std::sync::Arc;
use std::time::Duration;

zoo_entry! {
    /// Goroutines dispatch events of one cacher while its own dispatcher does.
    pub struct Kubernetes77796 {
        /// Dispatching goroutines the test starts (the kernel has three).
        pub dispatchers: usize,
    }
}

/// `cacheWatcher`.
type CacheWatcher = i32;

struct Cacher<B: Backend> {
    /// The embedded `sync.RWMutex`.
    lock: RwMutex<(), B>,
    /// `watcherBuffer`: a plain slice.
    watcher_buffer: RaceCell<Vec<CacheWatcher>, B>,
}

impl<B: Backend> Cacher<B> {
    fn start_dispatching(&self) {
        let _locked = self.lock.write(); // released at the end: the deferred Unlock
                                         // c.watcherBuffer = c.watcherBuffer[:0]
        self.watcher_buffer.update(|buffer| buffer.clear());
    }

    fn dispatch_event(&self, fixed: bool) {
        self.start_dispatching();
        let _read_locked = fixed.then(|| self.lock.read());
        self.watcher_buffer.read(|buffer| for _watcher in buffer {});
    }

    fn dispatch_events(&self, fixed: bool) {
        self.dispatch_event(fixed);
    }
}

fn new_cacher_from_config<B: Backend>(fixed: bool) -> Arc<Cacher<B>> {
    let cacher = Arc::new(Cacher {
        lock: RwMutex::new_in(()),
        watcher_buffer: RaceCell::new_in(Vec::new()),
    });
    let dispatcher = Arc::clone(&cacher);
    drop(B::spawn("dispatch-events", move || {
        dispatcher.dispatch_events(fixed)
    }));
    cacher
}

fn new_test_cacher<B: Backend>(fixed: bool) -> Arc<Cacher<B>> {
    new_cacher_from_config(fixed)
}

impl Scenario for Kubernetes77796 {
    const NAME: &'static str = "goker::kubernetes_77796";
    // Unbounded, the fix ran past 90 s; a data race shows on any schedule that makes both accesses,
    // whatever its preemptions, so a bound of 2 loses little.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "no read of the watcher buffer races with a reset of it";
    broken_instances! {
        small: { dispatchers: 2 },
        large: { dispatchers: 3 },
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let cacher = new_test_cacher::<B>(fixed);
        for i in 0..self.dispatchers {
            let cacher = Arc::clone(&cacher);
            drop(B::spawn(&format!("dispatch-event-{i}"), move || {
                cacher.dispatch_event(fixed)
            }));
            time::sleep::<B>(Duration::from_millis(10));
        }
    }
}

impl Mistake for Kubernetes77796 {
    const CAUGHT_AS: FailureKind = FailureKind::DataRace;
    const TRACE_SHOWS: &'static [&'static str] = &["write cell", "data race"];
}

impl Kernel for Kubernetes77796 {
    const GOKER: Goker = Goker {
        project: "kubernetes",
        id: 77796,
        class: Class::NonBlocking,
        kind: "Traditional",
        subtype: "Data race",
    };
}
