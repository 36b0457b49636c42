//! A child context that is never cancelled: the parent keeps it as a child forever.
//!
//! Go: `ctx, _ := context.WithCancel(serverCtx)` per request (`go vet` warns: "the cancel
//! function is not used on all paths"). Each request's context stays in the server context's
//! children map until the server shuts down: memory that grows with every request.
//! In Rust a dropped canceller cancels, so the mistake takes the shape of a canceller kept
//! somewhere long-lived ("so shutdown can cancel in-flight requests") and never removed.
//! Correct: cancel (drop the canceller) when the request ends.

use super::{broken_instances, zoo_entry, Mistake, Variant};
use crate::harness::{FailureKind, Scenario};
use crate::invariant;
use patterns::{Backend, Context};
use std::sync::Arc;

zoo_entry! {
    /// Concurrent requests each derive a context from the server's; once they have all finished,
    /// the server context has no children left.
    pub struct ChildContextNeverCancelled {
        /// Concurrent requests.
        pub requests: usize,
    }
}

impl Scenario for ChildContextNeverCancelled {
    const NAME: &'static str = "zoo::child_context_never_cancelled";
    const INVARIANT: &'static str = "a finished request leaves no child context behind";
    broken_instances! {
        small: { requests: 2 },
        large: { requests: 6 },
    }
    fn run<B: Backend>(&self) {
        let (server, _shutdown) = Context::<B>::background_in().with_cancel();
        let in_flight = Arc::new(B::mutex(Vec::new()));
        let variant = self.variant;
        let requests: Vec<_> = (0..self.requests)
            .map(|r| {
                let (server, in_flight) = (server.clone(), Arc::clone(&in_flight));
                B::spawn(&format!("request-{r}"), move || {
                    let (ctx, cancel) = server.with_cancel();
                    invariant!(!ctx.is_done(), "a fresh request context is already done");
                    match variant {
                        Variant::Correct => drop(cancel),
                        Variant::Broken => B::lock(&in_flight).push(cancel),
                    }
                })
            })
            .collect();
        for request in requests {
            B::join(request).expect("request panicked");
        }
        let children = server.child_count();
        invariant!(
            children == 0,
            "the server context still has {children} children after every request ended"
        );
    }
}

impl Mistake for ChildContextNeverCancelled {
    const CAUGHT_AS: FailureKind = FailureKind::Assertion;
    const TRACE_SHOWS: &'static [&'static str] = &[
        "is done context#1 → false",
        "is done context#2 → false",
        "still has 2 children",
    ];
    const DETERMINISTIC: bool = true;
}
