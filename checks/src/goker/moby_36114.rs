//! GoKer `moby_36114` (moby PR #36114): `hotAddVHDsAtStart` holds the service VM's lock and calls
//! `hotRemoveVHDsAtStart`, which locks it again.
//!
//! Ports `gobench/goker/blocking/moby/36114/moby36114_test.go` (GoBench: resource deadlock,
//! double locking). The test starts `hotAddVHDsAtStart` on a goroutine and returns: the goroutine
//! is left blocked (a leak). The header names the bug, not the fix; the port's fix has the caller
//! that already holds the lock call the body of `hotRemoveVHDsAtStart` without locking again.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{Backend, Mutex};
use std::sync::Arc;

zoo_entry! {
    /// One goroutine hot-adds the VHDs of a service VM at start.
    pub struct Moby36114 {}
}

struct ServiceVm<B: Backend> {
    mu: Mutex<B>,
}

impl<B: Backend> ServiceVm<B> {
    fn hot_add_vhds_at_start(&self, fixed: bool) {
        self.mu.lock();
        if fixed {
            self.hot_remove_vhds_at_start_locked();
        } else {
            self.hot_remove_vhds_at_start();
        }
        self.mu.unlock();
    }

    fn hot_remove_vhds_at_start(&self) {
        self.mu.lock(); // the double lock
        self.hot_remove_vhds_at_start_locked();
        self.mu.unlock();
    }

    /// The work itself, with the lock held by the caller (empty in the kernel).
    fn hot_remove_vhds_at_start_locked(&self) {}
}

impl Scenario for Moby36114 {
    const NAME: &'static str = "goker::moby_36114";
    const INVARIANT: &'static str = "the hot-add goroutine finishes";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let s = Arc::new(ServiceVm::<B> {
            mu: Mutex::new_in(),
        });
        drop(B::spawn("hot-add", move || s.hot_add_vhds_at_start(fixed)));
    }
}

impl Mistake for Moby36114 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    const TRACE_SHOWS: &'static [&'static str] = &["lock mutex", "lock mutex (never returned)"];
    const DETERMINISTIC: bool = true;
}

impl Kernel for Moby36114 {
    const GOKER: Goker = Goker {
        project: "moby",
        id: 36114,
        class: Class::Blocking,
        kind: "Resource Deadlock",
        subtype: "Double locking",
    };
}
