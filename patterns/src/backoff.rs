//! How a blocked operation waits for its peer before it parks: busy-wait for a stretch of *time*,
//! then yield the core a few times, unless the machine looks oversubscribed, when it parks at once.
//!
//! Parking and waking a thread costs microseconds, and a peer on another core often answers
//! sooner, so a short busy-wait pays. How short is a matter of time, not of pause instructions:
//! one `pause` takes from a handful to about 140 cycles depending on the processor, so a wait
//! counted in pauses (as the first version was: 127 of them) lasts 0.3 µs on one machine and 5 µs
//! on another.
//!
//! Busy-waiting and yielding only pay while the peer runs. When the machine has more runnable
//! threads than cores, a busy-wait burns the time slice the peer needs, and a yield hands the core
//! to a neighbour for a whole slice. A thread that sees the signs of that (a spin or a yield that
//! took far longer than it should, because the thread lost its core to a neighbour) says so in a
//! process-wide hint, and until the hint expires every wait on a buffered channel parks at once,
//! so the peer's hand-over wakes it directly (measured beside a spinning neighbour per core:
//! 20,000 values through capacity 64, one producer and one consumer, 145 ms before and 4.2 ms
//! after, medians of two runs; `docs/performance.md`). A hand-over on capacity 0 or 1 keeps waiting as on a quiet
//! machine: parking at once measured slower there.
//!
//! Under the model checkers ([`Backend::SPINS_BEFORE_PARK`] 0) nothing here runs: a wait parks at
//! once and adds no schedules.

use crate::backend::Backend;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How long a waiter may busy-wait, then how many times it may yield, before it parks.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Patience {
    /// The busy-wait's length in time.
    busy: Duration,
    /// Yields after the busy-wait.
    yields: u32,
    /// Whether to park at once while the machine looks oversubscribed.
    park_when_oversubscribed: bool,
}

/// A hand-over on a channel of capacity 0 or 1: the waiter waits for its peer's whole turn (a
/// receive, then a send back), even when the peer runs on another core. It keeps waiting this way
/// on a busy machine too: there the peer is one hand-over away, and parking measured slower
/// (a rendezvous beside spinning neighbours: 133 ms before, 348 ms parking at once, for 20,000
/// values).
pub(crate) const HANDOVER: Patience = Patience {
    busy: Duration::from_micros(4),
    yields: 4,
    park_when_oversubscribed: false,
};

/// A buffered channel: a wait there is short when the peer runs (its next value or free place is
/// a few instructions away) and long when it does not (it stays behind by a whole buffer), and
/// then busy-waiting only keeps the peer off the core, and yielding hands the core to a neighbour.
pub(crate) const BUFFERED: Patience = Patience {
    busy: Duration::from_nanos(200),
    yields: 7,
    park_when_oversubscribed: true,
};

impl Patience {
    /// Whether a wait with this patience parks without busy-waiting or yielding: always on a
    /// backend that does not spin (the model checkers), and on a buffered channel while the
    /// machine looks oversubscribed. A caller that holds a lock it would take again to park can
    /// then keep it.
    pub(crate) fn parks_at_once<B: Backend>(self) -> bool {
        B::SPINS_BEFORE_PARK == 0
            || (self.park_when_oversubscribed && oversubscribed(Instant::now()))
    }

    /// The patience for a wait on a channel of `capacity`.
    pub(crate) fn for_capacity(capacity: usize) -> Self {
        if capacity <= 1 {
            HANDOVER
        } else {
            BUFFERED
        }
    }
}

/// Pauses between two looks at the flag (a pause takes about 3 to 40 ns).
const PAUSES_PER_POLL: u32 = 4;

/// Looks at the flag between two reads of the clock (one read costs about 25 ns, a look with its
/// pauses about 100 ns here): often enough that a 200 ns budget is not overrun by much.
const POLLS_PER_CLOCK_READ: u32 = 2;

/// A spin or a yield that took longer than this lost its core to a thread that does not block
/// soon: a neighbour holding the core, so the machine is oversubscribed. (An undisturbed round of
/// 8 pauses takes under 1 µs on any processor; a yield to one of the program's own threads, which
/// soon blocks or hands over, comes back within tens of microseconds; a neighbour keeps the core
/// for a time slice, a millisecond or more.)
const LOST_THE_CORE: Duration = Duration::from_micros(500);

/// How long one sign of oversubscription keeps waits from busy-waiting.
const OVERSUBSCRIBED_FOR: Duration = Duration::from_millis(100);

