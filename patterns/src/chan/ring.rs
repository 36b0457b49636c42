//! A buffered channel's values: a lock-free ring of sequence-stamped slots, with the channel's
//! closed, disconnected and "someone is parked" flags in its two position words.
//!
//! The algorithm is Vyukov's bounded MPMC queue, laid out as crossbeam's array channel lays it
//! out. `head` and `tail` each hold a position (a lap and an index, `one_lap` apart from lap to
//! lap) shifted left by [`SHIFT`], and flag bits below it. Slot `i` starts stamped with position
//! `i`, free for the first lap's writer. A sender reads `tail`, then the slot's stamp; if the stamp
//! equals the position the slot is free, and the sender that moves `tail` on by compare-and-swap
//! owns it: it writes, then stamps the slot `position + 1` (full). A receiver does the same with
//! `head`, expecting `position + 1`, takes the value and stamps the slot `position + one_lap`,
//! free for the next lap's writer. A stamp a lap behind (sender) or equal to the position
//! (receiver) means full or empty, unless a peer is between its reservation and its stamp (*in
//! flight*). No operation here waits for such a peer: it reports [`Push::Busy`] or [`Pop::Busy`],
//! and under the channel lock it first *marks* the slot ([`WAITED`]), which the peer's stamp swap
//! reports, so that the peer serves the operations parked meanwhile (promise 7). A wait on a peer
//! is a park, never a spin: under the model checkers a spin on a peer's step multiplies the
//! schedules beyond reach.
//!
//! What this module promises its one caller (`buffered.rs`), each checked by loom's cell check and
//! the buffered scenarios under every checker:
//!
//! 1. **A slot has one owner at a time.** It is written only by the sender whose `tail` CAS passed
//!    its position after reading the stamp that position expects (Acquire), and emptied only by
//!    the receiver whose `head` CAS passed it after reading `position + 1`; each then stores the
//!    next stamp (Release). So the accesses to a slot are ordered by happens-before, a value's
//!    write before its read (Go's "a send happens before the corresponding receive completes").
//! 2. **At most `cap` values**: a sender reserves only a slot whose previous value was taken.
//! 3. **Values leave in the order their places were reserved** (FIFO per channel).
//! 4. **After [`CLOSED`] or [`GONE`] no send reserves a place**; the flags are set by a CAS on
//!    `tail`, so a send either reserved before (and completes) or sees them.
//! 5. **No wake-up is lost**: the parked flags live in the words the operations CAS. A receiver
//!    about to park sets [`RECV_PARKED`] in `tail` by CAS and then looks again; every send's
//!    reservation is a CAS on the same word, so it is ordered before that flag (and the look
//!    finds its value) or after it (and the send reports the flag, and serves the parked
//!    receivers once its value is in). The same holds for a sender and [`SEND_PARKED`] in `head`.
//! 6. **A new operation gives way to parked ones**: while [`SEND_WAITING`] is set in `tail` (or
//!    [`RECV_WAITING`] in `head`), a send (a receive) that does not say it is its turn
//!    ([`Turn::Mine`]) reserves nothing and reports [`Push::Queued`] ([`Pop::Queued`]).
//! 7. **No wake-up is lost to an operation in flight.** An operation under the channel lock that
//!    finds the place it needs in flight marks the slot's stamp with [`WAITED`] by CAS before it
//!    reports [`Push::Busy`] ([`Pop::Busy`]) and parks; the operation in flight stores its stamp
//!    by swap, a read-modify-write of the same word, so the mark comes first (the swap reports
//!    it: `serve`, and the operation serves the parked ones once it is done) or the swap does (the
//!    mark fails, and the marker looks again and finds the place done).
//!
//! **The one module of the project with `unsafe`.** A slot's value is plain memory, an
//! [`UnsafeCell`], written and read without a lock: promise 1 is what makes that sound, so each
//! `unsafe` block below says which part of it it relies on. Every access first goes through the
//! backend's checked access log ([`Backend::access`], the mechanism of
//! [`RaceCell`](crate::RaceCell)): nothing on `Std`; under loom, loom's own `UnsafeCell` tracking;
//! under shuttle, vector clocks. So the model checkers run this very code and fail the run as a
//! **data race** on any schedule where the stamps do not order an access after the previous
//! owner's, before the access is made. The rules of this module, held by the tidy rule
//! `unsafe_lives_only_in_the_ring` (ARCHITECTURE.md, invariant 13): no other file of the project
//! has `unsafe`; every `unsafe` block here has a `// SAFETY:` comment; the cell is reached only
//! through [`Slot::put`] and [`Slot::take`], which tell the backend first.

