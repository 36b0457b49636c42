//! The channel itself: a buffer and two queues of parked operations under one backend lock.
//!
//! A channel of capacity 2 to [`RING_LIMIT`] keeps its values in a lock-free [`Ring`] instead of
//! the locked buffer: its sends and receives take the lock only to park or to serve the parked
//! (`buffered.rs`). Every other channel (a rendezvous, capacity 1, a large or unbounded buffer)
//! runs the locked algorithm below.
//!
//! The locked algorithm is Go's (`runtime/chan.go`). A send hands its value straight to a parked receiver
//! if there is one, else buffers it if there is room, else parks. A receive takes the oldest
//! buffered value and lets the oldest parked sender move its value into the freed place, else takes
//! straight from a parked sender (the rendezvous of a capacity-0 channel), else parks. Close wakes
//! every parked operation. A plain `send` or `recv` parks as a [`Waiter`], settled under this
//! lock by whoever dequeues it (or, at its deadline, taken off its queue by its owner, under this
//! lock too); so does a select of one arm and no default on a real clock. Any other select's arm
//! parks with its [`Selector`], which a hand-over must claim, so an operation parked in a select
//! completes at most once.

use super::buffered::{RecvStep, SendStep, Wait};
use super::ring::{Pop, Push, Ring, Turn, Word, CLOSED, GONE, RECV_WAITING, SEND_WAITING};
use super::selector::{Outcome, PairClaim, Selector, Slot};
use super::waiter::{Unsettled, Waiter};
use crate::backend::Backend;
use crate::backoff::{self, Patience};
use crate::trace::Object;
use std::cell::Cell;
use std::collections::VecDeque;
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

/// A parked operation.
pub(crate) enum Parked<T, B: Backend> {
    /// A plain `send` or `recv` (or a select of one arm, on a real clock): whoever dequeues it
    /// completes it, or puts it back untouched; at its deadline, its owner dequeues it.
    Plain(Arc<Waiter<T, B>>),
    /// One arm of a select: which select, which arm of it, and its value slot. Stale once another
    /// arm (or the timeout) claimed the selector.
    Arm {
        selector: Arc<Selector<B>>,
        arm: usize,
        slot: Arc<Slot<T>>,
    },
}

impl<T, B: Backend> Parked<T, B> {
    /// Whether this is the plain operation parked as `waiter`.
    fn is(&self, waiter: &Arc<Waiter<T, B>>) -> bool {
        matches!(self, Self::Plain(mine) if Arc::ptr_eq(mine, waiter))
    }

    /// Whether this is an arm of `selector`.
    fn is_arm_of(&self, selector: &Arc<Selector<B>>) -> bool {
        matches!(self, Self::Arm { selector: mine, .. } if Arc::ptr_eq(mine, selector))
    }

    /// Hands `value` to this parked receiver; gives it back if the registration is stale. A plain
    /// receiver that sleeps goes on `wake`.
    fn offer(self, value: T, wake: &mut Vec<Arc<Waiter<T, B>>>) -> Result<(), T> {
        match self {
            Self::Plain(waiter) => {
                if waiter.deliver(value) {
                    wake.push(waiter);
                }
                Ok(())
            }
            Self::Arm {
                selector,
                arm,
                slot,
            } => {
                slot.put(value);
                if selector.try_claim(arm, Outcome::Done) {
                    Ok(())
                } else {
                    Err(slot.take().expect("an unclaimed slot keeps its value"))
                }
            }
        }
    }

    /// Takes this parked sender's value, completing its send; `None` if the registration is stale.
    /// A plain sender that sleeps goes on `wake`.
    fn take(self, wake: &mut Vec<Arc<Waiter<T, B>>>) -> Option<T> {
        match self {
            Self::Plain(waiter) => Some(take_plain_sender(&waiter, wake)),
            Self::Arm {
                selector,
                arm,
                slot,
            } => selector
                .try_claim(arm, Outcome::Done)
                .then(|| slot.take().expect("a parked sender's slot holds its value")),
        }
    }

    /// Ends this parked operation with `outcome` and no hand-over (a stale arm is left alone). A
    /// plain operation that sleeps goes on `wake`.
    fn refuse(self, outcome: Outcome, wake: &mut Vec<Arc<Waiter<T, B>>>) {
        match self {
            Self::Plain(waiter) => {
                if waiter.refuse(outcome) {
                    wake.push(waiter);
                }
            }
            Self::Arm { selector, arm, .. } => {
                selector.try_claim(arm, outcome);
            }
        }
    }
}

