//! Scenarios of the timers under the backend's clock.

use crate::harness::Scenario;
use crate::invariant;
use patterns::chan::{self, RecvArm, Select, Selected};
use patterns::{time, Atomic, AtomicInt, Backend, WaitGroup};
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
            // Delays 1..=n ms in a scrambled order (a permutation while n is not a multiple of 5;
            // 1, 3, 2 ms for the small instance).
            let delay = Duration::from_millis((timer as u64 * 5) % self.timers as u64 + 1);
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

/// `chan::after(d)` (Go's `time.After`) delivers the backend's time once `d` has passed, once,
/// then closes: never early, whichever thread arms it and however the timers of several threads
/// interleave.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AfterDeliversTheTimeOnceItsDelayHasPassed {
    /// Threads besides main, each waiting on an `after` of its own.
    pub waiters: usize,
}

/// Arms `after(delay)`, waits for it, and returns (armed at, time received, clock read after, what
/// a second receive got).
fn wait_after<B: Backend>(
    delay: Duration,
) -> (Duration, Option<Duration>, Duration, Option<Duration>) {
    let armed = B::now();
    let fired = chan::after_in::<B>(delay);
    let at = fired.recv();
    let now = B::now();
    (armed, at, now, fired.recv())
}

impl Scenario for AfterDeliversTheTimeOnceItsDelayHasPassed {
    const NAME: &'static str = "time::after_delivers_the_time_once_its_delay_has_passed";
    // Bounded, as exhaustive exploration does not finish within 30 s: 669,990 schedules in 44 s (2026-12-05). Bound 3: 3,171 schedules, 0.2 s.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(3);
    fn small() -> Self {
        Self { waiters: 1 }
    }
    fn large() -> Self {
        Self { waiters: 4 }
    }
    fn run<B: Backend>(&self) {
        let delay = |i: usize| Duration::from_millis(2 + 3 * i as u64);
        let waiters: Vec<_> = (1..=self.waiters)
            .map(|w| B::spawn(&format!("waiter-{w}"), move || wait_after::<B>(delay(w))))
            .collect();
        let mut seen = vec![wait_after::<B>(delay(0))];
        for waiter in waiters {
            seen.push(B::join(waiter).expect("waiter panicked"));
        }
        for (i, (armed, at, now, again)) in seen.into_iter().enumerate() {
            let due = armed + delay(i);
            invariant!(
                at.is_some_and(|at| at >= due) && now >= due,
                "after({:?}) armed at {armed:?} delivered {at:?} (clock {now:?}), before {due:?}",
                delay(i)
            );
            invariant!(
                again.is_none(),
                "after delivered twice, or never closed: {again:?}"
            );
        }
    }
}

/// `time::after_func(d, f)` (Go's `time.AfterFunc`) calls `f` once, once `d` has passed on the
/// backend's clock, for timers armed from several threads at once.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AfterFuncRunsOnceAfterItsDelay {
    /// Threads each arming one timer (main arms one too).
    pub armers: usize,
}

impl Scenario for AfterFuncRunsOnceAfterItsDelay {
    const NAME: &'static str = "time::after_func_runs_once_after_its_delay";
    // Bounded, as exhaustive exploration does not finish within 30 s: unfinished after 400 s (2026-12-05). Bound 3: 4,715 schedules, 0.3 s.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(3);
    fn small() -> Self {
        Self { armers: 1 }
    }
    fn large() -> Self {
        Self { armers: 4 }
    }
    fn run<B: Backend>(&self) {
        let timers = self.armers + 1;
        // (timer, armed at, fired at), one entry per call.
        let (calls_tx, calls_rx) = chan::bounded_in::<B, (usize, Duration, Duration)>(2 * timers);
        let arm = move |timer: usize, calls: chan::Sender<(usize, Duration, Duration), B>| {
            let armed = B::now();
            let delay = Duration::from_millis(1 + (timer as u64 * 3) % 4);
            time::after_func::<B>(delay, move || {
                // Room for every call, twice over: never full.
                let _ = calls.try_send((timer, armed + delay, B::now()));
            })
        };
        let armers: Vec<_> = (1..timers)
            .map(|timer| {
                let calls = calls_tx.clone();
                B::spawn(&format!("armer-{timer}"), move || {
                    drop(arm(timer, calls));
                })
            })
            .collect();
        drop(arm(0, calls_tx));
        for armer in armers {
            B::join(armer).expect("armer panicked");
        }
        let mut called = vec![0; timers];
        for _ in 0..timers {
            let (timer, due, at) = calls_rx.recv().expect("every timer fires");
            invariant!(
                at >= due,
                "timer {timer} due at {due:?} was called at {at:?}"
            );
            called[timer] += 1;
        }
        // Every timer was due within 4 ms of its arming: one armed now fires after them all.
        let _ = chan::after_in::<B>(Duration::from_millis(5)).recv();
        invariant!(calls_rx.try_recv().is_err(), "a function was called twice");
        invariant!(
            called.iter().all(|&calls| calls == 1),
            "each function must be called once: {called:?}"
        );
    }
}

/// `Timer::stop` returns true exactly when it kept the timer from firing (then the function never
/// runs), and false once it has fired or been stopped (Go's `Timer.Stop`), with the stop racing
/// the timer.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StopReportsWhetherItKeptTheTimerFromFiring {
    /// Timers, each raced by its own stopping thread.
    pub timers: usize,
}