#![allow(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]

use crate::backend::{Access, Atomic, AtomicInt, Backend};
use std::cell::UnsafeCell;
use std::sync::atomic::Ordering::{AcqRel, Acquire, SeqCst};

/// In a stamp: an operation under the channel lock waits for the one in flight on this slot
/// (promise 7). Above every position, which [`POSITION_MASK`] keeps below it.
const WAITED: usize = 1 << (usize::BITS - 1);
/// Bits below the position in `head` and `tail`.
const SHIFT: u32 = 4;
/// The flag bits.
const FLAGS: usize = (1 << SHIFT) - 1;
/// Positions wrap at this many bits (`usize::BITS - SHIFT`): a thread would have to stall while
/// the channel passes 2⁶⁰ values (2²⁸ on a 32-bit target) to confuse two laps.
const POSITION_MASK: usize = usize::MAX >> SHIFT;

/// In `tail`: some receiver is parked on the channel (set and cleared under the channel lock).
pub(crate) const RECV_PARKED: usize = 1;
/// In `tail`: the channel is closed.
pub(crate) const CLOSED: usize = 2;
/// In `tail`: every receiver is gone.
pub(crate) const GONE: usize = 4;
/// In `tail`, beside [`SEND_PARKED`] in `head`: some sender is parked, so a new send must queue
/// behind it rather than take a freed place first (set and cleared under the channel lock).
pub(crate) const SEND_WAITING: usize = 8;
/// In `head`: some sender is parked on the channel (set and cleared under the channel lock).
pub(crate) const SEND_PARKED: usize = 1;
/// In `head`, beside [`RECV_PARKED`] in `tail`: some receiver is parked, so a new receive must
/// queue behind it rather than take a value first (set and cleared under the channel lock).
pub(crate) const RECV_WAITING: usize = 2;

/// Which position word a flag lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Word {
    Head,
    Tail,
}

/// Whether a ring operation minds the parked operations' turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Turn {
    /// A new operation: it gives way to parked ones ([`SEND_WAITING`], [`RECV_WAITING`]).
    Mind,
    /// An operation under the channel lock whose turn it is: serving a parked one, or one that
    /// found nobody parked before it.
    Mine,
}

/// What a non-blocking send into the ring did.
pub(crate) enum Push<T> {
    /// The value is in; `serve` if the reservation saw [`RECV_PARKED`] or the stamp swap saw
    /// [`WAITED`] (the sender must then serve the parked operations, under the channel lock).
    Done { serve: bool },
    /// Every place is taken: the value comes back.
    Full(T),
    /// The channel is closed: the value comes back.
    Closed(T),
    /// Every receiver is gone: the value comes back.
    Gone(T),
    /// Senders are parked ahead of this one: the value comes back, for the channel lock's path.
    Queued(T),
    /// The place this send needs is being emptied by a receiver in flight: the value comes back.
    /// Under [`Turn::Mine`] the slot is marked, and that receiver will serve the parked senders.
    Busy(T),
}

/// What a non-blocking receive from the ring got.
pub(crate) enum Pop<T> {
    /// The oldest value; `serve` if the reservation saw [`SEND_PARKED`] or the stamp swap saw
    /// [`WAITED`] (the receiver must then serve the parked operations, under the channel lock).
    Value { value: T, serve: bool },
    /// Nothing buffered, nothing on its way in.
    Empty,
    /// Nothing buffered and the channel is closed.
    Closed,
    /// Receivers are parked ahead of this one: it takes the channel lock's path.
    Queued,
    /// The oldest value is being written by a sender in flight. Under [`Turn::Mine`] the slot is
    /// marked, and that sender will serve the parked receivers.
    Busy,
}

/// Keeps `head` and `tail` on separate cache lines, so senders and receivers do not invalidate
/// each other's word.
#[repr(align(128))]
struct Padded<T>(T);

