//! GoKer `serving_5865` (knative serving PR #5865): a revision watcher closes its `destsCh` as
//! its `run` returns, the channel the backends manager sends endpoint updates on, so the
//! manager's next send panics on a closed channel.
//!
//! Ports `gobench/goker/nonblocking/serving/5865/serving5865_test.go` (GoBench: go-specific,
//! misuse channel). The test calls the manager's `endpointsUpdated`: under the manager's write
//! lock, `getOrCreateRevisionWatcher` makes a watcher with a new unbuffered `destsCh` and starts
//! its `run` on a goroutine, which returns at once (the kernel keeps none of its loop), closing
//! `destsCh` on its way out; `endpointsUpdated` then sends on `destsCh`. Whether the send comes
//! after the close or is blocked when it comes (nobody receives), Go panics with "send on closed
//! channel", on every schedule; the kit's send returns an error in both cases, which the port
//! turns into that panic. Go's race detector also sees a send and a close of one channel that
//! nothing orders, but the failure GoBench records for the kernel is the panic, which is what
//! the port reports. Fix (the upstream fix): the receiving side no longer closes `destsCh`; the
//! watcher closes a `done` channel of its own as `run` returns, and `endpointsUpdated` sends in a
//! select that gives up once the manager's context is done. The kernel's watcher returns at once
//! as upstream's does once that context is done (its stop signal), so the fixed test cancels the
//! context before the update comes: with nobody receiving, the send could otherwise never
//! complete.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, RecvArm, Select, SendArm};
use patterns::{Backend, Context, Receiver, RwMutex, Sender};
use std::sync::Arc;

zoo_entry! {
    /// An endpoints update goes to a revision watcher whose `run` has already returned.
    pub struct Serving5865 {}
}

struct RevisionWatcher<B: Backend> {
    /// Both ends of the watcher's unbuffered `destsCh`.
    dests_tx: Sender<(), B>,
    _dests_ch: Receiver<(), B>,
    /// Both ends of the fix's `done` channel, closed as `run` returns.
    done_tx: Sender<(), B>,
    _done: Receiver<(), B>,
}

impl<B: Backend> RevisionWatcher<B> {
    fn new() -> Self {
        let (dests_tx, dests_ch) = chan::bounded_in(0);
        let (done_tx, done) = chan::bounded_in(0);
        Self {
            dests_tx,
            _dests_ch: dests_ch,
            done_tx,
            _done: done,
        }
    }

    fn run(&self, fixed: bool) {
        // The deferred close as `run` returns.
        if fixed {
            self.done_tx.close().expect("closed once");
        } else {
            self.dests_tx.close().expect("closed once"); // the receiving side closes
        }
    }
}

struct RevisionBackendsManager<B: Backend> {
    revision_watchers_mux: RwMutex<(), B>,
    /// The manager's context (upstream's `rbm.ctx`); only the fix watches it.
    ctx: Context<B>,
}

impl<B: Backend> RevisionBackendsManager<B> {
    fn endpoints_updated(&self, fixed: bool) {
        let rw = self.get_or_create_revision_watcher(fixed);
        if fixed {
            let mut stopped = RecvArm::new(self.ctx.done());
            let mut update = SendArm::new(&rw.dests_tx, ());
            Select::new().recv(&mut stopped).send(&mut update).wait();
        } else {
            rw.dests_tx.send(()).expect("send on closed channel");
        }
    }

    fn get_or_create_revision_watcher(&self, fixed: bool) -> Arc<RevisionWatcher<B>> {
        let _locked = self.revision_watchers_mux.write(); // unlocked as the function returns
        let rw = Arc::new(RevisionWatcher::new());
        let watcher = Arc::clone(&rw);
        drop(B::spawn("run", move || watcher.run(fixed)));
        rw
    }
}

fn new_revision_backends_manager_with_probe_frequency<B: Backend>(
    ctx: Context<B>,
) -> RevisionBackendsManager<B> {
    RevisionBackendsManager {
        revision_watchers_mux: RwMutex::new_in(()),
        ctx,
    }
}

impl Scenario for Serving5865 {
    const NAME: &'static str = "goker::serving_5865";
    // Unbounded, the fix ran past 90 s; a data race shows on any schedule that makes both accesses,
    // whatever its preemptions, so a bound of 2 loses little.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "an endpoints update is never sent on a closed channel";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let (ctx, cancel) = Context::<B>::background_in().with_cancel();
        let rbm = new_revision_backends_manager_with_probe_frequency(ctx);
        if fixed {
            // The fix's test: the manager's context is done, as the watcher's return says.
            cancel.cancel();
        }
        // The kernel's "simplified code in the RealTestSuite".
        rbm.endpoints_updated(fixed);
        drop(cancel);
    }
}

impl Mistake for Serving5865 {
    const CAUGHT_AS: FailureKind = FailureKind::Panic;
    const TRACE_SHOWS: &'static [&'static str] = &["send chan → closed", "send on closed channel"];
    const DETERMINISTIC: bool = true;
}

impl Kernel for Serving5865 {
    const GOKER: Goker = Goker {
        project: "serving",
        id: 5865,
        class: Class::NonBlocking,
        kind: "Go-Specific",
        subtype: "Misuse channel",
    };
}
