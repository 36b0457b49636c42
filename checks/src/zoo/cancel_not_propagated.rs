//! Cancel not propagated: a worker's context derived from a fresh root instead of the request's.
//!
//! Go: `ctx, cancel := context.WithTimeout(context.Background(), d)` inside a handler that was
//! given `r.Context()`. Cancelling the request no longer reaches the worker: `cancel();
//! wg.Wait()` on the request side waits forever.
//! Correct: derive from the context you were given: `context.WithTimeout(parent, d)`.

use super::{broken_instances, zoo_entry, Mistake, Variant};
use crate::harness::{FailureKind, Scenario};
use crate::invariant;
use patterns::{Atomic, AtomicInt, Backend, Context};
use std::sync::atomic::Ordering;
use std::sync::Arc;

zoo_entry! {
    /// A request starts workers on derived contexts, then cancels: every worker sees the cancel.
    pub struct CancelNotPropagated {
        /// Worker threads, each on its own derived context.
        pub workers: usize,
    }
}

impl Scenario for CancelNotPropagated {
    const NAME: &'static str = "zoo::cancel_not_propagated";
    const INVARIANT: &'static str = "cancelling the request reaches every derived context";
    broken_instances! {
        small: { workers: 1 },
        large: { workers: 4 },
    }
    fn run<B: Backend>(&self) {
        let (request, cancel_request) = Context::<B>::background_in().with_cancel();
        let stopped = Arc::new(B::AtomicUsize::new(0));
        let mut worker_cancellers = Vec::new();
        let workers: Vec<_> = (0..self.workers)
            .map(|w| {
                let parent = match self.variant {
                    Variant::Correct => request.clone(),
                    Variant::Broken => Context::background_in(),
                };
                // The request keeps each worker's canceller, to stop one worker on its own.
                let (ctx, cancel) = parent.with_cancel();
                worker_cancellers.push(cancel);
                let stopped = Arc::clone(&stopped);
                B::spawn(&format!("worker-{w}"), move || {
                    ctx.done().recv();
                    stopped.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect();
        cancel_request.cancel();
        for worker in workers {
            B::join(worker).expect("worker panicked");
        }
        let stopped = stopped.load(Ordering::SeqCst);
        invariant!(
            stopped == self.workers,
            "{stopped} of {} workers stopped",
            self.workers
        );
        drop(worker_cancellers);
    }
}

impl Mistake for CancelNotPropagated {
    const CAUGHT_AS: FailureKind = FailureKind::Deadlock;
    const TRACE_SHOWS: &'static [&'static str] = &[
        "cancel context",
        "recv done (never returned)",
        "no other thread sent on it or closed it in this schedule",
    ];
    const DETERMINISTIC: bool = true;
}
