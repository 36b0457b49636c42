//! Scenarios of the kit's weighted semaphore: Go's `x/sync/semaphore.Weighted`.

use crate::harness::Scenario;
use crate::invariant;
use patterns::{Atomic, AtomicInt, Backend, Context, CtxError, Weighted};
use serde::{Deserialize, Serialize};
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// The weights held at once never add up to more than the size, whatever mix of weights and
/// `try_acquire` races for it, and every acquirer gets through.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HeldNeverExceedsSize {
    /// The semaphore's size.
    pub size: usize,
    /// Each thread's weight.
    pub weights: Vec<usize>,
}

impl Scenario for HeldNeverExceedsSize {
    const NAME: &'static str = "weighted::held_never_exceeds_size";
    // Bounded: exhaustive exploration does not finish in 100 s (2026-12-05). Bound 2: 338
    // schedules; bound 3: 4,462, 0.5 s.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(3);
    fn small() -> Self {
        Self {
            size: 3,
            weights: vec![2, 2, 1],
        }
    }
    fn large() -> Self {
        Self {
            size: 5,
            weights: vec![3, 2, 2, 1, 4, 1],
        }
    }
    fn run<B: Backend>(&self) {
        let sem = Weighted::<B>::new_in(self.size);
        // The weight inside now. SeqCst: the invariant's own instrument.
        let inside = Arc::new(B::AtomicUsize::new(0));
        let size = self.size;
        let threads: Vec<_> = self
            .weights
            .iter()
            .enumerate()
            .map(|(index, &weight)| {
                let (sem, inside) = (sem.clone(), Arc::clone(&inside));
                B::spawn(&format!("holder-{index}"), move || {
                    // Every other thread tries first, so `try_acquire` races the queue too.
                    let permit = match (index % 2 == 1).then(|| sem.try_acquire(weight)) {
                        Some(Some(permit)) => permit,
                        _ => sem.acquire(weight),
                    };
                    let now = inside.fetch_add(weight, Ordering::SeqCst) + weight;
                    invariant!(
                        now <= size,
                        "{now} held at once on a semaphore of size {size}"
                    );
                    inside.fetch_sub(weight, Ordering::SeqCst);
                    drop(permit);
                })
            })
            .collect();
        for thread in threads {
            B::join(thread).expect("a holder panicked");
        }
        invariant!(
            sem.held() == 0,
            "{} still held after every release",
            sem.held()
        );
    }
}

/// x/sync's order: waiters are served first come, first served, and one that does not fit holds
/// back every one behind it ("a large request blocks smaller ones behind it", so it is never
/// starved); `try_acquire` fails while anyone waits. Here the whole size is held as single
/// units; a large waiter queues, then a small one; one unit is released (the small one would
/// fit), then the rest.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WaitersAreServedInOrder {
    /// The semaphore's size, and the large waiter's weight.
    pub size: usize,
}

impl Scenario for WaitersAreServedInOrder {
    const NAME: &'static str = "weighted::waiters_are_served_in_order";
    fn small() -> Self {
        Self { size: 2 }
    }
    fn large() -> Self {
        Self { size: 4 }
    }
    fn run<B: Backend>(&self) {
        let sem = Weighted::<B>::new_in(self.size);
        let units: Vec<_> = (0..self.size)
            .map(|_| sem.try_acquire(1).expect("the semaphore starts empty"))
            .collect();
        // Set by the large waiter once it is through. SeqCst: the invariant's own instrument.
        let large_done = Arc::new(B::AtomicBool::new(false));
        let large = {
            let (sem, large_done) = (sem.clone(), Arc::clone(&large_done));
            B::spawn("large", move || {
                let permit = sem.acquire(sem.size());
                large_done.store(true, Ordering::SeqCst);
                drop(permit);
            })
        };
        while sem.waiting() < 1 {
            B::yield_now();
        }
        let small = {
            let (sem, large_done) = (sem.clone(), Arc::clone(&large_done));
            B::spawn("small", move || {
                let _permit = sem.acquire(1);
                invariant!(
                    large_done.load(Ordering::SeqCst),
                    "the small waiter got in ahead of the large one queued before it"
                );
            })
        };
        while sem.waiting() < 2 {
            B::yield_now();
        }
        let mut units = units.into_iter();
        drop(units.next());
        invariant!(
            sem.try_acquire(1).is_none(),
            "try_acquire must fail while others wait, even with a unit free"
        );
        drop(units);
        B::join(large).expect("the large waiter panicked");
        B::join(small).expect("the small waiter panicked");
    }
}

/// x/sync's `Acquire`: "blocks until resources are available or ctx is done. On failure, returns
/// ctx.Err() and leaves the semaphore unchanged"; a context already done fails even with the
/// weight free; a request larger than the size waits for its context without holding back
/// anyone. A waiter is cancelled while the holder releases, so a grant and the cancel race.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CancelledWaiterTakesNothing {
    /// The semaphore's size (the holder takes it all; the waiter asks for all of it too).
    pub size: usize,
}

impl Scenario for CancelledWaiterTakesNothing {
    const NAME: &'static str = "weighted::cancelled_waiter_takes_nothing";
    // Bounded: exhaustive exploration does not finish in 100 s (2026-12-05). Bound 2: 86
    // schedules; bound 3: 666, 0.07 s.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(3);
    fn small() -> Self {
        Self { size: 1 }
    }
    fn large() -> Self {
        Self { size: 3 }
    }
    fn run<B: Backend>(&self) {
        let sem = Weighted::<B>::new_in(self.size);
        let holder = sem.acquire(self.size);
        let (ctx, cancel) = Context::<B>::background_in().with_cancel();
        let waiter = {
            let (sem, ctx, size) = (sem.clone(), ctx.clone(), self.size);
            B::spawn("waiter", move || {
                sem.acquire_ctx(&ctx, size).map(|permit| permit.weight())
            })
        };
        let canceller = B::spawn("canceller", move || cancel.cancel());
        drop(holder);
        B::join(canceller).expect("the canceller panicked");
        let got = B::join(waiter).expect("the waiter panicked");
        invariant!(
            matches!(got, Ok(weight) if weight == self.size) || got == Err(CtxError::Canceled),
            "the waiter must get its whole weight or the context's error: {got:?}"
        );
        invariant!(
            sem.held() == 0 && sem.waiting() == 0,
            "a cancelled or finished waiter leaves nothing behind: {} held, {} waiting",
            sem.held(),
            sem.waiting()
        );
        let late = sem.acquire_ctx(&ctx, 1).map(|permit| permit.weight());
        invariant!(
            late == Err(CtxError::Canceled),
            "an acquire on a context already done must fail, even with the weight free: {late:?}"
        );
        let (doomed_ctx, cancel_doomed) = Context::<B>::background_in().with_cancel();
        let doomed = {
            let (sem, size) = (sem.clone(), self.size);
            B::spawn("oversized", move || {
                sem.acquire_ctx(&doomed_ctx, size + 1)
                    .map(|permit| permit.weight())
            })
        };
        // Not held back by the oversized request, whether it came first or not.
        drop(sem.acquire(self.size));
        cancel_doomed.cancel();
        let doomed = B::join(doomed).expect("the oversized acquirer panicked");
        invariant!(
            doomed == Err(CtxError::Canceled),
            "a request larger than the size must wait for its context: {doomed:?}"
        );
        invariant!(sem.held() == 0, "{} still held at the end", sem.held());
    }
}
