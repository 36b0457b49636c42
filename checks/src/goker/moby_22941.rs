//! GoKer `moby_22941` (moby PR #22941): goroutines started in a `range` loop read the loop's
//! variable `pair`, which the loop's next iteration overwrites, with nothing ordering the two: a
//! data race.
//!
//! Ports `gobench/goker/nonblocking/moby/22941/moby22941_test.go` (GoBench: go-specific,
//! anonymous function). The test makes a pipe whose `Write` takes the pipe's write lock, and
//! ranges over two pairs of HTTP requests (the request sent, the request expected), starting for
//! each a goroutine that writes the pair's first request to the pipe; then it sleeps 10 ms.
//! Before Go 1.22 a `range` loop has one `pair` for all its iterations: the first goroutine's
//! read of it and the loop's second assignment are unordered on every schedule (Go's `-race`
//! report: the loop's line against the goroutine's). The port keeps that one variable as a
//! `RaceCell` the loop assigns and the goroutines read. GoKer names no fix; the port's fix is the
//! usual one: the goroutine gets the pair as an argument, read by the loop itself.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{time, Backend, Mutex, RaceCell};
use std::sync::Arc;
use std::time::Duration;

zoo_entry! {
    /// Two requests are written to a pipe, one goroutine each.
    pub struct Moby22941 {}
}

/// A test case: the request sent and the request expected.
type Pair = [&'static [u8]; 2];

/// The test's two cases.
const TESTS: [Pair; 2] = [
    [
        b"GET /foo\nHost: /var/run/docker.sock\nUser-Agent: Docker\r\n\r\n",
        b"GET /foo\nHost: \r\nConnection: close\r\nUser-Agent: Docker\r\n\r\n",
    ],
    [
        b"GET /foo\nHost: /var/run/docker.sock\nUser-Agent: Docker\nFoo: Bar\r\n",
        b"GET /foo\nHost: \r\nConnection: close\r\nUser-Agent: Docker\nFoo: Bar\r\n",
    ],
];

/// The kernel's `pipe`, the server end of a connection.
struct Pipe<B: Backend> {
    wr_mu: Mutex<B>,
}

impl<B: Backend> Pipe<B> {
    fn write(&self, b: &[u8]) {
        self.wr_mu.lock();
        let _rest = &b[1..];
        self.wr_mu.unlock(); // deferred
    }
}

impl Scenario for Moby22941 {
    const NAME: &'static str = "goker::moby_22941";
    // Unbounded, the fix ran past 90 s; a data race shows on any schedule that makes both accesses,
    // whatever its preemptions, so a bound of 2 loses little.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "no goroutine's read of the loop variable races with the loop";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let srv = Arc::new(Pipe::<B> {
            wr_mu: Mutex::new_in(),
        });
        // The loop's `pair`: one variable for every iteration.
        let pair = Arc::new(RaceCell::<Pair, B>::default());
        for (n, test) in TESTS.iter().enumerate() {
            pair.set(*test);
            // The fix: the iteration's pair, passed as the goroutine's argument.
            let own = fixed.then(|| pair.get());
            let (shared, srv) = (Arc::clone(&pair), Arc::clone(&srv));
            drop(B::spawn(&format!("write-{n}"), move || {
                let pair = own.unwrap_or_else(|| shared.get());
                srv.write(pair[0]);
            }));
        }
        time::sleep::<B>(Duration::from_millis(10));
    }
}

impl Mistake for Moby22941 {
    const CAUGHT_AS: FailureKind = FailureKind::DataRace;
    const TRACE_SHOWS: &'static [&'static str] = &["write cell", "read cell", "data race"];
}

impl Kernel for Moby22941 {
    const GOKER: Goker = Goker {
        project: "moby",
        id: 22941,
        class: Class::NonBlocking,
        kind: "Go-Specific",
        subtype: "Anonymous function",
    };
}
