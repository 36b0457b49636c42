//! Lost wake-up: `notify_one` where every waiter must wake.
//!
//! Go: a gate opened with `cond.Signal()` instead of `cond.Broadcast()`:
//!
//! ```go
//! mu.Lock(); open = true; mu.Unlock()
//! cond.Signal() // wakes one waiter; the others sleep on, though the gate is open
//! ```
//!
//! Correct: `Broadcast` (`notify_all`) when the condition changes for every waiter, each waiter
//! re-checking its condition in a loop.

use super::{broken_instances, zoo_entry, Mistake, Variant};
use crate::harness::{FailureKind, Scenario};
use patterns::Backend;
use std::sync::Arc;

zoo_entry! {
    /// Threads wait at a gate; once it opens, every one of them passes.
    pub struct LostWakeup {
        /// Threads waiting at the gate.
        pub waiters: usize,
    }
}

impl Scenario for LostWakeup {
    const NAME: &'static str = "zoo::lost_wakeup";
    const INVARIANT: &'static str = "every waiter passes once the gate opens";
    broken_instances! {
        small: { waiters: 2 },
        large: { waiters: 4 },
    }
    fn run<B: Backend>(&self) {
        let gate = Arc::new((B::mutex(false), B::condvar()));
        let waiters: Vec<_> = (0..self.waiters)
            .map(|w| {
                let gate = Arc::clone(&gate);
                B::spawn(&format!("waiter-{w}"), move || {
                    let (open, opened) = &*gate;
                    let mut is_open = B::lock(open);
                    while !*is_open {
                        is_open = B::wait(opened, is_open);
                    }
                })
            })
            .collect();
        let (open, opened) = &*gate;
        // Set under the lock the waiters test it under: each waiter either sees it set or is
        // already waiting when the notify comes.
        *B::lock(open) = true;
        match self.variant {
            Variant::Correct => B::notify_all(opened),
            Variant::Broken => B::notify_one(opened),
        }
        for waiter in waiters {
            B::join(waiter).expect("waiter panicked");
        }
    }
}

impl Mistake for LostWakeup {
    const CAUGHT_AS: FailureKind = FailureKind::Deadlock;
    const TRACE_SHOWS: &'static [&'static str] = &[
        "wait condvar (never returned)",
        "notify one condvar",
        "'waiter-0' waits in `wait condvar`",
    ];
}
