//! Panic safety: a panic that the program catches (with `Backend::catch_unwind`) leaves every
//! primitive it unwound through as a normal drop would, under every backend. A permit comes back,
//! a limiter's place comes back, the last sender's drop closes its channel and a dropped canceller
//! cancels.

use crate::harness::Scenario;
use crate::invariant;
use patterns::limiter::{Idiom, Limiter};
use patterns::{chan, Backend, Context, Semaphore};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Threads that each panic while holding a semaphore permit, a limiter's place, the last sender of
/// a channel and a canceller, and catch the panic: afterwards every permit and place is back, the
/// channel reads as closed, and the context is cancelled.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CaughtPanicReleasesEverything {
    /// Threads that each panic once while holding all four.
    pub threads: usize,
}

impl Scenario for CaughtPanicReleasesEverything {
    const NAME: &'static str = "panic_safety::caught_panic_releases_everything";
    fn small() -> Self {
        Self { threads: 2 }
    }
    fn large() -> Self {
        Self { threads: 6 }
    }
    fn run<B: Backend>(&self) {
        let semaphore = Arc::new(Semaphore::<B>::new_in(1));
        let limiter = Limiter::<B>::new_in(Idiom::TokenChannel, 1);
        let background = Context::<B>::background_in();
        let mut watchers = Vec::new();
        let threads: Vec<_> = (0..self.threads)
            .map(|t| {
                let (tx, rx) = chan::bounded_in::<B, u32>(0);
                let (ctx, cancel) = background.with_cancel();
                watchers.push((rx, ctx));
                let (semaphore, limiter, background) =
                    (Arc::clone(&semaphore), limiter.clone(), background.clone());
                B::spawn(&format!("panicker-{t}"), move || {
                    // A real `panic!`, through the panic hook, as user code raises it.
                    let caught = B::catch_unwind(move || {
                        let _permit = semaphore.acquire();
                        let _cancel = cancel;
                        let _last_sender = tx;
                        let _ = limiter.call(&background, || -> () { panic!("deliberate panic") });
                    });
                    caught.is_err()
                })
            })
            .collect();
        for thread in threads {
            let caught = B::join(thread).expect("the panic escaped catch_unwind");
            invariant!(caught, "the deliberate panic was not raised");
        }
        invariant!(
            semaphore.available() == 1,
            "a permit held through a caught panic was not returned: {} of 1 available",
            semaphore.available()
        );
        invariant!(
            limiter.available() == 1,
            "a limiter call that panicked kept its place: {} of 1 available",
            limiter.available()
        );
        for (t, (rx, ctx)) in watchers.iter().enumerate() {
            invariant!(
                rx.recv().is_none(),
                "panicker {t}'s last sender was dropped by a caught panic, yet its channel is open"
            );
            invariant!(
                ctx.err().is_some() && ctx.done().recv().is_none(),
                "panicker {t}'s canceller was dropped by a caught panic, yet its context is live"
            );
        }
    }
}
