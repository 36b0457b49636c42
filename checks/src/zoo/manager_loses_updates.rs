//! Channels for everything: a counter owned by a manager thread and updated through a channel,
//! whose shutdown loses the updates still queued.
//!
//! Go:
//!
//! ```go
//! go func() {
//!     for {
//!         select {
//!         case <-quit: // ready at once after close(quit), even with increments still queued
//!             return
//!         case <-inc:
//!             n++
//!         }
//!     }
//! }()
//! for i := 0; i < k; i++ { inc <- struct{}{} } // buffered: returns before the manager counts
//! close(quit)
//! ```
//!
//! `select` picks among ready cases at random, so the manager may take `quit` while increments
//! wait in the buffer: they are lost. The course's advice: "using channels for everything" is a
//! mistake; sometimes a mutex is simpler and more correct. Correct: the counter behind a mutex.
//!
//! The loss needs the manager to poll `quit` while increments are queued. loom (which polls a
//! select's arms in order, `quit` first here) and shuttle's random and PCT schedulers find it;
//! shuttle's DFS fixes the select's coin flips per schedule and, on this instance, never draws
//! the losing one within its budget.

use super::{broken_instances, zoo_entry, Mistake, Variant};
use crate::harness::{CheckerKind, FailureKind, Scenario};
use crate::invariant;
use patterns::chan::{self, RecvArm, Select, Selected};
use patterns::Backend;
use std::sync::Arc;

zoo_entry! {
    /// Producers count events into a shared counter; after shutdown, the counter holds every event.
    pub struct ManagerLosesUpdates {
        /// Producer threads.
        pub producers: usize,
        /// Events per producer.
        pub events: usize,
    }
}

impl Scenario for ManagerLosesUpdates {
    const NAME: &'static str = "zoo::manager_loses_updates";
    const INVARIANT: &'static str = "the counter holds every event counted before shutdown";
    broken_instances! {
        small: { producers: 1, events: 2 },
        large: { producers: 3, events: 4 },
    }
    fn run<B: Backend>(&self) {
        let expected = self.producers * self.events;
        let events = self.events;
        let counted = match self.variant {
            Variant::Correct => {
                let counter = Arc::new(B::mutex(0usize));
                let producers: Vec<_> = (0..self.producers)
                    .map(|p| {
                        let counter = Arc::clone(&counter);
                        B::spawn(&format!("producer-{p}"), move || {
                            for _ in 0..events {
                                *B::lock(&counter) += 1;
                            }
                        })
                    })
                    .collect();
                for producer in producers {
                    B::join(producer).expect("producer panicked");
                }
                let counted = *B::lock(&counter);
                counted
            }
            Variant::Broken => {
                let (inc_tx, inc) = chan::bounded_in::<B, ()>(expected);
                let (quit_tx, quit) = chan::bounded_in::<B, ()>(0);
                let manager = B::spawn("manager", move || {
                    let mut n = 0;
                    loop {
                        let mut quit_arm = RecvArm::new(&quit);
                        let mut inc_arm = RecvArm::new(&inc);
                        match Select::new().recv(&mut quit_arm).recv(&mut inc_arm).wait() {
                            Selected::Arm(0) => return n,
                            _ => n += 1,
                        }
                    }
                });
                let producers: Vec<_> = (0..self.producers)
                    .map(|p| {
                        let inc_tx = inc_tx.clone();
                        B::spawn(&format!("producer-{p}"), move || {
                            for _ in 0..events {
                                inc_tx.send(()).expect("the manager is alive");
                            }
                        })
                    })
                    .collect();
                for producer in producers {
                    B::join(producer).expect("producer panicked");
                }
                quit_tx.close().expect("closed once");
                B::join(manager).expect("manager panicked")
            }
        };
        invariant!(
            counted == expected,
            "every event counted before shutdown must be kept: {counted} of {expected}"
        );
    }
}

impl Mistake for ManagerLosesUpdates {
    const CAUGHT_AS: FailureKind = FailureKind::Assertion;
    const TRACE_SHOWS: &'static [&'static str] = &[
        "send chan#1",
        "send chan#1",
        "close chan#2",
        "select recv chan#2 → arm 0",
        // Fewer than 2: the shrunk schedule's count, 0 since buffered channels are lock-free
        // rings (the events sit in the ring while the manager's select polls the quit arm first).
        "of 2",
    ];
    const MISSED_BY: &'static [CheckerKind] = &[CheckerKind::ShuttleDfs];
}
