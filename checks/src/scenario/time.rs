//! Scenarios of the timers under the backend's clock.

use crate::harness::Scenario;
use crate::invariant;
use patterns::{Atomic, AtomicInt, Backend, WaitGroup};
use serde::{Deserialize, Serialize};
use std::sync::atomic::Ordering;
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

/// Waits until every timer armed so far with a deadline up to `delay` from now has fired: arms a
/// fence timer at `delay` and waits for it. The timer thread fires one timer at a time in deadline
/// order, ties in arming order, so once the fence has fired, every earlier one has run.
pub(crate) fn wait_past<B: Backend>(delay: Duration) {
    let (fired_tx, fired) = patterns::chan::bounded_in::<B, ()>(1);
    let _fence = patterns::time::after_func::<B>(delay, move || {
        // Capacity 1, one firing: never full.
        let _ = fired_tx.try_send(());
    });
    fired.recv().expect("the fence timer fires");
}

/// Go's `Timer.Stop` racing the deadline: "Stop … returns true if the call stops the timer, false
/// if the timer has already expired": exactly one of "stopped" and "ran", and a stopped timer's
/// function never runs, not even later.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StopKeepsTheTimerFromFiring {
    /// The timer's delay, in milliseconds of the backend's clock.
    pub delay_ms: u64,
}

impl Scenario for StopKeepsTheTimerFromFiring {
    const NAME: &'static str = "time::stop_keeps_the_timer_from_firing";
    fn small() -> Self {
        Self { delay_ms: 1 }
    }
    fn large() -> Self {
        Self { delay_ms: 1 }
    }
    fn run<B: Backend>(&self) {
        let delay = Duration::from_millis(self.delay_ms);
        // Runs of the function. SeqCst: the invariant's own instrument.
        let ran = Arc::new(B::AtomicUsize::new(0));
        let counter = Arc::clone(&ran);
        let timer = patterns::time::after_func::<B>(delay, move || {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        let stopper = B::spawn("stopper", move || timer.stop());
        let stopped = B::join(stopper).expect("the stopper panicked");
        wait_past::<B>(delay);
        let runs = ran.load(Ordering::SeqCst);
        invariant!(
            runs == usize::from(!stopped),
            "stop said {stopped}, and the function ran {runs} time(s): exactly one of the two \
             must happen"
        );
    }
}

/// Go's `Timer.Reset` of an `AfterFunc` timer, racing its firing: it "either reschedules when f
/// will run, in which case Reset returns true, or schedules f to run again, in which case it
/// returns false". So the function runs once in all if reset said true, twice if false, and its
/// last run comes no earlier than the new delay after the reset.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ResetFiresOnceMore {
    /// The timer's delay, and the delay it is reset to, in milliseconds.
    pub delay_ms: u64,
}

impl Scenario for ResetFiresOnceMore {
    const NAME: &'static str = "time::reset_fires_once_more";
    fn small() -> Self {
        Self { delay_ms: 1 }
    }
    fn large() -> Self {
        Self { delay_ms: 1 }
    }
    fn run<B: Backend>(&self) {
        let delay = Duration::from_millis(self.delay_ms);
        // When the function ran, each time.
        let runs = Arc::new(B::mutex(Vec::<Duration>::new()));
        let log = Arc::clone(&runs);
        let timer = patterns::time::after_func::<B>(delay, move || {
            B::lock(&log).push(B::now());
        });
        let resetter = B::spawn("resetter", move || {
            let before = B::now();
            (timer.reset(delay), before)
        });
        let (was_pending, reset_at) = B::join(resetter).expect("the resetter panicked");
        wait_past::<B>(delay);
        let runs = B::lock(&runs).clone();
        let expected = if was_pending { 1 } else { 2 };
        invariant!(
            runs.len() == expected,
            "reset said {was_pending}, so the function must run {expected} time(s); it ran at \
             {runs:?}"
        );
        let last = runs.last().copied().unwrap_or_default();
        invariant!(
            last >= reset_at + delay,
            "the run after a reset at {reset_at:?} came at {last:?}, before the new delay of \
             {delay:?} had passed"
        );
    }
}
