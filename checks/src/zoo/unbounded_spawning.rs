//! Unbounded spawning: a thread per job instead of a bounded pool of workers.
//!
//! Go: `for _, j := range jobs { go process(j) }` where the course's worker pool was asked for
//! (`for w := 0; w < n; w++ { go worker(jobs) }`). Every job runs at once: a thousand jobs are a
//! thousand goroutines hammering the database the pool was sized for.
//! Correct: the kit's [`WorkerPool`] with `workers` threads.

use super::{broken_instances, zoo_entry, Mistake, Variant};
use crate::harness::{FailureKind, Scenario};
use crate::invariant;
use crate::support::gauge::Gauge;
use patterns::worker_pool::{Options, WorkerPool};
use patterns::{Backend, Context};
use std::sync::Arc;

zoo_entry! {
    /// Runs jobs with a concurrency limit: never more than `workers` jobs at once.
    pub struct UnboundedSpawning {
        /// The limit: worker threads of the pool.
        pub workers: usize,
        /// Jobs.
        pub jobs: usize,
    }
}

impl Scenario for UnboundedSpawning {
    const NAME: &'static str = "zoo::unbounded_spawning";
    const INVARIANT: &'static str = "never more jobs at once than workers";
    // The correct variant is the pool scenario's shape: bound 2 explores it in seconds.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    broken_instances! {
        small: { workers: 2, jobs: 3 },
        large: { workers: 2, jobs: 8 },
    }
    fn run<B: Backend>(&self) {
        let gauge = Arc::new(Gauge::<B>::new());
        let work = {
            let gauge = Arc::clone(&gauge);
            move |_job: &usize| {
                let _inside = gauge.enter();
                // The job's work: a call out to the service the limit protects.
                B::yield_now();
                Ok::<(), String>(())
            }
        };
        match self.variant {
            Variant::Correct => {
                let options = Options {
                    workers: self.workers,
                    queue: 0,
                    retries: 0,
                    timed: false,
                };
                let pool =
                    WorkerPool::<usize, (), B>::start(&Context::background_in(), options, work);
                let results = pool.results();
                for job in 0..self.jobs {
                    invariant!(pool.submit(job).is_ok(), "a live pool refused job {job}");
                }
                pool.shutdown();
                invariant!(results.iter().count() == self.jobs, "a job went missing");
            }
            Variant::Broken => {
                let work = Arc::new(work);
                let threads: Vec<_> = (0..self.jobs)
                    .map(|job| {
                        let work = Arc::clone(&work);
                        B::spawn(&format!("job-{job}"), move || work(&job))
                    })
                    .collect();
                for thread in threads {
                    invariant!(B::join(thread).is_ok(), "a job panicked");
                }
            }
        }
        let peak = gauge.peak();
        invariant!(
            peak <= self.workers,
            "{peak} jobs ran at once with a limit of {} workers",
            self.workers
        );
    }
}

impl Mistake for UnboundedSpawning {
    const CAUGHT_AS: FailureKind = FailureKind::Assertion;
    const TRACE_SHOWS: &'static [&'static str] = &[
        "enter section gauge → 1 inside",
        "enter section gauge → 2 inside",
        "enter section gauge → 3 inside",
        "3 jobs ran at once",
    ];
}
