//! Scenarios of the kit's Ticker: Go's `time.Ticker` under the backend's clock.

use crate::harness::Scenario;
use crate::invariant;
use crate::scenario::time::wait_past;
use patterns::{Backend, Ticker};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// Go's `NewTicker`: "a channel that will send the current time on the channel after each tick";
/// it drops ticks for a slow receiver rather than queue them. So the k-th tick received comes no
/// earlier than k periods after the start, and each is later than the one before. The receiver
/// here is slow on purpose every other tick (it lets the other threads run), so dropped ticks
/// are explored too.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TicksKeepTheirPeriod {
    /// Ticks to receive.
    pub ticks: usize,
}

impl Scenario for TicksKeepTheirPeriod {
    const NAME: &'static str = "ticker::ticks_keep_their_period";
    fn small() -> Self {
        Self { ticks: 2 }
    }
    fn large() -> Self {
        Self { ticks: 6 }
    }
    fn run<B: Backend>(&self) {
        let period = Duration::from_millis(1);
        let start = B::now();
        let ticker = Ticker::<B>::new_in(period);
        let mut previous = start;
        for k in 1..=self.ticks {
            let tick = ticker
                .ticks()
                .recv()
                .expect("a ticker's channel is never closed");
            let due = start + period * u32::try_from(k).expect("a few ticks");
            invariant!(
                tick >= due,
                "tick {k} came at {tick:?}, before {k} period(s) of {period:?} from {start:?}"
            );
            invariant!(
                tick > previous,
                "tick {k} at {tick:?} is not later than the tick before, at {previous:?}"
            );
            previous = tick;
            if k % 2 == 1 {
                B::yield_now();
            }
        }
        ticker.stop();
    }
}

/// Go's `Ticker.Stop` (and `Reset`): "After Stop, no more ticks will be sent", and, as of Go
/// 1.23, no tick sent before `Stop` is received after it returns. Another thread stops the
/// ticker (reset first to a new period) while its ticks fire; once the stop has returned, the
/// channel stays empty however long one waits.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NoTickAfterStop {
    /// Ticks received before the stop.
    pub ticks_before: usize,
}

impl Scenario for NoTickAfterStop {
    const NAME: &'static str = "ticker::no_tick_after_stop";
    // Bounded: exhaustive exploration takes 14,976,600 schedules, 1,027 s (2026-12-05): every
    // tick re-arms the timer, and the stopper races each step of it. Bound 2: 1,201 schedules,
    // 0.1 s; bound 3: 11,643, 1.1 s.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(3);
    fn small() -> Self {
        Self { ticks_before: 1 }
    }
    fn large() -> Self {
        Self { ticks_before: 3 }
    }
    fn run<B: Backend>(&self) {
        let period = Duration::from_millis(1);
        let ticker = Arc::new(Ticker::<B>::new_in(period));
        for _ in 0..self.ticks_before {
            ticker
                .ticks()
                .recv()
                .expect("a ticker's channel is never closed");
        }
        ticker.reset(period * 2);
        let stopper = {
            let ticker = Arc::clone(&ticker);
            B::spawn("stopper", move || ticker.stop())
        };
        B::join(stopper).expect("the stopper panicked");
        let stale = ticker.ticks().try_recv();
        invariant!(
            stale.is_err(),
            "a tick sent before the stop was received after it returned: {stale:?}"
        );
        // Wait well past the next due tick: none may come.
        wait_past::<B>(period * 5);
        let late = ticker.ticks().try_recv();
        invariant!(
            late.is_err(),
            "a tick was sent after the ticker stopped: {late:?}"
        );
    }
}
