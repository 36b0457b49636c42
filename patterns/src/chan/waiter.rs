//! The parked side of a plain `send` or `recv`: settled under the channel's own lock.
//!
//! A select needs a [`Selector`](super::selector::Selector) because its arms sit on several
//! channels and the first peer to reach one must win the whole select, under a lock of its own. A
//! plain operation has one registration on one channel, and whoever dequeues it (a peer, a
//! `close`, the last receiver's drop) completes it, or puts it back untouched (a select whose own
//! claim was lost): there is nothing to race for. So its waiter is settled under the channel lock
//! the peer already holds, and the owner sleeps on a condition variable paired with that lock. A
//! hand-over then costs the channel lock on each side, one wait and one notify, where a selector
//! adds its own lock on each side (`cargo xtask cost` measures a capacity-0 hand-over at 6 branch
//! points under loom, where the selector's protocol took 5 to 8).
//!
//! On a backend with a real clock a select of one arm and no default parks this way too (it has
//! nothing to race for either), and gives up at its deadline: the owner reads the clock under the
//! channel lock and, still unsettled, takes its waiter off the queue before releasing it, so a
//! peer's hand-over and the timeout exclude each other.

use super::selector::Outcome;
use crate::backend::Backend;
use crate::backoff::{self, Patience};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// One parked plain operation: its value, how it ended, and where its owner sleeps.
pub(crate) struct Waiter<T, B: Backend> {
    /// A plain std mutex: every access holds the channel lock, except the owner's read once
    /// `settled` says the peer is done with it, so it is never contended, and it never blocks a
    /// model thread. The hand-over's happens-before edge comes from the channel's backend lock
    /// (and, for a spinning owner on real threads, from `settled`).
    state: Mutex<WaiterState<T>>,
    /// The owner sleeps here, with the channel lock as the condition variable's lock.
    woken: B::Condvar,
    /// Set once the waiter is settled: what the owner watches while it busy-waits before it
    /// sleeps. A std atomic, only ever a hint under the models, where nobody busy-waits.
    settled: AtomicBool,
}

/// What a waiter's mutex protects.
struct WaiterState<T> {
    /// A parked sender's value until a receiver takes it (or its send fails and the owner takes it
    /// back); a parked receiver's value once a sender delivered it.
    value: Option<T>,
    /// `None` until settled, then how the operation ended.
    outcome: Option<Outcome>,
    /// Set by the owner as it starts waiting on the condition variable: only then does the peer
    /// that settles it pay for a notify.
    asleep: bool,
}

impl<T, B: Backend> Waiter<T, B> {
    /// A waiter for a send of `value`, or for a receive (`None`).
    pub(crate) fn new(value: Option<T>) -> Self {
        Self {
            state: Mutex::new(WaiterState {
                value,
                outcome: None,
                asleep: false,
            }),
            woken: B::condvar(),
            settled: AtomicBool::new(false),
        }
    }

    /// Completes a parked receive with `value`. The caller holds the channel lock, and calls
    /// [`Waiter::wake`] once it has released it if this returns true.
    #[must_use = "a sleeping owner needs a wake once the channel lock is released"]
    pub(crate) fn deliver(&self, value: T) -> bool {
        self.settle(Outcome::Done, |slot| {
            let previous = slot.replace(value);
            debug_assert!(previous.is_none(), "a receiver was delivered twice");
        })
    }

    /// Completes a parked send, taking its value, and says whether the owner needs a wake, as
    /// [`Waiter::deliver`] does.
    #[must_use = "a sleeping owner needs a wake once the channel lock is released"]
    pub(crate) fn take(&self) -> (T, bool) {
        let mut taken = None;
        let asleep = self.settle(Outcome::Done, |slot| taken = slot.take());
        (
            taken.expect("a parked sender's waiter holds its value"),
            asleep,
        )
    }

    /// Offers a parked sender's value to `put` (a buffered channel's ring): if `put` takes it, the
    /// send completes and this returns `Some`, saying whether the owner needs a wake as
    /// [`Waiter::deliver`] does; if `put` hands it back (the ring filled again), the waiter keeps
    /// it, still parked, and this returns `None`. The caller holds the channel lock.
    #[must_use = "a sleeping owner needs a wake once the channel lock is released"]
    pub(crate) fn try_take_with(&self, put: impl FnOnce(T) -> Result<(), T>) -> Option<bool> {
        let value = {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            debug_assert!(
                state.outcome.is_none(),
                "a settled waiter was offered again"
            );
            state.value.take()
        };
        // `put` may wait for a ring peer: not under this mutex, which must never be held across
        // a wait. The owner does not look at the value before an outcome is recorded.
        match put(value.expect("a parked sender's waiter holds its value")) {
            Ok(()) => Some(self.settle(Outcome::Done, |_| {})),
            Err(back) => {
                self.state.lock().unwrap_or_else(|p| p.into_inner()).value = Some(back);
                None
            }
        }
    }

