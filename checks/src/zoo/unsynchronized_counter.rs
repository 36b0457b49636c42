//! Unsynchronized counter: goroutines increment a plain shared variable.
//!
//! Go: `count++` from many goroutines, with no lock around it: a data race, which `go test
//! -race` reports whatever the final count turns out to be. Correct: the increments under a
//! `sync.Mutex`. The kit's `RaceCell` keeps the count itself exact on every backend, so only the
//! race detector of the model checkers can see this mistake: real threads pass it, as a Go
//! program run without `-race` may.

use super::{broken_instances, zoo_entry, Mistake, Variant};
use crate::harness::{FailureKind, Scenario};
use crate::invariant;
use patterns::{Backend, Mutex, RaceCell};
use std::sync::Arc;

zoo_entry! {
    /// Threads increment a shared plain counter: no two increments may race.
    pub struct UnsynchronizedCounter {
        /// Incrementing threads.
        pub threads: usize,
        /// Increments per thread.
        pub increments: usize,
    }
}

impl Scenario for UnsynchronizedCounter {
    const NAME: &'static str = "zoo::unsynchronized_counter";
    const INVARIANT: &'static str = "no two increments of the counter race";
    broken_instances! {
        small: { threads: 2, increments: 1 },
        large: { threads: 4, increments: 3 },
    }
    fn run<B: Backend>(&self) {
        let counter = Arc::new(RaceCell::<usize, B>::new_in(0));
        let lock = Arc::new(Mutex::<B>::new_in());
        let (increments, guarded) = (self.increments, self.variant == Variant::Correct);
        let threads: Vec<_> = (0..self.threads)
            .map(|t| {
                let (counter, lock) = (Arc::clone(&counter), Arc::clone(&lock));
                B::spawn(&format!("incrementer-{t}"), move || {
                    for _ in 0..increments {
                        if guarded {
                            lock.lock();
                        }
                        counter.update(|n| *n += 1);
                        if guarded {
                            lock.unlock();
                        }
                    }
                })
            })
            .collect();
        for thread in threads {
            B::join(thread).expect("incrementer panicked");
        }
        let total = counter.get();
        invariant!(
            total == self.threads * self.increments,
            "the counter is {total}, expected {}",
            self.threads * self.increments
        );
    }
}

impl Mistake for UnsynchronizedCounter {
    const CAUGHT_AS: FailureKind = FailureKind::DataRace;
    const TRACE_SHOWS: &'static [&'static str] = &["write cell", "write cell", "data race"];
}
