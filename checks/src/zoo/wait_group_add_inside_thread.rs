//! WaitGroup `add` inside the spawned thread: `wait` can return before anyone has added.
//!
//! Go:
//!
//! ```go
//! for i := 0; i < n; i++ {
//!     go func() { wg.Add(1); defer wg.Done(); work() }()
//! }
//! wg.Wait() // may see the counter at 0 before any goroutine ran Add
//! ```
//!
//! Correct: `wg.Add(n)` (or `wg.Add(1)` per iteration) before the `go` statement.

use super::{broken_instances, zoo_entry, Mistake, Variant};
use crate::harness::{FailureKind, Scenario};
use crate::invariant;
use patterns::{Atomic, AtomicInt, Backend, WaitGroup};
use std::sync::atomic::Ordering;
use std::sync::Arc;

zoo_entry! {
    /// Workers do one unit each; once `wait` returns, every unit is done.
    pub struct WaitGroupAddInsideThread {
        /// Worker threads.
        pub workers: usize,
    }
}

impl Scenario for WaitGroupAddInsideThread {
    const NAME: &'static str = "zoo::wait_group_add_inside_thread";
    const INVARIANT: &'static str = "wait returns only after every worker is done";
    broken_instances! {
        small: { workers: 2 },
        large: { workers: 5 },
    }
    fn run<B: Backend>(&self) {
        let wg = WaitGroup::<B>::new_in();
        let finished = Arc::new(B::AtomicUsize::new(0));
        let add_inside = self.variant == Variant::Broken;
        let workers: Vec<_> = (0..self.workers)
            .map(|w| {
                if !add_inside {
                    wg.add(1);
                }
                let (wg, finished) = (wg.clone(), Arc::clone(&finished));
                B::spawn(&format!("worker-{w}"), move || {
                    if add_inside {
                        wg.add(1);
                    }
                    finished.fetch_add(1, Ordering::SeqCst);
                    wg.done();
                })
            })
            .collect();
        wg.wait();
        let done = finished.load(Ordering::SeqCst);
        invariant!(
            done == self.workers,
            "wait returned with {done} of {} workers finished",
            self.workers
        );
        for worker in workers {
            B::join(worker).expect("worker panicked");
        }
    }
}

impl Mistake for WaitGroupAddInsideThread {
    const CAUGHT_AS: FailureKind = FailureKind::Assertion;
    const TRACE_SHOWS: &'static [&'static str] = &["wait WaitGroup", "wait returned with 0 of 2"];
}
