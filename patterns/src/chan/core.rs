//! The channel itself: a buffer and two queues of parked operations under one backend lock.
//!
//! The algorithm is Go's (`runtime/chan.go`). A send hands its value straight to a parked receiver
//! if there is one, else buffers it if there is room, else parks. A receive takes the oldest
//! buffered value and lets the oldest parked sender move its value into the freed place, else takes
//! straight from a parked sender (the rendezvous of a capacity-0 channel), else parks. Close wakes
//! every parked operation. Every hand-over claims the parked side's [`Selector`], so an operation
//! parked in a select completes at most once.

use super::selector::{Outcome, PairClaim, Selector, Slot};
use crate::backend::Backend;
use crate::trace::Object;
use std::collections::VecDeque;
use std::panic::Location;
use std::sync::Arc;

/// A parked operation: which select (or single operation), which arm of it, and its value slot.
pub(crate) struct Parked<T, B: Backend> {
    pub(crate) selector: Arc<Selector<B>>,
    pub(crate) arm: usize,
    pub(crate) slot: Arc<Slot<T>>,
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
    /// Parked senders, oldest first, each with its value in its slot. Non-empty only while `buf` is
    /// full.
    pub(crate) sendq: VecDeque<Parked<T, B>>,
}

/// A channel shared by its senders and receivers.
pub(crate) struct Chan<T: Send, B: Backend> {
    pub(crate) state: B::Mutex<State<T, B>>,
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

/// Why a non-blocking receive got nothing.
pub(crate) enum RecvFail {
    Empty,
    Closed,
}

/// What registering one arm of a parked operation did.
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
        Self {
            site: Location::caller(),
            kind,
            state: B::mutex(State {
                // A bounded buffer is allocated up front (up to 1,024 slots), so a full
                // channel never regrows on the hot path; an unbounded one grows as it fills.
                buf: if cap == usize::MAX {
                    VecDeque::new()
                } else {
                    VecDeque::with_capacity(cap.min(1024))
                },
                closed: false,
                senders: 1,
                receivers: 1,
                recvq: VecDeque::new(),
                sendq: VecDeque::new(),
            }),
            cap,
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
        if self.closed {
            return Err(SendFail::Closed(value));
        }
        if self.receivers == 0 {
            return Err(SendFail::Disconnected(value));
        }
        let mut value = value;
        while let Some(receiver) = self.recvq.pop_front() {
            // A parked receiver means the buffer is empty: handing over directly keeps FIFO order.
            receiver.slot.put(value);
            if receiver.selector.try_claim(receiver.arm, Outcome::Done) {
                return Ok(());
            }
            // A stale registration: that select completed on another arm. Take the value back.
            value = receiver
                .slot
                .take()
                .expect("an unclaimed slot keeps its value");
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
            if sender.selector.try_claim(sender.arm, Outcome::Done) {
                return Ok(sender
                    .slot
                    .take()
                    .expect("a parked sender's slot holds its value"));
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
            if sender.selector.try_claim(sender.arm, Outcome::Done) {
                let value = sender
                    .slot
                    .take()
                    .expect("a parked sender's slot holds its value");
                self.buf.push_back(value);
                return;
            }
        }
    }

    /// Registers a receive arm of `selector`: completes it now if the channel is ready, else parks.
    pub(crate) fn register_recv(
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
            let sender = &self.sendq[index];
            if Arc::ptr_eq(&sender.selector, selector) {
                // A select never pairs with itself (Go's rule): skip our own send arm.
                index += 1;
                continue;
            }
            let sender = self.sendq.remove(index).expect("index checked");
            match selector.try_claim_pair(arm, &sender.selector, sender.arm, || {
                slot.put(
                    sender
                        .slot
                        .take()
                        .expect("a parked sender's slot holds its value"),
                )
            }) {
                PairClaim::Both => return Registered::Completed(Outcome::Done),
                PairClaim::PeerTaken => {}
                PairClaim::MineTaken => {
                    self.sendq.insert(index, sender);
                    return Registered::AlreadyClaimed;
                }
            }
        }
        if self.closed {
            return if selector.try_claim(arm, Outcome::Closed) {
                Registered::Completed(Outcome::Closed)
            } else {
                Registered::AlreadyClaimed
            };
        }
        self.recvq.push_back(Parked {
            selector: Arc::clone(selector),
            arm,
            slot: Arc::clone(slot),
        });
        Registered::Parked
    }