/// Everything the channel lock protects.
pub(crate) struct State<T: Send, B: Backend> {
    /// Buffered values, oldest first. Never longer than the capacity.
    pub(crate) buf: VecDeque<T>,
    /// Set once by `close` (or by the last sender's drop); never cleared.
    pub(crate) closed: bool,
    /// Live `Sender` handles; the last one to drop closes the channel.
    pub(crate) senders: usize,
    /// Live `Receiver` handles; once none is left, sends fail instead of blocking forever.
    pub(crate) receivers: usize,
    /// Parked receivers, oldest first. Non-empty only while `buf` is empty.
    pub(crate) recvq: VecDeque<Parked<T, B>>,
    /// Parked senders, oldest first, each with its value in its waiter or slot. Non-empty only
    /// while `buf` is full.
    pub(crate) sendq: VecDeque<Parked<T, B>>,
    /// Whether a ring's receivers' parked flags may be set (they are set and cleared only under
    /// this lock, so this spares `clear_flags` the atomic operations when they are not).
    pub(crate) receivers_flagged: bool,
    /// The same for the senders' parked flags.
    pub(crate) senders_flagged: bool,
    /// Plain waiters settled while their owner sleeps, to wake once the lock is released (by
    /// [`Locked`]'s drop).
    pub(super) to_wake: Vec<Arc<Waiter<T, B>>>,
}

/// Picks one of the channel's two wait queues (`recvq` or `sendq`) out of its state.
pub(crate) type WhichQueue<T, B> = fn(&mut State<T, B>) -> &mut VecDeque<Parked<T, B>>;

/// The channel lock, held. Dropping it releases the lock, then wakes the plain waiters settled
/// under it.
pub(crate) struct Locked<'a, T: Send + 'a, B: Backend> {
    /// `Some` until `into_guard` or the drop takes it.
    guard: Option<B::Guard<'a, State<T, B>>>,
}

impl<'a, T: Send + 'a, B: Backend> Locked<'a, T, B> {
    /// The bare guard, for a wait on a condition variable paired with the lock. On a ring, an
    /// operation about to park has first served the parked ones (`buffered.rs`), and those it
    /// settled are woken now, under the lock, as its own wait will not release the lock before
    /// it sleeps.
    fn into_guard(mut self) -> B::Guard<'a, State<T, B>> {
        let mut guard = self.guard.take().expect("taken only here or in drop");
        guard.to_wake.drain(..).for_each(|waiter| waiter.wake());
        guard
    }
}

impl<'a, T: Send + 'a, B: Backend> Deref for Locked<'a, T, B> {
    type Target = State<T, B>;
    fn deref(&self) -> &State<T, B> {
        self.guard.as_ref().expect("held until dropped")
    }
}

impl<'a, T: Send + 'a, B: Backend> DerefMut for Locked<'a, T, B> {
    fn deref_mut(&mut self) -> &mut State<T, B> {
        self.guard.as_mut().expect("held until dropped")
    }
}

impl<'a, T: Send + 'a, B: Backend> Drop for Locked<'a, T, B> {
    fn drop(&mut self) {
        let Some(mut guard) = self.guard.take() else {
            return;
        };
        match guard.to_wake.len() {
            0 => {}
            // One hand-over: popping keeps the list's allocation for the next one.
            1 => {
                let waiter = guard.to_wake.pop().expect("one waiter");
                drop(guard);
                waiter.wake();
            }
            // A close or a disconnect wakes them all.
            _ => {
                let wake = std::mem::take(&mut guard.to_wake);
                drop(guard);
                wake.iter().for_each(|waiter| waiter.wake());
            }
        }
    }
}

/// The largest capacity kept in a [`Ring`]: its places are allocated up front (at most 4,096
/// of them, as a locked buffer allocates up to 1,024 and grows beyond).
pub(crate) const RING_LIMIT: usize = 1 << 12;