impl Scenario for StopReportsWhetherItKeptTheTimerFromFiring {
    const NAME: &'static str = "time::stop_reports_whether_it_kept_the_timer_from_firing";
    // Exhaustive: 18,782 schedules, 2.0 s (2026-12-05).
    fn small() -> Self {
        Self { timers: 1 }
    }
    fn large() -> Self {
        Self { timers: 4 }
    }
    fn run<B: Backend>(&self) {
        let delay = Duration::from_millis(5);
        let calls = Arc::new(B::AtomicUsize::new(0));
        let (fired_tx, fired_rx) = chan::bounded_in::<B, usize>(self.timers);
        let stoppers: Vec<_> = (0..self.timers)
            .map(|t| {
                let (calls, fired_tx) = (Arc::clone(&calls), fired_tx.clone());
                let timer = time::after_func::<B>(delay, move || {
                    calls.fetch_add(1, Ordering::SeqCst);
                    // Room for every timer: never full.
                    let _ = fired_tx.try_send(t);
                });
                B::spawn(&format!("stopper-{t}"), move || {
                    (timer.stop(), timer.stop())
                })
            })
            .collect();
        drop(fired_tx);
        let mut stopped = 0;
        for (t, stopper) in stoppers.into_iter().enumerate() {
            let (first, second) = B::join(stopper).expect("stopper panicked");
            invariant!(!second, "timer {t}: a second stop returned true");
            stopped += usize::from(first);
        }
        // Every timer still to fire is due by now + delay: one armed later fires after them all.
        let _ = chan::after_in::<B>(2 * delay).recv();
        let fired = std::iter::from_fn(|| fired_rx.try_recv().ok()).count();
        let calls = calls.load(Ordering::SeqCst);
        invariant!(
            calls + stopped == self.timers && calls == fired,
            "{stopped} stops returned true and {calls} functions ran, of {} timers",
            self.timers
        );
    }
}

/// A select's timeout leaves nothing behind once the select is over: under a virtual clock the
/// select stops its timer as soon as an arm wins, so no timer stays pending (the kit's `after`,
/// like Go's `time.After` before Go 1.23, stays pending until it fires: loops wait with
/// `Select::timeout` instead). On a real clock a select arms no timer at all, and the timer
/// service is the process's, shared with other tests, so the count is read only under the models.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SelectLeavesNoTimerPending {
    /// Values sent, each raced by a select with an hour's timeout.
    pub values: usize,
}

impl Scenario for SelectLeavesNoTimerPending {
    const NAME: &'static str = "time::select_leaves_no_timer_pending";
    // Exhaustive: 368,238 schedules, 24.6 s (2026-12-05).
    fn small() -> Self {
        Self { values: 1 }
    }
    fn large() -> Self {
        Self { values: 6 }
    }
    fn run<B: Backend>(&self) {
        let values = self.values;
        let (tx, rx) = chan::bounded_in::<B, usize>(0);
        let (_idle_tx, idle_rx) = chan::bounded_in::<B, usize>(0);
        let sender = B::spawn("sender", move || {
            (0..values).for_each(|v| tx.send(v).expect("the receiver is alive"))
        });
        let mut received = Vec::new();
        for _ in 0..values {
            let (mut arm, mut idle) = (RecvArm::new(&rx), RecvArm::new(&idle_rx));
            match Select::new()
                .recv(&mut arm)
                .recv(&mut idle)
                .timeout(Duration::from_secs(3600))
                .wait()
            {
                Selected::Arm(0) => received.extend(arm.take()),
                // Virtual time may jump an hour at any step.
                Selected::Timeout => {}
                other => invariant!(false, "the idle arm or a default won: {other:?}"),
            }
            if !B::DEADLINE_WAIT {
                let pending = B::timers().pending();
                invariant!(
                    pending == 0,
                    "a finished select left {pending} timer(s) pending"
                );
            }
        }
        received.extend(rx.iter());
        B::join(sender).expect("sender panicked");
        invariant!(
            received == (0..values).collect::<Vec<_>>(),
            "values lost or reordered: {received:?}"
        );
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

/// `time::sleep(d)` (Go's `time.Sleep`) "pauses the current goroutine for at least the duration
/// d", and "a negative or zero duration causes Sleep to return immediately": threads sleeping
/// for different delays each wake no earlier than their own delay, and a zero sleep takes no
/// time at all (it arms no timer).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SleepLastsAtLeastItsDelay {
    /// Threads besides main, each sleeping for a delay of its own.
    pub sleepers: usize,
}

impl Scenario for SleepLastsAtLeastItsDelay {
    const NAME: &'static str = "time::sleep_lasts_at_least_its_delay";
    fn small() -> Self {
        Self { sleepers: 1 }
    }
    fn large() -> Self {
        Self { sleepers: 4 }
    }
    fn run<B: Backend>(&self) {
        let delay = |i: usize| Duration::from_millis(1 + 2 * i as u64);
        let sleep = move |i: usize| {
            let start = B::now();
            time::sleep::<B>(delay(i));
            (start, B::now())
        };
        let sleepers: Vec<_> = (1..=self.sleepers)
            .map(|s| B::spawn(&format!("sleeper-{s}"), move || sleep(s)))
            .collect();
        let mut slept = vec![sleep(0)];
        for sleeper in sleepers {
            slept.push(B::join(sleeper).expect("sleeper panicked"));
        }
        for (i, (start, end)) in slept.into_iter().enumerate() {
            invariant!(
                end >= start + delay(i),
                "sleep({:?}) from {start:?} returned at {end:?}",
                delay(i)
            );
        }
        time::sleep::<B>(Duration::ZERO);
        // Only a model's timer service is this run's alone: on a real clock other tests' timers
        // share it.
        if !B::DEADLINE_WAIT {
            let pending = B::timers().pending();
            invariant!(
                pending == 0,
                "a zero sleep armed a timer: {pending} pending"
            );
        }
    }
}
