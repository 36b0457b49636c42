//! Scenarios that exercise the harness itself rather than the kit: each one fails on purpose, in
//! one known way, so the tests can check how the harness reports it.

use crate::harness::Scenario;
use patterns::{Atomic, Backend};
use serde::{Deserialize, Serialize};
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// A thread spins (yielding) on a flag that is never set, and the scenario returns without
/// joining it: a livelock, which the harness must not call a leak or a deadlock.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SpinsForever;

impl Scenario for SpinsForever {
    const NAME: &'static str = "harness::spins_forever";
    fn small() -> Self {
        Self
    }
    fn large() -> Self {
        Self
    }
    fn run<B: Backend>(&self) {
        let flag = Arc::new(B::AtomicBool::new(false));
        drop(B::spawn("spinner", move || {
            while !flag.load(Ordering::Acquire) {
                B::yield_now();
            }
        }));
    }
}