/// A channel shared by its senders and receivers.
pub(crate) struct Chan<T: Send, B: Backend> {
    /// Taken only through [`Chan::lock`], whose guard wakes the waiters settled under it.
    state: B::Mutex<State<T, B>>,
    /// The buffer of a channel of capacity 2 to [`RING_LIMIT`]; `state.buf` stays empty then.
    ring: Option<Ring<T, B>>,
    pub(crate) cap: usize,
    /// The line that created the channel, and what it is for (`chan`, or `done` for a
    /// context's), for traces.
    pub(crate) site: &'static Location<'static>,
    pub(crate) kind: &'static str,
}

/// Why a non-blocking send did not happen; the value comes back in every case.
pub(crate) enum SendFail<T> {
    Full(T),
    Closed(T),
    Disconnected(T),
}

impl<T> SendFail<T> {
    /// `Ok` with the value if the channel was full (the send may wait), else the refusal.
    fn refusal(self) -> Result<T, (Outcome, T)> {
        match self {
            Self::Full(value) => Ok(value),
            Self::Closed(value) => Err((Outcome::Closed, value)),
            Self::Disconnected(value) => Err((Outcome::Disconnected, value)),
        }
    }

    /// The failure of a send the channel refused with `outcome` (`Closed`, `Disconnected`).
    fn refused(outcome: Outcome, value: T) -> Self {
        match outcome {
            Outcome::Closed => Self::Closed(value),
            Outcome::Disconnected => Self::Disconnected(value),
            Outcome::Done | Outcome::TimedOut => {
                unreachable!("a refusal is a close or a disconnect: {outcome:?}")
            }
        }
    }
}

/// Why a non-blocking receive got nothing.
pub(crate) enum RecvFail {
    Empty,
    Closed,
}

/// What a blocking send found before it would park.
pub(crate) enum SendAttempt<'a, T: Send + 'a, B: Backend> {
    /// The value is in (buffered or handed over).
    Sent,
    /// The channel refused it (`Closed`, `Disconnected`): the value comes back.
    Refused(Outcome, T),
    /// It must park with its value, under the lock still held.
    MustPark(Locked<'a, T, B>, T),
}

/// What a blocking receive found before it would park.
pub(crate) enum RecvAttempt<'a, T: Send + 'a, B: Backend> {
    /// A value, or `None` for a channel closed and drained.
    Got(Option<T>),
    /// It must park, under the lock still held.
    MustPark(Locked<'a, T, B>),
}

/// What registering one arm of a select did.
pub(crate) enum Registered {
    /// The arm completed at once, and its selector is claimed for it.
    Completed(Outcome),
    /// The arm is parked on the channel.
    Parked,
    /// The selector was already claimed by another arm (or the timeout): stop registering.
    AlreadyClaimed,
}

impl<T: Send, B: Backend> Chan<T, B> {
    #[track_caller]
    pub(crate) fn new(cap: usize, kind: &'static str) -> Self {
        let ring = (2..=RING_LIMIT).contains(&cap).then(|| Ring::new(cap));
        Self {
            site: Location::caller(),
            kind,
            state: B::mutex(State {
                // A bounded buffer is allocated up front (up to 1,024 slots), so a full
                // channel never regrows on the hot path; an unbounded one grows as it fills.
                buf: if cap == usize::MAX || ring.is_some() {
                    VecDeque::new()
                } else {
                    VecDeque::with_capacity(cap.min(1024))
                },
                closed: false,
                senders: 1,
                receivers: 1,
                recvq: VecDeque::new(),
                sendq: VecDeque::new(),
                receivers_flagged: false,
                senders_flagged: false,
                to_wake: Vec::new(),
            }),
            ring,
            cap,
        }
    }

    /// Sends without blocking (on a ring, it may park for a place a receiver in flight is
    /// freeing: `buffered.rs`).
    pub(crate) fn try_send(&self, value: T) -> Result<(), SendFail<T>> {
        let Some(ring) = &self.ring else {
            return self.lock().try_send(self.cap, value);
        };
        match ring.try_push(value, Turn::Mind) {
            Push::Done { serve } => {
                // Served before returning: see `buffered.rs` on SEL-2.
                if serve {
                    self.lock().serve(ring);
                }
                Ok(())
            }
            Push::Full(value) => Err(SendFail::Full(value)),
            Push::Closed(value) => Err(SendFail::Closed(value)),
            Push::Gone(value) => Err(SendFail::Disconnected(value)),
            Push::Queued(value) | Push::Busy(value) => {
                let mut state = self.lock();
                match state.send_locked(ring, value, Wait::InFlight) {
                    SendStep::Sent => Ok(()),
                    SendStep::Full(value) => Err(SendFail::Full(value)),
                    SendStep::Refused(outcome, value) => Err(SendFail::refused(outcome, value)),
                    SendStep::Park(value) => {
                        match self.park(state, |state| &mut state.sendq, Some(value), None) {
                            (Outcome::Done, _) => Ok(()),
                            (outcome, left) => Err(SendFail::refused(
                                outcome,
                                left.expect("an undelivered value stays in its waiter"),
                            )),
                        }
                    }
                }
            }
        }
    }

