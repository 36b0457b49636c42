//! Go's `time.Ticker`: a channel that receives the time once every period, until stopped.
//!
//! | Go | here |
//! |---|---|
//! | `t := time.NewTicker(d)` | `let t = Ticker::new(d)` (`Ticker::<B>::new_in(d)` on a backend) |
//! | `<-t.C` | `t.ticks().recv()`, or `RecvArm::new(t.ticks())` in a select |
//! | `t.Stop()` | `t.stop()`, or drop the ticker |
//! | `t.Reset(d)` | `t.reset(d)` |
//!
//! Its promises, as Go documents them (`time/tick.go`), each checked by the scenario named:
//!
//! * "NewTicker returns a new Ticker containing a channel that will send the current time on the
//!   channel after each tick. The period of the ticks is specified by the duration argument": the
//!   k-th tick comes no earlier than k periods after the start, and ticks arrive in time order
//!   (`ticker::ticks_keep_their_period`).
//! * "The ticker will adjust the time interval or drop ticks to make up for slow receivers": the
//!   channel holds one tick, and a tick that finds it full is dropped, never queued behind
//!   (`ticker::ticks_keep_their_period`: a slow receiver sees fewer ticks, never late ones).
//! * "Stop turns off a ticker. After Stop, no more ticks will be sent", and (Go 1.23) no tick
//!   sent before `Stop` is received after it returns (`ticker::no_tick_after_stop`).
//! * "Reset stops a ticker and resets its period to the specified duration. The next tick will
//!   arrive after the new period elapses" (`ticker::no_tick_after_stop`, which resets first).
//! * "The duration d must be greater than zero; if not, NewTicker will panic", and `Reset` too
//!   (misuse test `a_zero_ticker_period_is_refused`).
//!
//! Unlike Go, dropping a `Ticker` stops it (Go 1.23 collects an unreferenced ticker).
//!
//! ```
//! use patterns::Ticker;
//! use std::time::Duration;
//!
//! let ticker = Ticker::new(Duration::from_millis(1));
//! let first = ticker.ticks().recv().expect("a tick");
//! let second = ticker.ticks().recv().expect("another tick");
//! assert!(second > first);
//! ticker.stop();
//! assert!(ticker.ticks().try_recv().is_err(), "no tick after stop");
//! ```

use crate::backend::{Backend, Std};
use crate::chan::{self, Receiver, Sender};
use crate::time::Timer;
use crate::trace::{self, Object};
use std::fmt;
use std::sync::{Arc, Weak};
use std::time::Duration;

/// A channel of ticks, one per period. See the [module docs](self).
pub struct Ticker<B: Backend = Std> {
    shared: Arc<Shared<B>>,
    ticks: Receiver<Duration, B>,
}

/// What the ticker and its timer's callback share.
struct Shared<B: Backend> {
    /// The schedule, under one lock so that a tick, a stop and a reset never interleave.
    state: B::Mutex<State<B>>,
    /// The only sender of the ticks channel (capacity 1: a tick finding it full is dropped).
    tx: Sender<Duration, B>,
}

struct State<B: Backend> {
    period: Duration,
    /// When the next tick is due.
    next: Duration,
    /// Set by `stop`: a callback already running sends nothing more.
    stopped: bool,
    /// The timer of the next tick; armed once, then reset after each tick.
    timer: Option<Timer<B>>,
}

impl Ticker<Std> {
    /// A ticker on [`Std`] that ticks every `period`.
    ///
    /// # Panics
    ///
    /// If `period` is zero, as Go's `NewTicker` does for a period that is not positive.
    pub fn new(period: Duration) -> Self {
        Self::new_in(period)
    }
}

