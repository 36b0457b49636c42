//! The bounded semaphore pattern: at most `limit` calls to a downstream resource at once, with
//! waits that give up when the caller's context is done.
//!
//! Two idioms, both from the course, behind one type: Go's buffered channel of tokens
//!
//! ```go
//! sem := make(chan struct{}, limit)
//! select {
//! case sem <- struct{}{}:          // acquire
//!     defer func() { <-sem }()     // release
//!     return call()
//! case <-ctx.Done():
//!     return ctx.Err()
//! }
//! ```
//!
//! and the semaphore type (`x/sync/semaphore`, here [`Semaphore`]).
//!
//! ```
//! use patterns::limiter::{Idiom, Limiter};
//! use patterns::Context;
//!
//! let limiter = Limiter::new(Idiom::TokenChannel, 2);
//! let ctx = Context::background();
//! assert_eq!(limiter.call(&ctx, || 40 + 2), Ok(42));
//! assert_eq!(limiter.available(), 2); // the token came back
//! ```

use crate::backend::{Backend, Std};
use crate::chan::{self, Receiver, RecvArm, Select, Selected, SendArm, Sender};
use crate::context::{Context, CtxError};
use crate::semaphore::Semaphore;

/// Which idiom keeps the limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Idiom {
    /// The kit's [`Semaphore`], `acquire_ctx` and an RAII permit.
    Semaphore,
    /// Go's buffered channel of tokens: send to acquire, receive to release.
    TokenChannel,
}

/// Limits concurrent calls. Clones share the limit.
#[derive(Clone)]
pub struct Limiter<B: Backend = Std> {
    kind: Kind<B>,
    limit: usize,
}

#[derive(Clone)]
enum Kind<B: Backend> {
    Semaphore(Semaphore<B>),
    Tokens(Sender<(), B>, Receiver<(), B>),
}

/// Gives the token back when dropped, so a call that panics releases its place too.
struct Token<'a, B: Backend>(&'a Receiver<(), B>);

impl<B: Backend> Drop for Token<'_, B> {
    fn drop(&mut self) {
        if B::in_teardown() {
            return;
        }
        // Our token is buffered (or a parked acquirer's moved in as we take one out).
        self.0.try_recv().expect("a held token is always buffered");
    }
}

impl Limiter<Std> {
    /// A limiter of `limit` concurrent calls on [`Std`].
    ///
    /// # Panics
    /// If `limit` is 0: no call could ever run.
    pub fn new(idiom: Idiom, limit: usize) -> Self {
        Self::new_in(idiom, limit)
    }
}

impl<B: Backend> Limiter<B> {
    /// A limiter of `limit` concurrent calls on backend `B`.
    ///
    /// # Panics
    /// If `limit` is 0: no call could ever run.
    pub fn new_in(idiom: Idiom, limit: usize) -> Self {
        assert!(
            limit > 0,
            "Limiter with a limit of 0: no call could ever run"
        );
        let kind = match idiom {
            Idiom::Semaphore => Kind::Semaphore(Semaphore::new_in(limit)),
            Idiom::TokenChannel => {
                let (tx, rx) = chan::bounded_in(limit);
                Kind::Tokens(tx, rx)
            }
        };
        Self { kind, limit }
    }

    /// Runs `call` once a place is free, or gives up with the context's error once `ctx` is done.
    /// A call that gave up took no place.
    #[track_caller]
    pub fn call<R>(&self, ctx: &Context<B>, call: impl FnOnce() -> R) -> Result<R, CtxError> {
        match &self.kind {
            Kind::Semaphore(semaphore) => {
                let _permit = semaphore.acquire_ctx(ctx)?;
                Ok(call())
            }
            Kind::Tokens(tx, rx) => {
                let mut acquire = SendArm::new(tx, ());
                let mut done = RecvArm::new(ctx.done());
                match Select::new().send(&mut acquire).recv(&mut done).wait() {
                    Selected::Arm(0) => {
                        let _token = Token(rx);
                        Ok(call())
                    }
                    _ => Err(ctx.err().expect("done closes only once err is set")),
                }
            }
        }
    }

    /// Places free now.
    pub fn available(&self) -> usize {
        match &self.kind {
            Kind::Semaphore(semaphore) => semaphore.available(),
            Kind::Tokens(tx, _) => self.limit - tx.len(),
        }
    }

    /// The limit.
    pub fn limit(&self) -> usize {
        self.limit
    }
}
