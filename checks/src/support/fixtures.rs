//! Scenarios that exercise the harness itself rather than the kit: each one fails on purpose, in
//! one known way, so the tests can check how the harness reports it.

use crate::harness::Scenario;
use patterns::{Atomic, AtomicInt, Backend, RaceCell, WaitGroup};
use serde::{Deserialize, Serialize};
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// A thread spins (yielding) on a flag that is never set, and the scenario returns without
/// joining it: a livelock, which the harness must not call a leak or a deadlock.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SpinsForever;

impl Scenario for SpinsForever {
    const NAME: &'static str = "harness::spins_forever";
    fn small() -> Self {
        Self
    }
    fn large() -> Self {
        Self
    }
    fn run<B: Backend>(&self) {
        let flag = Arc::new(B::AtomicBool::new(false));
        drop(B::spawn("spinner", move || {
            while !flag.load(Ordering::Acquire) {
                B::yield_now();
            }
        }));
    }
}

/// The scenario's thread blocks forever inside `Backend::catch_unwind`, and ignores what the
/// catch returns: a deadlock, which the checker reports by panicking in that very thread. The
/// catch must not swallow the checker's own panic.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DeadlocksInsideCatch;

impl Scenario for DeadlocksInsideCatch {
    const NAME: &'static str = "harness::deadlocks_inside_catch";
    fn small() -> Self {
        Self
    }
    fn large() -> Self {
        Self
    }
    fn run<B: Backend>(&self) {
        let _ignored = B::catch_unwind(|| {
            let (_keep_open, never_sent) = patterns::chan::bounded_in::<B, ()>(0);
            never_sent.recv();
        });
    }
}

/// A retry loop on an input: draws until it gets 0. Each draw is one more input to explore, so
/// loom's walk over input combinations (`[1]`, `[1, 1]`, …) has no end: the run must stop at the
/// harness's cap on combinations and say it was capped, not run forever.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DrawsUntilZero;

impl Scenario for DrawsUntilZero {
    const NAME: &'static str = "harness::draws_until_zero";
    fn small() -> Self {
        Self
    }
    fn large() -> Self {
        Self
    }
    fn run<B: Backend>(&self) {
        while B::input(2) == 1 {}
    }
}

/// Two readers read a cell at once; the main thread joins one of them and writes: the write
/// races with the other reader's read whichever of the two read first, so a race detector must
/// report it on every schedule (one that kept only the last read would miss it whenever the
/// joined reader read last).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WriteRacesAnEarlierRead;

impl Scenario for WriteRacesAnEarlierRead {
    const NAME: &'static str = "harness::write_races_an_earlier_read";
    fn small() -> Self {
        Self
    }
    fn large() -> Self {
        Self
    }
    fn run<B: Backend>(&self) {
        let cell = Arc::new(RaceCell::<u32, B>::new_in(0));
        let read = |name| {
            let cell = Arc::clone(&cell);
            B::spawn(name, move || cell.get())
        };
        let (unjoined, joined) = (read("unjoined-reader"), read("joined-reader"));
        B::join(joined).expect("a reader panicked");
        cell.set(1);
        B::join(unjoined).expect("a reader panicked");
    }
}

/// A spawned thread panics before its `done`, and main waits for it on the WaitGroup forever: the
/// panic is the failure, and a panicked thread has ended, so the main thread left blocked alone is
/// what a real-thread run must see (not a thread still running, to be waited out).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PanicsBeforeDone;

impl Scenario for PanicsBeforeDone {
    const NAME: &'static str = "harness::panics_before_done";
    fn small() -> Self {
        Self
    }
    fn large() -> Self {
        Self
    }
    fn run<B: Backend>(&self) {
        let group = Arc::new(WaitGroup::<B>::new_in());
        group.add(1);
        let worker = Arc::clone(&group);
        // The worker holds the group but its `done` never comes: it panics first.
        let _unjoined = B::spawn("worker", move || {
            let _group = worker;
            panic!("the worker panics before its done");
        });
        group.wait();
    }
}

/// Thread `writer` sets a flag first and then makes `private_ops` accesses of its own; thread
/// `reader` makes `private_ops` accesses of its own and then asserts the flag is set. It fails only
/// when the reader's every event runs before the writer's first: two racing events with many
/// independent ones between them. A random walk orders them so about once in 2^(private_ops+1)
/// schedules; Partial Order Sampling about once in private_ops + 2.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EarlyWriteLateRead {
    /// Each thread's accesses of its own atomic, besides the racing pair.
    pub private_ops: usize,
}

impl Scenario for EarlyWriteLateRead {
    const NAME: &'static str = "harness::early_write_late_read";
    fn small() -> Self {
        Self { private_ops: 2 }
    }
    fn large() -> Self {
        Self { private_ops: 8 }
    }
    fn run<B: Backend>(&self) {
        let flag = Arc::new(B::AtomicBool::new(false));
        let private_ops = self.private_ops;
        let writer = {
            let flag = Arc::clone(&flag);
            B::spawn("writer", move || {
                flag.store(true, Ordering::SeqCst);
                private_work::<B>(private_ops);
            })
        };
        let reader = B::spawn("reader", move || {
            private_work::<B>(private_ops);
            assert!(flag.load(Ordering::SeqCst));
        });
        B::join(writer).expect("the writer panicked");
        B::join(reader).expect("the reader panicked");
    }
}

/// Thread `long` makes `private_ops` accesses of its own and then sets a flag; thread `short`
/// asserts once that the flag is not set yet. It fails only when the short thread's one event
/// runs after all of the long thread's: a random walk sees that about once in 2^(private_ops+1)
/// schedules, a uniform random walk (URW) about once in private_ops + 2.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShortThreadLast {
    /// The long thread's accesses of its own atomic before it sets the flag.
    pub private_ops: usize,
}

impl Scenario for ShortThreadLast {
    const NAME: &'static str = "harness::short_thread_last";
    fn small() -> Self {
        Self { private_ops: 2 }
    }
    fn large() -> Self {
        Self { private_ops: 10 }
    }
    fn run<B: Backend>(&self) {
        let flag = Arc::new(B::AtomicBool::new(false));
        let private_ops = self.private_ops;
        let short = {
            let flag = Arc::clone(&flag);
            B::spawn("short", move || assert!(!flag.load(Ordering::SeqCst)))
        };
        let long = B::spawn("long", move || {
            private_work::<B>(private_ops);
            flag.store(true, Ordering::SeqCst);
        });
        B::join(short).expect("the short thread panicked");
        B::join(long).expect("the long thread panicked");
    }
}

/// `ops` increments of an atomic no other thread sees: scheduling points that race with nothing.
fn private_work<B: Backend>(ops: usize) {
    let own = B::AtomicUsize::new(0);
    for _ in 0..ops {
        own.fetch_add(1, Ordering::SeqCst);
    }
}
