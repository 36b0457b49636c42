//! A semaphore permit leaked on an early-return path.
//!
//! Go:
//!
//! ```go
//! sem <- struct{}{}           // acquire
//! if err := validate(j); err != nil {
//!     return err              // the token is never taken back
//! }
//! do(j)
//! <-sem                       // release, on the happy path only
//! ```
//!
//! Each failure shrinks the limit by one; once all permits are gone every later task waits
//! forever. Correct: release on every path (`defer func() { <-sem }()`), here the kit's
//! [`patterns::Semaphore`], whose permit releases when dropped, early return and panic included.

use super::{broken_instances, zoo_entry, Mistake, Variant};
use crate::harness::{FailureKind, Scenario};
use crate::invariant;
use patterns::{chan, Backend, Semaphore};

zoo_entry! {
    /// A burst of invalid requests under a limit: every task returns its validation error, none
    /// waits forever for a permit.
    pub struct SemaphorePermitLeak {
        /// Tasks, one thread each, all failing validation; more than `limit`.
        pub tasks: usize,
        /// Permits.
        pub limit: usize,
    }
}

impl Scenario for SemaphorePermitLeak {
    const NAME: &'static str = "zoo::semaphore_permit_leak";
    const INVARIANT: &'static str = "every task finishes: permits come back on every path";
    broken_instances! {
        small: { tasks: 2, limit: 1 },
        large: { tasks: 5, limit: 2 },
    }
    fn run<B: Backend>(&self) {
        let semaphore = Semaphore::<B>::new_in(self.limit);
        let (tokens, taken) = chan::bounded_in::<B, ()>(self.limit);
        let variant = self.variant;
        let tasks: Vec<_> = (0..self.tasks)
            .map(|t| {
                let (semaphore, tokens, taken) = (semaphore.clone(), tokens.clone(), taken.clone());
                B::spawn(&format!("task-{t}"), move || -> Result<usize, String> {
                    match variant {
                        Variant::Correct => {
                            let _permit = semaphore.acquire();
                            validate(t)?;
                            Ok(t)
                        }
                        Variant::Broken => {
                            tokens.send(()).expect("the token channel is open");
                            validate(t)?;
                            taken.recv();
                            Ok(t)
                        }
                    }
                })
            })
            .collect();
        let rejected = tasks
            .into_iter()
            .map(|task| B::join(task).expect("task panicked"))
            .filter(Result::is_err)
            .count();
        invariant!(
            rejected == self.tasks,
            "{rejected} of {} invalid tasks returned their error",
            self.tasks
        );
    }
}

/// The validation every task of the burst fails.
fn validate(task: usize) -> Result<(), String> {
    Err(format!("task {task}: invalid request"))
}

impl Mistake for SemaphorePermitLeak {
    const CAUGHT_AS: FailureKind = FailureKind::Deadlock;
    const TRACE_SHOWS: &'static [&'static str] = &[
        "send chan (never returned)",
        "no other thread received from it in this schedule",
    ];
    const DETERMINISTIC: bool = true;
}
