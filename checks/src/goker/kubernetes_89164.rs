//! GoKer `kubernetes_89164` (kubernetes PR #89164): the test calls the cacher's `dispatchEvent`
//! from goroutines of its own while the cacher's dispatching goroutine runs it too, and
//! `dispatchEvent` ranges over the watcher buffer outside the lock under which the other resets
//! it: a data race.
//!
//! Ports `gobench/goker/nonblocking/kubernetes/89164/kubernetes89164_test.go` (GoBench:
//! traditional, data race). The test makes a cacher, which starts `dispatchEvents` on a goroutine
//! (it dispatches one event); then, three times, it starts a goroutine that calls `dispatchEvent`
//! and waits for it on a fresh WaitGroup. `dispatchEvent` resets `watcherBuffer` under the
//! cacher's write lock (`startDispatching`) and then ranges over it with no lock: whichever of
//! the dispatching goroutine and a test goroutine locks second, its reset is unordered with the
//! other's range, so every schedule races (Go's `-race` report names the same two lines); the
//! shared buffer is a `RaceCell`. Fix (the upstream fix): the test hands its events to the
//! cacher with `processEvent`, which sends them on the cacher's `incoming` channel, so that only
//! the dispatching goroutine ever dispatches. The kernel trims `incoming` away; the port gives
//! the cacher upstream's channel (a buffer of 100), which `dispatchEvents` drains after its first
//! dispatch, and the test stops the cacher at its end by closing it (upstream's deferred `Stop`),
//! in both variants. The small instance runs two rounds of the test's loop instead of three (four
//! threads).

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{chan, Backend, RaceCell, Receiver, RwMutex, Sender, WaitGroup};
use std::sync::Arc;

zoo_entry! {
    /// A cacher dispatches an event while the test dispatches more, one goroutine per round.
    pub struct Kubernetes89164 {
        /// Rounds of the test's loop, one goroutine each (the kernel has three).
        pub rounds: usize,
    }
}

/// The kernel's `cacheWatcher` (an int).
type CacheWatcher = i64;

/// An event to dispatch (the kernel's events carry nothing).
struct WatchCacheEvent;

/// The buffer of upstream's `incoming` channel.
const INCOMING_CAPACITY: usize = 100;

struct Cacher<B: Backend> {
    /// The `sync.RWMutex` the cacher embeds; the kernel only write-locks it.
    lock: RwMutex<(), B>,
    /// `watcherBuffer`: reset under the lock, ranged over outside it.
    watcher_buffer: RaceCell<Vec<CacheWatcher>, B>,
    /// Upstream's `incoming`: the events `processEvent` hands to the dispatching goroutine.
    incoming: Sender<WatchCacheEvent, B>,
}

impl<B: Backend> Cacher<B> {
    fn start_dispatching(&self) {
        let _locked = self.lock.write();
        // `watcherBuffer = watcherBuffer[:0]`, under the lock (released by the deferred unlock).
        self.watcher_buffer.update(|buffer| buffer.clear());
    }

    fn dispatch_event(&self) {
        self.start_dispatching();
        // Ranges over the buffer with no lock held.
        self.watcher_buffer.read(|buffer| for _watcher in buffer {});
    }

    /// The dispatching goroutine: the kernel's one dispatch, then (upstream's loop) one per event
    /// handed over, until the cacher stops.
    fn dispatch_events(&self, incoming: &Receiver<WatchCacheEvent, B>) {
        self.dispatch_event();
        for _event in incoming {
            self.dispatch_event();
        }
    }

    /// Upstream's `processEvent`: hands the event to the dispatching goroutine.
    fn process_event(&self, event: WatchCacheEvent) {
        self.incoming
            .send(event)
            .expect("the cacher stops only after the test's rounds");
    }

    /// Upstream's `Stop`, which the test defers: the dispatching goroutine returns.
    fn stop(&self) {
        self.incoming.close().expect("the cacher stops once");
    }
}

fn new_cacher_from_config<B: Backend>() -> Arc<Cacher<B>> {
    let (incoming, events) = chan::bounded_in::<B, WatchCacheEvent>(INCOMING_CAPACITY);
    let cacher = Arc::new(Cacher {
        lock: RwMutex::new_in(()),
        watcher_buffer: RaceCell::new_in(Vec::new()),
        incoming,
    });
    let dispatcher = Arc::clone(&cacher);
    drop(B::spawn("dispatch-events", move || {
        dispatcher.dispatch_events(&events)
    }));
    cacher
}

fn new_test_cacher<B: Backend>() -> Arc<Cacher<B>> {
    new_cacher_from_config()
}

impl Scenario for Kubernetes89164 {
    const NAME: &'static str = "goker::kubernetes_89164";
    // Unbounded, the fix ran past 90 s; a data race shows on any schedule that makes both accesses,
    // whatever its preemptions, so a bound of 2 loses little.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "no two accesses of the watcher buffer race";
    broken_instances! {
        small: { rounds: 2 },
        large: { rounds: 3 },
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let cacher = new_test_cacher::<B>();
        for round in 0..self.rounds {
            let wg = WaitGroup::<B>::new_in();
            wg.add(1);
            let (cacher, done) = (Arc::clone(&cacher), wg.clone());
            drop(B::spawn(&format!("dispatch-{round}"), move || {
                if fixed {
                    cacher.process_event(WatchCacheEvent);
                } else {
                    cacher.dispatch_event();
                }
                done.done();
            }));
            wg.wait();
        }
        cacher.stop();
    }
}

impl Mistake for Kubernetes89164 {
    const CAUGHT_AS: FailureKind = FailureKind::DataRace;
    const TRACE_SHOWS: &'static [&'static str] = &["lock rwmutex", "write cell", "data race"];
}

impl Kernel for Kubernetes89164 {
    const GOKER: Goker = Goker {
        project: "kubernetes",
        id: 89164,
        class: Class::NonBlocking,
        kind: "Traditional",
        subtype: "Data race",
    };
}