/// Until when (nanoseconds since [`epoch`]) waits skip their busy phase. A hint only, so Relaxed:
/// a thread that reads it late spins once more.
static OVERSUBSCRIBED_UNTIL: AtomicU64 = AtomicU64::new(0);

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn nanos_since_epoch(at: Instant) -> u64 {
    u64::try_from(at.saturating_duration_since(epoch()).as_nanos()).unwrap_or(u64::MAX)
}

fn oversubscribed(now: Instant) -> bool {
    nanos_since_epoch(now) < OVERSUBSCRIBED_UNTIL.load(Ordering::Relaxed)
}

fn note_oversubscribed(now: Instant) {
    let until = nanos_since_epoch(now + OVERSUBSCRIBED_FOR);
    OVERSUBSCRIBED_UNTIL.fetch_max(until, Ordering::Relaxed);
}

/// Whether a stretch from `since` to `now` that should have been short shows that the thread lost
/// its core; notes the machine oversubscribed if so.
fn lost_the_core(since: Instant, now: Instant) -> bool {
    let lost = now - since > LOST_THE_CORE;
    if lost {
        note_oversubscribed(now);
    }
    lost
}

/// Waits, as `patience` allows, until `done` says yes; returns whether it did. The caller parks
/// if not. On a backend that does not spin (the model checkers) it only asks `done` once.
pub(crate) fn wait_for<B: Backend>(patience: Patience, done: impl Fn() -> bool) -> bool {
    if done() {
        return true;
    }
    // When oversubscribed, a yield would hand the core to a neighbour for a whole time slice, and
    // a busy-wait would burn this thread's: parking lets the peer's hand-over wake it directly.
    if patience.parks_at_once::<B>() {
        return false;
    }
    spin_for::<B>(patience, done)
}

/// The busy-wait and the yields of [`wait_for`], for a caller that has already asked
/// [`Patience::parks_at_once`] (on a backend that spins) and was told no.
pub(crate) fn spin_for<B: Backend>(patience: Patience, done: impl Fn() -> bool) -> bool {
    let start = Instant::now();
    let mut last = start;
    loop {
        // Polling a flag only one thread writes costs the writer nothing, so poll often: a few
        // pauses between looks, and the clock read only every few looks.
        for _ in 0..POLLS_PER_CLOCK_READ {
            (0..PAUSES_PER_POLL).for_each(|_| std::hint::spin_loop());
            if done() {
                return true;
            }
        }
        let now = Instant::now();
        if lost_the_core(last, now) && patience.park_when_oversubscribed {
            return done();
        }
        if now - start >= patience.busy {
            break;
        }
        last = now;
    }
    for _ in 0..patience.yields {
        let before = Instant::now();
        B::yield_now();
        if done() {
            return true;
        }
        if lost_the_core(before, Instant::now()) && patience.park_when_oversubscribed {
            return false;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::Std;
    use std::cell::Cell;

    /// A wait returns as soon as its condition holds, and gives up when it never does.
    #[test]
    fn waits_for_the_condition_or_gives_up() {
        assert!(wait_for::<Std>(HANDOVER, || true));
        assert!(!wait_for::<Std>(BUFFERED, || false));
        let looks = Cell::new(0);
        assert!(wait_for::<Std>(HANDOVER, || {
            looks.set(looks.get() + 1);
            looks.get() == 3
        }));
        assert_eq!(looks.get(), 3, "it stops looking once the condition holds");
    }

    /// While the machine is marked oversubscribed, a buffered wait parks after one look, and a
    /// hand-over still busy-waits (it looks again and again).
    #[test]
    fn an_oversubscribed_machine_parks_buffered_waits_at_once() {
        note_oversubscribed(Instant::now());
        let looks = Cell::new(0);
        assert!(!wait_for::<Std>(BUFFERED, || {
            looks.set(looks.get() + 1);
            false
        }));
        assert_eq!(looks.get(), 1);
        looks.set(0);
        assert!(!wait_for::<Std>(HANDOVER, || {
            looks.set(looks.get() + 1);
            false
        }));
        assert!(
            looks.get() > 1,
            "a hand-over keeps waiting: {} looks",
            looks.get()
        );
    }

    /// Once a wait has seen the core lost, the hint holds for a while and then expires.
    #[test]
    fn the_oversubscription_hint_expires() {
        let now = Instant::now();
        note_oversubscribed(now);
        assert!(oversubscribed(now));
        assert!(oversubscribed(now + OVERSUBSCRIBED_FOR / 2));
        assert!(!oversubscribed(now + OVERSUBSCRIBED_FOR * 2));
    }
}
