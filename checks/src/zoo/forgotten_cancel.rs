//! Forgotten cancellation: a request returns without cancelling the context its helper waits on.
//!
//! Go:
//!
//! ```go
//! ctx, cancel := context.WithCancel(parent)
//! go watch(ctx, cancel) // cancels its siblings on error, else waits for <-ctx.Done() to clean up
//! return                // no `defer cancel()`: watch waits forever
//! ```
//!
//! In Rust a dropped canceller cancels, so the mistake survives in one shape: the only canceller
//! handed to the thread that waits for it. The helper outlives the request: a leak.
//! Correct: the request owns the canceller and cancels (drops it) when it returns.

use super::{broken_instances, zoo_entry, Mistake, Variant};
use crate::harness::{FailureKind, Scenario};
use crate::invariant;
use patterns::{Atomic, AtomicInt, Backend, Context};
use std::sync::atomic::Ordering;
use std::sync::Arc;

zoo_entry! {
    /// A request starts detached helpers that clean up when its context is done; once the request
    /// has returned, every helper must end.
    pub struct ForgottenCancel {
        /// Helper threads waiting for the request's end.
        pub helpers: usize,
    }
}

impl Scenario for ForgottenCancel {
    const NAME: &'static str = "zoo::forgotten_cancel";
    const INVARIANT: &'static str = "no helper outlives the request";
    broken_instances! {
        small: { helpers: 2 },
        large: { helpers: 4 },
    }
    fn run<B: Backend>(&self) {
        let cleaned = Arc::new(B::AtomicUsize::new(0));
        let (ctx, cancel) = Context::<B>::background_in().with_cancel();
        let mut request_owned = Some(cancel);
        for helper in 0..self.helpers {
            let (ctx, cleaned) = (ctx.clone(), Arc::clone(&cleaned));
            let kept = match self.variant {
                Variant::Broken if helper == 0 => request_owned.take(),
                _ => None,
            };
            // Detached: trusted to end once the request's context is done.
            drop(B::spawn(&format!("helper-{helper}"), move || {
                let _canceller = kept;
                ctx.done().recv();
                cleaned.fetch_add(1, Ordering::SeqCst);
            }));
        }
        let done = cleaned.load(Ordering::SeqCst);
        invariant!(
            done == 0,
            "{done} helpers cleaned up before the request ended"
        );
        drop(request_owned);
    }
}

impl Mistake for ForgottenCancel {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    const TRACE_SHOWS: &'static [&'static str] = &[
        "recv done (never returned)",
        "recv done (never returned)",
        "no other thread sent on it or closed it in this schedule",
    ];
    const DETERMINISTIC: bool = true;
}
