//! Go's `sync.RWMutex`: many readers or one writer, and a waiting writer holds back new readers.
//!
//! | Go | here |
//! |---|---|
//! | `var mu sync.RWMutex` guarding `v` | `let lock = RwMutex::new(v)` |
//! | `mu.RLock(); … v …; mu.RUnlock()` | `let v = lock.read(); …` (the guard unlocks on drop) |
//! | `mu.Lock(); … v = …; mu.Unlock()` | `let mut v = lock.write(); …` |
//! | `mu.TryRLock()`, `mu.TryLock()` | `lock.try_read()`, `lock.try_write()` |
//!
//! Its promises, as Go documents them (`sync/rwmutex.go`), each checked by the scenario or zoo
//! entry named:
//!
//! * The lock "can be held by an arbitrary number of readers or a single writer"
//!   (`rw_mutex::readers_share_writers_exclude`: a reader gets in while another holds the lock,
//!   and a writer is always alone).
//! * "If any goroutine calls Lock while the lock is already held by one or more readers,
//!   concurrent calls to RLock will block until the writer has acquired (and released) the lock":
//!   writer preference, so a writer is never starved by a stream of readers. A reader arriving
//!   while a writer waits is held back even while the readers an earlier writer's unlock let in
//!   are still entering; `try_read` and `try_write` fail while a writer waits
//!   (`rw_mutex::waiting_writer_holds_back_new_readers`). Hence Go's rule "recursive read locking
//!   is prohibited": a read lock taken again while a writer waits deadlocks
//!   (`zoo::recursive_read_lock`), and so does a read lock "upgraded" to a write lock
//!   (`zoo::read_lock_upgrade`).
//! * Readers that a writer held back are let in when it unlocks, before the next writer
//!   (`rw_mutex::waiting_writer_holds_back_new_readers`).
//! * An unlock happens before every later lock that admits the next holder, read or write: what a
//!   writer wrote is seen by every later reader (`memory_model::unlock_before_lock`).
//!
//! The protocol lives in one backend mutex and two condition variables, so it behaves the same on
//! every backend and the zoo's deadlocks are the same everywhere. The value itself sits in a std
//! `RwLock` that the protocol only ever admits compatible holders to, so that lock never blocks.
//!
//! ```
//! use patterns::RwMutex;
//!
//! let config = RwMutex::new(vec!["a"]);
//! {
//!     let first = config.read();
//!     let second = config.try_read().expect("readers share the lock");
//!     assert_eq!(first.len() + second.len(), 2);
//!     assert!(config.try_write().is_none(), "no writer while readers hold it");
//! }
//! config.write().push("b");
//! assert_eq!(*config.read(), vec!["a", "b"]);
//! ```

use crate::backend::{Backend, Std};
use crate::trace::{self, Object};
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard, TryLockError};

/// A reader-writer lock with Go's writer preference. See the [module docs](self).
pub struct RwMutex<T, B: Backend = Std> {
    /// Who holds the lock and who waits: the whole protocol, under one backend lock.
    state: B::Mutex<State>,
    /// Readers wait here for the writers ahead of them.
    readers_go: B::Condvar,
    /// Writers wait here for the lock to be free.
    writer_goes: B::Condvar,
    /// The value. The protocol admits only readers together or one writer alone, so this lock is
    /// only ever try-locked, and never blocks (a blocked std lock would hide a thread from a model
    /// checker).
    value: RwLock<T>,
}

/// What the protocol lock protects.
#[derive(Debug, Default)]
struct State {
    /// Readers holding the lock.
    readers: usize,
    /// Whether a writer holds it.
    writer: bool,
    /// Writers waiting for it: while any waits, readers arriving wait too.
    writers_waiting: usize,
    /// Readers waiting for it.
    readers_waiting: usize,
    /// Waiting readers that a writer's unlock let in ahead of the next writer (Go hands the lock
    /// to the readers the writer held back); writers wait until every one of them has entered.
    readers_admitted: usize,
    /// How many times a writer has unlocked: a waiting reader that saw an earlier count is one of
    /// the readers admitted since, and only such a reader may use `readers_admitted`.
    writer_unlocks: u64,
}

impl State {
    /// Whether a reader arriving now may take the lock: no writer holds it or waits for it.
    fn reader_may_enter(&self) -> bool {
        !self.writer && self.writers_waiting == 0
    }

    /// Whether a reader that began waiting when `writer_unlocks` was `since` was let in by a
    /// writer's unlock since then.
    fn reader_admitted(&self, since: u64) -> bool {
        !self.writer && self.readers_admitted > 0 && self.writer_unlocks != since
    }

