//! Scenarios of the kit's Once: Go's `sync.Once`.

use crate::harness::Scenario;
use crate::invariant;
use patterns::{Atomic, AtomicInt, Backend, Once};
use serde::{Deserialize, Serialize};
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Threads call one `Once`, each with a function of its own: exactly one function runs, and no
/// call returns before it has (every caller sees its effect at once on return).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunsTheFirstFunctionOnce {
    /// Threads calling besides the main thread, which calls too.
    pub callers: usize,
}

impl Scenario for RunsTheFirstFunctionOnce {
    const NAME: &'static str = "once::runs_the_first_function_once";
    fn small() -> Self {
        Self { callers: 2 }
    }
    fn large() -> Self {
        Self { callers: 5 }
    }
    fn run<B: Backend>(&self) {
        let once = Arc::new(Once::<B>::new_in());
        // SeqCst: an instrument, read by every caller right after its call returns.
        let ran = Arc::new(B::AtomicUsize::new(0));
        let call = |once: &Once<B>, ran: &B::AtomicUsize| {
            once.call(|| {
                ran.fetch_add(1, Ordering::SeqCst);
            });
            ran.load(Ordering::SeqCst)
        };
        let callers: Vec<_> = (0..self.callers)
            .map(|c| {
                let (once, ran) = (Arc::clone(&once), Arc::clone(&ran));
                B::spawn(&format!("caller-{c}"), move || call(&once, &ran))
            })
            .collect();
        let mut seen = vec![call(&once, &ran)];
        for caller in callers {
            seen.push(B::join(caller).expect("caller panicked"));
        }
        invariant!(
            seen.iter().all(|&runs| runs == 1),
            "runs seen by the callers as their calls returned: {seen:?} (each must be 1)"
        );
        invariant!(
            once.is_done(),
            "the Once is not done after its function ran"
        );
    }
}
