//! Lost update: incrementing a shared counter with a separate load and store.
//!
//! Go: `n := atomic.LoadInt64(&c); atomic.StoreInt64(&c, n+1)` (or a plain `c++` from many
//! goroutines). Two threads load the same value, both store value + 1: one increment is lost.
//! Correct: one read-modify-write, `atomic.AddInt64(&c, 1)`.

use super::{broken_instances, zoo_entry, Mistake, Variant};
use crate::harness::{FailureKind, Scenario};
use crate::invariant;
use patterns::{Atomic, AtomicInt, Backend};
use std::sync::atomic::Ordering;
use std::sync::Arc;

zoo_entry! {
    /// Threads increment a shared counter: it must end at threads × increments.
    pub struct LostUpdate {
        /// Incrementing threads.
        pub threads: usize,
        /// Increments per thread.
        pub increments: usize,
    }
}

impl Scenario for LostUpdate {
    const NAME: &'static str = "zoo::lost_update";
    const INVARIANT: &'static str = "the counter ends at threads × increments";
    broken_instances! {
        small: { threads: 2, increments: 1 },
        large: { threads: 4, increments: 5 },
    }
    fn run<B: Backend>(&self) {
        let counter = Arc::new(B::AtomicUsize::new(0));
        let (increments, variant) = (self.increments, self.variant);
        let threads: Vec<_> = (0..self.threads)
            .map(|t| {
                let counter = Arc::clone(&counter);
                B::spawn(&format!("incrementer-{t}"), move || {
                    for _ in 0..increments {
                        match variant {
                            Variant::Correct => {
                                counter.fetch_add(1, Ordering::SeqCst);
                            }
                            Variant::Broken => {
                                let seen = counter.load(Ordering::SeqCst);
                                counter.store(seen + 1, Ordering::SeqCst);
                            }
                        }
                    }
                })
            })
            .collect();
        for thread in threads {
            B::join(thread).expect("incrementer panicked");
        }
        let expected = self.threads * self.increments;
        let total = counter.load(Ordering::SeqCst);
        invariant!(
            total == expected,
            "lost update: counter is {total}, expected {expected}"
        );
    }
}

impl Mistake for LostUpdate {
    const CAUGHT_AS: FailureKind = FailureKind::Assertion;
    const TRACE_SHOWS: &'static [&'static str] = &[
        "load atomic → 0",
        "load atomic → 0",
        "store atomic ← 1",
        "store atomic ← 1",
        "counter is 1, expected 2",
    ];
}
