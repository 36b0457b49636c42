//! A counting semaphore: at most `k` holders at a time, with cancellable waits.
//!
//! Built on the Go idiom it replaces — a buffered channel of capacity `k`, where acquiring is a
//! send and releasing a receive — so it inherits the channel's guarantees: parked acquirers are
//! served in order, and a wait abandoned through its [`Context`] never takes (or leaks) a permit,
//! because the select that parks it completes exactly one arm.
//!
//! ```
//! use patterns::{Context, Semaphore};
//!
//! let sem = Semaphore::new(2);
//! let a = sem.acquire();
//! let _b = sem.try_acquire().expect("a second permit is free");
//! assert!(sem.try_acquire().is_none()); // at most 2 holders
//! drop(a); // permits are RAII: dropping one releases it
//! let (ctx, cancel) = Context::background().with_cancel();
//! let c = sem.acquire_ctx(&ctx).expect("a permit was free");
//! cancel.cancel();
//! assert!(sem.acquire_ctx(&ctx).is_err()); // full and cancelled: gives up, takes nothing
//! drop(c);
//! assert!(sem.acquire_ctx(&ctx).is_err()); // a done context fails even with a permit free
//! ```

use crate::backend::{Backend, Std};
use crate::chan::{self, Receiver, RecvArm, Select, Selected, SendArm, Sender};
use crate::context::{Context, CtxError};
use crate::trace::{self, Object};
use std::fmt;
use std::sync::Arc;

/// A counting semaphore. Clones share the same permits.
pub struct Semaphore<B: Backend = Std> {
    inner: Arc<Tokens<B>>,
}

/// The channel of tokens: one buffered token per permit held.
struct Tokens<B: Backend> {
    tx: Sender<(), B>,
    rx: Receiver<(), B>,
    capacity: usize,
}

/// A held permit; dropping it releases the permit.
#[must_use = "dropping the permit releases it at once"]
pub struct Permit<B: Backend = Std> {
    tokens: Arc<Tokens<B>>,
}

impl Semaphore<Std> {
    /// A semaphore of `capacity` permits on [`Std`].
    ///
    /// # Panics
    /// If `capacity` is 0: such a semaphore could never be acquired.
    pub fn new(capacity: usize) -> Self {
        Self::new_in(capacity)
    }
}

impl<B: Backend> Semaphore<B> {
    /// A semaphore of `capacity` permits on backend `B`.
    ///
    /// # Panics
    /// If `capacity` is 0: such a semaphore could never be acquired.
    pub fn new_in(capacity: usize) -> Self {
        assert!(
            capacity > 0,
            "Semaphore::new(0): a semaphore needs at least one permit, or every acquire blocks forever"
        );
        let (tx, rx) = chan::bounded_in(capacity);
        Self {
            inner: Arc::new(Tokens { tx, rx, capacity }),
        }
    }

    /// Takes a permit, blocking until one is free.
    #[track_caller]
    pub fn acquire(&self) -> Permit<B> {
        let _step = trace::enter::<B>("acquire", self.object());
        self.inner
            .tx
            .send(())
            .expect("the semaphore owns both ends of its channel, which never closes");
        self.permit()
    }

    /// Takes a permit if one is free now.
    #[track_caller]
    pub fn try_acquire(&self) -> Option<Permit<B>> {
        let step = trace::enter::<B>("try acquire", self.object());
        let permit = self.inner.tx.try_send(()).ok().map(|()| self.permit());
        step.outcome(format_args!(
            "{}",
            if permit.is_some() { "got" } else { "none free" }
        ));
        permit
    }

    /// Takes a permit, or gives up with the context's error once `ctx` is done. A cancelled
    /// waiter takes nothing, and a context already done fails at once, even with a permit free
    /// (as `x/sync/semaphore` does: the context's end happened before the acquire).
    #[track_caller]
    pub fn acquire_ctx(&self, ctx: &Context<B>) -> Result<Permit<B>, CtxError> {
        let step = trace::enter::<B>("acquire or done", self.object());
        let permit = self.acquire_or_done(ctx);
        if let Err(error) = &permit {
            step.outcome(format_args!("{error}"));
        }
        permit
    }

    #[track_caller]
    fn acquire_or_done(&self, ctx: &Context<B>) -> Result<Permit<B>, CtxError> {
        if ctx.is_done() {
            return Err(ctx
                .err()
                .expect("err is set before a context reads as done"));
        }
        let mut take = SendArm::new(&self.inner.tx, ());
        let mut done = RecvArm::new(ctx.done());
        match Select::new().send(&mut take).recv(&mut done).wait() {
            Selected::Arm(0) => Ok(self.permit()),
            _ => Err(ctx
                .err()
                .expect("the done channel closes only once err is set")),
        }
    }

    /// The number of permits free now.
    pub fn available(&self) -> usize {
        self.inner.capacity - self.inner.tx.len()
    }

    /// The number of permits in all.
    pub fn capacity(&self) -> usize {
        self.inner.capacity
    }

    /// The semaphore as a traced object.
    fn object(&self) -> Object {
        Object::at("semaphore", &*self.inner, None)
    }

    fn permit(&self) -> Permit<B> {
        Permit {
            tokens: Arc::clone(&self.inner),
        }
    }
}

impl<B: Backend> Drop for Permit<B> {
    fn drop(&mut self) {
        if B::in_teardown() {
            return;
        }
        let _step = trace::enter::<B>("release", Object::at("semaphore", &*self.tokens, None));
        // Our token is buffered (or a parked acquirer's token moves in as we take one out), so
        // this never blocks and never finds the channel empty.
        self.tokens
            .rx
            .try_recv()
            .expect("a held permit always has its token buffered");
    }
}

impl<B: Backend> Clone for Semaphore<B> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<B: Backend> fmt::Debug for Semaphore<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("capacity", &self.inner.capacity)
            .field("available", &self.available())
            .finish()
    }
}

impl<B: Backend> fmt::Debug for Permit<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").finish_non_exhaustive()
    }
}