    /// Registers a send arm of `selector` whose value waits in `slot`: completes it now if the
    /// channel is ready, else parks. On `Closed`/`Disconnected` the value stays in `slot`.
    pub(crate) fn register_send(
        &mut self,
        cap: usize,
        selector: &Arc<Selector<B>>,
        arm: usize,
        slot: &Arc<Slot<T>>,
    ) -> Registered {
        let refusal = if self.closed {
            Some(Outcome::Closed)
        } else if self.receivers == 0 {
            Some(Outcome::Disconnected)
        } else {
            None
        };
        if let Some(outcome) = refusal {
            return if selector.try_claim(arm, outcome) {
                Registered::Completed(outcome)
            } else {
                Registered::AlreadyClaimed
            };
        }
        let mut index = 0;
        while index < self.recvq.len() {
            let receiver = &self.recvq[index];
            if Arc::ptr_eq(&receiver.selector, selector) {
                index += 1;
                continue;
            }
            let receiver = self.recvq.remove(index).expect("index checked");
            match selector.try_claim_pair(arm, &receiver.selector, receiver.arm, || {
                receiver
                    .slot
                    .put(slot.take().expect("a send arm's slot holds its value"))
            }) {
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
        self.sendq.push_back(Parked {
            selector: Arc::clone(selector),
            arm,
            slot: Arc::clone(slot),
        });
        Registered::Parked
    }

    /// Drops one receive registration of `selector` (after its select completed), if a peer has
    /// not dequeued it already.
    pub(crate) fn unregister_recv(&mut self, selector: &Arc<Selector<B>>) {
        remove_one(&mut self.recvq, selector);
    }

    /// Drops one send registration of `selector`, as [`State::unregister_recv`] does.
    pub(crate) fn unregister_send(&mut self, selector: &Arc<Selector<B>>) {
        remove_one(&mut self.sendq, selector);
    }

    /// Marks the channel closed and wakes every parked operation: receivers get `Closed` (the
    /// buffer stays for later receives), senders get their value back. Returns false if it was
    /// already closed.
    pub(crate) fn close(&mut self) -> bool {
        if self.closed {
            return false;
        }
        self.closed = true;
        // `pop_front` rather than `drain`: closing a channel nobody waits on (every context's
        // cancel) then costs two length checks.
        while let Some(receiver) = self.recvq.pop_front() {
            receiver.selector.try_claim(receiver.arm, Outcome::Closed);
        }
        while let Some(sender) = self.sendq.pop_front() {
            sender.selector.try_claim(sender.arm, Outcome::Closed);
        }
        true
    }

    /// The last receiver is gone: parked senders get their value back, as `Disconnected`.
    pub(crate) fn disconnect_receivers(&mut self) {
        while let Some(sender) = self.sendq.pop_front() {
            sender.selector.try_claim(sender.arm, Outcome::Disconnected);
        }
    }
}

/// Removes one registration of `selector` from `queue`, searching from the newest end, where a
/// select that just parked finds its own. Every registration of a select belongs to one of its
/// arms and each arm unregisters once, so a select with two arms on one queue removes both.
fn remove_one<T, B: Backend>(queue: &mut VecDeque<Parked<T, B>>, selector: &Arc<Selector<B>>) {
    if let Some(index) = queue
        .iter()
        .rposition(|parked| Arc::ptr_eq(&parked.selector, selector))
    {
        queue.remove(index);
    }
}
