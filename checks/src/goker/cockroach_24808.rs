//! GoKer `cockroach_24808` (cockroach PR #24808): `Start` wakes the compactor by a blocking send
//! on its one-slot channel, which already holds a suggestion, before the worker that reads it is
//! started, so the send blocks forever.
//!
//! Ports `gobench/goker/blocking/cockroach/24808/cockroach24808_test.go` (GoBench: communication
//! deadlock, channel). The test makes a stopper (whose `Stop` it defers) and a compactor whose
//! channel has a buffer of one, fills that buffer, and starts the compactor: `Start` sends on the
//! full channel before `RunWorker` starts the loop that would drain it, so the test itself blocks
//! and never reaches `Stop` (the whole program blocks, on every schedule). Fix (the upstream fix):
//! `Start` wakes the compactor in a `select` with a `default`, so a compactor that already has
//! suggestions waiting is not woken again.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, RecvArm, Select, Selected, SendArm};
use patterns::{Backend, Context, Receiver, Sender, WaitGroup};
use std::sync::Arc;

zoo_entry! {
    /// A compactor that already holds a suggestion is started.
    pub struct Cockroach24808 {}
}

struct Compactor<B: Backend> {
    ch_tx: Sender<(), B>,
    ch: Receiver<(), B>,
}

fn new_compactor<B: Backend>() -> Compactor<B> {
    let (ch_tx, ch) = chan::bounded_in(1);
    Compactor { ch_tx, ch }
}

impl<B: Backend> Compactor<B> {
    fn start(self: &Arc<Self>, ctx: Context<B>, stopper: &Arc<Stopper<B>>, fixed: bool) {
        if fixed {
            let mut wake = SendArm::new(&self.ch_tx, ());
            let _ = Select::new().send(&mut wake).or_default().wait();
        } else {
            // Nobody closes the channel, and its receiver is right here: the send waits.
            let _ = self.ch_tx.send(()); // blocks here
        }
        let c = Arc::clone(self);
        let s = Arc::clone(stopper);
        stopper.run_worker(ctx, move |_ctx| loop {
            let (mut stop, mut wake) = (RecvArm::new(s.should_stop()), RecvArm::new(&c.ch));
            if Select::new().recv(&mut stop).recv(&mut wake).wait() == Selected::Arm(0) {
                return;
            }
        });
    }
}

struct Stopper<B: Backend> {
    stop: WaitGroup<B>,
    stopper_tx: Sender<(), B>,
    stopper: Receiver<(), B>,
}

fn new_stopper<B: Backend>() -> Arc<Stopper<B>> {
    let (stopper_tx, stopper) = chan::bounded_in(0);
    Arc::new(Stopper {
        stop: WaitGroup::new_in(),
        stopper_tx,
        stopper,
    })
}

impl<B: Backend> Stopper<B> {
    fn run_worker(self: &Arc<Self>, ctx: Context<B>, f: impl FnOnce(Context<B>) + Send + 'static) {
        self.stop.add(1);
        let s = Arc::clone(self);
        drop(B::spawn("worker", move || {
            f(ctx);
            s.stop.done(); // the deferred Done
        }));
    }

    fn should_stop(&self) -> &Receiver<(), B> {
        &self.stopper
    }

    fn stop(&self) {
        self.stopper_tx.close().expect("stopped once");
    }
}

impl Scenario for Cockroach24808 {
    const NAME: &'static str = "goker::cockroach_24808";
    const INVARIANT: &'static str = "starting the compactor returns, and its worker stops";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let stopper = new_stopper::<B>();
        let compactor = Arc::new(new_compactor::<B>());
        let _ = compactor.ch_tx.send(());
        compactor.start(Context::background_in(), &stopper, fixed);
        stopper.stop(); // the deferred Stop
    }
}

impl Mistake for Cockroach24808 {
    const CAUGHT_AS: FailureKind = FailureKind::Deadlock;
    const TRACE_SHOWS: &'static [&'static str] = &["send chan", "send chan (never returned)"];
    const DETERMINISTIC: bool = true;
}

impl Kernel for Cockroach24808 {
    const GOKER: Goker = Goker {
        project: "cockroach",
        id: 24808,
        class: Class::Blocking,
        kind: "Communication Deadlock",
        subtype: "Channel",
    };
}
