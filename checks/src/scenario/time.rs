//! Scenarios of the timers under the backend's clock.

use crate::harness::Scenario;
use crate::invariant;
use patterns::{time, Backend, WaitGroup};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// Timers armed out of order fire in deadline order, each exactly once.
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
        let fired = Arc::new(B::mutex(Vec::new()));
        let wg = WaitGroup::<B>::new_in();
        // Delays 1..=n ms in a scrambled order (a permutation while n is not a multiple of 7).
        let delays: Vec<u64> = (0..self.timers as u64).map(|i| (i * 7) % self.timers as u64 + 1).collect();
        for &delay in &delays {
            wg.add(1);
            let (fired, wg) = (Arc::clone(&fired), wg.clone());
            time::after_func::<B>(Duration::from_millis(delay), move || {
                B::lock(&fired).push(delay);
                wg.done();
            });
        }
        wg.wait();
        let fired = B::lock(&fired).clone();
        let mut expected = delays;
        expected.sort_unstable();
        invariant!(fired == expected, "timers fired in order {fired:?}, deadlines {expected:?}");
    }
}
