//! GoKer `etcd_6857` (etcd PR #6857): `Status` hands its reply channel to the raft node's `run`
//! loop with a plain send, so once `Stop` has ended that loop the send waits forever.
//!
//! Ports `gobench/goker/blocking/etcd/6857/etcd6857_test.go` (GoBench: communication deadlock,
//! channel). The test starts the node's `run`, a `Status` and a `Stop` on a goroutine each and
//! returns; when `Stop` is served before `Status`, `run` has returned and `Status` is left
//! blocked in its send (a leak). Fix (the upstream fix): `Status` sends its reply channel in a
//! select that also watches the node's `done` channel, and gives up with an empty status once
//! the node is done.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, RecvArm, Select, Selected, SendArm};
use patterns::{Backend, Receiver, Sender};
use std::sync::Arc;

zoo_entry! {
    /// A raft node runs while one goroutine asks for its status and another stops it.
    pub struct Etcd6857 {}
}

#[derive(Debug, Default)]
struct Status;

/// The node's three unbuffered channels, both ends of each: the node keeps them all, so a
/// channel stays open and readable (and a send on it blocks) for as long as a goroutine holds
/// the node, as in Go.
struct Node<B: Backend> {
    status_tx: Sender<Sender<Status, B>, B>,
    status: Receiver<Sender<Status, B>, B>,
    stop_tx: Sender<(), B>,
    stop: Receiver<(), B>,
    done_tx: Sender<(), B>,
    done: Receiver<(), B>,
}

impl<B: Backend> Node<B> {
    fn new() -> Self {
        let (status_tx, status) = chan::bounded_in(0);
        let (stop_tx, stop) = chan::bounded_in(0);
        let (done_tx, done) = chan::bounded_in(0);
        Self {
            status_tx,
            status,
            stop_tx,
            stop,
            done_tx,
            done,
        }
    }

    fn status(&self, fixed: bool) -> Status {
        let (c_tx, c) = chan::bounded_in::<B, Status>(0);
        if fixed {
            let mut ask = SendArm::new(&self.status_tx, c_tx);
            let mut stopped = RecvArm::new(&self.done);
            if Select::new().send(&mut ask).recv(&mut stopped).wait() != Selected::Arm(0) {
                return Status;
            }
        } else {
            let _ = self.status_tx.send(c_tx); // blocks here once `run` has returned
        }
        c.recv().unwrap_or_default()
    }

    fn run(&self) {
        loop {
            let (mut asked, mut stopping) = (RecvArm::new(&self.status), RecvArm::new(&self.stop));
            let chosen = Select::new().recv(&mut asked).recv(&mut stopping).wait();
            if chosen == Selected::Arm(0) {
                if let Some(c) = asked.take() {
                    let _ = c.send(Status);
                }
            } else {
                self.done_tx.close().expect("closed once");
                return;
            }
        }
    }

    fn stop(&self) {
        let mut stopping = SendArm::new(&self.stop_tx, ());
        let mut stopped = RecvArm::new(&self.done);
        if Select::new().send(&mut stopping).recv(&mut stopped).wait() == Selected::Arm(1) {
            return;
        }
        self.done.recv();
    }
}

impl Scenario for Etcd6857 {
    const NAME: &'static str = "goker::etcd_6857";
    // Unbounded, loom ran past 120 s; at 3 preemptions the fix passes in 27,709 schedules (1.4 s)
    // and the bug fails at schedule #6,330.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(3);
    const INVARIANT: &'static str = "the node's run, Status and Stop all finish";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let n = Arc::new(Node::<B>::new());
        let (runner, asker) = (Arc::clone(&n), Arc::clone(&n));
        drop(B::spawn("run", move || runner.run()));
        drop(B::spawn("status", move || {
            asker.status(fixed);
        }));
        drop(B::spawn("stop", move || n.stop()));
    }
}

impl Mistake for Etcd6857 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    const TRACE_SHOWS: &'static [&'static str] = &["send chan", "(never returned)"];
}

impl Kernel for Etcd6857 {
    const GOKER: Goker = Goker {
        project: "etcd",
        id: 6857,
        class: Class::Blocking,
        kind: "Communication Deadlock",
        subtype: "Channel",
    };
}
