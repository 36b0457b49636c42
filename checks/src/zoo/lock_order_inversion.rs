//! Lock-order inversion: two threads take the same two locks in opposite orders.
//!
//! Go: one goroutine does `a.Lock(); b.Lock()`, another `b.Lock(); a.Lock()`. If each takes its
//! first lock before the other takes its second, both wait forever: deadlock.
//! Correct: every thread takes the locks in one global order.

use super::{broken_instances, zoo_entry, Mistake, Variant};
use crate::harness::{FailureKind, Scenario};
use crate::invariant;
use patterns::Backend;
use std::sync::Arc;

zoo_entry! {
    /// Two threads move a unit between two accounts, each under both locks: the total is conserved.
    pub struct LockOrderInversion {
        /// Transfers per thread.
        pub transfers: usize,
    }
}

impl Scenario for LockOrderInversion {
    const NAME: &'static str = "zoo::lock_order_inversion";
    const INVARIANT: &'static str = "transfers finish and conserve the total";
    broken_instances! {
        small: { transfers: 1 },
        large: { transfers: 5 },
    }
    fn run<B: Backend>(&self) {
        let accounts = Arc::new((B::mutex(10_i64), B::mutex(10_i64)));
        let (transfers, variant) = (self.transfers, self.variant);
        let a_to_b = {
            let accounts = Arc::clone(&accounts);
            B::spawn("a-to-b", move || {
                for _ in 0..transfers {
                    let mut a = B::lock(&accounts.0);
                    let mut b = B::lock(&accounts.1);
                    *a -= 1;
                    *b += 1;
                }
            })
        };
        let b_to_a = {
            let accounts = Arc::clone(&accounts);
            B::spawn("b-to-a", move || {
                for _ in 0..transfers {
                    let (mut a, mut b) = match variant {
                        Variant::Correct => {
                            let a = B::lock(&accounts.0);
                            (a, B::lock(&accounts.1))
                        }
                        Variant::Broken => {
                            let b = B::lock(&accounts.1);
                            (B::lock(&accounts.0), b)
                        }
                    };
                    *b -= 1;
                    *a += 1;
                }
            })
        };
        B::join(a_to_b).expect("transfer panicked");
        B::join(b_to_a).expect("transfer panicked");
        let total = *B::lock(&accounts.0) + *B::lock(&accounts.1);
        invariant!(total == 20, "money created or destroyed: total {total}");
    }
}

impl Mistake for LockOrderInversion {
    const CAUGHT_AS: FailureKind = FailureKind::Deadlock;
    const TRACE_SHOWS: &'static [&'static str] = &[
        "lock mutex#1",
        "lock mutex#2 (never returned)",
        "lock mutex#2",
        "lock mutex#1 (never returned)",
        "a wait-for cycle",
    ];
}
