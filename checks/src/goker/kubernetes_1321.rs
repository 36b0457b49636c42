//! GoKer `kubernetes_1321` (kubernetes PR #1321): the watch mux's `distribute` holds the mux's
//! lock while it sends to a watcher nobody reads, and the watcher's `Stop`, which would close that
//! channel, must take the same lock first.
//!
//! Ports `gobench/goker/blocking/kubernetes/1321/kubernetes1321_test.go` (GoBench: mixed deadlock,
//! channel & lock). The test starts a goroutine that makes a mux (whose loop distributes 100 times
//! on a goroutine of its own), watches it and stops the watcher, and returns; once a distribution
//! finds the watcher, both goroutines are left blocked (a leak). The small instance distributes
//! twice (one distribution after the watch shows the bug). Fix (the kernel's header, as upstream
//! has it): the watcher gets a `stopped` channel that `Stop` closes before it takes the lock, and
//! `distribute` sends in a select that also receives from it.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, RecvArm, Select, SendArm};
use patterns::{Backend, Mutex, Receiver, Sender};
use std::collections::HashMap;
use std::sync::{Arc, Weak};

zoo_entry! {
    /// A goroutine watches a mux and stops the watcher while the mux distributes.
    pub struct Kubernetes1321 {
        /// Distributions of the mux's loop (the kernel has 100).
        pub distributions: usize,
    }
}

struct MuxWatcher<B: Backend> {
    result: Sender<(), B>,
    /// Nobody reads the results in the test; the watcher keeps the channel.
    _result_chan: Receiver<(), B>,
    /// The fix's channel, closed by `Stop`.
    stopped: Sender<(), B>,
    stopped_chan: Receiver<(), B>,
    m: Weak<Mux<B>>,
    id: i64,
}

impl<B: Backend> MuxWatcher<B> {
    fn stop(&self) {
        let m = self.m.upgrade().expect("the test holds the mux");
        if m.fixed {
            self.stopped.close().expect("stopped once");
        }
        m.stop_watching(self.id);
    }
}

struct Mux<B: Backend> {
    lock: Mutex<B>,
    /// The kernel's package-level `globalMtx` (the test makes one mux).
    global_mtx: Mutex<B>,
    /// Under the kernel's locks: added to under `global_mtx`, removed from under `lock`, walked
    /// under both. The backend lock only makes the sharing sound: it is held for no blocking step.
    watchers: B::Mutex<HashMap<i64, Arc<MuxWatcher<B>>>>,
    /// Whether the fix runs.
    fixed: bool,
}

impl<B: Backend> Mux<B> {
    fn new(distributions: usize, fixed: bool) -> Arc<Self> {
        let m = Arc::new(Self {
            lock: Mutex::new_in(),
            global_mtx: Mutex::new_in(),
            watchers: B::mutex(HashMap::new()),
            fixed,
        });
        let looping = Arc::clone(&m);
        drop(B::spawn("mux-loop", move || {
            looping.run_loop(distributions)
        }));
        m
    }

    fn watch(self: &Arc<Self>) -> Arc<MuxWatcher<B>> {
        let (result, result_chan) = chan::bounded_in(0);
        let (stopped, stopped_chan) = chan::bounded_in(0);
        // The kernel reads the map's length with no lock of its own held.
        let id = B::lock(&self.watchers).len() as i64;
        let mw = Arc::new(MuxWatcher {
            result,
            _result_chan: result_chan,
            stopped,
            stopped_chan,
            m: Arc::downgrade(self),
            id,
        });
        self.global_mtx.lock();
        B::lock(&self.watchers).insert(mw.id, Arc::clone(&mw));
        self.global_mtx.unlock();
        mw
    }

    fn run_loop(&self, distributions: usize) {
        for _ in 0..distributions {
            self.distribute();
        }
    }

    fn distribute(&self) {
        self.lock.lock();
        self.global_mtx.lock();
        // Both locks held, the map cannot change: walking a copy is walking the map.
        let watchers: Vec<Arc<MuxWatcher<B>>> = B::lock(&self.watchers).values().cloned().collect();
        for w in &watchers {
            if self.fixed {
                let mut result = SendArm::new(&w.result, ());
                let mut stopped = RecvArm::new(&w.stopped_chan);
                let _ = Select::new().send(&mut result).recv(&mut stopped).wait();
            } else {
                let _ = w.result.send(()); // blocks here
            }
        }
        self.global_mtx.unlock();
        self.lock.unlock(); // the deferred unlock
    }

    fn stop_watching(&self, id: i64) {
        self.lock.lock();
        let removed = B::lock(&self.watchers).remove(&id);
        if let Some(w) = removed {
            w.result.close().expect("closed once");
        }
        self.lock.unlock(); // the deferred unlock
    }
}

fn test_mux_watcher_close<B: Backend>(distributions: usize, fixed: bool) {
    let m = Mux::<B>::new(distributions, fixed);
    let w = m.watch();
    w.stop();
}

impl Scenario for Kubernetes1321 {
    const NAME: &'static str = "goker::kubernetes_1321";
    const INVARIANT: &'static str = "the mux's loop and the watching goroutine finish";
    broken_instances! {
        small: { distributions: 2 },
        large: { distributions: 100 },
    }
    fn run<B: Backend>(&self) {
        let (distributions, fixed) = (self.distributions, self.variant == Variant::Correct);
        drop(B::spawn("test-mux-watcher-close", move || {
            test_mux_watcher_close::<B>(distributions, fixed)
        }));
    }
}

impl Mistake for Kubernetes1321 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    const TRACE_SHOWS: &'static [&'static str] = &["send chan", "(never returned)"];
}

impl Kernel for Kubernetes1321 {
    const GOKER: Goker = Goker {
        project: "kubernetes",
        id: 1321,
        class: Class::Blocking,
        kind: "Mixed Deadlock",
        subtype: "Channel & Lock",
    };
}