/// One place of the ring.
struct Slot<T, B: Backend> {
    /// The position the slot waits for: a writer's (`position`), or a reader's (`position + 1`).
    stamp: B::AtomicUsize,
    /// The value while buffered (`None` otherwise, so a ring dropped with values drops them, and
    /// a read of an empty slot panics instead of reading garbage). Reached only by the slot's
    /// owner (promise 1), through [`Slot::put`] and [`Slot::take`].
    value: UnsafeCell<Option<T>>,
    /// The model checkers' record of the slot's accesses, to find an access the stamps do not
    /// order (nothing on `Std`).
    log: B::AccessLog,
}

impl<T, B: Backend> Slot<T, B> {
    /// Writes the value, by the sender whose reservation owns the slot.
    fn put(&self, value: T) {
        B::access(&self.log, Access::Write);
        // Promise 1: the caller's `tail` CAS reserved this position after its Acquire load read
        // the stamp the previous owner stored with Release after its last access, and no other
        // thread reserves the slot until this one stores the next stamp.
        // SAFETY: by promise 1 this `&mut` is the only reference, ordered after every earlier one.
        let previous = unsafe { (*self.value.get()).replace(value) };
        debug_assert!(previous.is_none(), "a slot was written twice");
    }

    /// Takes the value, by the receiver whose reservation owns the slot.
    fn take(&self) -> T {
        B::access(&self.log, Access::Write);
        // Promise 1: the caller's `head` CAS reserved this position after its Acquire load read
        // `position + 1`, stored with Release after the value's write.
        // SAFETY: by promise 1 this `&mut` is the only reference, ordered after the write.
        unsafe { (*self.value.get()).take() }.expect("a slot stamped full holds a value")
    }
}

/// A lock-free bounded buffer of capacity `cap` (at least 1).
///
/// `Send` as its fields are (`T: Send`); `Sync` by the `unsafe impl` below.
pub(crate) struct Ring<T, B: Backend> {
    /// The next position to receive from, and [`SEND_PARKED`].
    head: Padded<B::AtomicUsize>,
    /// The next position to send to, and [`RECV_PARKED`], [`CLOSED`] and [`GONE`].
    tail: Padded<B::AtomicUsize>,
    slots: Box<[Slot<T, B>]>,
    /// The distance between one lap's position of a slot and the next lap's: a power of two
    /// above `cap`, so that `index + 1` never carries into the lap.
    one_lap: usize,
}

// The ring is shared by the channel's senders and receivers; the only state not `Sync` on its
// own is the slots' `UnsafeCell`s. A value moves from the thread that `put` it to the one that
// `take`s it (hence `T: Send`; no `&T` is ever shared).
// SAFETY: the two never touch a slot at once (promise 1), which `put` and `take` rely on.
unsafe impl<T: Send, B: Backend> Sync for Ring<T, B> {}

impl<T, B: Backend> Ring<T, B> {
    /// An empty ring of `cap` places.
    pub(crate) fn new(cap: usize) -> Self {
        assert!(cap >= 1, "a ring needs a place");
        let slots = (0..cap)
            .map(|index| Slot {
                stamp: B::AtomicUsize::new(index),
                value: UnsafeCell::new(None),
                log: B::access_log(),
            })
            .collect();
        Self {
            head: Padded(B::AtomicUsize::new(0)),
            tail: Padded(B::AtomicUsize::new(0)),
            slots,
            one_lap: (cap + 1).next_power_of_two(),
        }
    }

    pub(crate) fn cap(&self) -> usize {
        self.slots.len()
    }

    fn slot(&self, position: usize) -> &Slot<T, B> {
        &self.slots[position & (self.one_lap - 1)]
    }

    /// The position after `position`: the next index, or the next lap's first.
    fn next(&self, position: usize) -> usize {
        if (position & (self.one_lap - 1)) + 1 < self.cap() {
            position + 1
        } else {
            (position & !(self.one_lap - 1)).wrapping_add(self.one_lap) & POSITION_MASK
        }
    }

    /// `position` one lap on.
    fn lap_after(&self, position: usize) -> usize {
        position.wrapping_add(self.one_lap) & POSITION_MASK
    }

    fn word(&self, word: Word) -> &B::AtomicUsize {
        match word {
            Word::Head => &self.head.0,
            Word::Tail => &self.tail.0,
        }
    }

