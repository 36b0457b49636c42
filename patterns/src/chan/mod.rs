//! Go's channels: bounded (capacity 0 is a true rendezvous), MPMC, closable, selectable.
//!
//! | Go | here |
//! |---|---|
//! | `ch := make(chan T)` | `let (tx, rx) = chan::bounded(0)` |
//! | `ch := make(chan T, n)` | `let (tx, rx) = chan::bounded(n)` |
//! | `ch <- v` | `tx.send(v)?` (after close: `Err(SendError::Closed(v))`, the value handed back) |
//! | `v, ok := <-ch` | `rx.recv()`: `None` only once closed **and** drained |
//! | `close(ch)` | `tx.close()?` (twice: `Err(CloseError)`), or drop the last `Sender` |
//! | `for v := range ch` | `for v in &rx` |
//! | `select { … }` | [`Select`] |
//! | `<-time.After(d)` | [`after`]`(d)` |
//!
//! Unlike Go, a send also fails (handing the value back) once every `Receiver` is dropped, so a
//! sender can never block forever on a channel that nobody can read.
//!
//! ```
//! use patterns::chan;
//!
//! // Unbuffered: the send returns only once a receiver has taken the value.
//! let (tx, rx) = chan::bounded(0);
//! let t = std::thread::spawn(move || tx.send("ping").unwrap());
//! assert_eq!(rx.recv(), Some("ping"));
//! t.join().unwrap();
//! assert_eq!(rx.recv(), None); // the sender dropped: closed and drained
//! ```

mod buffered;
mod core;
mod error;
mod ring;
mod select;
mod selector;
mod waiter;

pub use error::{CloseError, RecvTimeoutError, SendError, TryRecvError, TrySendError};
pub use select::{RecvArm, Select, Selected, SendArm};

use crate::backend::{Backend, Std};
use crate::trace;
use core::{Chan, RecvAttempt, RecvFail, SendAttempt, SendFail};
use selector::Outcome;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// A wait with a deadline that passed first.
pub(crate) struct TimedOut;

/// Creates a channel of capacity `cap` on [`Std`]; `0` makes every send a rendezvous.
#[track_caller]
pub fn bounded<T: Send>(cap: usize) -> (Sender<T>, Receiver<T>) {
    bounded_in::<Std, T>(cap)
}

/// Creates a channel of capacity `cap` on backend `B`.
#[track_caller]
pub fn bounded_in<B: Backend, T: Send>(cap: usize) -> (Sender<T, B>, Receiver<T, B>) {
    bounded_kind_in(cap, "chan")
}

/// [`bounded_in`] for a channel that traces name `kind` (a context's `done`).
#[track_caller]
pub(crate) fn bounded_kind_in<B: Backend, T: Send>(
    cap: usize,
    kind: &'static str,
) -> (Sender<T, B>, Receiver<T, B>) {
    let chan = Arc::new(Chan::new(cap, kind));
    (
        Sender {
            chan: Arc::clone(&chan),
        },
        Receiver { chan },
    )
}

/// Creates a channel with no capacity limit on [`Std`]: sends never block.
#[track_caller]
pub fn unbounded<T: Send>() -> (Sender<T>, Receiver<T>) {
    unbounded_in::<Std, T>()
}

/// Creates a channel with no capacity limit on backend `B`.
#[track_caller]
pub fn unbounded_in<B: Backend, T: Send>() -> (Sender<T, B>, Receiver<T, B>) {
    bounded_in(usize::MAX)
}

/// A channel that receives the backend's time once `delay` has passed, then closes (Go's
/// `time.After`). Use it as a select arm for a timeout.
pub fn after(delay: Duration) -> Receiver<Duration> {
    after_in::<Std>(delay)
}

/// [`after`] on backend `B` (virtual time under the model checkers).
pub fn after_in<B: Backend>(delay: Duration) -> Receiver<Duration, B> {
    let (tx, rx) = bounded_in::<B, Duration>(1);
    // The timer is not stopped when the receiver is dropped: like Go's `time.After` before Go 1.23,
    // it stays pending until it fires (the send then fails harmlessly). A loop that waits with a
    // timeout should use `Select::timeout`, which on a real clock arms no timer at all, and under
    // the models stops its timer as soon as the select ends.
    B::timers().after_func(delay, move || {
        // Capacity 1 and the only sender: this cannot be full. A receiver that is gone is fine.
        let _ = tx.try_send(B::now());
    });
    rx
}

/// The sending side of a channel. Clone it for more producers.
pub struct Sender<T: Send, B: Backend = Std> {
    chan: Arc<Chan<T, B>>,
}

/// The receiving side of a channel. Clone it for more consumers (each value goes to one of them).
pub struct Receiver<T: Send, B: Backend = Std> {
    chan: Arc<Chan<T, B>>,
}

