//! GoKer `kubernetes_38669` (kubernetes PR #38669): the cache watcher's `process` sends its
//! initial events on the result channel, which nobody reads, and stopping the watcher does not
//! unblock the send, so its goroutine blocks forever.
//!
//! Ports `gobench/goker/blocking/kubernetes/38669/kubernetes38669_test.go` (GoBench:
//! communication deadlock, channel). The test makes a cache watcher with two initial events and
//! channels of capacity 0, which starts `process` on a goroutine, then stops the watcher and
//! returns. `process` sends the first initial event on the result channel before it ever reads
//! the input channel that `Stop` closes; nobody reads the results, so on every schedule it is
//! left blocked in that send (a leak). Fix (the upstream fix): the watcher gets a `done` channel
//! that `stop` closes, and `sendWatchCacheEvent` sends in a select that also receives from it.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, RecvArm, Select, SendArm};
use patterns::{Atomic, Backend, Mutex, Receiver, Sender};
use std::sync::atomic::Ordering;
use std::sync::Arc;

zoo_entry! {
    /// A cache watcher with two initial events is made and stopped at once.
    pub struct Kubernetes38669 {}
}

type Event = i32;

type WatchCacheEvent = i32;

struct CacheWatcher<B: Backend> {
    /// The kernel's embedded `sync.Mutex`, guarding `stopped`.
    mu: Mutex<B>,
    input_tx: Sender<WatchCacheEvent, B>,
    input: Receiver<WatchCacheEvent, B>,
    result_tx: Sender<Event, B>,
    /// Nobody reads the results in the test; the watcher keeps the channel, as Go does, so a
    /// send on it blocks.
    _result: Receiver<Event, B>,
    /// The fix's channel, closed by `stop`.
    done_tx: Sender<(), B>,
    done: Receiver<(), B>,
    /// Relaxed: read and written under `mu` only.
    stopped: B::AtomicBool,
    /// Whether the fix runs.
    fixed: bool,
}

impl<B: Backend> CacheWatcher<B> {
    fn process(&self, init_events: &[WatchCacheEvent]) {
        for event in init_events {
            self.send_watch_cache_event(*event);
        }
        while self.input.recv().is_some() {}
        // The deferred calls, the last deferred first.
        self.stop();
        self.result_tx.close().expect("closed once");
    }

    fn send_watch_cache_event(&self, event: WatchCacheEvent) {
        if self.fixed {
            let mut result = SendArm::new(&self.result_tx, event);
            let mut done = RecvArm::new(&self.done);
            let _ = Select::new().send(&mut result).recv(&mut done).wait();
        } else {
            let _ = self.result_tx.send(event); // blocks here
        }
    }

    /// The kernel's `Stop`, which only calls `stop`.
    fn stop(&self) {
        self.mu.lock();
        if !self.stopped.load(Ordering::Relaxed) {
            self.stopped.store(true, Ordering::Relaxed);
            self.input_tx.close().expect("closed once");
            if self.fixed {
                self.done_tx.close().expect("closed once");
            }
        }
        self.mu.unlock(); // the deferred unlock
    }
}

fn new_cache_watcher<B: Backend>(
    chan_size: usize,
    init_events: Vec<WatchCacheEvent>,
    fixed: bool,
) -> Arc<CacheWatcher<B>> {
    let (input_tx, input) = chan::bounded_in(chan_size);
    let (result_tx, result) = chan::bounded_in(chan_size);
    let (done_tx, done) = chan::bounded_in(0);
    let watcher = Arc::new(CacheWatcher {
        mu: Mutex::new_in(),
        input_tx,
        input,
        result_tx,
        _result: result,
        done_tx,
        done,
        stopped: B::AtomicBool::new(false),
        fixed,
    });
    let processing = Arc::clone(&watcher);
    drop(B::spawn("process", move || {
        processing.process(&init_events)
    }));
    watcher
}

impl Scenario for Kubernetes38669 {
    const NAME: &'static str = "goker::kubernetes_38669";
    const INVARIANT: &'static str = "the watcher's process goroutine finishes";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let init_events = vec![1, 2];
        let w = new_cache_watcher::<B>(0, init_events, self.variant == Variant::Correct);
        w.stop();
    }
}

impl Mistake for Kubernetes38669 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    const TRACE_SHOWS: &'static [&'static str] = &["close chan", "send chan", "(never returned)"];
    const DETERMINISTIC: bool = true;
}

impl Kernel for Kubernetes38669 {
    const GOKER: Goker = Goker {
        project: "kubernetes",
        id: 38669,
        class: Class::Blocking,
        kind: "Communication Deadlock",
        subtype: "Channel",
    };
}