    /// Sends `value` if a place is free, without blocking and without waiting for another
    /// operation: a place still being emptied by a receiver is [`Push::Busy`] (promise 7).
    pub(crate) fn try_push(&self, value: T, turn: Turn) -> Push<T> {
        let mut spins = 0;
        let mut tail = self.tail.0.load(SeqCst);
        loop {
            if tail & CLOSED != 0 {
                return Push::Closed(value);
            }
            if tail & GONE != 0 {
                return Push::Gone(value);
            }
            if tail & SEND_WAITING != 0 && turn == Turn::Mind {
                return Push::Queued(value);
            }
            let position = tail >> SHIFT;
            let slot = self.slot(position);
            // Acquire pairs with the Release of the stamp by the receiver that freed the slot:
            // its take happens before this sender's write (promise 1).
            let stamp = slot.stamp.load(Acquire);
            if stamp & !WAITED == position {
                let next = (self.next(position) << SHIFT) | (tail & FLAGS);
                // SeqCst, as every access to the position words: a reservation and a parked flag
                // are ordered by this word's modification order (promise 5).
                match self.tail.0.compare_exchange(tail, next, SeqCst, SeqCst) {
                    Ok(_) => {
                        slot.put(value);
                        // Release: the write above happens before the receive that reads this
                        // stamp. A swap, not a store: it reads the mark a receiver may have set
                        // while this send was in flight (promise 7).
                        let before = slot.stamp.swap(position + 1, AcqRel);
                        return Push::Done {
                            serve: tail & RECV_PARKED != 0 || before & WAITED != 0,
                        };
                    }
                    // Another sender reserved first, or a flag changed: look again, from the
                    // word the CAS found.
                    Err(now) => {
                        retry::<B>();
                        tail = now;
                    }
                }
            } else if self.lap_after(stamp & !WAITED) == position + 1 {
                // The slot still holds the previous lap's value: full, unless its receiver has
                // reserved it and is taking it now.
                let head = self.head.0.load(SeqCst);
                if self.lap_after(head >> SHIFT) == position {
                    return Push::Full(value);
                }
                if look_again::<B>(turn, &mut spins, &slot.stamp, stamp) {
                    tail = self.tail.0.load(SeqCst);
                    continue;
                }
                return Push::Busy(value);
            } else {
                // Another sender has filled this place since `tail` was read: its stamp store
                // came after its reservation, so `tail` has moved on.
                retry::<B>();
                tail = self.tail.0.load(SeqCst);
            }
        }
    }

    /// Receives the oldest value, without blocking and without waiting for another operation:
    /// a value still being written by its sender is [`Pop::Busy`] (promise 7).
    pub(crate) fn try_pop(&self, turn: Turn) -> Pop<T> {
        let mut spins = 0;
        let mut head = self.head.0.load(SeqCst);
        loop {
            if head & RECV_WAITING != 0 && turn == Turn::Mind {
                return Pop::Queued;
            }
            let position = head >> SHIFT;
            let slot = self.slot(position);
            // Acquire pairs with the Release of the stamp by the sender that wrote the value.
            let stamp = slot.stamp.load(Acquire);
            if stamp & !WAITED == position + 1 {
                let next = (self.next(position) << SHIFT) | (head & FLAGS);
                match self.head.0.compare_exchange(head, next, SeqCst, SeqCst) {
                    Ok(_) => {
                        let value = slot.take();
                        // Release: the take above happens before the next lap's write. A swap,
                        // for the mark a sender may have set meanwhile (promise 7).
                        let before = slot.stamp.swap(self.lap_after(position), AcqRel);
                        return Pop::Value {
                            value,
                            serve: head & SEND_PARKED != 0 || before & WAITED != 0,
                        };
                    }
                    Err(now) => {
                        retry::<B>();
                        head = now;
                    }
                }
            } else if stamp & !WAITED == position {
                // Empty, unless a sender has reserved this place and is writing it now.
                let tail = self.tail.0.load(SeqCst);
                if tail >> SHIFT == position {
                    return if tail & CLOSED != 0 {
                        Pop::Closed
                    } else {
                        Pop::Empty
                    };
                }
                if look_again::<B>(turn, &mut spins, &slot.stamp, stamp) {
                    head = self.head.0.load(SeqCst);
                    continue;
                }
                return Pop::Busy;
            } else {
                // Another receiver has emptied this place since `head` was read.
                retry::<B>();
                head = self.head.0.load(SeqCst);
            }
        }
    }

