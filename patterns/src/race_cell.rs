//! Plain shared data, as a Go program keeps it in an ordinary variable: a cell whose accesses the
//! model checkers watch for data races, like Go's race detector (`go test -race`).
//!
//! Safe Rust cannot express a Go program's unsynchronized variable: two threads cannot hold a
//! plain `&mut` to one value. A `RaceCell` keeps the value sound on every backend (each access
//! takes a private lock the checkers do not see, so it orders nothing) and tells its backend
//! of every access, so a model checker can ask the question Go's race detector asks: is this
//! access ordered, by the program's own synchronization, after every conflicting access of
//! another thread?
//!
//! Its promises, after the Go memory model ("a data race is defined as a write to a memory
//! location happening concurrently with another read or write to that same location") and the
//! race detector's documentation (go.dev/doc/articles/race_detector), each checked by the
//! scenario or test named:
//!
//! * Two accesses from different threads, at least one a write, that no synchronization of the
//!   kit orders (a channel's send before its receive, an unlock before the next lock, `done`
//!   before `wait` returns, a spawn before the thread's first step, a thread's last step
//!   before its join, an atomic's store before the load that reads it) fail the run as a
//!   **data race** under loom and shuttle, on any schedule that makes both accesses, whichever
//!   runs first: the detector follows happens-before, not the order the schedule happened to
//!   pick (zoo entry `race_cell::unguarded_counter`, both checkers).
//! * Accesses ordered by that synchronization are never reported (scenario
//!   `race_cell::ordered_accesses_are_not_races`: a value handed along a channel, a mutex, a
//!   `WaitGroup`, a spawn and a join, each with its accesses on both sides).
//! * Reads never race with reads (same scenario: readers on several threads at once).
//! * The report names the racing access, and under shuttle the earlier one too, with their lines;
//!   the failure's trace shows both as steps (`read cell`, `write cell`) at their lines (trace
//!   test of `race_cell::unguarded_counter`).
//! * On [`Std`] the cell is sound (a value is never torn) and reports nothing, like a Go program
//!   run without `-race`.
//!
//! Like Go's detector, it finds only races between accesses that the explored schedules make.
//! Where it differs from Go's, it misses a race Go's detector reports: under shuttle every atomic
//! operation is sequentially consistent, so an access guarded only by a `Relaxed` atomic looks
//! ordered there (loom sees it); and the kit's primitives synchronize through the
//! backend's locks, so an operation that only looked at a channel (a `select` that found a
//! sender waiting and took another arm) orders its thread after that sender under the models,
//! where Go's detector sees no edge.
//!
//! ```
//! use patterns::RaceCell;
//!
//! let hits = RaceCell::new(0);
//! hits.update(|n| *n += 1);
//! assert_eq!(hits.get(), 1);
//! ```

use crate::backend::{Access, Backend, Std};
use crate::trace::{self, Object};
use std::fmt;
use std::sync::Mutex;

/// A plain shared variable whose accesses the model checkers watch for data races. See the
/// [module docs](self).
pub struct RaceCell<T, B: Backend = Std> {
    /// The value, behind a lock of std's that no checker sees: it keeps the value sound on real
    /// threads and orders nothing under the models, where only the program's own
    /// synchronization may order two accesses.
    value: Mutex<T>,
    /// The backend's record of this cell's accesses.
    accesses: B::AccessLog,
}

impl<T> RaceCell<T, Std> {
    /// A cell holding `value`, on [`Std`].
    pub fn new(value: T) -> Self {
        Self::new_in(value)
    }
}

impl<T, B: Backend> RaceCell<T, B> {
    /// A cell holding `value`, on backend `B`.
    pub fn new_in(value: T) -> Self {
        Self {
            value: Mutex::new(value),
            accesses: B::access_log(),
        }
    }

    /// Reads the value (Go's `x` on the right of `=`): a read access.
    #[track_caller]
    pub fn get(&self) -> T
    where
        T: Clone,
    {
        self.read(T::clone)
    }

    /// Reads the value through `f` (a read access), for a value that is not `Clone`.
    #[track_caller]
    pub fn read<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        self.access(Access::Read);
        f(&self.lock())
    }

    /// Replaces the value (Go's `x = value`): a write access.
    #[track_caller]
    pub fn set(&self, value: T) {
        self.update(|v| *v = value);
    }

    /// Changes the value in place through `f` (Go's `x++`, `m[k] = v`): one write access, which
    /// races with whatever a read access would race with too.
    #[track_caller]
    pub fn update<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        self.access(Access::Write);
        f(&mut self.lock())
    }

    /// The value, once no other thread can reach the cell.
    pub fn into_inner(self) -> T {
        self.value.into_inner().unwrap_or_else(|p| p.into_inner())
    }

    #[track_caller]
    fn access(&self, access: Access) {
        let op = match access {
            Access::Read => "read",
            Access::Write => "write",
        };
        let _step = trace::enter::<B>(op, Object::at("cell", self, None));
        B::access(&self.accesses, access);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, T> {
        // A panic while `f` ran leaves a value as consistent as Go's variable would be.
        self.value.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl<T: Default, B: Backend> Default for RaceCell<T, B> {
    fn default() -> Self {
        Self::new_in(T::default())
    }
}

impl<T, B: Backend> fmt::Debug for RaceCell<T, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RaceCell").finish_non_exhaustive()
    }
}
