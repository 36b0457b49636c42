//! Scenarios of the timers under the backend's clock.

use crate::harness::Scenario;
use crate::invariant;
use patterns::{Backend, WaitGroup};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// Timers armed out of order fire in deadline order, each exactly once and never early.
///
/// "Deadline order" among timers that were all armed before either fired: virtual time may jump
/// between two armings (a slow arming thread), and a timer armed after another fired may rightly
/// have an earlier deadline. Ties fire in arming order.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TimersFireInDeadlineOrder {
    /// Timers, armed with delays in a scrambled order.
    pub timers: usize,
}

impl Scenario for TimersFireInDeadlineOrder {
    const NAME: &'static str = "time::timers_fire_in_deadline_order";
    fn small() -> Self {
        Self { timers: 3 }
    }
    fn large() -> Self {
        Self { timers: 12 }
    }
    fn run<B: Backend>(&self) {
        // (timer, time it fired), in firing order.
        let fired = Arc::new(B::mutex(Vec::<(usize, Duration)>::new()));
        let wg = WaitGroup::<B>::new_in();
        let timers = B::timers();
        // Per timer: its deadline, and the clock read just after arming it. A timer armed before
        // the clock reached another's deadline was queued before that one fired.
        let mut armed = Vec::new();
        for timer in 0..self.timers {
            // Delays 1..=n ms in a scrambled order (a permutation while n is not a multiple of 7).
            let delay = Duration::from_millis((timer as u64 * 7) % self.timers as u64 + 1);
            let deadline = B::now() + delay;
            wg.add(1);
            let (fired_log, wg) = (Arc::clone(&fired), wg.clone());
            timers.at(deadline, move || {
                B::lock(&fired_log).push((timer, B::now()));
                wg.done();
            });
            armed.push((deadline, B::now()));
        }
        wg.wait();
        let fired = B::lock(&fired).clone();
        invariant!(
            fired.len() == self.timers,
            "every armed timer must fire once: {} of {} fired",
            fired.len(),
            self.timers
        );
        let mut position = vec![usize::MAX; self.timers];
        for (index, &(timer, at)) in fired.iter().enumerate() {
            invariant!(position[timer] == usize::MAX, "timer {timer} fired twice");
            position[timer] = index;
            let deadline = armed[timer].0;
            invariant!(
                at >= deadline,
                "timer {timer} fired at {at:?}, before its deadline {deadline:?}"
            );
        }
        for early in 0..self.timers {
            for late in 0..self.timers {
                let (early_deadline, early_armed_by) = armed[early];
                let late_deadline = armed[late].0;
                let queued_together = early_armed_by < late_deadline;
                let out_of_order = position[late] < position[early];
                invariant!(
                    !(early_deadline < late_deadline && queued_together && out_of_order),
                    "timer {late} (deadline {late_deadline:?}) fired before timer {early} \
                     (deadline {early_deadline:?}), though both were queued: fired {fired:?}"
                );
            }
        }
    }
}