    /// Sets `flag` in `word`: a read-modify-write even when it is set already, so that it is
    /// ordered against every reservation (promise 5). Called under the channel lock.
    pub(crate) fn set(&self, word: Word, flag: usize) {
        self.word(word).fetch_or(flag, SeqCst);
    }

    /// Clears `flag` in `word` (the queue it stands for is empty). Called under the channel lock.
    pub(crate) fn clear(&self, word: Word, flag: usize) {
        self.word(word).fetch_and(!flag, SeqCst);
    }

    /// Whether `flag` is set in `word`.
    pub(crate) fn is_set(&self, word: Word, flag: usize) -> bool {
        self.word(word).load(SeqCst) & flag != 0
    }

    /// The number of values buffered (or on their way in), at most the capacity.
    pub(crate) fn len(&self) -> usize {
        loop {
            let tail = self.tail.0.load(SeqCst);
            let head = self.head.0.load(SeqCst);
            // A consistent pair: `tail` did not move while `head` was read.
            if self.tail.0.load(SeqCst) == tail {
                let (head, tail) = (head >> SHIFT, tail >> SHIFT);
                let index = |position: usize| position & (self.one_lap - 1);
                let lap = |position: usize| position & !(self.one_lap - 1);
                return if lap(head) == lap(tail) {
                    index(tail) - index(head)
                } else {
                    // `tail` is one lap ahead (or the ring is full).
                    self.cap() - index(head) + index(tail)
                }
                .min(self.cap());
            }
            B::yield_now();
        }
    }
}

/// A look again after a failed CAS: at once on real threads, after a yield under the model
/// checkers (invariant 6).
fn retry<B: Backend>() {
    if B::SPINS_BEFORE_PARK == 0 {
        B::yield_now();
    } else {
        std::hint::spin_loop();
    }
}

/// An operation that found its slot in flight (its stamp still `stamp`): whether to look again.
/// A new operation spins a little first on real threads ([`spin`]), then reports busy for the
/// channel lock's path; one under the lock marks the slot ([`mark`]) and reports busy, or looks
/// again if the peer finished meanwhile (promise 7).
fn look_again<B: Backend>(
    turn: Turn,
    spins: &mut u32,
    stamp_word: &impl Atomic<usize>,
    stamp: usize,
) -> bool {
    match turn {
        Turn::Mind => spin::<B>(spins),
        Turn::Mine if mark(stamp_word, stamp) => false,
        Turn::Mine => {
            retry::<B>();
            true
        }
    }
}

/// Marks a slot whose operation is in flight (its stamp still `stamp`), for that operation's
/// stamp swap to report (promise 7). False if the stamp has changed meanwhile: the operation has
/// finished, and the caller looks again. A read-modify-write on the stamp, so that it and the
/// swap are ordered: the mark comes first (the swap reports it) or the swap does (the mark
/// fails, and the caller's next look, Acquire, sees what the operation did).
fn mark(stamp_word: &impl Atomic<usize>, stamp: usize) -> bool {
    stamp & WAITED != 0
        || stamp_word
            .compare_exchange(stamp, stamp | WAITED, AcqRel, Acquire)
            .is_ok()
}

