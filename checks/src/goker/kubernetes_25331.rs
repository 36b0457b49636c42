//! GoKer `kubernetes_25331` (kubernetes PR #25331): the etcd watcher's `run` takes the error
//! `Stop` sends and then blocks sending the result on a channel nobody reads; the cancel that
//! follows cannot free it.
//!
//! Ports `gobench/goker/blocking/kubernetes/25331/kubernetes25331_test.go` (GoBench:
//! communication deadlock, channel & context). The test starts `run` and `Stop` on a goroutine
//! each and returns; when `run` takes the error it is left blocked (a leak). Fix: GoKer marks the
//! `cancel` in `run` as removed by the fix; the upstream fix also made the result's send give up
//! once the context is done (the watcher's `sendError`), which the port does, since without it the
//! send still blocks.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, RecvArm, Select, SendArm};
use patterns::{Backend, Canceller, Context, Receiver, Sender};
use std::sync::Arc;

zoo_entry! {
    /// A watcher runs while another goroutine stops it with an error.
    pub struct Kubernetes25331 {}
}

type Error = &'static str;

struct WatchChan<B: Backend> {
    ctx: Context<B>,
    cancel: Canceller<B>,
    result_tx: Sender<bool, B>,
    /// Nobody reads the results in the test; the watcher keeps the channel.
    _result_chan: Receiver<bool, B>,
    err_tx: Sender<Error, B>,
    err_chan: Receiver<Error, B>,
}

impl<B: Backend> WatchChan<B> {
    fn new() -> Self {
        let (ctx, cancel) = Context::<B>::background_in().with_cancel();
        let (result_tx, result_chan) = chan::bounded_in(0);
        let (err_tx, err_chan) = chan::bounded_in(0);
        Self {
            ctx,
            cancel,
            result_tx,
            _result_chan: result_chan,
            err_tx,
            err_chan,
        }
    }

    fn stop(&self) {
        let _ = self.err_tx.send("Error");
        self.cancel.cancel();
    }

    fn run(&self, fixed: bool) {
        let (mut err, mut done) = (RecvArm::new(&self.err_chan), RecvArm::new(self.ctx.done()));
        let chosen = Select::new().recv(&mut err).recv(&mut done).wait();
        if chosen != chan::Selected::Arm(0) {
            return;
        }
        let err_result = err.take().is_some_and(|err| !err.is_empty());
        if fixed {
            // The result goes out unless the watcher is stopped first.
            let mut send = SendArm::new(&self.result_tx, err_result);
            let mut stopped = RecvArm::new(self.ctx.done());
            let _ = Select::new().send(&mut send).recv(&mut stopped).wait();
        } else {
            self.cancel.cancel(); // removed in the fix
            let _ = self.result_tx.send(err_result);
        }
    }
}

impl Scenario for Kubernetes25331 {
    const NAME: &'static str = "goker::kubernetes_25331";
    const INVARIANT: &'static str = "the watcher's run finishes";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let wc = Arc::new(WatchChan::<B>::new());
        let runner = Arc::clone(&wc);
        drop(B::spawn("run", move || runner.run(fixed)));
        drop(B::spawn("stop", move || wc.stop()));
    }
}

impl Mistake for Kubernetes25331 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    const TRACE_SHOWS: &'static [&'static str] = &["send chan", "(never returned)"];
}

impl Kernel for Kubernetes25331 {
    const GOKER: Goker = Goker {
        project: "kubernetes",
        id: 25331,
        class: Class::Blocking,
        kind: "Communication Deadlock",
        subtype: "Channel & Context",
    };
}
