//! Go's `errgroup.Group` (x/sync): run tasks on threads, stop them all on the first error.
//!
//! ```
//! use patterns::{Context, ErrGroup};
//!
//! let (group, ctx) = ErrGroup::with_context(&Context::background());
//! for i in 0..3 {
//!     let ctx = ctx.clone();
//!     group.go(move || {
//!         if i == 1 {
//!             return Err(format!("task {i} failed"));
//!         }
//!         ctx.done().recv(); // the others wait until the group is cancelled
//!         Ok(())
//!     });
//! }
//! assert_eq!(group.wait(), Err("task 1 failed".to_string()));
//! ```

use crate::backend::{Backend, Std};
use crate::context::{Canceller, Context};
use crate::semaphore::{Permit, Semaphore};
use std::fmt;
use std::sync::Arc;

/// A group of tasks, each on its own thread; [`ErrGroup::wait`] joins them all.
pub struct ErrGroup<E: Send + 'static, B: Backend = Std> {
    shared: Arc<Shared<E, B>>,
    /// Bounds how many tasks run at once; `go` blocks while it is full.
    limit: Option<Semaphore<B>>,
    threads: B::Mutex<Vec<B::JoinHandle<()>>>,
}

struct Shared<E: Send, B: Backend> {
    /// The first error returned by any task; later ones are dropped.
    first_error: B::Mutex<Option<E>>,
    /// Cancels the derived context on the first error, a task's panic, and on `wait`.
    cancel: Option<Canceller<B>>,
}

/// Cancels the group's context if its task unwinds: a task waiting for that context then stops
/// too, so `wait` returns and re-raises the panic instead of waiting forever.
struct CancelOnPanic<'a, E: Send, B: Backend>(&'a Shared<E, B>);

impl<E: Send, B: Backend> Drop for CancelOnPanic<'_, E, B> {
    fn drop(&mut self) {
        if std::thread::panicking() && !B::in_teardown() {
            if let Some(cancel) = &self.0.cancel {
                cancel.cancel();
            }
        }
    }
}

impl<E: Send + 'static> ErrGroup<E, Std> {
    /// A group with no context, on [`Std`].
    pub fn new() -> Self {
        Self::new_in()
    }

    /// A group and a context derived from `parent` that is cancelled by the first error, or when
    /// `wait` returns (Go's `errgroup.WithContext`).
    pub fn with_context(parent: &Context<Std>) -> (Self, Context<Std>) {
        Self::with_context_in(parent)
    }
}

impl<E: Send + 'static> Default for ErrGroup<E, Std> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Send + 'static, B: Backend> ErrGroup<E, B> {
    /// A group with no context, on backend `B`.
    pub fn new_in() -> Self {
        Self::build(None)
    }

    /// [`ErrGroup::with_context`] on backend `B`.
    pub fn with_context_in(parent: &Context<B>) -> (Self, Context<B>) {
        let (ctx, cancel) = parent.with_cancel();
        (Self::build(Some(cancel)), ctx)
    }

    fn build(cancel: Option<Canceller<B>>) -> Self {
        Self {
            shared: Arc::new(Shared {
                first_error: B::mutex(None),
                cancel,
            }),
            limit: None,
            threads: B::mutex(Vec::new()),
        }
    }

    /// Limits the group to `limit` tasks running at once (Go's `SetLimit`).
    ///
    /// # Panics
    /// If `limit` is 0 (no task could ever start), or if tasks were already started.
    pub fn with_limit(mut self, limit: usize) -> Self {
        assert!(limit > 0, "ErrGroup limit of 0: no task could ever start");
        assert!(
            B::lock(&self.threads).is_empty(),
            "ErrGroup limit set after tasks were started"
        );
        self.limit = Some(Semaphore::new_in(limit));
        self
    }

    /// Runs `task` on a new thread, first waiting for a free place if the group has a limit. The
    /// first task to return `Err` has its error kept for `wait` and cancels the group's context.
    #[track_caller]
    pub fn go<F>(&self, task: F)
    where
        F: FnOnce() -> Result<(), E> + Send + 'static,
    {
        let permit = self.limit.as_ref().map(Semaphore::acquire);
        self.spawn(permit, task);
    }

    /// Runs `task` on a new thread only if the group is below its limit now (always, with no
    /// limit), and says whether it did (Go's `TryGo`). It never waits.
    #[track_caller]
    pub fn try_go<F>(&self, task: F) -> bool
    where
        F: FnOnce() -> Result<(), E> + Send + 'static,
    {
        let permit = match &self.limit {
            Some(limit) => match limit.try_acquire() {
                Some(permit) => Some(permit),
                None => return false,
            },
            None => None,
        };
        self.spawn(permit, task);
        true
    }

    /// Starts `task`, which holds `permit` (its place under the limit) until it returns.
    fn spawn<F>(&self, permit: Option<Permit<B>>, task: F)
    where
        F: FnOnce() -> Result<(), E> + Send + 'static,
    {
        let shared = Arc::clone(&self.shared);
        let mut threads = B::lock(&self.threads);
        let name = format!("errgroup-{}", threads.len());
        threads.push(B::spawn(&name, move || {
            let cancel_on_panic = CancelOnPanic(&shared);
            let result = task();
            drop(cancel_on_panic);
            drop(permit);
            if let Err(error) = result {
                shared.record(error);
            }
        }));
    }

    /// Joins every task, cancels the context, and returns the first error, if any.
    ///
    /// # Panics
    /// If a task panicked (on real threads), with that panic, after every task was joined. The
    /// panic cancelled the group's context when it happened, so tasks waiting for it have ended.
    #[track_caller]
    pub fn wait(&self) -> Result<(), E> {
        let mut panic = None;
        loop {
            let batch = std::mem::take(&mut *B::lock(&self.threads));
            if batch.is_empty() {
                break;
            }
            for thread in batch {
                if let Err(payload) = B::join(thread) {
                    panic.get_or_insert(payload);
                }
            }
        }
        if let Some(cancel) = &self.shared.cancel {
            cancel.cancel();
        }
        if let Some(payload) = panic {
            std::panic::resume_unwind(payload);
        }
        match B::lock(&self.shared.first_error).take() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}

impl<E: Send + 'static, B: Backend> Shared<E, B> {
    fn record(&self, error: E) {
        let mut first = B::lock(&self.first_error);
        if first.is_none() {
            *first = Some(error);
            drop(first);
            if let Some(cancel) = &self.cancel {
                cancel.cancel();
            }
        }
    }
}

impl<E: Send + 'static, B: Backend> fmt::Debug for ErrGroup<E, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ErrGroup").finish_non_exhaustive()
    }
}