    /// Whether a writer may take the lock.
    fn writer_may_enter(&self) -> bool {
        !self.writer && self.readers == 0 && self.readers_admitted == 0
    }
}

/// Shared access to the value; dropping it is Go's `RUnlock`.
#[must_use = "dropping the guard unlocks at once"]
pub struct ReadGuard<'a, T, B: Backend = Std> {
    lock: &'a RwMutex<T, B>,
    value: Option<RwLockReadGuard<'a, T>>,
}

/// Exclusive access to the value; dropping it is Go's `Unlock`.
#[must_use = "dropping the guard unlocks at once"]
pub struct WriteGuard<'a, T, B: Backend = Std> {
    lock: &'a RwMutex<T, B>,
    value: Option<RwLockWriteGuard<'a, T>>,
}

impl<T> RwMutex<T, Std> {
    /// An unlocked `RwMutex` holding `value`, on [`Std`].
    pub fn new(value: T) -> Self {
        Self::new_in(value)
    }
}

impl<T, B: Backend> RwMutex<T, B> {
    /// An unlocked `RwMutex` holding `value`, on backend `B`.
    pub fn new_in(value: T) -> Self {
        Self {
            state: B::mutex(State::default()),
            readers_go: B::condvar(),
            writer_goes: B::condvar(),
            value: RwLock::new(value),
        }
    }

    /// Locks for reading (Go's `RLock`), blocking while a writer holds the lock or waits for it.
    #[track_caller]
    pub fn read(&self) -> ReadGuard<'_, T, B> {
        let _step = trace::enter::<B>("read lock", self.object());
        let mut state = B::lock(&self.state);
        state = self.spin_until(state, State::reader_may_enter);
        if !state.reader_may_enter() {
            state.readers_waiting += 1;
            let since = state.writer_unlocks;
            loop {
                if state.reader_admitted(since) {
                    // One of the readers the last writer's unlock let in ahead of waiting
                    // writers: the next writer waits until every one of them is in.
                    state.readers_admitted -= 1;
                    break;
                }
                if state.reader_may_enter() {
                    break;
                }
                state = B::wait(&self.readers_go, state);
            }
            state.readers_waiting -= 1;
        }
        state.readers += 1;
        drop(state);
        self.read_guard()
    }

    /// Locks for reading if that needs no wait (Go's `TryRLock`): it fails while a writer holds
    /// the lock or waits for it.
    #[track_caller]
    pub fn try_read(&self) -> Option<ReadGuard<'_, T, B>> {
        let step = trace::enter::<B>("try read lock", self.object());
        let mut state = B::lock(&self.state);
        if !state.reader_may_enter() {
            step.outcome(format_args!("held"));
            return None;
        }
        state.readers += 1;
        drop(state);
        Some(self.read_guard())
    }

    /// Locks for writing (Go's `Lock`), blocking until no reader or writer holds the lock. While
    /// it waits, new readers wait behind it.
    #[track_caller]
    pub fn write(&self) -> WriteGuard<'_, T, B> {
        let _step = trace::enter::<B>("lock", self.object());
        let mut state = B::lock(&self.state);
        state = self.spin_until(state, State::writer_may_enter);
        if !state.writer_may_enter() {
            state.writers_waiting += 1;
            while !state.writer_may_enter() {
                state = B::wait(&self.writer_goes, state);
            }
            state.writers_waiting -= 1;
        }
        state.writer = true;
        drop(state);
        self.write_guard()
    }

    /// Locks for writing if that needs no wait (Go's `TryLock`): it fails while another writer
    /// waits, as Go's does, rather than overtaking it.
    #[track_caller]
    pub fn try_write(&self) -> Option<WriteGuard<'_, T, B>> {
        let step = trace::enter::<B>("try lock", self.object());
        let mut state = B::lock(&self.state);
        if !state.writer_may_enter() || state.writers_waiting > 0 {
            step.outcome(format_args!("held"));
            return None;
        }
        state.writer = true;
        drop(state);
        Some(self.write_guard())
    }

    /// How many writers are waiting for the lock now: a snapshot, stale as soon as it returns
    /// (Go has no such call). For tests and metrics, such as a check that a reader arriving while
    /// a writer waits is held back.
    pub fn writers_waiting(&self) -> usize {
        B::lock(&self.state).writers_waiting
    }

    /// How many readers are waiting for the lock now: a snapshot, like
    /// [`writers_waiting`](Self::writers_waiting).
    pub fn readers_waiting(&self) -> usize {
        B::lock(&self.state).readers_waiting
    }

    /// The lock as a traced object.
    fn object(&self) -> Object {
        Object::at("rwmutex", self, None)
    }

    /// Consumes the lock, returning the value.
    pub fn into_inner(self) -> T {
        self.value.into_inner().unwrap_or_else(|p| p.into_inner())
    }

    /// On real cores, spins (then yields) a few rounds for `may_enter` before the caller parks:
    /// holders keep the lock for a short while, and parking costs microseconds. Under the model
    /// checkers `SPINS_BEFORE_PARK` is 0, so this returns at once and adds no schedules.
    fn spin_until<'a>(
        &'a self,
        mut state: B::Guard<'a, State>,
        may_enter: fn(&State) -> bool,
    ) -> B::Guard<'a, State> {
        for round in 0..B::SPINS_BEFORE_PARK {
            if may_enter(&state) {
                break;
            }
            drop(state);
            if round < 6 {
                (0..1u32 << round).for_each(|_| std::hint::spin_loop());
            } else {
                B::yield_now();
            }
            state = B::lock(&self.state);
        }
        state
    }

    fn read_guard(&self) -> ReadGuard<'_, T, B> {
        // The protocol admitted a reader, so no writer holds the value: `try_read` succeeds. It
        // never blocks (a blocked std lock would hang a model checker with no report).
        let value = match self.value.try_read() {
            Ok(value) => value,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => protocol_broken("a reader", "a writer"),
        };
        ReadGuard {
            lock: self,
            value: Some(value),
        }
    }

    fn write_guard(&self) -> WriteGuard<'_, T, B> {
        // The protocol admitted this writer alone: `try_write` succeeds, and never blocks.
        let value = match self.value.try_write() {
            Ok(value) => value,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => protocol_broken("a writer", "another holder"),
        };
        WriteGuard {
            lock: self,
            value: Some(value),
        }
    }

    fn read_unlock(&self) {
        let mut state = B::lock(&self.state);
        state.readers -= 1;
        let wake_writer = state.readers == 0 && state.writers_waiting > 0;
        drop(state);
        // The last reader out hands the lock to a waiting writer; it re-checks under the lock,
        // so a wake-up that finds the lock taken again is harmless.
        if wake_writer {
            B::notify_one(&self.writer_goes);
        }
    }

    fn write_unlock(&self) {
        let mut state = B::lock(&self.state);
        state.writer = false;
        // Go's `Unlock` releases the readers it held back before any later writer; readers
        // arriving from now on wait behind a waiting writer.
        state.readers_admitted = state.readers_waiting;
        state.writer_unlocks = state.writer_unlocks.wrapping_add(1);
        let (wake_readers, wake_writer) = (state.readers_waiting > 0, state.writers_waiting > 0);
        drop(state);
        if wake_readers {
            B::notify_all(&self.readers_go);
        } else if wake_writer {
            B::notify_one(&self.writer_goes);
        }
    }
}

