//! Go's `sync.Mutex`: a lock with no value, taken by `lock` and released by `unlock`, so one
//! function may lock it and another unlock it, even on another thread, as Go allows.
//!
//! | Go | here |
//! |---|---|
//! | `var mu sync.Mutex` | `let mu = Mutex::new()` (share it in an `Arc`) |
//! | `mu.Lock()`, `mu.Unlock()` | `mu.lock()`, `mu.unlock()` |
//! | `mu.TryLock()` | `mu.try_lock()` |
//!
//! Rust code that locks and unlocks in one scope is better served by a lock that holds its value
//! and unlocks when its guard drops ([`RwMutex`](crate::RwMutex), or the backend's mutex). This
//! one is for Go code whose lock and unlock are apart: a lock taken in one function and released
//! in a callback, a lock released by another goroutine, a lock a `return` forgets to release. The
//! Go bugs ported in the harness need exactly that, and a [`Cond`](crate::Cond) waits over it.
//!
//! Its promises, as Go documents them (`sync/mutex.go`), each checked by the scenario or test
//! named:
//!
//! * At most one holder at a time: "If the lock is already in use, the calling goroutine blocks
//!   until the mutex is available" (`mutex::holders_are_alone`, which also takes it by
//!   `try_lock`).
//! * "A locked Mutex is not associated with a particular goroutine. It is allowed for one
//!   goroutine to lock a Mutex and then arrange for another goroutine to unlock it"
//!   (`mutex::another_thread_may_unlock`).
//! * "It is a run-time error if m is not locked on entry to Unlock": `unlock` panics with Go's
//!   message, `sync: unlock of unlocked mutex` (misuse test `unlock_of_an_unlocked_mutex_panics`).
//! * `TryLock` "tries to lock m and reports whether it succeeded": it never waits
//!   (`mutex::holders_are_alone`; misuse test `try_lock_fails_while_held`).
//! * "For any sync.Mutex … call n of l.Unlock() is synchronized before call m of l.Lock()
//!   returns", n < m (`memory_model::mutex_unlock_before_lock`).
//!
//! ```
//! use patterns::Mutex;
//! use std::sync::Arc;
//!
//! let mu = Arc::new(Mutex::new());
//! mu.lock();
//! // Another thread releases it, as Go allows.
//! let other = Arc::clone(&mu);
//! std::thread::spawn(move || other.unlock()).join().unwrap();
//! assert!(mu.try_lock(), "the other thread's unlock freed it");
//! mu.unlock();
//! ```

use crate::backend::{Backend, Std};
use crate::trace::{self, Object};
use std::fmt;

/// Go's `sync.Mutex`. See the [module docs](self).
pub struct Mutex<B: Backend = Std> {
    /// Whether it is locked, and how many threads wait for it: changed only under this lock, so
    /// a thread that found it locked is waiting on `unlocked` before the unlock can notify.
    state: B::Mutex<State>,
    /// Lockers wait here; an unlock wakes one of them, which looks again (another thread may
    /// have taken the lock in between, as Go's normal mode allows).
    unlocked: B::Condvar,
}

#[derive(Debug, Default)]
struct State {
    locked: bool,
    waiting: usize,
}

impl Mutex<Std> {
    /// An unlocked mutex on [`Std`].
    pub fn new() -> Self {
        Self::new_in()
    }
}

impl Default for Mutex<Std> {
    fn default() -> Self {
        Self::new()
    }
}

impl<B: Backend> Mutex<B> {
    /// An unlocked mutex on backend `B`.
    pub fn new_in() -> Self {
        Self {
            state: B::mutex(State::default()),
            unlocked: B::condvar(),
        }
    }

    /// Locks it (Go's `Lock`), blocking while another holder has it. Locking it again on the
    /// thread that holds it blocks forever, as in Go.
    #[track_caller]
    pub fn lock(&self) {
        let _step = trace::enter::<B>("lock", self.object());
        let mut state = B::lock(&self.state);
        if state.locked {
            state.waiting += 1;
            while state.locked {
                state = B::wait(&self.unlocked, state);
            }
            state.waiting -= 1;
        }
        state.locked = true;
    }

    /// Locks it if it is free, without waiting (Go's `TryLock`): whether it did.
    #[track_caller]
    pub fn try_lock(&self) -> bool {
        let step = trace::enter::<B>("try lock", self.object());
        let mut state = B::lock(&self.state);
        if state.locked {
            step.outcome(format_args!("held"));
            return false;
        }
        state.locked = true;
        true
    }

    /// Unlocks it (Go's `Unlock`), from any thread.
    ///
    /// # Panics
    ///
    /// If it is not locked: `sync: unlock of unlocked mutex`, Go's run-time error.
    #[track_caller]
    pub fn unlock(&self) {
        let _step = trace::enter::<B>("unlock", self.object());
        let mut state = B::lock(&self.state);
        if !state.locked {
            drop(state);
            panic!("sync: unlock of unlocked mutex");
        }
        state.locked = false;
        let wake = state.waiting > 0;
        drop(state);
        // The waiter re-checks under the lock, so a wake-up that finds it taken again waits on.
        if wake {
            B::notify_one(&self.unlocked);
        }
    }

    /// Panics as `unlock` would if it is not locked (by anyone).
    #[track_caller]
    pub(crate) fn assert_locked(&self) {
        assert!(self.is_locked(), "sync: unlock of unlocked mutex");
    }

    /// Whether anyone holds it. Not `#[track_caller]`: its backend lock is then located in the
    /// kit's source, and a trace counts it as the kit's own work, not a step of the caller's.
    fn is_locked(&self) -> bool {
        B::lock(&self.state).locked
    }

    /// The mutex as a traced object.
    fn object(&self) -> Object {
        Object::at("mutex", self, None)
    }
}

impl<B: Backend> fmt::Debug for Mutex<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mutex").finish_non_exhaustive()
    }
}
