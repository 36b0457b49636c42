//! GoKer `serving_3148` (knative serving PR #3148): the test registers its update hook, which
//! replaces the fake clientset's reactor chain, after it has started the controller whose worker
//! ranges over that chain: a data race.
//!
//! Ports `gobench/goker/nonblocking/serving/3148/serving3148_test.go` (GoBench: traditional, data
//! race). The test runs its body on a goroutine and waits for it. The body makes a fake clientset
//! and a controller whose reconciler creates a pod autoscaler through that clientset, starts
//! `controller.Run(1)` through an error group (a wait group the body waits on as it returns), and
//! then registers a hook with `OnUpdate`, which prepends a reactor to the fake's `ReactionChain`
//! (a write of the slice). `Run` starts one worker and waits for it; the worker's reconcile ends
//! in the fake's `Invokes`, which ranges over `ReactionChain` (a read). Nothing orders the hook's
//! write with the worker's read: a data race, which the race detector reports whichever runs
//! first (the chain is a `RaceCell` here). Fix (the upstream fix, in the test): the hook is
//! registered before the controller starts, so the write happens before the worker exists. The
//! kernel's `errOnce` of the group is never used and is left out.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{Backend, RaceCell, WaitGroup};
use std::sync::Arc;

zoo_entry! {
    /// A controller reconciles through a fake clientset while the test hooks the fake's updates.
    pub struct Serving3148 {}
}

/// A reactor of the fake clientset (the kernel's `SimpleReactor`).
#[derive(Clone, Copy, Debug)]
struct SimpleReactor;

/// The fake clientset's `Fake`: its reaction chain is plain shared data.
struct Fake<B: Backend> {
    reaction_chain: RaceCell<Vec<SimpleReactor>, B>,
}

impl<B: Backend> Fake<B> {
    /// Ranges over the reaction chain: a read.
    fn invokes(&self) {
        let _reactors = self.reaction_chain.read(|chain| chain.len());
    }

    /// Replaces the reaction chain with one holding a new reactor: a write.
    fn prepend_reactor(&self) {
        self.reaction_chain.set(vec![SimpleReactor]);
    }
}

struct Clientset<B: Backend> {
    fake: Fake<B>,
}

impl<B: Backend> Clientset<B> {
    fn new() -> Self {
        Self {
            fake: Fake {
                reaction_chain: RaceCell::new_in(Vec::new()),
            },
        }
    }

    fn autoscaling_v1alpha1(&self) -> FakeAutoscalingV1alpha1<'_, B> {
        FakeAutoscalingV1alpha1 { fake: &self.fake }
    }
}

struct FakeAutoscalingV1alpha1<'a, B: Backend> {
    fake: &'a Fake<B>,
}

impl<'a, B: Backend> FakeAutoscalingV1alpha1<'a, B> {
    fn pod_autoscalers(&self) -> FakePodAutoscalers<'a, B> {
        FakePodAutoscalers { fake: self.fake }
    }
}

struct FakePodAutoscalers<'a, B: Backend> {
    fake: &'a Fake<B>,
}

impl<B: Backend> FakePodAutoscalers<'_, B> {
    fn create(&self) {
        self.fake.invokes();
    }
}

struct Reconciler<B: Backend> {
    /// Set by the test before the controller is shared.
    serving_client_set: Option<Arc<Clientset<B>>>,
}

/// A named phase of a reconcile.
type Phase<R> = (&'static str, fn(&R));

impl<B: Backend> Reconciler<B> {
    fn reconcile(&self) {
        let phases: [Phase<Self>; 1] = [("KPA", Self::reconcile_kpa)];
        for (_name, phase) in phases {
            phase(self);
        }
    }

    fn reconcile_kpa(&self) {
        self.create_kpa();
    }

    fn create_kpa(&self) {
        self.serving_client_set
            .as_ref()
            .expect("the test sets the clientset")
            .autoscaling_v1alpha1()
            .pod_autoscalers()
            .create();
    }
}

/// The controller (the kernel's `Impl`).
struct Impl<B: Backend> {
    reconciler: Reconciler<B>,
}

impl<B: Backend> Impl<B> {
    fn run(self: &Arc<Self>, threadiness: usize) {
        let sg = WaitGroup::<B>::new_in();
        for i in 0..threadiness {
            sg.add(1);
            let (c, worker_done) = (Arc::clone(self), sg.clone());
            drop(B::spawn(&format!("worker-{i}"), move || {
                c.process_next_work_item();
                worker_done.done(); // the deferred sg.Done()
            }));
        }
        sg.wait(); // the deferred sg.Wait()
    }

    fn process_next_work_item(&self) {
        self.reconciler.reconcile();
    }
}

fn new_controller<B: Backend>() -> Impl<B> {
    Impl {
        reconciler: Reconciler {
            serving_client_set: None,
        },
    }
}

/// The kernel's error group: a wait group around its goroutines.
struct Group<B: Backend> {
    wg: WaitGroup<B>,
}

impl<B: Backend> Group<B> {
    fn new() -> Self {
        Self {
            wg: WaitGroup::new_in(),
        }
    }

    fn wait(&self) {
        self.wg.wait();
    }

    fn go(&self, name: &str, f: impl FnOnce() + Send + 'static) {
        self.wg.add(1);
        let done = self.wg.clone();
        drop(B::spawn(name, move || {
            f();
            done.done(); // the deferred g.wg.Done()
        }));
    }
}

struct Hooks;

impl Hooks {
    fn on_update<B: Backend>(&self, fake: &Fake<B>) {
        fake.prepend_reactor();
    }
}

/// The body of the test's goroutine.
fn test_body<B: Backend>(fixed: bool) {
    let cs = Arc::new(Clientset::<B>::new());
    let mut controller = new_controller::<B>();
    controller.reconciler.serving_client_set = Some(Arc::clone(&cs));
    let controller = Arc::new(controller);
    let eg = Group::<B>::new();
    let h = Hooks;
    if fixed {
        // The fix: the hook is in place before the controller starts.
        h.on_update(&cs.fake);
    }
    eg.go("controller-run", move || controller.run(1));
    if !fixed {
        h.on_update(&cs.fake); // races with the worker's Invokes
    }
    eg.wait(); // the deferred eg.Wait()
}

impl Scenario for Serving3148 {
    const NAME: &'static str = "goker::serving_3148";
    // Unbounded, the fix ran past 90 s; a data race shows on any schedule that makes both accesses,
    // whatever its preemptions, so a bound of 2 loses little.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str =
        "the hook's write of the reaction chain does not race with the worker's read";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let wg = WaitGroup::<B>::new_in();
        wg.add(1);
        let body_done = wg.clone();
        drop(B::spawn("test-body", move || {
            test_body::<B>(fixed);
            body_done.done(); // the deferred wg.Done()
        }));
        wg.wait();
    }
}

impl Mistake for Serving3148 {
    const CAUGHT_AS: FailureKind = FailureKind::DataRace;
    // The worker's read and the hook's write, in either order: the second one is the race.
    const TRACE_SHOWS: &'static [&'static str] = &["read cell", "data race"];
}

impl Kernel for Serving3148 {
    const GOKER: Goker = Goker {
        project: "serving",
        id: 3148,
        class: Class::NonBlocking,
        kind: "Traditional",
        subtype: "Data race",
    };
}