/// The protocol let `who` in while `holder` held the value: a bug in this module, reported as a
/// panic rather than a wait that no checker could see.
#[cold]
fn protocol_broken(who: &str, holder: &str) -> ! {
    panic!("RwMutex admitted {who} while {holder} held the lock: its protocol is broken")
}

impl<T, B: Backend> Deref for ReadGuard<'_, T, B> {
    type Target = T;
    fn deref(&self) -> &T {
        self.value.as_deref().expect("present until drop")
    }
}

impl<T, B: Backend> Drop for ReadGuard<'_, T, B> {
    fn drop(&mut self) {
        // The value's own guard goes first, so the next writer finds it free.
        drop(self.value.take());
        if !B::in_teardown() {
            let _step = trace::enter::<B>("read unlock", self.lock.object());
            self.lock.read_unlock();
        }
    }
}

impl<T, B: Backend> Deref for WriteGuard<'_, T, B> {
    type Target = T;
    fn deref(&self) -> &T {
        self.value.as_deref().expect("present until drop")
    }
}

impl<T, B: Backend> DerefMut for WriteGuard<'_, T, B> {
    fn deref_mut(&mut self) -> &mut T {
        self.value.as_deref_mut().expect("present until drop")
    }
}

impl<T, B: Backend> Drop for WriteGuard<'_, T, B> {
    fn drop(&mut self) {
        drop(self.value.take());
        if !B::in_teardown() {
            let _step = trace::enter::<B>("unlock", self.lock.object());
            self.lock.write_unlock();
        }
    }
}

impl<T: fmt::Debug, B: Backend> fmt::Debug for RwMutex<T, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RwMutex").finish_non_exhaustive()
    }
}
