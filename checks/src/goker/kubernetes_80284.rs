//! GoKer `kubernetes_80284` (kubernetes PR #80284): two goroutines configure transports from one
//! exec `Authenticator` at once, and each overwrites its `onRotate` callback with no lock: a data
//! race.
//!
//! Ports `gobench/goker/nonblocking/kubernetes/80284/kubernetes80284_test.go` (GoBench:
//! traditional, data race). The test adds two to a WaitGroup, makes one authenticator and starts
//! two goroutines that each call its `UpdateTransportConfig` and then `Done`; it waits for both.
//! `UpdateTransportConfig` makes a new dialer and stores the dialer's `CloseAll` as the
//! authenticator's `onRotate`, a plain field both goroutines write with nothing ordering the two
//! writes (the WaitGroup orders each with the test's `Wait`, not with each other): Go's race
//! detector reports the two writes, and the port's `RaceCell` fails the run as a data race.
//! Fix (the upstream fix, GoReal's fixed commit): the authenticator keeps a list of callbacks,
//! `onRotateList`, and appends the new dialer's `CloseAll` to it under the authenticator's mutex,
//! so every dialer is closed on rotation and the writes are ordered by the lock. The kernel's
//! `Dialer` and its `CloseAll` do nothing; the port keeps them as such.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{Backend, Mutex, RaceCell, WaitGroup};
use std::sync::Arc;

zoo_entry! {
    /// Two goroutines update transport configurations from one authenticator.
    pub struct Kubernetes80284 {}
}

/// The kernel's connection-rotating dialer: nothing to close.
struct Dialer;

impl Dialer {
    fn close_all(&self) {}
}

fn new_dialer() -> Dialer {
    Dialer
}

/// A function the authenticator calls when its certificate rotates (Go's `func()`).
type OnRotate = Box<dyn Fn() + Send + Sync>;

struct Authenticator<B: Backend> {
    /// `a.mu`, which only the fix takes here.
    mu: Mutex<B>,
    /// `a.onRotate`, the bug's single callback: a plain field.
    on_rotate: RaceCell<Option<OnRotate>, B>,
    /// `a.onRotateList`, the fix's list of callbacks, appended to under `mu`.
    on_rotate_list: RaceCell<Vec<OnRotate>, B>,
}

impl<B: Backend> Authenticator<B> {
    fn update_transport_config(&self, fixed: bool) {
        let d = Arc::new(new_dialer());
        let close_all: OnRotate = Box::new(move || d.close_all());
        if fixed {
            self.mu.lock();
            self.on_rotate_list.update(|list| list.push(close_all));
            self.mu.unlock(); // the deferred Unlock
        } else {
            self.on_rotate.set(Some(close_all)); // races with the other goroutine's write
        }
    }
}

fn new_authenticator<B: Backend>() -> Authenticator<B> {
    Authenticator {
        mu: Mutex::new_in(),
        on_rotate: RaceCell::new_in(None),
        on_rotate_list: RaceCell::new_in(Vec::new()),
    }
}

impl Scenario for Kubernetes80284 {
    const NAME: &'static str = "goker::kubernetes_80284";
    // Unbounded, the fix ran past 90 s; a data race shows on any schedule that makes both accesses,
    // whatever its preemptions, so a bound of 2 loses little.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "no two writes of the authenticator's callbacks race";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let wg = WaitGroup::<B>::new_in();
        wg.add(2);
        let a = Arc::new(new_authenticator::<B>());
        for i in 0..2 {
            let (a, wg) = (Arc::clone(&a), wg.clone());
            drop(B::spawn(
                &format!("update-transport-config-{i}"),
                move || {
                    a.update_transport_config(fixed);
                    wg.done(); // the deferred Done
                },
            ));
        }
        wg.wait();
    }
}

impl Mistake for Kubernetes80284 {
    const CAUGHT_AS: FailureKind = FailureKind::DataRace;
    const TRACE_SHOWS: &'static [&'static str] = &["write cell", "write cell", "data race"];
}

impl Kernel for Kubernetes80284 {
    const GOKER: Goker = Goker {
        project: "kubernetes",
        id: 80284,
        class: Class::NonBlocking,
        kind: "Traditional",
        subtype: "Data race",
    };
}