    /// Receives without blocking (on a ring, it may park for a value a sender in flight is
    /// writing: `buffered.rs`).
    pub(crate) fn try_recv(&self) -> Result<T, RecvFail> {
        let Some(ring) = &self.ring else {
            return self.lock().try_recv();
        };
        match ring.try_pop(Turn::Mind) {
            Pop::Value { value, serve } => {
                if serve {
                    self.lock().serve(ring);
                }
                Ok(value)
            }
            Pop::Empty => Err(RecvFail::Empty),
            Pop::Closed => Err(RecvFail::Closed),
            Pop::Queued | Pop::Busy => {
                let mut state = self.lock();
                match state.recv_locked(ring, Wait::InFlight) {
                    RecvStep::Got(Some(value)) => Ok(value),
                    RecvStep::Got(None) => Err(RecvFail::Closed),
                    RecvStep::Empty => Err(RecvFail::Empty),
                    RecvStep::Park => {
                        match self.park(state, |state| &mut state.recvq, None, None) {
                            (Outcome::Done, value) => {
                                Ok(value.expect("a completed receive has its value"))
                            }
                            (Outcome::Closed, _) => Err(RecvFail::Closed),
                            (outcome, _) => {
                                unreachable!("a receive without a deadline: {outcome:?}")
                            }
                        }
                    }
                }
            }
        }
    }

    /// Sends if that can happen now; otherwise returns the lock, held, for the caller to park.
    #[track_caller]
    pub(crate) fn send_or_lock(&self, value: T) -> SendAttempt<'_, T, B> {
        let Some(ring) = &self.ring else {
            let mut state = self.lock();
            return match state.try_send(self.cap, value) {
                Ok(()) => SendAttempt::Sent,
                Err(fail) => match fail.refusal() {
                    Ok(value) => SendAttempt::MustPark(state, value),
                    Err((outcome, value)) => SendAttempt::Refused(outcome, value),
                },
            };
        };
        let value = match self.try_send(value) {
            Ok(()) => return SendAttempt::Sent,
            Err(fail) => match fail.refusal() {
                Ok(value) => value,
                Err((outcome, value)) => return SendAttempt::Refused(outcome, value),
            },
        };
        let value = match self.spin_to_send(value) {
            Ok(value) => value,
            Err(done) => return done,
        };
        let mut state = self.lock();
        match state.send_locked(ring, value, Wait::Blocking) {
            SendStep::Sent => SendAttempt::Sent,
            SendStep::Park(value) | SendStep::Full(value) => SendAttempt::MustPark(state, value),
            SendStep::Refused(outcome, value) => SendAttempt::Refused(outcome, value),
        }
    }

    /// Receives if that can happen now; otherwise returns the lock, held, for the caller to park.
    #[track_caller]
    pub(crate) fn recv_or_lock(&self) -> RecvAttempt<'_, T, B> {
        let Some(ring) = &self.ring else {
            let mut state = self.lock();
            return match state.try_recv() {
                Ok(value) => RecvAttempt::Got(Some(value)),
                Err(RecvFail::Closed) => RecvAttempt::Got(None),
                Err(RecvFail::Empty) => RecvAttempt::MustPark(state),
            };
        };
        if let Some(got) = self.spin_to_recv() {
            return RecvAttempt::Got(got);
        }
        let mut state = self.lock();
        match state.recv_locked(ring, Wait::Blocking) {
            RecvStep::Got(got) => RecvAttempt::Got(got),
            RecvStep::Park | RecvStep::Empty => RecvAttempt::MustPark(state),
        }
    }

