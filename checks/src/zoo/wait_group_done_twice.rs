//! WaitGroup misuse: `done` called once too often, driving the counter below zero.
//!
//! Go: a worker calls `wg.Done()` twice (say, once in a `defer` and once on an early return). Go
//! panics with `sync: negative WaitGroup counter`; so does the kit, naming the mistake.
//! Correct: exactly one `done` per `add(1)`.

use super::{broken_instances, zoo_entry, Mistake, Variant};
use crate::harness::{FailureKind, Scenario};
use patterns::{Backend, WaitGroup};

zoo_entry! {
    /// Workers signal a WaitGroup; the waiter returns once all are done.
    pub struct WaitGroupDoneTwice {
        /// Worker threads.
        pub workers: usize,
    }
}

impl Scenario for WaitGroupDoneTwice {
    const NAME: &'static str = "zoo::wait_group_done_twice";
    const INVARIANT: &'static str = "one done per add: the counter never goes negative";
    broken_instances! {
        small: { workers: 2 },
        large: { workers: 6 },
    }
    fn run<B: Backend>(&self) {
        let wg = WaitGroup::<B>::new_in();
        wg.add(self.workers as i64);
        let workers: Vec<_> = (0..self.workers)
            .map(|w| {
                let wg = wg.clone();
                let twice = self.variant == Variant::Broken && w + 1 == self.workers;
                B::spawn(&format!("worker-{w}"), move || {
                    wg.done();
                    if twice {
                        wg.done();
                    }
                })
            })
            .collect();
        wg.wait();
        for worker in workers {
            B::join(worker).expect("worker panicked");
        }
    }
}

impl Mistake for WaitGroupDoneTwice {
    const CAUGHT_AS: FailureKind = FailureKind::Panic;
    const TRACE_SHOWS: &'static [&'static str] = &[
        "done WaitGroup → now 0",
        "done WaitGroup",
        "negative WaitGroup counter",
    ];
    const DETERMINISTIC: bool = true;
}
