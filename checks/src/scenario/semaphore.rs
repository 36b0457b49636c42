//! Scenarios of the kit's Semaphore.

use crate::harness::Scenario;
use crate::invariant;
use patterns::{Atomic, AtomicInt, Backend, Context, CtxError, Semaphore};
use serde::{Deserialize, Serialize};
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Tasks contend for a semaphore: holders never exceed its capacity, and every permit comes back.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HoldersNeverExceedCapacity {
    /// Permits.
    pub capacity: usize,
    /// Task threads, each taking a permit once.
    pub tasks: usize,
}

impl Scenario for HoldersNeverExceedCapacity {
    const NAME: &'static str = "semaphore::holders_never_exceed_capacity";
    fn small() -> Self {
        Self {
            capacity: 1,
            tasks: 2,
        }
    }
    fn large() -> Self {
        Self {
            capacity: 2,
            tasks: 8,
        }
    }
    fn run<B: Backend>(&self) {
        let sem = Semaphore::<B>::new_in(self.capacity);
        let holders = Arc::new(B::AtomicUsize::new(0));
        let capacity = self.capacity;
        invariant!(
            sem.capacity() == capacity,
            "capacity reads {}, made with {capacity}",
            sem.capacity()
        );
        let tasks: Vec<_> = (0..self.tasks)
            .map(|t| {
                let (sem, holders) = (sem.clone(), Arc::clone(&holders));
                B::spawn(&format!("task-{t}"), move || {
                    let permit = sem.acquire();
                    let now = holders.fetch_add(1, Ordering::SeqCst) + 1;
                    holders.fetch_sub(1, Ordering::SeqCst);
                    drop(permit);
                    now
                })
            })
            .collect();
        let mut high_water = 0;
        for task in tasks {
            high_water = high_water.max(B::join(task).expect("task panicked"));
        }
        invariant!(
            high_water <= capacity,
            "{high_water} holders at once, capacity {capacity}"
        );
        invariant!(
            sem.available() == capacity,
            "permits leaked: {} of {capacity} free",
            sem.available()
        );
    }
}

/// While no permit is free, a waiter whose context is cancelled gives up with the context's error
/// and leaves the semaphore unchanged (Go's `Acquire`: "On failure, returns ctx.Err() and leaves
/// the semaphore unchanged"), and `try_acquire` fails at once, taking nothing (Go's
/// `TryAcquire`); once the permit is released, it can be taken again. Main holds the only permit
/// until every waiter has returned, so no waiter can succeed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CancelledWaiterTakesNoPermit {
    /// Waiter threads, all on one context.
    pub waiters: usize,
}

impl Scenario for CancelledWaiterTakesNoPermit {
    const NAME: &'static str = "semaphore::cancelled_waiter_takes_no_permit";
    fn small() -> Self {
        Self { waiters: 1 }
    }
    fn large() -> Self {
        Self { waiters: 5 }
    }
    fn run<B: Backend>(&self) {
        let sem = Semaphore::<B>::new_in(1);
        let held = sem.acquire();
        let (ctx, cancel) = Context::<B>::background_in().with_cancel();
        let waiters: Vec<_> = (0..self.waiters)
            .map(|w| {
                let (sem, ctx) = (sem.clone(), ctx.clone());
                B::spawn(&format!("waiter-{w}"), move || {
                    sem.acquire_ctx(&ctx).map(drop)
                })
            })
            .collect();
        invariant!(
            sem.try_acquire().is_none(),
            "try_acquire got a permit while none was free"
        );
        cancel.cancel();
        for waiter in waiters {
            let result = B::join(waiter).expect("waiter panicked");
            invariant!(
                result == Err(CtxError::Canceled),
                "a waiter with no permit free and its context cancelled returned {result:?}"
            );
        }
        invariant!(
            sem.available() == 0 && sem.try_acquire().is_none(),
            "failed acquires changed the semaphore: {} of 1 free while the permit is held",
            sem.available()
        );
        drop(held);
        invariant!(sem.available() == 1, "the permit did not come back");
        let again = sem.try_acquire();
        invariant!(
            again.is_some() && sem.available() == 0,
            "the permit cannot be taken again"
        );
    }
}

/// `acquire_ctx` on a context already done fails with the context's error even with a permit
/// free, and takes nothing (x/sync's `Acquire`: the context's end happened before the acquire);
/// an acquire racing the cancel either gets the permit, which it then gives back, or fails
/// taking nothing.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DoneContextTakesNoFreePermit {
    /// Threads acquiring while the context is cancelled.
    pub racers: usize,
}

impl Scenario for DoneContextTakesNoFreePermit {
    const NAME: &'static str = "semaphore::done_context_takes_no_free_permit";
    // Exhaustive: 31 schedules, 0.002 s (2026-12-05).
    fn small() -> Self {
        Self { racers: 1 }
    }
    fn large() -> Self {
        Self { racers: 4 }
    }
    fn run<B: Backend>(&self) {
        let sem = Semaphore::<B>::new_in(self.racers + 1);
        let (ctx, cancel) = Context::<B>::background_in().with_cancel();
        let racers: Vec<_> = (0..self.racers)
            .map(|r| {
                let (sem, ctx) = (sem.clone(), ctx.clone());
                B::spawn(&format!("racer-{r}"), move || {
                    sem.acquire_ctx(&ctx).map(drop)
                })
            })
            .collect();
        let canceller = B::spawn("canceller", move || cancel.cancel());
        B::join(canceller).expect("canceller panicked");
        let late = sem.acquire_ctx(&ctx).map(drop);
        invariant!(
            late == Err(CtxError::Canceled),
            "an acquire on a context already done must fail, even with a permit free: {late:?}"
        );
        for racer in racers {
            let result = B::join(racer).expect("racer panicked");
            invariant!(
                result.is_ok() || result == Err(CtxError::Canceled),
                "an acquire racing the cancel returned {result:?}"
            );
        }
        invariant!(
            sem.available() == self.racers + 1,
            "{} of {} permits free once every acquire has returned",
            sem.available(),
            self.racers + 1
        );
    }
}
