//! A worker that never selects on `done()`: cancelling the context cannot stop it.
//!
//! Go:
//!
//! ```go
//! func worker(ctx context.Context, jobs <-chan Job) {
//!     for j := range jobs { process(j) } // should be: select { case j := <-jobs: … case <-ctx.Done(): return }
//! }
//! ```
//!
//! The dispatcher keeps the jobs channel open for later work and stops its workers by cancelling;
//! the worker sits in its receive forever, and `cancel(); wg.Wait()` never returns.
//! Correct: every blocking receive is a select with `ctx.Done()` (here `or_done::recv`).

use super::{broken_instances, zoo_entry, Mistake, Variant};
use crate::harness::{FailureKind, Scenario};
use crate::invariant;
use patterns::{chan, or_done, Atomic, AtomicInt, Backend, Context};
use std::sync::atomic::Ordering;
use std::sync::Arc;

zoo_entry! {
    /// Workers take jobs until their context is cancelled; after the cancel every worker returns
    /// and every job is processed or still queued.
    pub struct WorkerIgnoresDone {
        /// Worker threads.
        pub workers: usize,
        /// Jobs queued before the cancel.
        pub jobs: usize,
    }
}

impl Scenario for WorkerIgnoresDone {
    const NAME: &'static str = "zoo::worker_ignores_done";
    const INVARIANT: &'static str = "cancelling the context stops every worker";
    broken_instances! {
        small: { workers: 1, jobs: 1 },
        large: { workers: 3, jobs: 6 },
    }
    fn run<B: Backend>(&self) {
        let (ctx, cancel) = Context::<B>::background_in().with_cancel();
        // The dispatcher owns the queue and keeps it open: stopping is the context's job.
        let (jobs_tx, jobs) = chan::bounded_in::<B, usize>(self.jobs);
        let processed = Arc::new(B::AtomicUsize::new(0));
        let variant = self.variant;
        let workers: Vec<_> = (0..self.workers)
            .map(|w| {
                let (ctx, jobs, processed) = (ctx.clone(), jobs.clone(), Arc::clone(&processed));
                B::spawn(&format!("worker-{w}"), move || loop {
                    let job = match variant {
                        Variant::Correct => or_done::recv(&ctx, &jobs),
                        Variant::Broken => jobs.recv(),
                    };
                    if job.is_none() {
                        return;
                    }
                    processed.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect();
        for job in 0..self.jobs {
            jobs_tx.send(job).expect("the workers hold the receiver");
        }
        cancel.cancel();
        for worker in workers {
            B::join(worker).expect("worker panicked");
        }
        let queued = std::iter::from_fn(|| jobs.try_recv().ok()).count();
        let done = processed.load(Ordering::SeqCst);
        invariant!(
            done + queued == self.jobs,
            "{done} processed and {queued} queued of {} jobs",
            self.jobs
        );
        drop(jobs_tx);
    }
}

impl Mistake for WorkerIgnoresDone {
    const CAUGHT_AS: FailureKind = FailureKind::Deadlock;
    const TRACE_SHOWS: &'static [&'static str] = &["cancel context", "recv chan (never returned)"];
    const DETERMINISTIC: bool = true;
}