/// A look again at a peer in flight, on real threads only: spins a little (six rounds, doubling)
/// and says whether it did; a new operation that still finds the peer in flight then takes the
/// channel lock's path. Under the model checkers, never: a spin would multiply their schedules,
/// and the lock's path is what they must check. Every read of a stamp or a position word is a plain
/// load, never a read-modify-write that stores what it read: under loom such a store can stay
/// unordered against a peer's plain store, and a look again by RMW may read its own stale store.
fn spin<B: Backend>(spins: &mut u32) -> bool {
    if B::SPINS_BEFORE_PARK == 0 || *spins >= 6 {
        return false;
    }
    (0..1u32 << *spins).for_each(|_| std::hint::spin_loop());
    *spins += 1;
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::Std;

    impl<T, B: Backend> Ring<T, B> {
        fn try_push_mind(&self, value: T) -> Push<T> {
            self.try_push(value, Turn::Mind)
        }
        fn try_pop_mind(&self) -> Pop<T> {
            self.try_pop(Turn::Mind)
        }
    }

    fn drain(ring: &Ring<u32, Std>) -> Vec<u32> {
        let mut got = Vec::new();
        while let Pop::Value { value, .. } = ring.try_pop_mind() {
            got.push(value);
        }
        got
    }

    /// A ring holds `cap` values, refuses the next, and gives them back in order, lap after lap.
    #[test]
    fn holds_cap_values_in_order_across_laps() {
        for cap in [1, 2, 3, 4, 7, 8] {
            let ring = Ring::<u32, Std>::new(cap);
            for lap in 0..5u32 {
                for i in 0..cap as u32 {
                    assert!(matches!(
                        ring.try_push_mind(lap * 100 + i),
                        Push::Done { .. }
                    ));
                    assert_eq!(ring.len(), i as usize + 1);
                }
                assert!(
                    matches!(ring.try_push_mind(99), Push::Full(99)),
                    "cap {cap}"
                );
                assert_eq!(ring.len(), cap);
                let expected: Vec<u32> = (0..cap as u32).map(|i| lap * 100 + i).collect();
                assert_eq!(drain(&ring), expected, "cap {cap}, lap {lap}");
                assert_eq!(ring.len(), 0);
                assert!(matches!(ring.try_pop_mind(), Pop::Empty));
            }
        }
    }

    /// `len` counts across the lap boundary: two values in, one out, two more in.
    #[test]
    fn len_counts_across_a_lap() {
        let ring = Ring::<u32, Std>::new(3);
        for v in 0..3 {
            assert!(matches!(ring.try_push_mind(v), Push::Done { .. }));
        }
        assert!(matches!(ring.try_pop_mind(), Pop::Value { value: 0, .. }));
        assert!(matches!(ring.try_pop_mind(), Pop::Value { value: 1, .. }));
        assert!(matches!(ring.try_push_mind(3), Push::Done { .. }));
        assert_eq!(ring.len(), 2);
        assert!(matches!(ring.try_push_mind(4), Push::Done { .. }));
        assert_eq!(ring.len(), 3);
        assert_eq!(drain(&ring), [2, 3, 4]);
    }

    /// The flags travel with the positions: a reservation reports the parked flag it saw, a
    /// closed ring refuses sends and, once drained, says closed; the flags do not disturb `len`.
    #[test]
    fn flags_are_reported_and_kept_across_operations() {
        let ring = Ring::<u32, Std>::new(2);
        ring.set(Word::Tail, RECV_PARKED);
        assert!(matches!(ring.try_push_mind(1), Push::Done { serve: true }));
        ring.clear(Word::Tail, RECV_PARKED);
        assert!(!ring.is_set(Word::Tail, RECV_PARKED));
        assert!(matches!(ring.try_push_mind(2), Push::Done { serve: false }));
        ring.set(Word::Head, SEND_PARKED);
        assert!(matches!(
            ring.try_pop_mind(),
            Pop::Value {
                value: 1,
                serve: true
            }
        ));
        ring.set(Word::Tail, CLOSED);
        assert_eq!(ring.len(), 1);
        assert!(matches!(ring.try_push_mind(3), Push::Closed(3)));
        assert!(matches!(ring.try_pop_mind(), Pop::Value { value: 2, .. }));
        assert!(matches!(ring.try_pop_mind(), Pop::Closed));
        let gone = Ring::<u32, Std>::new(1);
        gone.set(Word::Tail, GONE);
        assert!(matches!(gone.try_push_mind(5), Push::Gone(5)));
    }

    /// While operations of one side are parked, a new one of that side gives way (it is sent to
    /// the channel lock's path) and one whose turn it is goes ahead.
    #[test]
    fn a_new_operation_gives_way_to_parked_ones() {
        let ring = Ring::<u32, Std>::new(2);
        ring.set(Word::Tail, SEND_WAITING);
        assert!(matches!(ring.try_push(1, Turn::Mind), Push::Queued(1)));
        assert!(matches!(ring.try_push(1, Turn::Mine), Push::Done { .. }));
        ring.clear(Word::Tail, SEND_WAITING);
        ring.set(Word::Head, RECV_WAITING);
        assert!(matches!(ring.try_pop(Turn::Mind), Pop::Queued));
        assert!(matches!(
            ring.try_pop(Turn::Mine),
            Pop::Value { value: 1, .. }
        ));
        ring.clear(Word::Head, RECV_WAITING);
        assert!(matches!(ring.try_pop(Turn::Mind), Pop::Empty));
    }

    /// Promise 7: an operation in flight is reported busy, not waited for; under the lock the
    /// slot is marked, and the in-flight operation's stamp swap reports the mark. Here the
    /// sender's reservation and its stamp are done by hand, with a receive in between.
    #[test]
    fn an_operation_in_flight_is_busy_and_reports_the_mark() {
        let ring = Ring::<u32, Std>::new(2);
        let reserved = ring.tail.0.load(SeqCst);
        ring.tail
            .0
            .store(ring.next(reserved >> SHIFT) << SHIFT, SeqCst);
        assert!(matches!(ring.try_pop(Turn::Mind), Pop::Busy));
        assert_eq!(
            ring.slots[0].stamp.load(SeqCst),
            0,
            "a new receive marks nothing"
        );
        assert!(matches!(ring.try_pop(Turn::Mine), Pop::Busy));
        assert_eq!(
            ring.slots[0].stamp.load(SeqCst),
            WAITED,
            "marked under the lock"
        );
        ring.slots[0].put(7);
        let before = ring.slots[0].stamp.swap(1, AcqRel);
        assert_ne!(before & WAITED, 0, "the sender's swap reports the mark");
        assert!(matches!(
            ring.try_pop(Turn::Mine),
            Pop::Value {
                value: 7,
                serve: false
            }
        ));
        // The other way: a receive in flight on the only full slot of a full ring.
        let ring = Ring::<u32, Std>::new(2);
        for value in [1, 2] {
            assert!(matches!(
                ring.try_push(value, Turn::Mind),
                Push::Done { serve: false }
            ));
        }
        ring.head.0.store(ring.next(0) << SHIFT, SeqCst);
        assert!(matches!(ring.try_push(3, Turn::Mind), Push::Busy(3)));
        assert!(matches!(ring.try_push(3, Turn::Mine), Push::Busy(3)));
        assert_eq!(ring.slots[0].stamp.load(SeqCst), 1 | WAITED);
        assert_eq!(ring.slots[0].take(), 1);
        let before = ring.slots[0].stamp.swap(ring.lap_after(0), AcqRel);
        assert_ne!(before & WAITED, 0, "the receiver's swap reports the mark");
        assert!(matches!(
            ring.try_push(3, Turn::Mine),
            Push::Done { serve: false }
        ));
    }

    /// Four senders and four receivers on real threads through a small ring: every value arrives
    /// exactly once, and each sender's values in its order.
    #[test]
    fn every_value_arrives_once_in_each_senders_order() {
        const PER_SENDER: u32 = 20_000;
        let ring = std::sync::Arc::new(Ring::<u32, Std>::new(4));
        let senders: Vec<_> = (0..4u32)
            .map(|s| {
                let ring = std::sync::Arc::clone(&ring);
                std::thread::spawn(move || {
                    for i in 0..PER_SENDER {
                        let mut value = s * PER_SENDER + i;
                        loop {
                            match ring.try_push_mind(value) {
                                Push::Done { .. } => break,
                                Push::Full(back) | Push::Busy(back) => value = back,
                                _ => unreachable!("never closed"),
                            }
                            std::thread::yield_now();
                        }
                    }
                })
            })
            .collect();
        let receivers: Vec<_> = (0..4)
            .map(|_| {
                let ring = std::sync::Arc::clone(&ring);
                std::thread::spawn(move || {
                    let mut got = Vec::new();
                    while got.len() < PER_SENDER as usize {
                        match ring.try_pop_mind() {
                            Pop::Value { value, .. } => got.push(value),
                            _ => std::thread::yield_now(),
                        }
                    }
                    got
                })
            })
            .collect();
        senders.into_iter().for_each(|t| t.join().unwrap());
        let mut all = Vec::new();
        for receiver in receivers {
            let got = receiver.join().unwrap();
            for s in 0..4 {
                let mine: Vec<u32> = got
                    .iter()
                    .copied()
                    .filter(|v| v / PER_SENDER == s)
                    .collect();
                assert!(mine.windows(2).all(|w| w[0] < w[1]), "sender {s} reordered");
            }
            all.extend(got);
        }
        all.sort_unstable();
        assert_eq!(all, (0..4 * PER_SENDER).collect::<Vec<_>>());
    }
}