impl<B: Backend> Ticker<B> {
    /// A ticker on backend `B` that ticks every `period` of the backend's time.
    ///
    /// # Panics
    ///
    /// If `period` is zero, as Go's `NewTicker` does for a period that is not positive.
    pub fn new_in(period: Duration) -> Self {
        refuse_zero(period, "Ticker::new");
        let (tx, ticks) = chan::bounded_kind_in::<B, Duration>(1, "ticks");
        let shared = Arc::new(Shared {
            state: B::mutex(State {
                period,
                next: B::now().saturating_add(period),
                stopped: false,
                timer: None,
            }),
            tx,
        });
        let weak = Arc::downgrade(&shared);
        // Armed under the schedule lock: the first tick, which re-arms this timer, waits for it
        // to be stored. The callback holds the ticker weakly: a dropped ticker is stopped, and no
        // cycle keeps it alive through its own timer.
        let mut state = B::lock(&shared.state);
        state.timer = Some(B::timers().after_func(period, move || tick(&weak)));
        drop(state);
        Self { shared, ticks }
    }

    /// The channel the ticks arrive on (Go's `t.C`): each tick is the backend's time when it was
    /// sent. It is never closed, not even by [`stop`](Self::stop), as in Go.
    pub fn ticks(&self) -> &Receiver<Duration, B> {
        &self.ticks
    }

    /// Turns the ticker off: once this returns, no tick is sent, and none sent before is still
    /// waiting to be received (Go's `Stop`, as of Go 1.23).
    #[track_caller]
    pub fn stop(&self) {
        let _step = trace::enter::<B>("stop ticker", self.object());
        let mut state = B::lock(&self.shared.state);
        state.stopped = true;
        if let Some(timer) = &state.timer {
            timer.stop();
        }
        self.drain();
        drop(state);
    }

    /// Stops the ticker and starts it again with period `period`: the next tick comes `period`
    /// from now, and no tick sent before this returns is received after it (Go's `Reset`).
    ///
    /// # Panics
    ///
    /// If `period` is zero, as Go's `Reset` does for a period that is not positive.
    #[track_caller]
    pub fn reset(&self, period: Duration) {
        refuse_zero(period, "Ticker::reset");
        let _step = trace::enter::<B>("reset ticker", self.object());
        let mut state = B::lock(&self.shared.state);
        state.stopped = false;
        state.period = period;
        state.next = B::now().saturating_add(period);
        if let Some(timer) = &state.timer {
            timer.reset(period);
        }
        self.drain();
        drop(state);
    }

    /// Discards a tick sent but not yet received. Called under the schedule lock, so no tick is
    /// sent meanwhile.
    fn drain(&self) {
        while self.ticks.try_recv().is_ok() {}
    }

    /// The ticker as a traced object.
    fn object(&self) -> Object {
        Object::at("ticker", &*self.shared, None)
    }
}

/// The timer's callback: sends the tick unless the channel is full (a slow receiver) or the
/// ticker stopped, then arms the next tick.
fn tick<B: Backend>(shared: &Weak<Shared<B>>) {
    let Some(shared) = shared.upgrade() else {
        return;
    };
    let mut state = B::lock(&shared.state);
    if state.stopped {
        return;
    }
    let now = B::now();
    // A full channel means the receiver has not taken the last tick: this one is dropped.
    let dropped = shared.tx.try_send(now).is_err();
    // The next tick keeps the schedule; ticks missed by a late firing are skipped, not bunched.
    let period = state.period;
    if state.next <= now {
        let missed = (now - state.next).as_nanos() / period.as_nanos() + 1;
        let skip = u32::try_from(missed).map_or(Duration::MAX, |missed| period * missed);
        state.next = state.next.saturating_add(skip);
    }
    let delay = state.next.saturating_sub(now);
    if let Some(timer) = &state.timer {
        timer.reset(delay);
    }
    drop(state);
    if dropped {
        // Under virtual time the next tick is due at once whenever the timer thread runs: let
        // the slow receiver run first, so a checker's schedule cannot spin the clock forever
        // past a receiver it never picks (on real cores, a hint and nothing more).
        B::yield_now();
    }
}

/// Go panics on a period that is not positive; a zero period would tick without end.
fn refuse_zero(period: Duration, call: &str) {
    assert!(
        !period.is_zero(),
        "{call}: the period must be greater than zero (Go: non-positive interval for ticker)"
    );
}

impl<B: Backend> Drop for Ticker<B> {
    fn drop(&mut self) {
        if !B::in_teardown() {
            self.stop();
        }
    }
}

impl<B: Backend> fmt::Debug for Ticker<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ticker").finish_non_exhaustive()
    }
}
