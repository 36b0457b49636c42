//! Go's weighted semaphore (`x/sync/semaphore.Weighted`): a size, and acquirers that each take
//! a weight of it, served strictly in order.
//!
//! | Go | here |
//! |---|---|
//! | `s := semaphore.NewWeighted(n)` | `let s = Weighted::new(n)` (`Weighted::<B>::new_in(n)`) |
//! | `s.Acquire(ctx, n)` … `s.Release(n)` | `let permit = s.acquire_ctx(&ctx, n)?;` … drop it |
//! | `s.TryAcquire(n)` | `s.try_acquire(n)`: `Option<WeightedPermit>` |
//!
//! Its promises, as `x/sync/semaphore` documents and codes them, each checked by the scenario or
//! test named:
//!
//! * The weights held never add up to more than the size (`weighted::held_never_exceeds_size`).
//! * Waiters are served first come, first served, and a waiter that does not fit holds back the
//!   ones behind it, however small ("a large request blocks smaller ones behind it", so a large
//!   acquirer is never starved); `try_acquire` fails while anyone waits, rather than overtake
//!   them (`weighted::waiters_are_served_in_order`).
//! * `Acquire` "blocks until resources are available or ctx is done. On failure, returns
//!   ctx.Err() and leaves the semaphore unchanged"; a context already done fails at once, even if
//!   the weight is free (`weighted::cancelled_waiter_takes_nothing`).
//! * A request larger than the size waits for its context to be done, and does not hold back
//!   the waiters behind it (`weighted::cancelled_waiter_takes_nothing`).
//! * Releasing more than held panics in Go; here a [`WeightedPermit`] releases exactly its weight
//!   when dropped, so the mistake does not compile.
//!
//! ```
//! use patterns::{Context, Weighted};
//!
//! let memory = Weighted::new(10);
//! let big = memory.try_acquire(8).expect("8 of 10 are free");
//! assert!(memory.try_acquire(3).is_none(), "only 2 are left");
//! let small = memory.try_acquire(2).expect("2 fit");
//! drop((big, small));
//! let (ctx, cancel) = Context::background().with_cancel();
//! cancel.cancel();
//! assert!(memory.acquire_ctx(&ctx, 1).is_err(), "a done context takes nothing");
//! ```

use crate::backend::{Backend, Std};
use crate::chan::{self, Receiver, RecvArm, Select, Selected, Sender};
use crate::context::{Context, CtxError};
use crate::trace::{self, Object};
use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;

/// A weighted semaphore. Clones share it. See the [module docs](self).
pub struct Weighted<B: Backend = Std> {
    inner: Arc<Inner<B>>,
}

struct Inner<B: Backend> {
    size: usize,
    /// The weight held and the queue of waiters, under one lock.
    state: B::Mutex<State<B>>,
}

struct State<B: Backend> {
    held: usize,
    /// Waiters in arrival order; only the front one may be granted.
    waiters: VecDeque<Waiter<B>>,
    next_id: u64,
}

struct Waiter<B: Backend> {
    id: u64,
    weight: usize,
    /// Granting sends one value here (capacity 1: never blocks); the waiter is gone from the
    /// queue by then, and its weight is counted in `held`.
    granted: Sender<(), B>,
}

/// A weight held; dropping it releases that weight (Go's `Release(n)`).
#[must_use = "dropping the permit releases its weight at once"]
pub struct WeightedPermit<B: Backend = Std> {
    inner: Arc<Inner<B>>,
    weight: usize,
}

impl Weighted<Std> {
    /// A weighted semaphore of `size` on [`Std`].
    pub fn new(size: usize) -> Self {
        Self::new_in(size)
    }
}

impl<B: Backend> Weighted<B> {
    /// A weighted semaphore of `size` on backend `B`.
    pub fn new_in(size: usize) -> Self {
        Self {
            inner: Arc::new(Inner {
                size,
                state: B::mutex(State {
                    held: 0,
                    waiters: VecDeque::new(),
                    next_id: 0,
                }),
            }),
        }
    }

    /// Takes `weight`, blocking behind every earlier waiter until it fits.
    ///
    /// # Panics
    /// If `weight` is larger than the size: it could never be granted (Go's `Acquire` with a
    /// context that is never done blocks forever).
    #[track_caller]
    pub fn acquire(&self, weight: usize) -> WeightedPermit<B> {
        let _step = trace::enter::<B>("acquire", self.object());
        assert!(
            weight <= self.inner.size,
            "Weighted::acquire({weight}) on a semaphore of size {}: it could never be granted",
            self.inner.size
        );
        match self.enqueue(weight) {
            Ok(permit) => permit,
            Err((_, granted)) => {
                granted
                    .recv()
                    .expect("a waiter's grant channel is closed only after its grant is sent");
                self.permit(weight)
            }
        }
    }

    /// Takes `weight`, or gives up with the context's error once `ctx` is done, leaving the
    /// semaphore as it was. A context already done fails at once.
    #[track_caller]
    pub fn acquire_ctx(
        &self,
        ctx: &Context<B>,
        weight: usize,
    ) -> Result<WeightedPermit<B>, CtxError> {
        let step = trace::enter::<B>("acquire or done", self.object());
        let result = self.acquire_or_done(ctx, weight);
        if let Err(error) = &result {
            step.outcome(format_args!("{error}"));
        }
        result
    }