    /// A ring's receive that found nothing, before it parks: tries again while a peer is likely
    /// to come soon, as [`backoff`] allows on real threads (not at all under the models). `Some`
    /// if it got a value, or `None` for closed and drained.
    fn spin_to_recv(&self) -> Option<Option<T>> {
        let got = Cell::new(None);
        let try_once = || match self.try_recv() {
            Ok(value) => {
                got.set(Some(Some(value)));
                true
            }
            Err(RecvFail::Closed) => {
                got.set(Some(None));
                true
            }
            Err(RecvFail::Empty) => false,
        };
        if try_once() {
            return got.into_inner();
        }
        let patience = Patience::for_capacity(self.cap);
        // Behind parked receivers, a spin would only take the channel lock again and again.
        if patience.parks_at_once::<B>()
            || self.parked_ahead(Word::Head, RECV_WAITING)
            || !backoff::spin_for::<B>(patience, try_once)
        {
            return None;
        }
        got.into_inner()
    }

    /// Whether operations are parked ahead of a new one (`flag` in `word` of the ring).
    fn parked_ahead(&self, word: Word, flag: usize) -> bool {
        self.ring
            .as_ref()
            .is_some_and(|ring| ring.is_set(word, flag))
    }

    /// A ring's send that found it full, before it parks: tries again as
    /// [`Chan::spin_to_recv`] does. `Ok` with the value if it must park, `Err` with how the send
    /// ended otherwise.
    fn spin_to_send(&self, value: T) -> Result<T, SendAttempt<'_, T, B>> {
        let patience = Patience::for_capacity(self.cap);
        if patience.parks_at_once::<B>() || self.parked_ahead(Word::Tail, SEND_WAITING) {
            return Ok(value);
        }
        let unsent = Cell::new(Some(value));
        let refused = Cell::new(None);
        let sent = backoff::spin_for::<B>(patience, || {
            let value = unsent.take().expect("the value waits here between tries");
            match self.try_send(value) {
                Ok(()) => true,
                Err(fail) => match fail.refusal() {
                    Ok(value) => {
                        unsent.set(Some(value));
                        false
                    }
                    Err((outcome, value)) => {
                        refused.set(Some(outcome));
                        unsent.set(Some(value));
                        true
                    }
                },
            }
        });
        let value = unsent.into_inner();
        match (sent, refused.into_inner(), value) {
            (true, None, _) => Err(SendAttempt::Sent),
            (true, Some(outcome), Some(value)) => Err(SendAttempt::Refused(outcome, value)),
            (false, _, Some(value)) => Ok(value),
            _ => unreachable!("a refused or unsent value stays in its cell"),
        }
    }

    /// Closes the channel, with its lock held in `state`; false if it was already closed.
    pub(crate) fn close_locked(&self, state: &mut State<T, B>) -> bool {
        if state.closed {
            return false;
        }
        match &self.ring {
            Some(ring) => state.close_ring(ring),
            None => state.close(),
        }
        self.clear_flags(state);
        true
    }

    /// Closes the channel; false if it was already closed.
    #[track_caller]
    pub(crate) fn close(&self) -> bool {
        self.close_locked(&mut self.lock())
    }

    /// The last receiver is gone, with the lock held in `state`: sends fail from now on.
    pub(crate) fn disconnect_locked(&self, state: &mut State<T, B>) {
        if let Some(ring) = &self.ring {
            // No send reserves a place from now on.
            ring.set(Word::Tail, GONE);
        }
        state.disconnect_receivers();
        self.clear_flags(state);
    }

    /// Clears a ring's parked flags whose queues are empty (nothing for a locked buffer).
    fn clear_flags(&self, state: &mut State<T, B>) {
        if let Some(ring) = &self.ring {
            state.clear_flags(ring);
        }
    }

    /// Whether the channel is closed.
    #[track_caller]
    pub(crate) fn is_closed(&self) -> bool {
        match &self.ring {
            Some(ring) => ring.is_set(Word::Tail, CLOSED),
            None => self.lock().closed,
        }
    }

    /// The number of buffered values.
    #[track_caller]
    pub(crate) fn len(&self) -> usize {
        match &self.ring {
            Some(ring) => ring.len(),
            None => self.lock().buf.len(),
        }
    }

    /// Registers a receive arm of `selector`: completes it now if the channel is ready, else parks.
    #[track_caller]
    pub(crate) fn register_recv(
        &self,
        selector: &Arc<Selector<B>>,
        arm: usize,
        slot: &Arc<Slot<T>>,
    ) -> Registered {
        let mut state = self.lock();
        match &self.ring {
            Some(ring) => state.register_recv_ring(ring, selector, arm, slot),
            None => state.register_recv(selector, arm, slot),
        }
    }

    /// Registers a send arm of `selector` whose value waits in `slot`: completes it now if the
    /// channel is ready, else parks. On `Closed`/`Disconnected` the value stays in `slot`.
    #[track_caller]
    pub(crate) fn register_send(
        &self,
        selector: &Arc<Selector<B>>,
        arm: usize,
        slot: &Arc<Slot<T>>,
    ) -> Registered {
        let mut state = self.lock();
        if let Some(outcome) = state.send_refusal() {
            return claim_refusal(selector, arm, outcome);
        }
        match &self.ring {
            Some(ring) => state.register_send_ring(ring, selector, arm, slot),
            None => state.register_send(self.cap, selector, arm, slot),
        }
    }

    /// Drops one receive registration of `selector` (after its select completed), if a peer has
    /// not dequeued it already.
    #[track_caller]
    pub(crate) fn unregister_recv(&self, selector: &Arc<Selector<B>>) {
        let mut state = self.lock();
        remove_one(&mut state.recvq, selector);
        self.clear_flags(&mut state);
    }

    /// Drops one send registration of `selector`, as [`Chan::unregister_recv`] does.
    #[track_caller]
    pub(crate) fn unregister_send(&self, selector: &Arc<Selector<B>>) {
        let mut state = self.lock();
        remove_one(&mut state.sendq, selector);
        self.clear_flags(&mut state);
    }

    /// Takes the channel lock.
    #[track_caller]
    pub(crate) fn lock(&self) -> Locked<'_, T, B> {
        Locked {
            guard: Some(B::lock(&self.state)),
        }
    }

    /// Parks a plain operation: queues a waiter holding `value` (a sender's; `None` for a
    /// receiver) on the queue `queue` picks, under `locked`, and blocks until it is settled;
    /// returns how the operation ended and the value left in the waiter (see [`Waiter::wait`]).
    /// With a `deadline` (only on a backend with [`Backend::DEADLINE_WAIT`]) a waiter nobody
    /// settled in time is taken off that queue under the lock and ends `TimedOut`, with a
    /// sender's value handed back.
    #[track_caller]
    pub(crate) fn park<'a>(
        &'a self,
        mut locked: Locked<'a, T, B>,
        queue: WhichQueue<T, B>,
        value: Option<T>,
        deadline: Option<Duration>,
    ) -> (Outcome, Option<T>) {
        let waiter = Arc::new(Waiter::new(value));
        queue(&mut locked).push_back(Parked::Plain(Arc::clone(&waiter)));
        let patience = Patience::for_capacity(self.cap);
        match waiter.wait(&self.state, locked.into_guard(), patience, deadline) {
            Ok(settled) => settled,
            Err(Unsettled { mut guard, value }) => {
                // Unsettled under the lock means still queued: whoever dequeues a plain waiter
                // settles it, or puts it back, under this same lock.
                let queue = queue(&mut guard);
                let index = queue
                    .iter()
                    // From the newest end, where a waiter that just parked finds itself.
                    .rposition(|parked| parked.is(&waiter))
                    .expect("an unsettled waiter is still queued");
                queue.remove(index);
                self.clear_flags(&mut guard);
                (Outcome::TimedOut, value)
            }
        }
    }

    /// The channel as a traced object.
    pub(crate) fn object(&self) -> Object {
        Object::at(self.kind, self, Some(self.site))
    }
}