impl<T: Send, B: Backend> Sender<T, B> {
    /// Sends `value`, blocking while the buffer is full (at capacity 0: until a receiver takes
    /// it). Fails, handing `value` back, if the channel is closed or has no receiver left.
    #[track_caller]
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        let step = trace::enter::<B>("send", self.chan.object());
        let sent = self
            .send_parked(value, None)
            .map_err(|(outcome, value)| match outcome {
                Outcome::Closed => SendError::Closed(value),
                Outcome::Disconnected => SendError::Disconnected(value),
                Outcome::Done | Outcome::TimedOut => {
                    unreachable!("a plain send without a deadline")
                }
            });
        if let Err(error) = &sent {
            step.outcome(format_args!(
                "{}",
                match error {
                    SendError::Closed(_) => "closed",
                    SendError::Disconnected(_) => "no receiver",
                }
            ));
        }
        sent
    }

    /// Sends, parking while it must; with a `deadline` (only on a backend with
    /// [`Backend::DEADLINE_WAIT`]) it gives up there. A value not delivered comes back with why:
    /// `Closed`, `Disconnected` or `TimedOut`.
    #[track_caller]
    pub(crate) fn send_parked(
        &self,
        value: T,
        deadline: Option<Duration>,
    ) -> Result<(), (Outcome, T)> {
        let (state, value) = match self.chan.send_or_lock(value) {
            SendAttempt::Sent => return Ok(()),
            SendAttempt::Refused(outcome, value) => return Err((outcome, value)),
            SendAttempt::MustPark(state, value) => (state, value),
        };
        match self
            .chan
            .park(state, |state| &mut state.sendq, Some(value), deadline)
        {
            (Outcome::Done, _) => Ok(()),
            (outcome, left) => Err((
                outcome,
                left.expect("an undelivered value stays in its waiter"),
            )),
        }
    }

    /// Sends `value` if that can happen without blocking.
    #[track_caller]
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        let step = trace::enter::<B>("try send", self.chan.object());
        let sent = self.chan.try_send(value).map_err(|fail| match fail {
            SendFail::Full(value) => TrySendError::Full(value),
            SendFail::Closed(value) => TrySendError::Closed(value),
            SendFail::Disconnected(value) => TrySendError::Disconnected(value),
        });
        step.outcome(format_args!(
            "{}",
            match &sent {
                Ok(()) => "sent",
                Err(TrySendError::Full(_)) => "full",
                Err(TrySendError::Closed(_)) => "closed",
                Err(TrySendError::Disconnected(_)) => "no receiver",
            }
        ));
        sent
    }

    /// Closes the channel: receivers drain what is buffered, then get `None`; parked and later
    /// sends fail with their value handed back. Closing twice is an error, as in Go.
    #[track_caller]
    pub fn close(&self) -> Result<(), CloseError> {
        let step = trace::enter::<B>("close", self.chan.object());
        if self.chan.close() {
            Ok(())
        } else {
            step.outcome(format_args!("already closed"));
            Err(CloseError)
        }
    }

    /// Whether the channel is closed.
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// The number of buffered values.
    pub fn len(&self) -> usize {
        self.chan.len()
    }

    /// Whether no value is buffered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The capacity given at creation (`usize::MAX` for unbounded).
    pub fn capacity(&self) -> usize {
        self.chan.cap
    }

    /// Whether both handles belong to the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }
}

impl<T: Send, B: Backend> Receiver<T, B> {
    /// Receives the oldest value, blocking while there is none; `None` once the channel is closed
    /// and drained (Go's `v, ok := <-ch` with `ok == false`).
    #[track_caller]
    pub fn recv(&self) -> Option<T> {
        let step = trace::enter::<B>("recv", self.chan.object());
        let got = self
            .recv_parked(None)
            .unwrap_or_else(|TimedOut| unreachable!("a plain receive without a deadline"));
        step.outcome(format_args!(
            "{}",
            if got.is_some() { "a value" } else { "closed" }
        ));
        got
    }

    /// Receives, parking while it must: `Ok(None)` once closed and drained. With a `deadline`
    /// (only on a backend with [`Backend::DEADLINE_WAIT`]) it gives up there: `Err(TimedOut)`.
    #[track_caller]
    pub(crate) fn recv_parked(&self, deadline: Option<Duration>) -> Result<Option<T>, TimedOut> {
        let state = match self.chan.recv_or_lock() {
            RecvAttempt::Got(got) => return Ok(got),
            RecvAttempt::MustPark(state) => state,
        };
        match self
            .chan
            .park(state, |state| &mut state.recvq, None, deadline)
        {
            (Outcome::Done, value) => Ok(Some(value.expect("a completed receive has its value"))),
            (Outcome::Closed, _) => Ok(None),
            (Outcome::TimedOut, _) => Err(TimedOut),
            (Outcome::Disconnected, _) => unreachable!("a receive is never disconnected"),
        }
    }