    /// Takes `weight` if it fits now and nobody waits (Go's `TryAcquire`).
    #[track_caller]
    pub fn try_acquire(&self, weight: usize) -> Option<WeightedPermit<B>> {
        let step = trace::enter::<B>("try acquire", self.object());
        let mut state = B::lock(&self.inner.state);
        let fits = state.waiters.is_empty() && self.inner.size - state.held >= weight;
        if fits {
            state.held += weight;
        }
        drop(state);
        step.outcome(format_args!("{}", if fits { "got" } else { "none free" }));
        fits.then(|| self.permit(weight))
    }

    /// The size: the most weight ever held at once.
    pub fn size(&self) -> usize {
        self.inner.size
    }

    /// The weight held now: a snapshot.
    pub fn held(&self) -> usize {
        B::lock(&self.inner.state).held
    }

    /// How many acquirers wait now: a snapshot.
    pub fn waiting(&self) -> usize {
        B::lock(&self.inner.state).waiters.len()
    }

    #[track_caller]
    fn acquire_or_done(
        &self,
        ctx: &Context<B>,
        weight: usize,
    ) -> Result<WeightedPermit<B>, CtxError> {
        // Done before the call: fail even if the weight is free (Go: the context's end
        // "happened before" the acquire).
        if let Some(error) = ctx.err() {
            return Err(error);
        }
        if weight > self.inner.size {
            // Doomed: wait for the context without queueing, so nobody waits behind it.
            ctx.done().recv();
            return Err(done_error(ctx));
        }
        let (id, granted) = match self.enqueue(weight) {
            Ok(permit) => return Ok(permit),
            Err(waiting) => waiting,
        };
        let mut grant = RecvArm::new(&granted);
        let mut done = RecvArm::new(ctx.done());
        match Select::new().recv(&mut grant).recv(&mut done).wait() {
            Selected::Arm(0) => {
                let permit = self.permit(weight);
                if ctx.is_done() {
                    // Granted, but the context ended meanwhile: give it back (Go does too).
                    drop(permit);
                    return Err(done_error(ctx));
                }
                Ok(permit)
            }
            _ => {
                self.give_up(id, &granted, weight);
                Err(done_error(ctx))
            }
        }
    }

    /// Takes `weight` at once if it fits and nobody waits; else queues a waiter and returns its
    /// id and the channel its grant will come on.
    fn enqueue(&self, weight: usize) -> Result<WeightedPermit<B>, (u64, Receiver<(), B>)> {
        let mut state = B::lock(&self.inner.state);
        if state.waiters.is_empty() && self.inner.size - state.held >= weight {
            state.held += weight;
            drop(state);
            return Ok(self.permit(weight));
        }
        let (tx, granted) = chan::bounded_kind_in::<B, ()>(1, "grant");
        let id = state.next_id;
        state.next_id += 1;
        state.waiters.push_back(Waiter {
            id,
            weight,
            granted: tx,
        });
        Err((id, granted))
    }

    /// A waiter whose context ended: if it was granted meanwhile, it gives the weight back;
    /// otherwise it leaves the queue, and if it was at the front, the ones behind may fit now.
    fn give_up(&self, id: u64, granted: &Receiver<(), B>, weight: usize) {
        let mut state = B::lock(&self.inner.state);
        // Under the lock: a grant is sent under it, so this sees any grant made.
        if granted.try_recv().is_ok() {
            state.held -= weight;
        } else {
            if let Some(position) = state.waiters.iter().position(|waiter| waiter.id == id) {
                state.waiters.remove(position);
            }
        }
        self.inner.grant_waiters(&mut state);
    }

    /// The semaphore as a traced object.
    fn object(&self) -> Object {
        Object::at("weighted", &*self.inner, None)
    }

    fn permit(&self, weight: usize) -> WeightedPermit<B> {
        WeightedPermit {
            inner: Arc::clone(&self.inner),
            weight,
        }
    }
}

impl<B: Backend> Inner<B> {
    /// Grants waiters from the front while the front one fits: a waiter that does not fit holds
    /// back every one behind it (no barging, so a large request is not starved).
    fn grant_waiters(&self, state: &mut State<B>) {
        while let Some(front) = state.waiters.front() {
            if self.size - state.held < front.weight {
                break;
            }
            state.held += front.weight;
            let waiter = state.waiters.pop_front().expect("the front exists");
            // Capacity 1, one send ever, receiver alive or not: never blocks.
            let _ = waiter.granted.try_send(());
        }
    }
}

/// The error of a context whose done channel has closed.
fn done_error<B: Backend>(ctx: &Context<B>) -> CtxError {
    ctx.err()
        .expect("the done channel closes only once err is set")
}

impl<B: Backend> WeightedPermit<B> {
    /// The weight this permit holds.
    pub fn weight(&self) -> usize {
        self.weight
    }
}

impl<B: Backend> Drop for WeightedPermit<B> {
    fn drop(&mut self) {
        if B::in_teardown() {
            return;
        }
        let _step = trace::enter::<B>("release", Object::at("weighted", &*self.inner, None));
        let mut state = B::lock(&self.inner.state);
        state.held -= self.weight;
        self.inner.grant_waiters(&mut state);
    }
}

impl<B: Backend> Clone for Weighted<B> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<B: Backend> fmt::Debug for Weighted<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Weighted")
            .field("size", &self.inner.size)
            .finish_non_exhaustive()
    }
}

impl<B: Backend> fmt::Debug for WeightedPermit<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeightedPermit")
            .field("weight", &self.weight)
            .finish()
    }
}
