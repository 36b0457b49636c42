//! GoKer `etcd_6873` (etcd PR #6873): `stop` holds the watch broadcasts' lock while it waits for
//! the coalescing loop to finish, and the loop needs that lock to coalesce the update it has just
//! taken.
//!
//! Ports `gobench/goker/blocking/etcd/6873/etcd6873_test.go` (GoBench: mixed deadlock, channel &
//! lock). The test makes the watch broadcasts, whose loop ranges over an update channel of
//! capacity one and coalesces each update under the lock (closing `donec` once the channel is
//! closed and drained), sends one update without blocking (a select with a default), starts
//! `stop` on a goroutine and returns. `stop` locks, closes the update channel and waits for
//! `donec` still holding the lock; when it takes the lock before the loop coalesces the update,
//! the loop blocks on the lock and `stop` on `donec` (a leak). Fix (the upstream fix): `stop`
//! unlocks before it waits for `donec`.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, Select, SendArm};
use patterns::{Backend, Mutex, Receiver, Sender};
use std::sync::Arc;

zoo_entry! {
    /// Watch broadcasts get one update and are stopped.
    pub struct Etcd6873 {}
}

struct WatchBroadcast;

struct WatchBroadcasts<B: Backend> {
    mu: Mutex<B>,
    updatec: Sender<WatchBroadcast, B>,
    donec: Receiver<(), B>,
}

impl<B: Backend> WatchBroadcasts<B> {
    fn new() -> Arc<Self> {
        let (updatec, updates) = chan::bounded_in::<B, WatchBroadcast>(1);
        let (donec_tx, donec) = chan::bounded_in::<B, ()>(0);
        let wbs = Arc::new(Self {
            mu: Mutex::new_in(),
            updatec,
            donec,
        });
        let coalescing = Arc::clone(&wbs);
        drop(B::spawn("coalesce-loop", move || {
            for wb in &updates {
                coalescing.coalesce(wb);
            }
            donec_tx.close().expect("closed once"); // the deferred close(donec)
        }));
        wbs
    }

    fn coalesce(&self, _wb: WatchBroadcast) {
        self.mu.lock(); // blocks here while `stop` holds the lock
        self.mu.unlock();
    }

    fn stop(&self, fixed: bool) {
        self.mu.lock();
        self.updatec.close().expect("closed once");
        if fixed {
            self.mu.unlock();
            self.donec.recv();
            return;
        }
        self.donec.recv(); // blocks here, holding the lock
        self.mu.unlock(); // the deferred unlock
    }

    fn update(&self, wb: WatchBroadcast) {
        let mut send = SendArm::new(&self.updatec, wb);
        let _ = Select::new().send(&mut send).or_default().wait();
    }
}

impl Scenario for Etcd6873 {
    const NAME: &'static str = "goker::etcd_6873";
    const INVARIANT: &'static str = "the coalescing loop and stop finish";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let wbs = WatchBroadcasts::<B>::new();
        wbs.update(WatchBroadcast);
        drop(B::spawn("stop", move || wbs.stop(fixed)));
    }
}

impl Mistake for Etcd6873 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    const TRACE_SHOWS: &'static [&'static str] = &["lock mutex", "close chan", "(never returned)"];
}

impl Kernel for Etcd6873 {
    const GOKER: Goker = Goker {
        project: "etcd",
        id: 6873,
        class: Class::Blocking,
        kind: "Mixed Deadlock",
        subtype: "Channel & Lock",
    };
}
