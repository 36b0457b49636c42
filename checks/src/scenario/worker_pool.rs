//! Scenarios of the worker pool: every job accounted for once, the concurrency bound, shutdown and
//! cancel.

use crate::harness::Scenario;
use crate::invariant;
use crate::support::gauge::Gauge;
use patterns::worker_pool::{Options, Outcome, SubmitError, WorkerPool};
use patterns::{Backend, Context};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Jobs with failures, flaky jobs, panics and an optional cancel: every submitted job comes back
/// exactly once — done (with the right result), failed, handed back unprocessed, or refused at
/// submission — and the workers are all joined. A job is retried exactly as often as its `Err`s
/// and the retry limit allow, and the summary counts those retries. The pool times its attempts,
/// and its slowest attempt lies within its busy total.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EveryJobAccountedOnce {
    /// Worker threads.
    pub workers: usize,
    /// Queue capacity.
    pub queue: usize,
    /// Jobs submitted, numbered from 0.
    pub jobs: usize,
    /// Jobs whose every attempt returns `Err`.
    pub failing: Vec<usize>,
    /// Jobs whose first attempt returns `Err` and the retry succeeds.
    pub flaky: Vec<usize>,
    /// Jobs that panic.
    pub panicking: Vec<usize>,
    /// Cancel the pool after submitting this many jobs (`None`: shut down after all).
    pub cancel_after: Option<usize>,
}

impl Scenario for EveryJobAccountedOnce {
    const NAME: &'static str = "worker_pool::every_job_accounted_once";
    // Bounded, as exhaustive exploration does not finish within 30 s: 700,000 schedules in 42 s
    // unfinished (2026-11-30). A hand-over costs loom 3-6 branch points, more through a select
    // (`cargo xtask cost`), and three or four threads each make several here. Bound 2: 8,386
    // schedules, 0.5 s.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    fn small() -> Self {
        Self {
            workers: 2,
            queue: 1,
            jobs: 3,
            failing: vec![],
            flaky: vec![1],
            panicking: vec![2],
            cancel_after: Some(2),
        }
    }
    fn large() -> Self {
        Self {
            workers: 3,
            queue: 2,
            jobs: 12,
            failing: vec![3, 7],
            flaky: vec![1, 8],
            panicking: vec![5],
            cancel_after: Some(9),
        }
    }
    fn run<B: Backend>(&self) {
        let attempts = Arc::new(B::mutex(vec![0_usize; self.jobs]));
        let pool = {
            let (failing, flaky, panicking) = (
                self.failing.clone(),
                self.flaky.clone(),
                self.panicking.clone(),
            );
            let attempts = Arc::clone(&attempts);
            WorkerPool::<usize, usize, B>::start(
                &Context::background_in(),
                Options {
                    workers: self.workers,
                    queue: self.queue,
                    retries: 1,
                    timed: true,
                },
                move |&job: &usize| {
                    let attempt = {
                        let mut attempts = B::lock(&attempts);
                        attempts[job] += 1;
                        attempts[job]
                    };
                    if panicking.contains(&job) {
                        // Unwinds exactly as `panic!` does, into the worker's `catch_unwind`, but
                        // skips the panic hook: under shuttle, whose hook prints a schedule and a
                        // backtrace for every panic, caught or not, thousands of schedules of
                        // deliberate panics would bury the output.
                        std::panic::resume_unwind(Box::new(format!("job {job} panics on purpose")));
                    }
                    if failing.contains(&job) || (flaky.contains(&job) && attempt == 1) {
                        return Err(format!("job {job} failed attempt {attempt}"));
                    }
                    Ok(job * 10)
                },
            )
        };
        let results = pool.results();
        let mut refused = Vec::new();
        for job in 0..self.jobs {
            if Some(job) == self.cancel_after {
                break;
            }
            if let Err(error) = pool.submit(job) {
                refused.push(error.into_inner());
            }
        }
        let submitted_all = self.cancel_after.is_none_or(|k| k >= self.jobs);
        let summary = if submitted_all {
            pool.shutdown()
        } else {
            pool.cancel()
        };
        let offered = self.cancel_after.unwrap_or(self.jobs).min(self.jobs);

        let mut seen = vec![0_usize; self.jobs];
        for job in &refused {
            seen[*job] += 1;
        }
        let (mut done, mut failed, mut unprocessed, mut retried) = (0, 0, 0, 0);
        // A started job is attempted once, and once more after an `Err` while its one retry
        // lasts: flaky and failing jobs are retried once, others (a panic included) never.
        let attempted = |job: usize, retries: usize| {
            let expected = usize::from(
                !self.panicking.contains(&job)
                    && (self.flaky.contains(&job) || self.failing.contains(&job)),
            );
            let attempts = B::lock(&attempts)[job];
            invariant!(
                retries == expected && attempts == retries + 1,
                "job {job} reported {retries} retries after {attempts} attempts, expected \
                 {expected} retries"
            );
            retries
        };
        for outcome in results.iter() {
            match outcome {
                Outcome::Done {
                    job,
                    result,
                    retries,
                } => {
                    invariant!(
                        result == job * 10,
                        "a job's result must be its own: job {job} produced {result}"
                    );
                    invariant!(
                        !self.failing.contains(&job) && !self.panicking.contains(&job),
                        "job {job} should have failed"
                    );
                    seen[job] += 1;
                    done += 1;
                    retried += attempted(job, retries);
                }
                Outcome::Failed { job, retries, .. } => {
                    invariant!(
                        self.failing.contains(&job) || self.panicking.contains(&job),
                        "job {job} failed but should not have"
                    );
                    seen[job] += 1;
                    failed += 1;
                    retried += attempted(job, retries);
                }
                Outcome::Unprocessed { job } => {
                    invariant!(
                        !submitted_all,
                        "job {job} handed back, but the pool was not cancelled"
                    );
                    invariant!(
                        B::lock(&attempts)[job] == 0,
                        "job {job} handed back after it started"
                    );
                    seen[job] += 1;
                    unprocessed += 1;
                }
            }
        }
        for (job, &count) in seen.iter().enumerate() {
            let expected = usize::from(job < offered);
            invariant!(
                count == expected,
                "every job must be accounted for exactly once: job {job} was reported {count} times (expected {expected}): {seen:?}"
            );
        }
        invariant!(
            (
                summary.succeeded,
                summary.failed,
                summary.unprocessed,
                summary.retried
            ) == (done, failed, unprocessed, retried),
            "the summary must count what the outcomes say: {summary:?} against {done} done, \
             {failed} failed, {unprocessed} unprocessed, {retried} retried"
        );
        invariant!(
            matches!((summary.busy, summary.slowest), (Some(busy), Some(slowest)) if slowest <= busy),
            "a timed pool's slowest attempt must be timed and within its busy total: {summary:?}"
        );
        if submitted_all {
            invariant!(
                refused.is_empty(),
                "jobs refused by a live pool: {refused:?}"
            );
        }
    }
}

