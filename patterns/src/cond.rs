//! Go's `sync.Cond`: threads wait over a [`Mutex`] until another signals them.
//!
//! | Go | here |
//! |---|---|
//! | `c := sync.NewCond(&mu)` | `let c = Cond::new(Arc::clone(&mu))` |
//! | `c.L.Lock()` | `c.locker().lock()` |
//! | `c.Wait()` | `c.wait()` |
//! | `c.Signal()`, `c.Broadcast()` | `c.signal()`, `c.broadcast()` |
//!
//! Its promises, as Go documents them (`sync/cond.go`) and its runtime keeps them
//! (`runtime/sema.go`'s notify list), each checked by the scenario or test named:
//!
//! * "Wait atomically unlocks c.L and suspends execution of the calling goroutine. After later
//!   resuming execution, Wait locks c.L before returning" (`cond::wait_unlocks_and_relocks`: the
//!   signaller takes the lock while the waiter waits, and the waiter holds it again on return).
//! * "Unlike in other systems, Wait cannot return unless awoken by Broadcast or Signal": there
//!   are no spurious wake-ups (`cond::wait_returns_only_when_signalled`). The caller still waits
//!   in a loop, because "c.L is not locked while Wait is waiting": the condition may change
//!   between the signal and the return, which the model checkers explore.
//! * `Signal` "wakes one goroutine waiting on c, if there is any", the one that has waited
//!   longest, and a signal with nobody waiting is not remembered
//!   (`cond::signal_wakes_the_longest_waiter`).
//! * `Broadcast` "wakes all goroutines waiting on c" (`cond::broadcast_wakes_every_waiter`).
//! * `Wait` without holding the lock is Go's `unlock of unlocked mutex`: it panics (misuse test
//!   `waiting_without_the_lock_panics`).
//!
//! Waiting is in two steps, as in Go: a ticket is taken while the caller holds the lock, then the
//! lock is released and the thread waits for its ticket to be signalled. A signal sent between
//! the two steps is not lost.
//!
//! ```
//! use patterns::{Cond, Mutex};
//! use std::sync::atomic::{AtomicBool, Ordering};
//! use std::sync::Arc;
//!
//! let mu = Arc::new(Mutex::new());
//! let ready = Arc::new(Cond::new(Arc::clone(&mu)));
//! let flag = Arc::new(AtomicBool::new(false));
//! let (cond, set) = (Arc::clone(&ready), Arc::clone(&flag));
//! let setter = std::thread::spawn(move || {
//!     cond.locker().lock();
//!     set.store(true, Ordering::Relaxed);
//!     cond.locker().unlock();
//!     cond.signal();
//! });
//! mu.lock();
//! while !flag.load(Ordering::Relaxed) {
//!     ready.wait();
//! }
//! mu.unlock();
//! setter.join().unwrap();
//! ```

use crate::backend::{Backend, Std};
use crate::mutex::Mutex;
use crate::trace::{self, Object};
use std::fmt;
use std::sync::Arc;

/// Go's `sync.Cond` over a [`Mutex`]. See the [module docs](self).
pub struct Cond<B: Backend = Std> {
    locker: Arc<Mutex<B>>,
    /// The notify list: which tickets were handed out and which were signalled. Changed only
    /// under this lock, so a waiter that saw its ticket unsignalled waits on `signalled` before
    /// the next signal can notify.
    tickets: B::Mutex<Tickets>,
    /// Waiters wait here for their ticket.
    signalled: B::Condvar,
}

/// Go's `notifyList`: tickets `[notified, next)` wait, oldest first.
#[derive(Debug, Default)]
struct Tickets {
    /// The ticket the next `wait` takes.
    next: u64,
    /// Every ticket below this one has been signalled.
    notified: u64,
}

impl<B: Backend> Cond<B> {
    /// A condition over `locker` (Go's `sync.NewCond(l)`).
    pub fn new(locker: Arc<Mutex<B>>) -> Self {
        Self {
            locker,
            tickets: B::mutex(Tickets::default()),
            signalled: B::condvar(),
        }
    }

    /// The lock it waits over (Go's `c.L`).
    pub fn locker(&self) -> &Arc<Mutex<B>> {
        &self.locker
    }

    /// Unlocks the locker, waits for a [`signal`](Self::signal) or
    /// [`broadcast`](Self::broadcast) that comes after this call, and locks it again before
    /// returning (Go's `Wait`). The caller must hold the locker.
    ///
    /// # Panics
    ///
    /// If the locker is not locked (Go's `sync: unlock of unlocked mutex`).
    #[track_caller]
    pub fn wait(&self) {
        // Go's runtime dies here on `Unlock`; checked first, so a caught panic leaves no ticket.
        self.locker.assert_locked();
        let ticket = self.take_ticket();
        // Three steps in a trace, as in Go: the unlock, the wait, the lock; so a trace shows the
        // waiter holding nothing while it waits.
        self.locker.unlock();
        let step = trace::enter::<B>("wait", self.object());
        let mut tickets = B::lock(&self.tickets);
        while tickets.notified <= ticket {
            tickets = B::wait(&self.signalled, tickets);
        }
        drop(tickets);
        drop(step);
        self.locker.lock();
    }

    /// The next waiter's ticket. Not `#[track_caller]`: its backend lock is then located in the
    /// kit's source, and a trace counts it as the kit's own work, not a step of the caller's.
    fn take_ticket(&self) -> u64 {
        let mut tickets = B::lock(&self.tickets);
        let ticket = tickets.next;
        tickets.next += 1;
        ticket
    }

    /// Wakes the thread that has waited longest, if any waits (Go's `Signal`). Holding the
    /// locker is allowed, not required.
    #[track_caller]
    pub fn signal(&self) {
        let _step = trace::enter::<B>("signal", self.object());
        let mut tickets = B::lock(&self.tickets);
        if tickets.notified == tickets.next {
            return;
        }
        tickets.notified += 1;
        drop(tickets);
        // Every waiter looks at its own ticket; only the oldest finds it signalled.
        B::notify_all(&self.signalled);
    }

    /// Wakes every waiting thread (Go's `Broadcast`).
    #[track_caller]
    pub fn broadcast(&self) {
        let _step = trace::enter::<B>("broadcast", self.object());
        let mut tickets = B::lock(&self.tickets);
        if tickets.notified == tickets.next {
            return;
        }
        tickets.notified = tickets.next;
        drop(tickets);
        B::notify_all(&self.signalled);
    }

    /// How many threads wait now, counted from the moment their `wait` took its ticket (still
    /// holding the lock) until a signal or broadcast covers it: a snapshot, stale as soon as it
    /// returns (Go has no such call). For tests, such as signalling only once a waiter waits.
    pub fn waiters(&self) -> usize {
        let tickets = B::lock(&self.tickets);
        usize::try_from(tickets.next - tickets.notified).unwrap_or(usize::MAX)
    }

    /// The condition as a traced object.
    fn object(&self) -> Object {
        Object::at("cond", self, None)
    }
}

impl<B: Backend> fmt::Debug for Cond<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cond").finish_non_exhaustive()
    }
}
