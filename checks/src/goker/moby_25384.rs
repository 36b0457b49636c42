//! GoKer `moby_25384` (moby PR #25384): `init` waits on its WaitGroup inside the loop that starts
//! one goroutine per plugin, so with two plugins the first wait needs a `Done` from a goroutine
//! not started yet.
//!
//! Ports `gobench/goker/blocking/moby/25384/moby25384_test.go` (GoBench: mixed deadlock, misuse
//! WaitGroup). The test starts `init` on a goroutine for two plugins and returns: `init` is left
//! blocked in its first `Wait` (a leak). Fix (the kernel's header): wait once, after the loop.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{Backend, WaitGroup};

zoo_entry! {
    /// A plugin manager initialises its plugins, one goroutine each.
    pub struct Moby25384 {
        /// Plugins to initialise (the kernel has two).
        pub plugins: usize,
    }
}

fn init<B: Backend>(plugins: usize, fixed: bool) {
    let group = WaitGroup::<B>::new_in();
    group.add(plugins as i64);
    for p in 0..plugins {
        let group_of_plugin = group.clone();
        drop(B::spawn(&format!("plugin-{p}"), move || {
            group_of_plugin.done()
        }));
        if !fixed {
            group.wait(); // blocks here
        }
    }
    if fixed {
        group.wait();
    }
}

impl Scenario for Moby25384 {
    const NAME: &'static str = "goker::moby_25384";
    const INVARIANT: &'static str = "init finishes";
    broken_instances! {
        small: { plugins: 2 },
        large: { plugins: 2 },
    }
    fn run<B: Backend>(&self) {
        let (plugins, fixed) = (self.plugins, self.variant == Variant::Correct);
        drop(B::spawn("init", move || init::<B>(plugins, fixed)));
    }
}

impl Mistake for Moby25384 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    const TRACE_SHOWS: &'static [&'static str] = &["wait WaitGroup (never returned)"];
    const DETERMINISTIC: bool = true;
}

impl Kernel for Moby25384 {
    const GOKER: Goker = Goker {
        project: "moby",
        id: 25384,
        class: Class::Blocking,
        kind: "Mixed Deadlock",
        subtype: "Misuse WaitGroup",
    };
}
