//! Go's `sync.WaitGroup`: wait for a collection of threads to finish.
//!
//! ```
//! use patterns::WaitGroup;
//! use std::sync::atomic::{AtomicUsize, Ordering};
//! use std::sync::Arc;
//!
//! let wg = WaitGroup::new();
//! let done = Arc::new(AtomicUsize::new(0));
//! for _ in 0..4 {
//!     wg.add(1); // before spawning, never inside the thread (a course mistake)
//!     let (wg, done) = (wg.clone(), done.clone());
//!     std::thread::spawn(move || {
//!         done.fetch_add(1, Ordering::Relaxed);
//!         wg.done();
//!     });
//! }
//! wg.wait();
//! assert_eq!(done.load(Ordering::Relaxed), 4);
//! ```

use crate::backend::{Backend, Std};
use crate::trace::{self, Object};
use std::fmt;
use std::sync::Arc;

/// A counter of outstanding work; [`WaitGroup::wait`] blocks until it is zero. Clones share it.
pub struct WaitGroup<B: Backend = Std> {
    inner: Arc<Inner<B>>,
}

struct Inner<B: Backend> {
    /// The outstanding count. Checked and changed only under this lock, so a waiter that saw a
    /// non-zero count is already waiting on `zero` when the last `done` notifies it.
    count: B::Mutex<i64>,
    zero: B::Condvar,
}

impl WaitGroup<Std> {
    /// A wait group at zero, on [`Std`].
    pub fn new() -> Self {
        Self::new_in()
    }
}

impl Default for WaitGroup<Std> {
    fn default() -> Self {
        Self::new()
    }
}

impl<B: Backend> WaitGroup<B> {
    /// A wait group at zero, on backend `B`.
    pub fn new_in() -> Self {
        Self {
            inner: Arc::new(Inner {
                count: B::mutex(0),
                zero: B::condvar(),
            }),
        }
    }

    /// Adds `delta` (which may be negative) to the counter, waking every waiter when it reaches
    /// zero.
    ///
    /// # Panics
    /// If the counter would go below zero — `done` called more times than `add` — with Go's
    /// message, `sync: negative WaitGroup counter`.
    #[track_caller]
    pub fn add(&self, delta: i64) {
        let step = trace::enter::<B>("add", self.object());
        step.outcome(format_args!("{delta:+}, now {}", self.count_after(delta)));
    }

    /// Adds `delta` and returns the new count.
    #[track_caller]
    fn count_after(&self, delta: i64) -> i64 {
        let mut count = B::lock(&self.inner.count);
        let new = *count + delta;
        if new < 0 {
            drop(count);
            panic!(
                "sync: negative WaitGroup counter (add({delta}) on a counter of {}: \
                 done called more times than add)",
                new - delta
            );
        }
        *count = new;
        if new == 0 {
            B::notify_all(&self.inner.zero);
        }
        new
    }

    /// Marks one unit of work done: `add(-1)`.
    #[track_caller]
    pub fn done(&self) {
        let step = trace::enter::<B>("done", self.object());
        step.outcome(format_args!("now {}", self.count_after(-1)));
    }

    /// Blocks until the counter is zero.
    #[track_caller]
    pub fn wait(&self) {
        let _step = trace::enter::<B>("wait", self.object());
        let mut count = B::lock(&self.inner.count);
        while *count > 0 {
            count = B::wait(&self.inner.zero, count);
        }
    }

    /// The current counter.
    pub fn count(&self) -> i64 {
        *B::lock(&self.inner.count)
    }

    /// The wait group as a traced object.
    fn object(&self) -> Object {
        Object::at("WaitGroup", &*self.inner, None)
    }
}

impl<B: Backend> Clone for WaitGroup<B> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<B: Backend> fmt::Debug for WaitGroup<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitGroup").finish_non_exhaustive()
    }
}