    /// Receives a value if one is ready now.
    #[track_caller]
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        let step = trace::enter::<B>("try recv", self.chan.object());
        let got = self.chan.try_recv().map_err(|fail| match fail {
            RecvFail::Empty => TryRecvError::Empty,
            RecvFail::Closed => TryRecvError::Closed,
        });
        step.outcome(format_args!(
            "{}",
            match &got {
                Ok(_) => "a value",
                Err(TryRecvError::Empty) => "empty",
                Err(TryRecvError::Closed) => "closed",
            }
        ));
        got
    }

    /// Receives, giving up after `timeout` of the backend's time.
    #[track_caller]
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        let step = trace::enter::<B>("recv with timeout", self.chan.object());
        let got = self.recv_or_time_out(timeout);
        step.outcome(format_args!(
            "{}",
            match &got {
                Ok(_) => "a value",
                Err(RecvTimeoutError::Timeout) => "timed out",
                Err(RecvTimeoutError::Closed) => "closed",
            }
        ));
        got
    }

    #[track_caller]
    fn recv_or_time_out(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        let mut arm = RecvArm::new(self);
        match Select::new().recv(&mut arm).timeout(timeout).wait() {
            Selected::Arm(_) => arm.take().ok_or(RecvTimeoutError::Closed),
            Selected::Timeout => Err(RecvTimeoutError::Timeout),
            Selected::Default => unreachable!("no default arm"),
        }
    }

    /// A blocking iterator over received values, ending when the channel is closed and drained.
    pub fn iter(&self) -> Iter<'_, T, B> {
        Iter { receiver: self }
    }

    /// Whether the channel is closed (values may still be buffered).
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// The number of buffered values.
    pub fn len(&self) -> usize {
        self.chan.len()
    }

    /// Whether no value is buffered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether both handles belong to the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }
}

impl<T: Send, B: Backend> Clone for Sender<T, B> {
    fn clone(&self) -> Self {
        self.chan.lock().senders += 1;
        Self {
            chan: Arc::clone(&self.chan),
        }
    }
}

impl<T: Send, B: Backend> Clone for Receiver<T, B> {
    fn clone(&self) -> Self {
        self.chan.lock().receivers += 1;
        Self {
            chan: Arc::clone(&self.chan),
        }
    }
}

/// Whether the handle being dropped is the last of its channel. Then no operation is parked on the
/// channel (a parked thread holds a handle) and none can start, so the drop has nobody to wake or
/// tell and skips the lock. Only handles own the channel, and a new one is cloned from a live one.
fn is_only_handle<T: Send, B: Backend>(chan: &Arc<Chan<T, B>>) -> bool {
    Arc::strong_count(chan) == 1
}

impl<T: Send, B: Backend> Drop for Sender<T, B> {
    fn drop(&mut self) {
        if B::in_teardown() || is_only_handle(&self.chan) {
            return;
        }
        let mut state = self.chan.lock();
        state.senders -= 1;
        if state.senders == 0 {
            let _step = trace::enter::<B>("drop last sender", self.chan.object());
            // The last sender closes the channel; an explicit close before is fine.
            self.chan.close_locked(&mut state);
        }
    }
}

impl<T: Send, B: Backend> Drop for Receiver<T, B> {
    fn drop(&mut self) {
        if B::in_teardown() || is_only_handle(&self.chan) {
            return;
        }
        let mut state = self.chan.lock();
        state.receivers -= 1;
        if state.receivers == 0 {
            let _step = trace::enter::<B>("drop last receiver", self.chan.object());
            self.chan.disconnect_locked(&mut state);
        }
    }
}

impl<T: Send, B: Backend> fmt::Debug for Sender<T, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

impl<T: Send, B: Backend> fmt::Debug for Receiver<T, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}

/// A blocking iterator over a [`Receiver`], like Go's `for v := range ch`.
pub struct Iter<'a, T: Send, B: Backend> {
    receiver: &'a Receiver<T, B>,
}

impl<T: Send, B: Backend> Iterator for Iter<'_, T, B> {
    type Item = T;
    #[track_caller]
    fn next(&mut self) -> Option<T> {
        self.receiver.recv()
    }
}

impl<'a, T: Send, B: Backend> IntoIterator for &'a Receiver<T, B> {
    type Item = T;
    type IntoIter = Iter<'a, T, B>;
    fn into_iter(self) -> Iter<'a, T, B> {
        self.iter()
    }
}

/// An owning blocking iterator over a [`Receiver`].
pub struct IntoIter<T: Send, B: Backend> {
    receiver: Receiver<T, B>,
}

impl<T: Send, B: Backend> Iterator for IntoIter<T, B> {
    type Item = T;
    #[track_caller]
    fn next(&mut self) -> Option<T> {
        self.receiver.recv()
    }
}

impl<T: Send, B: Backend> IntoIterator for Receiver<T, B> {
    type Item = T;
    type IntoIter = IntoIter<T, B>;
    fn into_iter(self) -> IntoIter<T, B> {
        IntoIter { receiver: self }
    }
}
