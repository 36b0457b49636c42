//! Scenarios of the kit's WaitGroup.

use crate::harness::Scenario;
use crate::invariant;
use patterns::{Atomic, AtomicInt, Backend, WaitGroup};
use serde::{Deserialize, Serialize};
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Workers each do their work then `done`; every waiter returns only after all of it is done.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WaitReturnsAfterEveryDone {
    /// Worker threads (each `add(1)` before its spawn).
    pub workers: usize,
    /// Waiter threads besides the main thread, which waits too.
    pub waiters: usize,
}

impl Scenario for WaitReturnsAfterEveryDone {
    const NAME: &'static str = "wait_group::wait_returns_after_every_done";
    // Exhaustive: 302,294 schedules, 21.8 s (2026-11-30).
    fn small() -> Self {
        Self {
            workers: 2,
            waiters: 1,
        }
    }
    fn large() -> Self {
        Self {
            workers: 8,
            waiters: 3,
        }
    }
    fn run<B: Backend>(&self) {
        let wg = WaitGroup::<B>::new_in();
        let work = Arc::new(B::AtomicUsize::new(0));
        let workers: Vec<_> = (0..self.workers)
            .map(|w| {
                wg.add(1);
                let (wg, work) = (wg.clone(), Arc::clone(&work));
                B::spawn(&format!("worker-{w}"), move || {
                    // Relaxed: the WaitGroup's lock orders it before every `wait` that returns.
                    work.fetch_add(1, Ordering::Relaxed);
                    wg.done();
                })
            })
            .collect();
        let expected = self.workers;
        let waiters: Vec<_> = (0..self.waiters)
            .map(|w| {
                let (wg, work) = (wg.clone(), Arc::clone(&work));
                B::spawn(&format!("waiter-{w}"), move || {
                    wg.wait();
                    work.load(Ordering::Relaxed)
                })
            })
            .collect();
        wg.wait();
        let seen = work.load(Ordering::Relaxed);
        invariant!(
            seen == expected,
            "wait returned after {seen} of {expected} done"
        );
        for waiter in waiters {
            let seen = B::join(waiter).expect("waiter panicked");
            invariant!(
                seen == expected,
                "a waiter returned after {seen} of {expected} done"
            );
        }
        for worker in workers {
            B::join(worker).expect("worker panicked");
        }
        invariant!(wg.count() == 0, "counter left at {}", wg.count());
    }
}

/// A WaitGroup may be reused once every `wait` of a round has returned (Go: "If a WaitGroup is
/// reused to wait for several independent sets of events, new Add calls must happen after all
/// previous Wait calls have returned"): each round adds its workers, and every `wait` of the
/// round, the main thread's and a waiter thread's, returns only after all of that round's work.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReuseAfterWaitReturns {
    /// Rounds on the one WaitGroup.
    pub rounds: usize,
    /// Workers in each round.
    pub workers: usize,
}

impl Scenario for ReuseAfterWaitReturns {
    const NAME: &'static str = "wait_group::reuse_after_wait_returns";
    // Exhaustive: 195,364 schedules, 18.0 s (2026-12-05).
    fn small() -> Self {
        Self {
            rounds: 2,
            workers: 1,
        }
    }
    fn large() -> Self {
        Self {
            rounds: 4,
            workers: 4,
        }
    }
    fn run<B: Backend>(&self) {
        let wg = WaitGroup::<B>::new_in();
        let work = Arc::new(B::AtomicUsize::new(0));
        for round in 1..=self.rounds {
            // Every wait of the previous round has returned (its waiter joined): Go's rule.
            let expected = round * self.workers;
            let workers: Vec<_> = (0..self.workers)
                .map(|w| {
                    wg.add(1);
                    // This add's worker is not spawned yet, so no done can have matched it.
                    invariant!(
                        wg.count() >= 1,
                        "round {round}: counter reads {} after an unmatched add",
                        wg.count()
                    );
                    let (wg, work) = (wg.clone(), Arc::clone(&work));
                    B::spawn(&format!("worker-{round}-{w}"), move || {
                        // Relaxed: the WaitGroup's lock orders it before every `wait` that returns.
                        work.fetch_add(1, Ordering::Relaxed);
                        wg.done();
                    })
                })
                .collect();
            let waiter = {
                let (wg, work) = (wg.clone(), Arc::clone(&work));
                B::spawn(&format!("waiter-{round}"), move || {
                    wg.wait();
                    work.load(Ordering::Relaxed)
                })
            };
            wg.wait();
            let seen = work.load(Ordering::Relaxed);
            invariant!(
                seen == expected,
                "round {round}: wait returned after {seen} of {expected} done"
            );
            let seen = B::join(waiter).expect("waiter panicked");
            invariant!(
                seen == expected,
                "round {round}: a waiter returned after {seen} of {expected} done"
            );
            for worker in workers {
                B::join(worker).expect("worker panicked");
            }
        }
        invariant!(wg.count() == 0, "counter left at {}", wg.count());
    }
}
