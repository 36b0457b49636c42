//! A buffered channel's parked operations around its lock-free [`Ring`]: parking, serving the
//! parked from the ring, select arms, close and disconnect.
//!
//! A send or receive that finds room or a value completes in the ring and takes no lock. One that
//! must wait takes the channel lock, sets its side's parked flag in the ring ([`RECV_PARKED`] in
//! `tail`, [`SEND_PARKED`] in `head`) by CAS, looks at the ring once more, and only then queues
//! and sleeps; an operation whose reservation saw the flag *serves* the queue afterwards, under
//! the channel lock: it moves values from the ring to parked receivers and parked senders' values
//! into the ring, oldest first, until nothing moves. The ring's promise 5 is why no wake-up is
//! lost. A flag is cleared, under the lock, once its queue is empty; a flag left set a moment too
//! long only sends one operation to the lock for nothing.
//!
//! An operation that finds the place it needs *in flight* (a peer between its reservation and
//! its stamp: the ring's [`Pop::Busy`], [`Push::Busy`]) does not spin on it: it takes the lock,
//! marks the slot, and parks; the peer's stamp swap reports the mark and the peer serves it (the
//! ring's promise 7). A non-blocking operation does the same, as the place or value it waits for
//! is already on its way (Go's channel lock would have made the peer's step and its own
//! atomic); it parks only for that, never for a peer that has not come, and a close leaves the
//! receivers parked for values in flight until the ring is drained.
//!
//! Every value passes through the ring, so the ring's order is the channel's (FIFO). Parked
//! operations go first, as in Go (whose receive lets the oldest parked sender into the place it
//! freed, and whose send hands its value to the oldest parked receiver): while one side has
//! parked operations, the ring's other flag on that side ([`RECV_WAITING`] in `head`,
//! [`SEND_WAITING`] in `tail`) sends each new operation of that side to the channel lock, where
//! it serves the parked first and queues behind any still parked. Under the lock, the operation
//! whose turn it is ([`Turn::Mine`]) ignores those flags.
//!
//! Every operation that saw a parked flag serves before it returns. That is what keeps a select's
//! default honest (SEL-2): a send that put a value in the ring while a select's arm was parked on
//! it has not returned, nor been served, when the select's default wins, so it counts as
//! happening after the default.

use super::core::{claim_refusal, Parked, Registered, State};
use super::ring::{
    Pop, Push, Ring, Turn, Word, CLOSED, RECV_PARKED, RECV_WAITING, SEND_PARKED, SEND_WAITING,
};
use super::selector::{ClaimWith, Outcome, Selector, Slot};
use crate::backend::Backend;
use std::sync::Arc;

/// How long an operation under the channel lock may park.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Wait {
    /// A blocking send or receive: until it completes.
    Blocking,
    /// A non-blocking one: only for a place or a value already on its way (an operation in
    /// flight), which comes in a bounded number of its steps.
    InFlight,
}

/// What a receive under the channel lock did.
pub(crate) enum RecvStep<T> {
    /// A value, or `None`: closed and drained.
    Got(Option<T>),
    /// Nothing to receive now.
    Empty,
    /// The receive must park, before the lock is released.
    Park,
}

/// What a send under the channel lock did.
pub(crate) enum SendStep<T> {
    /// The value is in.
    Sent,
    /// No place now: the value comes back.
    Full(T),
    /// The send must park with its value, before the lock is released.
    Park(T),
    /// The channel refuses sends: why, and the value back.
    Refused(Outcome, T),
}

/// The ring's send for a parked sender whose turn it is, its value handed back on failure.
fn push_or_back<T, B: Backend>(ring: &Ring<T, B>, value: T) -> Result<(), T> {
    match ring.try_push(value, Turn::Mine) {
        Push::Done { .. } => Ok(()),
        Push::Full(back)
        | Push::Closed(back)
        | Push::Gone(back)
        | Push::Queued(back)
        | Push::Busy(back) => Err(back),
    }
}

impl<T: Send, B: Backend> State<T, B> {
    /// Completes parked operations from the ring until nothing moves, then clears the parked
    /// flag of each empty queue. Called with the channel lock held, by an operation whose
    /// reservation saw a parked flag, and by every operation that set one and did not park.
    pub(crate) fn serve(&mut self, ring: &Ring<T, B>) {
        while self.serve_receivers(ring) | self.serve_senders(ring) {}
        self.clear_flags(ring);
    }

    /// Clears the parked flags of each empty queue.
    pub(crate) fn clear_flags(&mut self, ring: &Ring<T, B>) {
        if self.recvq.is_empty() && self.receivers_flagged {
            ring.clear(Word::Tail, RECV_PARKED);
            ring.clear(Word::Head, RECV_WAITING);
            self.receivers_flagged = false;
        }
        if self.sendq.is_empty() && self.senders_flagged {
            ring.clear(Word::Head, SEND_PARKED);
            ring.clear(Word::Tail, SEND_WAITING);
            self.senders_flagged = false;
        }
    }

