//! GoKer `kubernetes_30872` (kubernetes PR #30872): the federated informer's `ClustersSynced`
//! holds the informer's lock while it asks the cluster informer's queue whether it has synced,
//! which takes the queue's lock, while the cluster informer's loop holds the queue's lock while
//! its add handler takes the federated informer's lock (AB-BA).
//!
//! Ports `gobench/goker/blocking/kubernetes/30872/kubernetes30872_test.go` (GoBench: resource
//! deadlock, AB-BA deadlock). The test makes a namespace controller, runs it and closes its stop
//! channel, and returns. Running it starts the federated informer (which, under its lock, makes
//! the cluster informer's stop channel and starts the cluster controller's loop on a goroutine),
//! starts a goroutine that waits for the stop channel and then stops the informer (closing the
//! cluster informer's stop channel under the informer's lock), and delivers a reconcile on a
//! goroutine of its own, which calls `ClustersSynced`. The loop pops from its queue until it is
//! stopped: each pop locks the queue and runs the add handler, which locks the federated
//! informer. When the reconcile holds the informer's lock and the loop holds the queue's, both
//! are left blocked, and so is the stopping goroutine (a leak). The loop polls its stop channel
//! without pausing; the port yields once per round, as a spin loop must for loom. Fix (the
//! upstream fix, which takes at most one lock at a time in the federated informer):
//! `ClustersSynced` no longer takes the informer's lock.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, TryRecvError};
use patterns::{Backend, Mutex, Receiver, RwMutex, Sender};
use std::sync::Arc;

zoo_entry! {
    /// A namespace controller is run and stopped at once.
    pub struct Kubernetes30872 {}
}

type Callback = Box<dyn Fn() + Send + Sync>;

/// `wait.Until`, which only calls `JitterUntil`.
fn until<B: Backend>(f: impl Fn(), stop: &Receiver<(), B>) {
    jitter_until(f, stop);
}

/// Runs `f` until `stop` is closed.
fn jitter_until<B: Backend>(f: impl Fn(), stop: &Receiver<(), B>) {
    loop {
        // The kernel's select with a default: a receive that does not wait.
        match stop.try_recv() {
            Ok(()) | Err(TryRecvError::Closed) => return,
            Err(TryRecvError::Empty) => {}
        }
        f();
        // Go's scheduler preempts a spinning goroutine; the model checkers need the yield.
        B::yield_now();
    }
}

/// The cluster informer's queue, whose `sync.RWMutex` is only ever write-locked.
struct DeltaFifo<B: Backend> {
    lock: RwMutex<(), B>,
}

impl<B: Backend> DeltaFifo<B> {
    fn has_synced(&self) {
        let _held = self.lock.write(); // lock B, by the reconcile
    }

    fn pop(&self, process: &dyn Fn()) {
        let _held = self.lock.write(); // lock B, by the loop
        process();
    }
}

struct Controller<B: Backend> {
    queue: DeltaFifo<B>,
    process: Callback,
}

impl<B: Backend> Controller<B> {
    fn run(&self, stop: &Receiver<(), B>) {
        until(|| self.process_loop(), stop);
    }

    fn has_synced(&self) {
        self.queue.has_synced();
    }

    fn process_loop(&self) {
        self.queue.pop(&*self.process);
    }
}

struct ResourceEventHandlerFuncs {
    add_func: Option<Callback>,
}

impl ResourceEventHandlerFuncs {
    fn on_add(&self) {
        if let Some(add_func) = &self.add_func {
            add_func();
        }
    }
}

fn new_informer<B: Backend>(h: ResourceEventHandlerFuncs) -> Controller<B> {
    Controller {
        queue: DeltaFifo {
            lock: RwMutex::new_in(()),
        },
        process: Box::new(move || h.on_add()),
    }
}

struct Informer<B: Backend> {
    controller: Arc<Controller<B>>,
    /// `stopChan`, set and closed under the federated informer's lock (the backend lock around
    /// it is for Rust's sake, and only ever taken for a moment).
    stop_chan: B::Mutex<Option<Sender<(), B>>>,
}

struct FederatedInformerImpl<B: Backend> {
    /// The kernel's embedded `sync.Mutex`, shared with the add handler (all the handler touches
    /// of the informer, which keeps the port free of a reference cycle).
    lock: Arc<Mutex<B>>,
    cluster_informer: Informer<B>,
    /// Whether the fix runs.
    fixed: bool,
}

