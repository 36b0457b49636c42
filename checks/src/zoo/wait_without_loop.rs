//! A condition-variable wait without its loop: `if` where `for` belongs.
//!
//! Go:
//!
//! ```go
//! mu.Lock()
//! if !ready {     // sync.Cond: "the caller typically cannot assume that the condition is true
//!     cond.Wait() // when Wait returns. Instead, the caller should Wait in a loop"
//! }
//! use(data)
//! ```
//!
//! Correct: `for !ready { cond.Wait() }`, re-checking the condition after every wake-up. In Go the
//! condition can be false again (or never have been true: a Broadcast for another condition) when
//! Wait returns; a Rust condition variable, `Std`'s included, may also wake spuriously. Under
//! shuttle's random and PCT schedulers, one wait in four does, a choice they explore. loom's
//! condition variable never wakes spuriously and loom has no random choice to model one, and
//! shuttle's DFS keeps its random choices fixed (spurious wake-ups are off there), so neither can
//! see this mistake; real threads almost never do.

use super::{broken_instances, zoo_entry, Mistake, Variant};
use crate::harness::{CheckerKind, FailureKind, Scenario};
use crate::invariant;
use patterns::Backend;
use std::sync::Arc;

zoo_entry! {
    /// A thread waits until a flag is set, then reads the data the flag guards.
    pub struct WaitWithoutLoop {
        /// Threads waiting for the flag.
        pub waiters: usize,
    }
}

impl Scenario for WaitWithoutLoop {
    const NAME: &'static str = "zoo::wait_without_loop";
    const INVARIANT: &'static str = "a waiter proceeds only once the flag is set";
    broken_instances! {
        small: { waiters: 1 },
        large: { waiters: 3 },
    }
    fn run<B: Backend>(&self) {
        let shared = Arc::new((B::mutex(None::<u32>), B::condvar()));
        let variant = self.variant;
        let waiters: Vec<_> = (0..self.waiters)
            .map(|w| {
                let shared = Arc::clone(&shared);
                B::spawn(&format!("waiter-{w}"), move || {
                    let (data, ready) = &*shared;
                    let mut data = B::lock(data);
                    match variant {
                        Variant::Correct => {
                            while data.is_none() {
                                data = B::wait(ready, data);
                            }
                        }
                        Variant::Broken => {
                            if data.is_none() {
                                data = B::wait(ready, data);
                            }
                        }
                    }
                    invariant!(
                        *data == Some(42),
                        "a condvar wait returned with the condition still false: a wait must \
                         re-check its condition in a loop"
                    );
                })
            })
            .collect();
        let (data, ready) = &*shared;
        *B::lock(data) = Some(42);
        B::notify_all(ready);
        for waiter in waiters {
            B::join(waiter).expect("waiter panicked");
        }
    }
}

impl Mistake for WaitWithoutLoop {
    const CAUGHT_AS: FailureKind = FailureKind::Assertion;
    const TRACE_SHOWS: &'static [&'static str] = &[
        "wait condvar",
        "a condvar wait returned with the condition still false",
    ];
    const MISSED_BY: &'static [CheckerKind] = &[CheckerKind::Loom, CheckerKind::ShuttleDfs];
}