    /// Sets the receivers' parked flags, before a receive looks at the ring one last time and
    /// parks: [`RECV_PARKED`] first, the one a send's reservation must see.
    fn flag_receivers(&mut self, ring: &Ring<T, B>) {
        self.receivers_flagged = true;
        ring.set(Word::Tail, RECV_PARKED);
        ring.set(Word::Head, RECV_WAITING);
    }

    /// Sets the senders' parked flags, as [`State::flag_receivers`] does.
    fn flag_senders(&mut self, ring: &Ring<T, B>) {
        self.senders_flagged = true;
        ring.set(Word::Head, SEND_PARKED);
        ring.set(Word::Tail, SEND_WAITING);
    }

    /// Hands buffered values to parked receivers, oldest receiver first, while there are both;
    /// drops the stale arms it meets. Returns whether a value moved.
    fn serve_receivers(&mut self, ring: &Ring<T, B>) -> bool {
        let mut moved = false;
        while let Some(receiver) = self.recvq.front() {
            match receiver {
                Parked::Plain(waiter) => match ring.try_pop(Turn::Mine) {
                    Pop::Value { value, .. } => {
                        if waiter.deliver(value) {
                            self.to_wake.push(Arc::clone(waiter));
                        }
                    }
                    Pop::Closed => {
                        self.refuse_receivers();
                        break;
                    }
                    // Empty, or the value in flight: its sender serves once it is in.
                    Pop::Empty | Pop::Busy | Pop::Queued => break,
                },
                Parked::Arm {
                    selector,
                    arm,
                    slot,
                } => {
                    let mut drained = false;
                    let claimed = selector.try_claim_with(*arm, || match pop_into(ring, slot) {
                        Ok(()) => true,
                        Err(closed) => {
                            drained = closed;
                            false
                        }
                    });
                    match claimed {
                        ClaimWith::Claimed => {}
                        ClaimWith::Stale => {
                            self.recvq.pop_front();
                            continue;
                        }
                        ClaimWith::Declined if drained => {
                            self.refuse_receivers();
                            break;
                        }
                        ClaimWith::Declined => break,
                    }
                }
            }
            self.recvq.pop_front();
            moved = true;
        }
        moved
    }

    /// Moves parked senders' values into free places, oldest sender first, while there are both;
    /// drops the stale arms it meets. Returns whether a value moved.
    fn serve_senders(&mut self, ring: &Ring<T, B>) -> bool {
        let mut moved = false;
        while let Some(sender) = self.sendq.front() {
            match sender {
                Parked::Plain(waiter) => {
                    let Some(asleep) = waiter.try_take_with(|value| push_or_back(ring, value))
                    else {
                        break;
                    };
                    if asleep {
                        self.to_wake.push(Arc::clone(waiter));
                    }
                }
                Parked::Arm {
                    selector,
                    arm,
                    slot,
                } => match selector.try_claim_with(*arm, || push_from(ring, slot)) {
                    ClaimWith::Claimed => {}
                    ClaimWith::Stale => {
                        self.sendq.pop_front();
                        continue;
                    }
                    ClaimWith::Declined => break,
                },
            }
            self.sendq.pop_front();
            moved = true;
        }
        moved
    }

    /// Under the channel lock, a receive the ring sent here (a parked receiver ahead, or the
    /// value it needs in flight): serves the parked ones first; behind any still parked it waits
    /// its turn; else it sets the parked flags and looks at the ring once more. A
    /// [`Wait::Blocking`] receive parks when nothing came; a [`Wait::InFlight`] one parks only
    /// for a value already reserved for it (promise 7 of the ring: a value in flight, or one
    /// beyond those owed to the receivers parked ahead), and otherwise says empty. `Park` means
    /// the caller must park before releasing the lock.
    pub(crate) fn recv_locked(&mut self, ring: &Ring<T, B>, wait: Wait) -> RecvStep<T> {
        self.serve(ring);
        if !self.recvq.is_empty() {
            // Closed, a receiver is parked only for a value in flight (at the drain, `serve`
            // refuses them all), so the wait ends with a value or with the close.
            return if wait == Wait::Blocking || self.closed || ring.len() > self.recvq.len() {
                RecvStep::Park
            } else {
                RecvStep::Empty
            };
        }
        self.flag_receivers(ring);
        let step = match ring.try_pop(Turn::Mine) {
            Pop::Value { value, .. } => RecvStep::Got(Some(value)),
            Pop::Closed => RecvStep::Got(None),
            Pop::Busy => return RecvStep::Park,
            Pop::Empty if wait == Wait::Blocking => return RecvStep::Park,
            Pop::Empty | Pop::Queued => RecvStep::Empty,
        };
        self.serve(ring);
        step
    }

