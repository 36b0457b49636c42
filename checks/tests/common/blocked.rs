//! Every blocking function is `#[track_caller]` (ARCHITECTURE.md, invariant 5): threads blocked
//! in the backend's `lock`, `wait` and `join` are reported at the lines of this file, which no
//! backend shares a name with. Included by the loom and the shuttle test binaries.

use checks::harness::{check, Checker, FailureKind, Scenario};
use patterns::Backend;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// One thread blocked in `lock`, one in `wait`, and main in `join`: a deadlock.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BlockedInBackendCalls;

impl Scenario for BlockedInBackendCalls {
    const NAME: &'static str = "harness::blocked_in_backend_calls";
    fn small() -> Self {
        Self
    }
    fn large() -> Self {
        Self
    }
    fn run<B: Backend>(&self) {
        let held = Arc::new(B::mutex(()));
        let guard = B::lock(&held);
        let locker = {
            let held = Arc::clone(&held);
            B::spawn("locker", move || drop(B::lock(&held)))
        };
        let waiter = B::spawn("waiter", || {
            let (mutex, condvar) = (B::mutex(()), B::condvar());
            drop(B::wait(&condvar, B::lock(&mutex)));
        });
        B::join(locker).expect("never returns");
        drop(guard);
        B::join(waiter).expect("never returns");
    }
}

/// Runs [`BlockedInBackendCalls`] under `checker` and checks where each thread is reported blocked.
pub fn reported_at_the_callers_line(checker: &Checker) {
    let stats = check(&BlockedInBackendCalls, checker);
    let report = stats.assert_fails_with(FailureKind::Deadlock);
    for name in ["main", "locker", "waiter"] {
        let state = report
            .threads
            .iter()
            .find(|thread| thread.name == name)
            .map(|thread| thread.state.as_str())
            .unwrap_or_else(|| panic!("no thread {name} in\n{stats}"));
        assert!(
            state.starts_with("blocked at") && state.contains("tests/common/blocked.rs:"),
            "{name} is {state}: not the line that called the backend\n{stats}"
        );
    }
}