impl<T: Send, B: Backend> State<T, B> {
    /// Sends without blocking, with the lock held.
    pub(crate) fn try_send(&mut self, cap: usize, value: T) -> Result<(), SendFail<T>> {
        match self.send_refusal() {
            Some(Outcome::Closed) => return Err(SendFail::Closed(value)),
            Some(_) => return Err(SendFail::Disconnected(value)),
            None => {}
        }
        let mut value = value;
        while let Some(receiver) = self.recvq.pop_front() {
            // A parked receiver means the buffer is empty: handing over directly keeps FIFO order.
            match receiver.offer(value, &mut self.to_wake) {
                Ok(()) => return Ok(()),
                // A stale registration: that select completed on another arm.
                Err(back) => value = back,
            }
        }
        if self.buf.len() < cap {
            self.buf.push_back(value);
            return Ok(());
        }
        Err(SendFail::Full(value))
    }

    /// Receives without blocking, with the lock held.
    pub(crate) fn try_recv(&mut self) -> Result<T, RecvFail> {
        if let Some(value) = self.buf.pop_front() {
            // The oldest parked sender moves its value into the freed place, behind the others.
            self.admit_parked_sender();
            return Ok(value);
        }
        while let Some(sender) = self.sendq.pop_front() {
            if let Some(value) = sender.take(&mut self.to_wake) {
                return Ok(value);
            }
        }
        if self.closed {
            Err(RecvFail::Closed)
        } else {
            Err(RecvFail::Empty)
        }
    }

