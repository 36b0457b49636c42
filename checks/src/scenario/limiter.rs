//! Scenarios of the bounded-semaphore pattern, in both of its idioms.

use crate::harness::Scenario;
use crate::invariant;
use patterns::limiter::{Idiom, Limiter};
use patterns::{Atomic, AtomicInt, Backend, Context, CtxError};
use serde::{Deserialize, Serialize};
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Callers race for a limited resource while the context may be cancelled: a running call holds
/// exactly one place, never more than `limit` calls run at once, a caller that gives up took no
/// place, and every place comes back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallsNeverExceedLimit {
    /// Go's buffered channel of tokens (else the `Semaphore` type).
    pub token_channel: bool,
    /// Concurrent calls allowed.
    pub limit: usize,
    /// Caller threads, one call each.
    pub callers: usize,
    /// Whether the main thread cancels the callers' context while they run.
    pub cancel: bool,
}

impl Scenario for CallsNeverExceedLimit {
    const NAME: &'static str = "limiter::calls_never_exceed_limit";
    // Exhaustive: 94,377 schedules, 4.1 s (2026-12-06; two callers, a cancel racing them);
    // bound 3 would explore 616.
    const LOOM_PREEMPTION_BOUND: Option<usize> = None;
    fn small() -> Self {
        Self {
            token_channel: true,
            limit: 1,
            callers: 2,
            cancel: true,
        }
    }
    fn large() -> Self {
        Self {
            token_channel: false,
            limit: 2,
            callers: 8,
            cancel: true,
        }
    }
    fn run<B: Backend>(&self) {
        let idiom = if self.token_channel {
            Idiom::TokenChannel
        } else {
            Idiom::Semaphore
        };
        let limiter = Limiter::<B>::new_in(idiom, self.limit);
        let (ctx, cancel) = Context::<B>::background_in().with_cancel();
        invariant!(
            limiter.limit() == self.limit,
            "limit reads {}, made with {}",
            limiter.limit(),
            self.limit
        );
        // Alone, before any caller: the main thread's own call holds exactly one place.
        let free_during_a_call = limiter
            .call(&ctx, || limiter.available())
            .expect("nothing has cancelled yet");
        invariant!(
            free_during_a_call == self.limit - 1,
            "{free_during_a_call} of {} places free while one call runs",
            self.limit
        );
        let in_flight = Arc::new(B::AtomicUsize::new(0));
        let callers: Vec<_> = (0..self.callers)
            .map(|c| {
                let (limiter, ctx, in_flight) =
                    (limiter.clone(), ctx.clone(), Arc::clone(&in_flight));
                B::spawn(&format!("caller-{c}"), move || {
                    limiter.call(&ctx, || {
                        let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                        in_flight.fetch_sub(1, Ordering::SeqCst);
                        now
                    })
                })
            })
            .collect();
        if self.cancel {
            cancel.cancel();
        }
        for caller in callers {
            match B::join(caller).expect("caller panicked") {
                Ok(at_once) => invariant!(
                    at_once <= self.limit,
                    "{at_once} calls at once, limit {}",
                    self.limit
                ),
                Err(err) => invariant!(
                    self.cancel && err == CtxError::Canceled,
                    "a call gave up with {err:?} though nothing cancelled it"
                ),
            }
        }
        invariant!(
            limiter.available() == self.limit,
            "places leaked: {} of {} free",
            limiter.available(),
            self.limit
        );
    }
}