    /// Under the channel lock, a send the ring sent here, as [`State::recv_locked`] does: a
    /// [`Wait::InFlight`] send parks only for a place being freed by a receiver in flight (or one
    /// beyond those owed to the senders parked ahead), and otherwise says full.
    pub(crate) fn send_locked(&mut self, ring: &Ring<T, B>, value: T, wait: Wait) -> SendStep<T> {
        self.serve(ring);
        if let Some(outcome) = self.send_refusal() {
            return SendStep::Refused(outcome, value);
        }
        if !self.sendq.is_empty() {
            let free = ring.cap() - ring.len();
            return if wait == Wait::Blocking || free > self.sendq.len() {
                SendStep::Park(value)
            } else {
                SendStep::Full(value)
            };
        }
        self.flag_senders(ring);
        let step = match ring.try_push(value, Turn::Mine) {
            Push::Done { .. } => SendStep::Sent,
            Push::Busy(value) => return SendStep::Park(value),
            Push::Full(value) if wait == Wait::Blocking => return SendStep::Park(value),
            Push::Full(value) | Push::Queued(value) => SendStep::Full(value),
            Push::Closed(value) => SendStep::Refused(Outcome::Closed, value),
            Push::Gone(value) => SendStep::Refused(Outcome::Disconnected, value),
        };
        self.serve(ring);
        step
    }

    /// [`State::register_recv`] on a buffered channel: takes the oldest value for the arm if there
    /// is one, else parks the arm (with [`RECV_PARKED`] set).
    pub(crate) fn register_recv_ring(
        &mut self,
        ring: &Ring<T, B>,
        selector: &Arc<Selector<B>>,
        arm: usize,
        slot: &Arc<Slot<T>>,
    ) -> Registered {
        self.serve(ring);
        if !self.recvq.is_empty() {
            return self.park_arm(true, selector, arm, slot);
        }
        self.flag_receivers(ring);
        let mut closed = false;
        let claimed = selector.try_claim_with(arm, || match pop_into(ring, slot) {
            Ok(()) => true,
            Err(drained) => {
                closed = drained;
                false
            }
        });
        match claimed {
            ClaimWith::Claimed => {
                self.serve(ring);
                Registered::Completed(Outcome::Done)
            }
            ClaimWith::Stale => {
                self.clear_flags(ring);
                Registered::AlreadyClaimed
            }
            ClaimWith::Declined if closed => {
                self.clear_flags(ring);
                claim_refusal(selector, arm, Outcome::Closed)
            }
            ClaimWith::Declined => self.park_arm(true, selector, arm, slot),
        }
    }

    /// [`State::register_send`] on a buffered channel: puts the arm's value in the ring if there
    /// is room, else parks the arm (with [`SEND_PARKED`] set). The caller has checked that the
    /// channel takes sends.
    pub(crate) fn register_send_ring(
        &mut self,
        ring: &Ring<T, B>,
        selector: &Arc<Selector<B>>,
        arm: usize,
        slot: &Arc<Slot<T>>,
    ) -> Registered {
        self.serve(ring);
        if !self.sendq.is_empty() {
            return self.park_arm(false, selector, arm, slot);
        }
        self.flag_senders(ring);
        match selector.try_claim_with(arm, || push_from(ring, slot)) {
            ClaimWith::Claimed => {
                self.serve(ring);
                Registered::Completed(Outcome::Done)
            }
            ClaimWith::Stale => {
                self.clear_flags(ring);
                Registered::AlreadyClaimed
            }
            ClaimWith::Declined => self.park_arm(false, selector, arm, slot),
        }
    }

    /// Queues a select's arm on the receivers' queue (`receive`) or the senders'; its side's
    /// parked flags are set.
    fn park_arm(
        &mut self,
        receive: bool,
        selector: &Arc<Selector<B>>,
        arm: usize,
        slot: &Arc<Slot<T>>,
    ) -> Registered {
        let queue = if receive {
            &mut self.recvq
        } else {
            &mut self.sendq
        };
        queue.push_back(Parked::Arm {
            selector: Arc::clone(selector),
            arm,
            slot: Arc::clone(slot),
        });
        Registered::Parked
    }

    /// Closes a buffered channel: no send reserves a place from now on, parked senders get their
    /// value back, and the values already in go to the receivers parked for them. Receivers are
    /// refused once the ring is drained: at once if it is, else by the sender of the last value
    /// in flight, whose slot `serve_receivers` marked (promise 7 of the ring).
    pub(crate) fn close_ring(&mut self, ring: &Ring<T, B>) {
        self.closed = true;
        ring.set(Word::Tail, CLOSED);
        self.serve_receivers(ring);
        self.refuse_senders(Outcome::Closed);
    }
}

/// Takes the ring's oldest value into a receive arm's slot; if there is none, says whether the
/// channel is closed (and so drained).
fn pop_into<T, B: Backend>(ring: &Ring<T, B>, slot: &Slot<T>) -> Result<(), bool> {
    match ring.try_pop(Turn::Mine) {
        Pop::Value { value, .. } => {
            slot.put(value);
            Ok(())
        }
        Pop::Empty | Pop::Queued | Pop::Busy => Err(false),
        Pop::Closed => Err(true),
    }
}

/// Moves a send arm's value from its slot into the ring; false (the value back in the slot) if
/// there is no room.
fn push_from<T, B: Backend>(ring: &Ring<T, B>, slot: &Slot<T>) -> bool {
    let value = slot.take().expect("a parked sender's slot holds its value");
    match push_or_back(ring, value) {
        Ok(()) => true,
        Err(back) => {
            slot.put(back);
            false
        }
    }
}