    /// After a receive freed a buffer place: the oldest live parked sender's value takes it.
    fn admit_parked_sender(&mut self) {
        while let Some(sender) = self.sendq.pop_front() {
            if let Some(value) = sender.take(&mut self.to_wake) {
                self.buf.push_back(value);
                return;
            }
        }
    }

    /// Registers a receive arm of `selector` on a locked buffer: completes it now if the channel is
    /// ready, else parks.
    fn register_recv(
        &mut self,
        selector: &Arc<Selector<B>>,
        arm: usize,
        slot: &Arc<Slot<T>>,
    ) -> Registered {
        if !self.buf.is_empty() {
            if !selector.try_claim(arm, Outcome::Done) {
                return Registered::AlreadyClaimed;
            }
            let value = self
                .buf
                .pop_front()
                .expect("checked non-empty under the lock");
            self.admit_parked_sender();
            slot.put(value);
            return Registered::Completed(Outcome::Done);
        }
        let mut index = 0;
        while index < self.sendq.len() {
            if self.sendq[index].is_arm_of(selector) {
                // A select never pairs with itself (Go's rule): skip our own send arm.
                index += 1;
                continue;
            }
            let sender = self.sendq.remove(index).expect("index checked");
            let claimed = match &sender {
                Parked::Plain(waiter) => claim_then(selector, arm, || {
                    slot.put(take_plain_sender(waiter, &mut self.to_wake))
                }),
                Parked::Arm {
                    selector: peer,
                    arm: peer_arm,
                    slot: peer_slot,
                } => selector.try_claim_pair(arm, peer, *peer_arm, || {
                    slot.put(
                        peer_slot
                            .take()
                            .expect("a parked sender's slot holds its value"),
                    )
                }),
            };
            match claimed {
                PairClaim::Both => return Registered::Completed(Outcome::Done),
                PairClaim::PeerTaken => {}
                PairClaim::MineTaken => {
                    self.sendq.insert(index, sender);
                    return Registered::AlreadyClaimed;
                }
            }
        }
        if self.closed {
            return claim_refusal(selector, arm, Outcome::Closed);
        }
        self.recvq.push_back(Parked::Arm {
            selector: Arc::clone(selector),
            arm,
            slot: Arc::clone(slot),
        });
        Registered::Parked
    }

    /// Why the channel refuses every send now, if it does: `Closed`, or `Disconnected` once no
    /// receiver is left.
    pub(crate) fn send_refusal(&self) -> Option<Outcome> {
        if self.closed {
            Some(Outcome::Closed)
        } else if self.receivers == 0 {
            Some(Outcome::Disconnected)
        } else {
            None
        }
    }

