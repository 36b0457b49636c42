//! GoKer `kubernetes_82239` (kubernetes PR #82239): the persistent-volume controller's test hands
//! the controller its own volume object, not a deep copy, and then changes that volume's
//! annotations while the controller's worker deep-copies it: a data race on the annotations map.
//!
//! Ports `gobench/goker/nonblocking/kubernetes/82239/kubernetes82239_test.go` (GoBench:
//! traditional, data race). For its one test case the test makes a controller whose lister
//! returns the case's volume (annotations `0` and `1`), starts `Run` on a goroutine, which starts
//! `Until` on another and returns, sleeps 1 ms, runs the case's function, which sets annotation
//! `0` of the same volume, and closes the stop channel. `Until` (through `JitterUntil`) polls the
//! stop channel, runs the volume worker, polls again, and goes round until the channel is
//! closed; the worker gets the volume from the lister and, down through `updateVolume`,
//! `syncVolume` and `updateVolumePhase`, deep-copies it, iterating its annotations map. The
//! test's assignment to the map and any iteration before the worker sees the channel closed are
//! ordered by nothing: Go's race detector reports the map write and read, and the port's
//! `RaceCell` (the map) fails the run as a data race. On a schedule where the test writes and
//! closes the channel before the worker's first round, nothing races. Fix (the upstream fix,
//! GoReal's fixed commit): the controller is given a deep copy of each initial volume, so the
//! test changes only its own. The kernel's `JitterUntil` spins with no period; the port's loop
//! yields each round, as Go's scheduler would preempt it.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, TryRecvError};
use patterns::{time, Backend, RaceCell, Receiver};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

zoo_entry! {
    /// A test changes a volume's annotations while the controller's worker deep-copies it.
    pub struct Kubernetes82239 {}
}

struct ObjectMeta<B: Backend> {
    /// `Annotations`, a plain map (never nil here).
    annotations: RaceCell<HashMap<String, ()>, B>,
}

impl<B: Backend> ObjectMeta<B> {
    /// `DeepCopyInto`: a new map holding every entry of this one (the iteration is a read).
    fn deep_copy(&self) -> ObjectMeta<B> {
        ObjectMeta {
            annotations: RaceCell::new_in(self.annotations.read(|m| m.clone())),
        }
    }
}

struct PersistentVolume<B: Backend> {
    object_meta: ObjectMeta<B>,
}

impl<B: Backend> PersistentVolume<B> {
    /// `DeepCopy`: `*out = *in`, then the metadata's own deep copy.
    fn deep_copy(&self) -> PersistentVolume<B> {
        PersistentVolume {
            object_meta: self.object_meta.deep_copy(),
        }
    }
}

fn new_volume<B: Backend>() -> PersistentVolume<B> {
    let annotations: HashMap<String, ()> = (0..2).map(|i| (i.to_string(), ())).collect();
    PersistentVolume {
        object_meta: ObjectMeta {
            annotations: RaceCell::new_in(annotations),
        },
    }
}

fn new_volume_array<B: Backend>() -> Vec<Arc<PersistentVolume<B>>> {
    vec![Arc::new(new_volume())]
}

fn volumes_with_annotation<B: Backend>(
    volumes: Vec<Arc<PersistentVolume<B>>>,
) -> Vec<Arc<PersistentVolume<B>>> {
    volumes
}

type TestCall<B> = fn(&ControllerTest<B>);

struct ControllerTest<B: Backend> {
    initial_volumes: Vec<Arc<PersistentVolume<B>>>,
    test: TestCall<B>,
}

/// The test case's function: sets annotation `0` of its initial volume (a write of the map).
fn set_annotation<B: Backend>(test: &ControllerTest<B>) {
    test.initial_volumes[0]
        .object_meta
        .annotations
        .update(|m| m.insert("0".to_owned(), ()));
}

fn until<B: Backend>(f: impl Fn(), stop_ch: &Receiver<(), B>) {
    jitter_until(f, stop_ch);
}

