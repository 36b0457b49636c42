//! GoKer `syncthing_5795` (syncthing PR #5795): the connection's dispatcher loop hands a cluster
//! config to the model, whose callback closes the connection, and closing waits for the
//! dispatcher loop to stop: the loop waits for itself.
//!
//! Ports `gobench/goker/blocking/syncthing/5795/syncthing5795_test.go` (GoBench: communication
//! deadlock, channel). The test makes a connection whose model closes it on a cluster config,
//! starts it (a reader loop and a dispatcher loop, a goroutine each), sends it a cluster config and
//! waits for the dispatcher loop to stop: the whole program blocks. Fix (the kernel's `FIX:`
//! comment): `Close` runs the closing on a goroutine of its own.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, RecvArm, Select, Selected, TryRecvError};
use patterns::{Backend, Once, Receiver, Sender};
use std::sync::{Arc, Weak};

zoo_entry! {
    /// A connection whose model closes it on a cluster config gets one.
    pub struct Syncthing5795 {}
}

struct ClusterConfig;

/// The kernel's messages: the test sends only a cluster config.
enum Message {
    ClusterConfig(ClusterConfig),
}

struct TestModel {
    cc_fn: Option<Box<dyn Fn() + Send + Sync>>,
}

impl TestModel {
    fn cluster_config(&self, _msg: ClusterConfig) {
        if let Some(cc_fn) = &self.cc_fn {
            cc_fn();
        }
    }
}

struct RawConnection<B: Backend> {
    receiver: TestModel,
    inbox_tx: Sender<Message, B>,
    inbox: Receiver<Message, B>,
    dispatcher_loop_stopped_tx: Sender<(), B>,
    dispatcher_loop_stopped: Receiver<(), B>,
    closed_tx: Sender<(), B>,
    closed: Receiver<(), B>,
    close_once: Once<B>,
    /// Whether the fix runs.
    fixed: bool,
}

impl<B: Backend> RawConnection<B> {
    fn start(self: &Arc<Self>) {
        let reader = Arc::clone(self);
        drop(B::spawn("reader-loop", move || reader.reader_loop()));
        let dispatcher = Arc::clone(self);
        drop(B::spawn("dispatcher-loop", move || {
            dispatcher.dispatcher_loop()
        }));
    }

    fn reader_loop(&self) {
        loop {
            // The kernel's select with a default: a receive that does not wait.
            match self.closed.try_recv() {
                Ok(()) | Err(TryRecvError::Closed) => return,
                Err(TryRecvError::Empty) => {}
            }
            // Go's scheduler preempts a spinning goroutine; the model checkers need the yield.
            B::yield_now();
        }
    }

    fn dispatcher_loop(&self) {
        loop {
            let (mut inbox, mut closed) = (RecvArm::new(&self.inbox), RecvArm::new(&self.closed));
            let chosen = Select::new().recv(&mut inbox).recv(&mut closed).wait();
            if chosen != Selected::Arm(0) {
                break;
            }
            match inbox.take() {
                Some(Message::ClusterConfig(msg)) => self.receiver.cluster_config(msg),
                // Never: the inbox is not closed.
                None => break,
            }
        }
        // The deferred close.
        self.dispatcher_loop_stopped_tx
            .close()
            .expect("closed once");
    }

    fn internal_close(&self) {
        self.close_once.call(|| {
            self.closed_tx.close().expect("closed once");
            self.dispatcher_loop_stopped.recv();
        });
    }

    fn close(self: &Arc<Self>) {
        if self.fixed {
            let closing = Arc::clone(self);
            drop(B::spawn("internal-close", move || closing.internal_close()));
        } else {
            self.internal_close();
        }
    }
}

fn new_connection<B: Backend>(fixed: bool) -> Arc<RawConnection<B>> {
    // The test sets the model's callback to close the connection once both exist.
    Arc::new_cyclic(|me: &Weak<RawConnection<B>>| {
        let c = Weak::clone(me);
        let cc_fn = move || {
            c.upgrade()
                .expect("the dispatcher loop holds the connection")
                .close()
        };
        let (inbox_tx, inbox) = chan::bounded_in(0);
        let (dispatcher_loop_stopped_tx, dispatcher_loop_stopped) = chan::bounded_in(0);
        let (closed_tx, closed) = chan::bounded_in(0);
        RawConnection {
            receiver: TestModel {
                cc_fn: Some(Box::new(cc_fn)),
            },
            inbox_tx,
            inbox,
            dispatcher_loop_stopped_tx,
            dispatcher_loop_stopped,
            closed_tx,
            closed,
            close_once: Once::new_in(),
            fixed,
        }
    })
}

impl Scenario for Syncthing5795 {
    const NAME: &'static str = "goker::syncthing_5795";
    // Unbounded, the fix ran past 60 s (the reader loop polls until the connection closes); at 2
    // preemptions it passes in 32,441 schedules. The bug blocks every schedule.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str =
        "the dispatcher loop stops after the model closes the connection";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let c = new_connection::<B>(self.variant == Variant::Correct);
        c.start();
        let _ = c.inbox_tx.send(Message::ClusterConfig(ClusterConfig));
        c.dispatcher_loop_stopped.recv();
    }
}

impl Mistake for Syncthing5795 {
    const CAUGHT_AS: FailureKind = FailureKind::Deadlock;
    const TRACE_SHOWS: &'static [&'static str] = &["recv chan", "(never returned)"];
    const DETERMINISTIC: bool = true;
}

impl Kernel for Syncthing5795 {
    const GOKER: Goker = Goker {
        project: "syncthing",
        id: 5795,
        class: Class::Blocking,
        kind: "Communication Deadlock",
        subtype: "Channel",
    };
}