/// Many jobs: never more than `workers` run at once, and all of them do run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InFlightNeverExceedsWorkers {
    /// Worker threads.
    pub workers: usize,
    /// Queue capacity.
    pub queue: usize,
    /// Jobs.
    pub jobs: usize,
}

impl Scenario for InFlightNeverExceedsWorkers {
    const NAME: &'static str = "worker_pool::in_flight_never_exceeds_workers";
    // Bounded, as exhaustive exploration does not finish within 30 s: 700,000 schedules in 47 s
    // unfinished (2026-11-30). A hand-over costs loom 3-6 branch points, more through a select
    // (`cargo xtask cost`), and three or four threads each make several here. Bound 2: 22,937
    // schedules, 1.5 s.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    fn small() -> Self {
        Self {
            workers: 2,
            queue: 0,
            jobs: 3,
        }
    }
    fn large() -> Self {
        Self {
            workers: 4,
            queue: 3,
            jobs: 40,
        }
    }
    fn run<B: Backend>(&self) {
        let gauge = Arc::new(Gauge::<B>::new());
        let pool = {
            let gauge = Arc::clone(&gauge);
            WorkerPool::<usize, (), B>::start(
                &Context::background_in(),
                Options {
                    workers: self.workers,
                    queue: self.queue,
                    retries: 0,
                    timed: false,
                },
                move |_job: &usize| {
                    let _inside = gauge.enter();
                    Ok::<(), String>(())
                },
            )
        };
        let results = pool.results();
        for job in 0..self.jobs {
            if let Err(SubmitError::Cancelled(job) | SubmitError::ShutDown(job)) = pool.submit(job)
            {
                invariant!(false, "a live pool refused job {job}");
            }
        }
        let summary = pool.shutdown();
        let ran = results
            .iter()
            .filter(|o| matches!(o, Outcome::Done { .. }))
            .count();
        invariant!(
            ran == self.jobs && summary.succeeded == self.jobs,
            "every job runs once and succeeds: {ran} of {} jobs reported done, the summary \
             counts {} succeeded",
            self.jobs,
            summary.succeeded
        );
        let peak = gauge.peak();
        invariant!(
            peak <= self.workers,
            "{peak} jobs ran at once with {} workers",
            self.workers
        );
    }
}