    /// Registers a send arm of `selector` whose value waits in `slot` on a locked buffer, once
    /// [`State::send_refusal`] said the channel takes sends: completes it now if the channel is
    /// ready, else parks.
    fn register_send(
        &mut self,
        cap: usize,
        selector: &Arc<Selector<B>>,
        arm: usize,
        slot: &Arc<Slot<T>>,
    ) -> Registered {
        let mut index = 0;
        while index < self.recvq.len() {
            if self.recvq[index].is_arm_of(selector) {
                index += 1;
                continue;
            }
            let receiver = self.recvq.remove(index).expect("index checked");
            let unsent = || slot.take().expect("a send arm's slot holds its value");
            let claimed = match &receiver {
                Parked::Plain(waiter) => claim_then(selector, arm, || {
                    if waiter.deliver(unsent()) {
                        self.to_wake.push(Arc::clone(waiter));
                    }
                }),
                Parked::Arm {
                    selector: peer,
                    arm: peer_arm,
                    slot: peer_slot,
                } => selector.try_claim_pair(arm, peer, *peer_arm, || peer_slot.put(unsent())),
            };
            match claimed {
                PairClaim::Both => return Registered::Completed(Outcome::Done),
                PairClaim::PeerTaken => {}
                PairClaim::MineTaken => {
                    self.recvq.insert(index, receiver);
                    return Registered::AlreadyClaimed;
                }
            }
        }
        if self.buf.len() < cap {
            if !selector.try_claim(arm, Outcome::Done) {
                return Registered::AlreadyClaimed;
            }
            let value = slot.take().expect("a send arm's slot holds its value");
            self.buf.push_back(value);
            return Registered::Completed(Outcome::Done);
        }
        self.sendq.push_back(Parked::Arm {
            selector: Arc::clone(selector),
            arm,
            slot: Arc::clone(slot),
        });
        Registered::Parked
    }

    /// Marks the channel closed and ends every parked operation (the sleeping plain ones are woken
    /// as the [`Locked`] guard is released): receivers get `Closed` (the buffer stays for later
    /// receives), senders get their value back. The caller ([`Chan::close_locked`]) has checked
    /// that it was open; a ring's close is [`State::close_ring`].
    fn close(&mut self) {
        self.closed = true;
        self.refuse_receivers();
        self.refuse_senders(Outcome::Closed);
    }

    /// Ends every parked receive as `Closed`.
    pub(crate) fn refuse_receivers(&mut self) {
        // `pop_front` rather than `drain`: closing a channel nobody waits on (every context's
        // cancel) then costs two length checks.
        while let Some(receiver) = self.recvq.pop_front() {
            receiver.refuse(Outcome::Closed, &mut self.to_wake);
        }
    }

    /// Ends every parked send with `outcome`, its value handed back.
    pub(crate) fn refuse_senders(&mut self, outcome: Outcome) {
        while let Some(sender) = self.sendq.pop_front() {
            sender.refuse(outcome, &mut self.to_wake);
        }
    }

    /// The last receiver is gone: parked senders get their value back, as `Disconnected`.
    fn disconnect_receivers(&mut self) {
        self.refuse_senders(Outcome::Disconnected);
    }
}

/// Removes one registration of `selector` from `queue`, searching from the newest end, where a
/// select that just parked finds its own. Every registration of a select belongs to one of its
/// arms and each arm unregisters once, so a select with two arms on one queue removes both.
fn remove_one<T, B: Backend>(queue: &mut VecDeque<Parked<T, B>>, selector: &Arc<Selector<B>>) {
    if let Some(index) = queue.iter().rposition(|parked| parked.is_arm_of(selector)) {
        queue.remove(index);
    }
}

/// Claims `selector` for `arm` with a refusal (`Closed`, `Disconnected`): the arm completes with
/// it unless another arm won first.
pub(crate) fn claim_refusal<B: Backend>(
    selector: &Selector<B>,
    arm: usize,
    outcome: Outcome,
) -> Registered {
    if selector.try_claim(arm, outcome) {
        Registered::Completed(outcome)
    } else {
        Registered::AlreadyClaimed
    }
}

/// A select arm meeting a parked plain operation: claims `selector` for `arm`, then completes the
/// hand-over with `hand_over`. The plain side cannot be stale, so only our own claim can fail.
fn claim_then<B: Backend>(
    selector: &Selector<B>,
    arm: usize,
    hand_over: impl FnOnce(),
) -> PairClaim {
    if selector.try_claim(arm, Outcome::Done) {
        hand_over();
        PairClaim::Both
    } else {
        PairClaim::MineTaken
    }
}

/// Takes a parked plain sender's value; the sender goes on `wake` if it sleeps.
fn take_plain_sender<T, B: Backend>(
    waiter: &Arc<Waiter<T, B>>,
    wake: &mut Vec<Arc<Waiter<T, B>>>,
) -> T {
    let (value, asleep) = waiter.take();
    if asleep {
        wake.push(Arc::clone(waiter));
    }
    value
}