/// The federated informer's `addCluster`, on its lock.
fn add_cluster<B: Backend>(lock: &Mutex<B>) {
    lock.lock(); // lock A, by the loop
    lock.unlock(); // the deferred unlock
}

impl<B: Backend> FederatedInformerImpl<B> {
    fn clusters_synced(&self) {
        if self.fixed {
            self.cluster_informer.controller.has_synced();
            return;
        }
        self.lock.lock(); // lock A, by the reconcile
        self.cluster_informer.controller.has_synced();
        self.lock.unlock(); // the deferred unlock
    }

    fn start(&self) {
        self.lock.lock();
        let (stop_tx, stop_chan) = chan::bounded_in::<B, ()>(0);
        *B::lock(&self.cluster_informer.stop_chan) = Some(stop_tx);
        let controller = Arc::clone(&self.cluster_informer.controller);
        drop(B::spawn("controller-run", move || {
            controller.run(&stop_chan)
        }));
        self.lock.unlock(); // the deferred unlock
    }

    fn stop(&self) {
        self.lock.lock();
        let stop_chan = B::lock(&self.cluster_informer.stop_chan).clone();
        if let Some(stop_chan) = stop_chan {
            stop_chan.close().expect("closed once");
        }
        self.lock.unlock(); // the deferred unlock
    }
}

fn new_federated_informer<B: Backend>(fixed: bool) -> Arc<FederatedInformerImpl<B>> {
    let lock = Arc::new(Mutex::new_in());
    let handler_lock = Arc::clone(&lock);
    let controller = new_informer(ResourceEventHandlerFuncs {
        add_func: Some(Box::new(move || add_cluster(&handler_lock))),
    });
    Arc::new(FederatedInformerImpl {
        lock,
        cluster_informer: Informer {
            controller: Arc::new(controller),
            stop_chan: B::mutex(None),
        },
        fixed,
    })
}

struct DelayingDeliverer;

impl DelayingDeliverer {
    fn start_with_handler<B: Backend>(&self, handler: impl FnOnce() + Send + 'static) {
        drop(B::spawn("handler", handler));
    }
}

struct NamespaceController<B: Backend> {
    namespace_deliverer: DelayingDeliverer,
    namespace_federated_informer: Arc<FederatedInformerImpl<B>>,
}

impl<B: Backend> NamespaceController<B> {
    fn is_synced(&self) {
        self.namespace_federated_informer.clusters_synced();
    }

    fn reconcile_namespace(&self) {
        self.is_synced();
    }

    fn run(self: &Arc<Self>, stop_chan: Receiver<(), B>) {
        self.namespace_federated_informer.start();
        let informer = Arc::clone(&self.namespace_federated_informer);
        drop(B::spawn("stop-informer", move || {
            stop_chan.recv();
            informer.stop(); // blocks here
        }));
        let nc = Arc::clone(self);
        self.namespace_deliverer
            .start_with_handler::<B>(move || nc.reconcile_namespace());
    }
}

fn new_namespace_controller<B: Backend>(fixed: bool) -> Arc<NamespaceController<B>> {
    Arc::new(NamespaceController {
        namespace_deliverer: DelayingDeliverer,
        namespace_federated_informer: new_federated_informer(fixed),
    })
}

impl Scenario for Kubernetes30872 {
    const NAME: &'static str = "goker::kubernetes_30872";
    // The controller's loop polls its stop channel, so every round it spins adds schedules (as
    // `kubernetes_13135`'s loop does); the bug needs one preemption, between the loop's two locks
    // or the reconcile's.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str =
        "the controller's loop, the stopping goroutine and the reconcile finish";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let namespace_controller = new_namespace_controller::<B>(self.variant == Variant::Correct);
        let (stop_tx, stop) = chan::bounded_in::<B, ()>(0);
        namespace_controller.run(stop);
        stop_tx.close().expect("closed once");
    }
}

impl Mistake for Kubernetes30872 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    // The informer's lock (mutex) and the queue's (rwmutex), taken in both orders.
    const TRACE_SHOWS: &'static [&'static str] =
        &["lock mutex", "lock rwmutex", "(never returned)"];
}

impl Kernel for Kubernetes30872 {
    const GOKER: Goker = Goker {
        project: "kubernetes",
        id: 30872,
        class: Class::Blocking,
        kind: "Resource Deadlock",
        subtype: "AB-BA deadlock",
    };
}