    /// Ends a parked operation without a hand-over (`Closed`, `Disconnected`); a sender's value
    /// stays for its owner to take back. Says whether the owner needs a wake, as
    /// [`Waiter::deliver`] does.
    #[must_use = "a sleeping owner needs a wake once the channel lock is released"]
    pub(crate) fn refuse(&self, outcome: Outcome) -> bool {
        self.settle(outcome, |_| {})
    }

    /// Wakes the sleeping owner of a settled waiter. Called after the channel lock is released,
    /// so the owner, which must take that lock again to return from its wait, does not wake only
    /// to block on it (beside a busy neighbour, waking it under the lock made many-thread buffered
    /// channels several times slower).
    pub(crate) fn wake(&self) {
        B::notify_one(&self.woken);
    }

    /// Records how the operation ended, after `hand_over` moved the value in or out, and returns
    /// whether the owner sleeps (the caller then wakes it once the channel lock is released). The
    /// caller holds the channel lock and has dequeued the waiter, so this happens once.
    fn settle(&self, outcome: Outcome, hand_over: impl FnOnce(&mut Option<T>)) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        debug_assert!(state.outcome.is_none(), "a waiter was settled twice");
        hand_over(&mut state.value);
        state.outcome = Some(outcome);
        let asleep = state.asleep;
        drop(state);
        // Release: an owner that sees the flag while it busy-waits finds the value and the outcome.
        self.settled.store(true, Ordering::Release);
        // The owner sets `asleep` and starts its wait in one step under the channel lock, which the
        // caller holds: it is either asleep already (and its wake follows the unlock) or will see
        // the outcome before it sleeps, so the wake-up cannot be lost.
        asleep
    }

    /// Blocks until a peer settles the waiter, which the caller has just queued on the channel
    /// whose lock `guard` holds (`lock` is that lock); returns how the operation ended and the
    /// value left in the waiter (a received value, or an unsent one handed back). With a
    /// `deadline` (only on a backend with [`Backend::DEADLINE_WAIT`]) it gives up once the clock
    /// has passed it with the waiter still unsettled, and returns the channel lock, still held, so
    /// the caller can take the waiter off its queue before any peer could settle it, with the value
    /// it holds.
    ///
    /// When it would park at once (always under the models) the owner keeps the channel lock from
    /// queueing to sleeping, so a hand-over takes no extra step; otherwise it first releases it and
    /// waits as `patience` allows.
    #[track_caller]
    pub(crate) fn wait<'a, S: Send + 'a>(
        &self,
        lock: &'a B::Mutex<S>,
        guard: B::Guard<'a, S>,
        patience: Patience,
        deadline: Option<Duration>,
    ) -> Result<(Outcome, Option<T>), Unsettled<'a, T, S, B>> {
        debug_assert!(
            deadline.is_none() || B::DEADLINE_WAIT,
            "{} cannot wait with a deadline",
            B::NAME
        );
        let mut guard = guard;
        if !patience.parks_at_once::<B>() {
            drop(guard);
            // Acquire pairs with the Release in `settle`.
            if backoff::spin_for::<B>(patience, || self.settled.load(Ordering::Acquire)) {
                return Ok(self.outcome().expect("the flag is set after the outcome"));
            }
            guard = B::lock(lock);
        }
        // The loop re-checks under the channel lock, so neither a spurious wake-up nor a
        // settlement made before the first wait is missed; and the deadline is read under it, so
        // a peer's settlement and the timeout exclude each other.
        loop {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(outcome) = state.outcome {
                return Ok((outcome, state.value.take()));
            }
            match deadline {
                Some(deadline) if B::now() >= deadline => {
                    return Err(Unsettled {
                        guard,
                        value: state.value.take(),
                    })
                }
                _ => state.asleep = true,
            }
            drop(state);
            guard = match deadline {
                None => B::wait(&self.woken, guard),
                Some(deadline) => B::park_until(&self.woken, guard, deadline),
            };
        }
    }

    /// The outcome and what is left of the value, once settled.
    fn outcome(&self) -> Option<(Outcome, Option<T>)> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let outcome = state.outcome?;
        Some((outcome, state.value.take()))
    }
}

/// A wait whose deadline passed before any peer settled its waiter: the channel lock, still held,
/// and the value the waiter held (a sender's, handed back).
pub(crate) struct Unsettled<'a, T, S: Send + 'a, B: Backend> {
    pub(crate) guard: B::Guard<'a, S>,
    pub(crate) value: Option<T>,
}
