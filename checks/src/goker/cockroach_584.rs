//! GoKer `cockroach_584` (cockroach PR #584): `bootstrap` leaves its loop still holding the gossip
//! lock once the gossip is closed, so `manage` blocks on that lock forever.
//!
//! Ports `gobench/goker/blocking/cockroach/584/cockroach584_test.go` (GoBench: resource deadlock,
//! double locking). The test starts one goroutine, which calls `bootstrap` then `manage`, and
//! returns at once: the goroutine is left blocked (a leak). Fix (GoKer's comments: the missing
//! `Unlock`): both loops unlock before they break.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{Backend, Mutex};
use std::sync::Arc;

zoo_entry! {
    /// A closed gossip: one goroutine bootstraps it, then manages it.
    pub struct Cockroach584 {}
}

struct Gossip<B: Backend> {
    mu: Mutex<B>,
    closed: bool,
}

impl<B: Backend> Gossip<B> {
    /// `bootstrap` and `manage` have the same body in the kernel: a `for` loop whose every path
    /// breaks in its first pass, so it is written here without the loop.
    fn lock_once(&self, fixed: bool) {
        self.mu.lock();
        if self.closed && !fixed {
            return; // the kernel breaks here without `g.mu.Unlock()`
        }
        self.mu.unlock();
    }
}

impl Scenario for Cockroach584 {
    const NAME: &'static str = "goker::cockroach_584";
    const INVARIANT: &'static str = "the gossip goroutine finishes";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let g = Arc::new(Gossip::<B> {
            mu: Mutex::new_in(),
            closed: true,
        });
        drop(B::spawn("gossip", move || {
            g.lock_once(fixed); // bootstrap
            g.lock_once(fixed); // manage
        }));
    }
}

impl Mistake for Cockroach584 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    const TRACE_SHOWS: &'static [&'static str] = &["lock mutex (never returned)"];
    const DETERMINISTIC: bool = true;
}

impl Kernel for Cockroach584 {
    const GOKER: Goker = Goker {
        project: "cockroach",
        id: 584,
        class: Class::Blocking,
        kind: "Resource Deadlock",
        subtype: "Double locking",
    };
}
