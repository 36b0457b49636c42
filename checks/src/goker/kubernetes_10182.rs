//! GoKer `kubernetes_10182` (kubernetes PR #10182): `SetPodStatus` sends on the status manager's
//! channel while holding its lock, and the only reader, `syncBatch`, takes that lock after each
//! receive, so a second setter holding the lock and the reader wait for each other.
//!
//! Ports `gobench/goker/blocking/kubernetes/10182/kubernetes10182_test.go` (GoBench: mixed
//! deadlock, channel & lock). The test starts the status manager (whose `Start`, on a goroutine,
//! starts the loop that runs `syncBatch` twice: receive a status, then `DeletePodStatus`, which
//! locks and unlocks the status lock) and two `SetPodStatus` goroutines, each locking the status
//! lock and sending one status on the unbuffered channel with it held (the unlock is deferred),
//! and returns. When the second setter takes the lock between the loop's first receive and its
//! `DeletePodStatus`, the loop waits for the lock and the setter for the loop (a leak). Fix: the
//! upstream fix runs `DeletePodStatus` on a goroutine of its own; with the kernel's two rounds that
//! is two more goroutines, seven threads where loom allows five, so the port's fix breaks the
//! same wait the other way: `SetPodStatus` releases the lock before it sends.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{chan, Backend, Receiver, RwMutex, Sender};
use std::sync::Arc;

zoo_entry! {
    /// A status manager starts while two pod statuses are set.
    pub struct Kubernetes10182 {}
}

struct StatusManager<B: Backend> {
    /// The kernel's `sync.RWMutex`, only ever write-locked.
    pod_statuses_lock: RwMutex<(), B>,
    pod_status_tx: Sender<bool, B>,
    pod_status_channel: Receiver<bool, B>,
    /// Whether the fix runs.
    fixed: bool,
}

impl<B: Backend> StatusManager<B> {
    fn start(self: &Arc<Self>) {
        let s = Arc::clone(self);
        drop(B::spawn("sync-batch", move || {
            for _ in 0..2 {
                s.sync_batch();
            }
        }));
    }

    fn sync_batch(&self) {
        self.pod_status_channel.recv();
        self.delete_pod_status();
    }

    fn delete_pod_status(&self) {
        let _held = self.pod_statuses_lock.write(); // blocks here
    }

    fn set_pod_status(&self) {
        // The deferred unlock: `held` is dropped at the end, unless the fix drops it first.
        let held = self.pod_statuses_lock.write();
        if self.fixed {
            drop(held);
        }
        // Never closed: the send completes or blocks.
        let _ = self.pod_status_tx.send(true); // blocks here, holding the lock
    }
}

fn new_status_manager<B: Backend>(fixed: bool) -> Arc<StatusManager<B>> {
    let (pod_status_tx, pod_status_channel) = chan::bounded_in(0);
    Arc::new(StatusManager {
        pod_statuses_lock: RwMutex::new_in(()),
        pod_status_tx,
        pod_status_channel,
        fixed,
    })
}

impl Scenario for Kubernetes10182 {
    const NAME: &'static str = "goker::kubernetes_10182";
    // Unbounded, the fix ran past 60 s; at 2 preemptions it passes in 2,128 schedules.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "the sync loop and both setters finish";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let s = new_status_manager::<B>(self.variant == Variant::Correct);
        let starting = Arc::clone(&s);
        drop(B::spawn("start", move || starting.start()));
        for setter in 2..=3 {
            let setting = Arc::clone(&s);
            drop(B::spawn(&format!("set-pod-status-{setter}"), move || {
                setting.set_pod_status()
            }));
        }
    }
}

impl Mistake for Kubernetes10182 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    // A setter's lock and send, then the send or the loop's lock that never returns.
    const TRACE_SHOWS: &'static [&'static str] = &["lock rwmutex", "send chan", "(never returned)"];
}

impl Kernel for Kubernetes10182 {
    const GOKER: Goker = Goker {
        project: "kubernetes",
        id: 10182,
        class: Class::Blocking,
        kind: "Mixed Deadlock",
        subtype: "Channel & Lock",
    };
}
