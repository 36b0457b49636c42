//! GoKer `moby_27037` (moby PR #27037): goroutines started in a loop read the loop's counter,
//! which the loop goes on incrementing, with nothing ordering the two: a data race.
//!
//! Ports `gobench/goker/nonblocking/moby/27037/moby27037_test.go` (GoBench: go-specific,
//! anonymous function). The test counts `i` from 17 to 21 and starts, at each step, a goroutine
//! (counted on a WaitGroup) that formats the version `v1.<i>` from the captured `i`, then waits
//! for them all. Before Go 1.22 a `for` loop has one `i` for all its iterations, which each
//! goroutine reads while the loop increments it: a goroutine's read and the next increment are
//! unordered on every schedule (Go's `-race` report: the loop's line against the goroutine's).
//! The port keeps that one variable as a `RaceCell` the loop tests and increments and the
//! goroutines read. GoKer names no fix; the port's fix is the usual one: the goroutine gets the
//! iteration's value as an argument, read by the loop itself. The small instance counts two
//! versions (17 and 18) instead of five, three threads in all.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{Backend, RaceCell, WaitGroup};
use std::sync::Arc;

zoo_entry! {
    /// One goroutine per API version formats its version string.
    pub struct Moby27037 {
        /// Versions the loop counts through from 17, one goroutine each (the kernel has five).
        pub versions: i64,
    }
}

/// The loop's first version.
const FIRST: i64 = 17;

impl Scenario for Moby27037 {
    const NAME: &'static str = "goker::moby_27037";
    // Unbounded, the fix ran past 90 s; a data race shows on any schedule that makes both accesses,
    // whatever its preemptions, so a bound of 2 loses little.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "no goroutine's read of the loop counter races with the loop";
    broken_instances! {
        small: { versions: 2 },
        large: { versions: 5 },
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let last = FIRST + self.versions - 1;
        let wg = WaitGroup::<B>::new_in();
        // The loop's `i`: one variable for every iteration.
        let i = Arc::new(RaceCell::<i64, B>::new_in(FIRST));
        let mut goroutine = 0;
        while i.get() <= last {
            wg.add(1);
            // The fix: the iteration's value, passed as the goroutine's argument.
            let own = fixed.then(|| i.get());
            let (shared, done) = (Arc::clone(&i), wg.clone());
            drop(B::spawn(&format!("format-{goroutine}"), move || {
                let version = own.unwrap_or_else(|| shared.get());
                let _version = format!("v1.{version}");
                done.done(); // deferred
            }));
            goroutine += 1;
            i.update(|i| *i += 1);
        }
        wg.wait();
    }
}

impl Mistake for Moby27037 {
    const CAUGHT_AS: FailureKind = FailureKind::DataRace;
    const TRACE_SHOWS: &'static [&'static str] = &["read cell", "write cell", "data race"];
}

impl Kernel for Moby27037 {
    const GOKER: Goker = Goker {
        project: "moby",
        id: 27037,
        class: Class::NonBlocking,
        kind: "Go-Specific",
        subtype: "Anonymous function",
    };
}
