//! GoKer `cockroach_25456` (cockroach PR #25456): the consistency queue's `process` checks whether
//! the store is quiescing by receiving from the stopper's quiesce channel, which blocks until the
//! store actually quiesces.
//!
//! Ports `gobench/goker/blocking/cockroach/25456/cockroach25456_test.go` (GoBench: communication
//! deadlock, channel). The test makes a stopper (whose unbuffered `quiescer` channel nobody
//! closes), starts a store with it, makes a replica of the store and runs the consistency queue's
//! `process` on the replica twice. `process` receives from the stopper's `ShouldQuiesce` channel:
//! the first call blocks, and with it the whole program. Fix (the upstream fix, which GoBench's
//! real-bug patch reverts): `process` receives in a select with a default, so it only asks
//! whether the store is quiescing and goes on when it is not.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, RecvArm, Select, Selected};
use patterns::{Backend, Receiver, Sender};
use std::sync::Arc;

zoo_entry! {
    /// The consistency queue processes a replica of a store that is not quiescing, twice.
    pub struct Cockroach25456 {}
}

struct Stopper<B: Backend> {
    /// The sending end of `quiescer`: only a quiescing stopper would close it, never in the test.
    _quiescer_tx: Sender<(), B>,
    quiescer: Receiver<(), B>,
}

impl<B: Backend> Stopper<B> {
    fn new() -> Self {
        let (quiescer_tx, quiescer) = chan::bounded_in(0);
        Self {
            _quiescer_tx: quiescer_tx,
            quiescer,
        }
    }

    /// The kernel returns a nil channel for a nil stopper; the test's store always has one.
    fn should_quiesce(&self) -> &Receiver<(), B> {
        &self.quiescer
    }
}

struct Store<B: Backend> {
    /// Set by `start` before the store is shared.
    stopper: Option<Stopper<B>>,
    consistency_queue: ConsistencyQueue,
}

impl<B: Backend> Store<B> {
    fn new() -> Self {
        Self {
            stopper: None,
            consistency_queue: ConsistencyQueue,
        }
    }

    fn stopper(&self) -> &Stopper<B> {
        self.stopper.as_ref().expect("the test starts the store")
    }

    fn start(&mut self, stopper: Stopper<B>) {
        self.stopper = Some(stopper);
    }
}

struct Replica<B: Backend> {
    store: Arc<Store<B>>,
}

impl<B: Backend> Replica<B> {
    fn new(store: Arc<Store<B>>) -> Self {
        Self { store }
    }
}

struct ConsistencyQueue;

impl ConsistencyQueue {
    fn process<B: Backend>(&self, repl: &Replica<B>, fixed: bool) {
        let should_quiesce = repl.store.stopper().should_quiesce();
        if fixed {
            // Only asks: quiescing if the channel is closed now, else on at once.
            let mut quiesce = RecvArm::new(should_quiesce);
            let _quiescing =
                Select::new().recv(&mut quiesce).or_default().wait() == Selected::Arm(0);
        } else {
            should_quiesce.recv(); // blocks here
        }
    }
}

struct TestContext<B: Backend> {
    store: Option<Arc<Store<B>>>,
    repl: Option<Replica<B>>,
}

impl<B: Backend> TestContext<B> {
    fn start_with_store_config(&mut self, stopper: Stopper<B>) {
        // The test's context has no store yet, so it makes one.
        let mut store = Store::new();
        store.start(stopper);
        let store = Arc::new(store);
        self.repl = Some(Replica::new(Arc::clone(&store)));
        self.store = Some(store);
    }
}

impl Scenario for Cockroach25456 {
    const NAME: &'static str = "goker::cockroach_25456";
    const INVARIANT: &'static str = "both runs of the consistency queue return";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let stopper = Stopper::<B>::new();
        let mut tc = TestContext {
            store: None,
            repl: None,
        };
        tc.start_with_store_config(stopper);
        let store = tc.store.as_ref().expect("started with a store");
        let repl = tc.repl.as_ref().expect("started with a replica");
        for _ in 0..2 {
            store.consistency_queue.process(repl, fixed);
        }
    }
}

impl Mistake for Cockroach25456 {
    const CAUGHT_AS: FailureKind = FailureKind::Deadlock;
    const TRACE_SHOWS: &'static [&'static str] = &["recv chan (never returned)"];
    const DETERMINISTIC: bool = true;
}

impl Kernel for Cockroach25456 {
    const GOKER: Goker = Goker {
        project: "cockroach",
        id: 25456,
        class: Class::Blocking,
        kind: "Communication Deadlock",
        subtype: "Channel",
    };
}