fn jitter_until<B: Backend>(f: impl Fn(), stop_ch: &Receiver<(), B>) {
    loop {
        if closed_now(stop_ch) {
            return;
        }
        f();
        if closed_now(stop_ch) {
            return;
        }
        // Go's scheduler preempts a spinning goroutine; the model checkers need the yield.
        B::yield_now();
    }
}

/// The kernel's select on `stop_ch` with a default: nothing is ever sent on it, it is only
/// closed.
fn closed_now<B: Backend>(stop_ch: &Receiver<(), B>) -> bool {
    match stop_ch.try_recv() {
        Ok(()) | Err(TryRecvError::Closed) => true,
        Err(TryRecvError::Empty) => false,
    }
}

struct SimplifiedLister<B: Backend> {
    volume: Arc<PersistentVolume<B>>,
}

impl<B: Backend> SimplifiedLister<B> {
    fn get(&self, _key: &str) -> Arc<PersistentVolume<B>> {
        Arc::clone(&self.volume)
    }
}

struct PersistentVolumeController<B: Backend> {
    volume_lister: Option<SimplifiedLister<B>>,
}

impl<B: Backend> PersistentVolumeController<B> {
    fn run(self: &Arc<Self>, stop_ch: Receiver<(), B>) {
        let ctrl = Arc::clone(self);
        drop(B::spawn("until", move || {
            until(|| ctrl.volume_worker(), &stop_ch);
        }));
    }

    fn volume_worker(&self) {
        let work_func = || {
            let lister = self
                .volume_lister
                .as_ref()
                .expect("the test sets the lister");
            let volume = lister.get("0");
            self.update_volume(&volume);
        };
        work_func();
    }

    fn update_volume(&self, volume: &PersistentVolume<B>) {
        self.sync_volume(volume);
    }

    fn sync_volume(&self, volume: &PersistentVolume<B>) {
        self.update_volume_phase(volume);
    }

    fn update_volume_phase(&self, volume: &PersistentVolume<B>) {
        let _copy = volume.deep_copy(); // the bug's read
    }
}

fn new_test_controller<B: Backend>() -> PersistentVolumeController<B> {
    PersistentVolumeController {
        volume_lister: None,
    }
}

impl Scenario for Kubernetes82239 {
    const NAME: &'static str = "goker::kubernetes_82239";
    // The worker's loop polls its stop channel, so every round it spins adds schedules (as
    // `kubernetes_30872`'s loop does); the bug needs none: the worker's first round comes while
    // the test sleeps.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str =
        "the test's write of the volume's annotations races with no read";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let tests = vec![ControllerTest::<B> {
            initial_volumes: volumes_with_annotation(new_volume_array()),
            test: set_annotation::<B>,
        }];

        for test in &tests {
            let mut ctrl = new_test_controller::<B>();

            let volume = if fixed {
                Arc::new(test.initial_volumes[0].deep_copy())
            } else {
                Arc::clone(&test.initial_volumes[0])
            };
            ctrl.volume_lister = Some(SimplifiedLister { volume });
            let ctrl = Arc::new(ctrl);

            let (stop_tx, stop_ch) = chan::bounded_in::<B, ()>(0);
            drop(B::spawn("run", move || ctrl.run(stop_ch)));
            time::sleep::<B>(Duration::from_millis(1));
            (test.test)(test);
            stop_tx.close().expect("closed once");
        }
    }
}

impl Mistake for Kubernetes82239 {
    const CAUGHT_AS: FailureKind = FailureKind::DataRace;
    const TRACE_SHOWS: &'static [&'static str] = &["write cell", "data race"];
}

impl Kernel for Kubernetes82239 {
    const GOKER: Goker = Goker {
        project: "kubernetes",
        id: 82239,
        class: Class::NonBlocking,
        kind: "Traditional",
        subtype: "Data race",
    };
}
