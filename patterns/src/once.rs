//! Go's `sync.Once`: a function run exactly once, however many threads ask for it.
//!
//! | Go | here |
//! |---|---|
//! | `var once sync.Once` | `let once = Once::new()` |
//! | `once.Do(f)` | `once.call(f)` |
//!
//! Its promises, as Go documents them (`sync/once.go`), each checked by the scenario or test
//! named:
//!
//! * "Do calls the function f if and only if Do is being called for the first time for this
//!   instance of Once", even when the callers pass different functions
//!   (`once::runs_the_first_function_once`).
//! * "No call to Do returns until the one call to f returns": every caller waits for the first
//!   call's function, and sees what it did (`once::runs_the_first_function_once`;
//!   `memory_model::once_before_every_return`: "the completion of a single call of f() from
//!   once.Do(f) is synchronized before the return of any call of once.Do(f)").
//! * "If f panics, Do considers it to have returned; future calls of Do return without calling
//!   f" (misuse test `a_once_whose_function_panicked_is_done`).
//! * "If f causes Do to be called, it will deadlock": as in Go, a function that calls its own
//!   `Once` blocks forever (a rule for the user: no slip of the kit breaks it).
//!
//! ```
//! use patterns::Once;
//!
//! let once = Once::new();
//! let mut runs = 0;
//! once.call(|| runs += 1);
//! once.call(|| runs += 10);
//! assert_eq!(runs, 1);
//! ```

use crate::backend::{Atomic, Backend, Std};
use crate::trace::{self, Object};
use std::fmt;
use std::sync::atomic::Ordering;

/// Go's `sync.Once`. See the [module docs](self).
pub struct Once<B: Backend = Std> {
    /// Set once the function has returned (or panicked). Stored `Release` after it ran and loaded
    /// `Acquire` by the fast path: what the function did happens before every `call` returns.
    done: B::AtomicBool,
    /// Held while the function runs, so a second caller waits for the first one's function.
    running: B::Mutex<()>,
}

impl Once<Std> {
    /// A `Once` that has not run, on [`Std`].
    pub fn new() -> Self {
        Self::new_in()
    }
}

impl Default for Once<Std> {
    fn default() -> Self {
        Self::new()
    }
}

/// Sets `done` when dropped: after the function returns, and when it panics (unless a model
/// checker is abandoning the execution, see [`Backend::in_teardown`]: the function was cut off
/// where it blocked, and the atomic belongs to an execution that is over).
struct MarkDone<'a, B: Backend>(&'a B::AtomicBool);

impl<B: Backend> Drop for MarkDone<'_, B> {
    fn drop(&mut self) {
        if B::in_teardown() {
            return;
        }
        self.0.store(true, Ordering::Release);
    }
}

impl<B: Backend> Once<B> {
    /// A `Once` that has not run, on backend `B`.
    pub fn new_in() -> Self {
        Self {
            done: B::AtomicBool::new(false),
            running: B::mutex(()),
        }
    }

    /// Runs `f` if no call has run a function yet, and returns once the one function that runs
    /// has returned (Go's `Do`). A panic of `f` passes to this caller, and the `Once` is done.
    #[track_caller]
    pub fn call(&self, f: impl FnOnce()) {
        let _step = trace::enter::<B>("once", self.object());
        if self.done.load(Ordering::Acquire) {
            return;
        }
        let _running = B::lock(&self.running);
        // Relaxed: `done` is stored only under `running`, which this thread now holds.
        if !self.done.load(Ordering::Relaxed) {
            let _mark = MarkDone::<B>(&self.done);
            f();
        }
    }

    /// Whether a function has run (or panicked) through this `Once`: a snapshot (Go has no such
    /// call; for tests).
    pub fn is_done(&self) -> bool {
        self.done.load(Ordering::Acquire)
    }

    /// The `Once` as a traced object.
    fn object(&self) -> Object {
        Object::at("once", self, None)
    }
}

impl<B: Backend> fmt::Debug for Once<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Once")
            .field("done", &self.is_done())
            .finish()
    }
}
