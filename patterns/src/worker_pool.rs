//! The worker pool: a fixed number of workers take jobs from a bounded queue; every job comes back
//! as exactly one [`Outcome`].
//!
//! Go (the course's "background job processing" service):
//!
//! ```go
//! jobs := make(chan Job, queue)
//! results := make(chan Result, queue)
//! for w := 0; w < workers; w++ {
//!     go func() {
//!         for {
//!             select {
//!             case <-ctx.Done(): return
//!             case j, ok := <-jobs:
//!                 if !ok { return }
//!                 results <- process(j)   // with recover(), retries, metrics
//!             }
//!         }
//!     }()
//! }
//! ```
//!
//! Here:
//!
//! ```
//! use patterns::worker_pool::{Outcome, WorkerPool};
//!
//! let pool = WorkerPool::new(2, 4, |n: &u64| if *n == 3 { Err("three") } else { Ok(n * n) });
//! for n in 0..5 {
//!     pool.submit(n).unwrap();
//! }
//! let results = pool.results();
//! let summary = pool.shutdown(); // stop intake, drain the queue, join the workers
//! let outcomes: Vec<_> = results.iter().collect();
//! assert_eq!(outcomes.len(), 5); // every job accounted for exactly once
//! assert_eq!(summary.succeeded, 4);
//! assert!(outcomes.iter().any(|o| matches!(o, Outcome::Failed { job: 3, .. })));
//! ```
//!
//! Guarantees (each checked by a scenario under loom, shuttle and real threads): every submitted job
//! is reported exactly once — done, failed (an `Err` after its retries, or a panic, which the pool
//! survives), or handed back unprocessed on cancel; no more than `workers` jobs run at once; every
//! worker has exited when `shutdown` or `cancel` returns; nothing deadlocks, whether or not the
//! results are read while the pool runs.

use crate::backend::{Backend, Std};
use crate::chan::{self, Receiver, Sender, TryRecvError, TrySendError};
use crate::context::{Canceller, Context};
use crate::or_done;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// How one job ended. Exactly one outcome is reported per submitted job.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome<J, R> {
    /// The job succeeded (possibly after retries).
    Done {
        /// The job.
        job: J,
        /// What it produced.
        result: R,
        /// How many times it was retried before succeeding.
        retries: usize,
    },
    /// The job failed on its last attempt: an `Err`, or a panic (its message). A panicking job
    /// does not take its worker down:
    ///
    /// ```
    /// use patterns::worker_pool::{Outcome, WorkerPool};
    ///
    /// let pool = WorkerPool::new(1, 2, |n: &u32| {
    ///     if *n == 0 {
    ///         panic!("no zeros");
    ///     }
    ///     Ok::<u32, String>(10 / n)
    /// });
    /// pool.submit(0).unwrap();
    /// pool.submit(5).unwrap();
    /// let results = pool.results();
    /// assert_eq!(pool.shutdown().failed, 1);
    /// let outcomes: Vec<_> = results.iter().collect();
    /// assert!(matches!(&outcomes[0], Outcome::Failed { job: 0, error, .. } if error.contains("no zeros")));
    /// assert!(matches!(outcomes[1], Outcome::Done { job: 5, result: 2, .. }));
    /// ```
    Failed {
        /// The job.
        job: J,
        /// The error or panic message of the last attempt.
        error: String,
        /// How many times it was retried.
        retries: usize,
    },
    /// The pool was cancelled before the job started: it is handed back untouched.
    Unprocessed {
        /// The job.
        job: J,
    },
}

/// Why a job was not accepted; the job comes back inside.
#[derive(Debug, PartialEq, Eq)]
pub enum SubmitError<J> {
    /// The pool was cancelled.
    Cancelled(J),
    /// The pool is shutting down: intake is closed.
    ShutDown(J),
}

impl<J> SubmitError<J> {
    /// The job that was not accepted.
    pub fn into_inner(self) -> J {
        match self {
            SubmitError::Cancelled(job) | SubmitError::ShutDown(job) => job,
        }
    }
}

impl<J> fmt::Display for SubmitError<J> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SubmitError::Cancelled(_) => {
                "job not accepted: the pool was cancelled (the job is handed back)"
            }
            SubmitError::ShutDown(_) => {
                "job not accepted: the pool is shutting down (the job is handed back)"
            }
        })
    }
}

impl<J: fmt::Debug> std::error::Error for SubmitError<J> {}

/// The pool's counters, as returned by `shutdown` and `cancel`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Jobs that succeeded.
    pub succeeded: usize,
    /// Jobs that failed (after their retries).
    pub failed: usize,
    /// Retries, over all jobs.
    pub retried: usize,
    /// Jobs handed back unprocessed on cancel.
    pub unprocessed: usize,
    /// Total time attempts spent running, in the backend's clock; `None` unless the pool was
    /// started with [`Options::timed`].
    pub busy: Option<Duration>,
    /// The longest single attempt; `None` unless the pool was started with [`Options::timed`].
    pub slowest: Option<Duration>,
}

impl Summary {
    /// A worker's empty tally: with zero times if it times its attempts, without any if not.
    fn empty(timed: bool) -> Self {
        Self {
            busy: timed.then_some(Duration::ZERO),
            slowest: timed.then_some(Duration::ZERO),
            ..Self::default()
        }
    }

    /// Counts one attempt that ran for `took`.
    fn time(&mut self, took: Duration) {
        self.busy = Some(self.busy.unwrap_or_default() + took);
        self.slowest = self.slowest.max(Some(took));
    }

    /// Adds `other`'s counts to this one.
    fn absorb(&mut self, other: &Summary) {
        self.succeeded += other.succeeded;
        self.failed += other.failed;
        self.retried += other.retried;
        self.unprocessed += other.unprocessed;
        self.busy = match (self.busy, other.busy) {
            (Some(mine), Some(theirs)) => Some(mine + theirs),
            (mine, theirs) => mine.or(theirs),
        };
        self.slowest = self.slowest.max(other.slowest);
    }
}

/// Options of a [`WorkerPool`].
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Worker threads.
    pub workers: usize,
    /// Capacity of the job queue (0: every submit waits for a worker).
    pub queue: usize,
    /// Extra attempts for a job whose attempt returned `Err` (a panic is not retried).
    pub retries: usize,
    /// Time every attempt with the backend's clock, for [`Summary::busy`] and
    /// [`Summary::slowest`]. Off unless asked: two clock reads per attempt cost a pool of trivial
    /// jobs about a fifth of its throughput on the bench machine.
    ///
    /// ```
    /// use patterns::worker_pool::{Options, WorkerPool};
    /// use patterns::Context;
    /// use std::time::Duration;
    ///
    /// let options = Options { workers: 2, queue: 4, retries: 0, timed: true };
    /// let pool = WorkerPool::start(&Context::background(), options, |ms: &u64| {
    ///     std::thread::sleep(Duration::from_millis(*ms));
    ///     Ok::<(), String>(())
    /// });
    /// for ms in [1, 2, 3] {
    ///     pool.submit(ms).unwrap();
    /// }
    /// let summary = pool.shutdown();
    /// // A sleep lasts at least as long as asked, and the clock is monotonic.
    /// assert!(summary.busy.unwrap() >= Duration::from_millis(6));
    /// assert!(summary.slowest.unwrap() >= Duration::from_millis(3));
    /// ```
    pub timed: bool,
}

/// The function a pool runs: one attempt at a job.
type Work<J, R, E> = dyn Fn(&J) -> Result<R, E> + Send + Sync;

/// A bounded pool of workers. See the module documentation.
pub struct WorkerPool<J: Send + 'static, R: Send + 'static, B: Backend = Std> {
    jobs: Sender<J, B>,
    queue: Receiver<J, B>,
    /// The pool's own sender of outcomes, for the jobs it hands back after the workers are gone;
    /// dropping it last closes `results`. `None` once the pool has stopped.
    report: Option<Sender<Outcome<J, R>, B>>,
    results: Receiver<Outcome<J, R>, B>,
    ctx: Context<B>,
    cancel: Canceller<B>,
    workers: Vec<B::JoinHandle<()>>,
    summary: Arc<B::Mutex<Summary>>,
}

impl<J: Send + 'static, R: Send + 'static> WorkerPool<J, R, Std> {
    /// A pool of `workers` threads and a queue of `queue` jobs, running `work` on [`Std`].
    ///
    /// # Panics
    /// If `workers` is 0: no job could ever run.
    pub fn new<E, F>(workers: usize, queue: usize, work: F) -> Self
    where
        E: fmt::Display,
        F: Fn(&J) -> Result<R, E> + Send + Sync + 'static,
    {
        Self::start(
            &Context::background(),
            Options {
                workers,
                queue,
                retries: 0,
                timed: false,
            },
            work,
        )
    }
}

impl<J: Send + 'static, R: Send + 'static, B: Backend> WorkerPool<J, R, B> {
    /// A pool on backend `B`, cancelled with `parent` or by [`WorkerPool::cancel`].
    ///
    /// # Panics
    /// If `options.workers` is 0: no job could ever run.
    pub fn start<E, F>(parent: &Context<B>, options: Options, work: F) -> Self
    where
        E: fmt::Display,
        F: Fn(&J) -> Result<R, E> + Send + Sync + 'static,
    {
        assert!(
            options.workers > 0,
            "WorkerPool with 0 workers: no job could ever run"
        );
        let (jobs, queue) = chan::bounded_in::<B, J>(options.queue);
        // Unbounded: a worker never blocks on reporting, so a pool whose results are read only
        // after shutdown cannot deadlock.
        let (report, results) = chan::unbounded_in::<B, Outcome<J, R>>();
        let (ctx, cancel) = parent.with_cancel();
        let summary = Arc::new(B::mutex(Summary::default()));
        let work: Arc<Work<J, R, String>> =
            Arc::new(move |job: &J| work(job).map_err(|e| e.to_string()));
        let workers = (0..options.workers)
            .map(|w| {
                let worker = Worker {
                    queue: queue.clone(),
                    report: report.clone(),
                    ctx: ctx.clone(),
                    work: Arc::clone(&work),
                    summary: Arc::clone(&summary),
                    retries: options.retries,
                    timed: options.timed,
                };
                B::spawn(&format!("worker-{w}"), move || worker.run())
            })
            .collect();
        Self {
            jobs,
            queue,
            report: Some(report),
            results,
            ctx,
            cancel,
            workers,
            summary,
        }
    }

    /// Queues `job`, waiting while the queue is full. Hands the job back if the pool is cancelled
    /// (even while waiting) or shut down.
    #[track_caller]
    pub fn submit(&self, job: J) -> Result<(), SubmitError<J>> {
        if self.ctx.is_done() {
            return Err(SubmitError::Cancelled(job));
        }
        // The common case, a place free in the queue, skips the select over the shared done channel.
        let job = match self.jobs.try_send(job) {
            Ok(()) => return Ok(()),
            Err(TrySendError::Full(job)) => job,
            Err(TrySendError::Closed(job) | TrySendError::Disconnected(job)) => {
                return Err(SubmitError::ShutDown(job))
            }
        };
        match or_done::send(&self.ctx, &self.jobs, job) {
            Ok(()) => Ok(()),
            // The queue refused it: closed by `shutdown`.
            Err((job, None)) => Err(SubmitError::ShutDown(job)),
            Err((job, Some(_))) => Err(SubmitError::Cancelled(job)),
        }
    }

    /// The outcomes, as they happen; closed once the pool has stopped and every outcome is in.
    pub fn results(&self) -> Receiver<Outcome<J, R>, B> {
        self.results.clone()
    }

    /// The pool's context: done once the pool is cancelled. Jobs can watch it.
    pub fn context(&self) -> &Context<B> {
        &self.ctx
    }

    /// Stops intake, lets the workers finish every queued job, joins them.
    #[track_caller]
    pub fn shutdown(mut self) -> Summary {
        self.stop()
    }

    /// Cancels: workers stop after their current job; every job still queued is handed back as
    /// [`Outcome::Unprocessed`]. Joins the workers. Dropping the pool does the same.
    #[track_caller]
    pub fn cancel(mut self) -> Summary {
        self.cancel.cancel();
        self.stop()
    }

    fn stop(&mut self) -> Summary {
        // Closing the queue lets the workers drain it (unless cancelled) and then see `None`.
        let _ = self.jobs.close();
        for worker in std::mem::take(&mut self.workers) {
            if let Err(panic) = B::join(worker) {
                // Jobs' panics are caught; a worker's own panic is a bug worth surfacing.
                if !std::thread::panicking() {
                    std::panic::resume_unwind(panic);
                }
            }
        }
        // Every worker is gone: what is still queued was never started.
        let report = self.report.take();
        let mut unprocessed = 0;
        while let Ok(job) = self.queue.try_recv() {
            unprocessed += 1;
            if let Some(report) = &report {
                // Unbounded, and `results` is alive: cannot fail.
                let _ = report.send(Outcome::Unprocessed { job });
            }
        }
        // The last sender of outcomes: `results` closes once it is read to the end.
        drop(report);
        let mut summary = *B::lock(&self.summary);
        summary.unprocessed += unprocessed;
        summary
    }
}

impl<J: Send + 'static, R: Send + 'static, B: Backend> Drop for WorkerPool<J, R, B> {
    /// A pool dropped without `shutdown` or `cancel` is cancelled: queued jobs come back as
    /// [`Outcome::Unprocessed`] rather than vanish, and the workers are joined.
    fn drop(&mut self) {
        if B::in_teardown() || self.report.is_none() {
            return;
        }
        self.cancel.cancel();
        self.stop();
    }
}

/// One worker's share of the pool.
struct Worker<J: Send + 'static, R: Send + 'static, B: Backend> {
    queue: Receiver<J, B>,
    report: Sender<Outcome<J, R>, B>,
    ctx: Context<B>,
    work: Arc<Work<J, R, String>>,
    /// The pool's counters; each worker adds its own share once, as it exits.
    summary: Arc<B::Mutex<Summary>>,
    retries: usize,
    /// [`Options::timed`].
    timed: bool,
}

impl<J: Send + 'static, R: Send + 'static, B: Backend> Worker<J, R, B> {
    fn run(self) {
        // Counted here and added to the pool's summary once: no lock shared by the workers per job.
        let mut summary = Summary::empty(self.timed);
        while let Some(job) = self.next_job() {
            if self.ctx.is_done() {
                // Taken in a race with the cancel: it never started, so it goes back.
                summary.unprocessed += 1;
                let _ = self.report.send(Outcome::Unprocessed { job });
                break;
            }
            self.process(job, &mut summary);
        }
        B::lock(&self.summary).absorb(&summary);
    }

    /// The next job; `None` once the queue is closed and drained (shutdown) or the pool cancelled.
    fn next_job(&self) -> Option<J> {
        if self.ctx.is_done() {
            return None;
        }
        // The common case, a queued job, skips the select over the shared done channel.
        match self.queue.try_recv() {
            Ok(job) => return Some(job),
            Err(TryRecvError::Closed) => return None,
            Err(TryRecvError::Empty) => {}
        }
        or_done::recv(&self.ctx, &self.queue)
    }

    fn process(&self, job: J, summary: &mut Summary) {
        let mut retries = 0;
        let outcome = loop {
            let started = self.timed.then(B::now);
            let attempt = B::catch_unwind(|| (self.work)(&job));
            if let Some(started) = started {
                summary.time(B::now().saturating_sub(started));
            }
            let retry = matches!(attempt, Ok(Err(_))) && retries < self.retries;
            match (&attempt, retry) {
                (_, true) => summary.retried += 1,
                (Ok(Ok(_)), _) => summary.succeeded += 1,
                _ => summary.failed += 1,
            }
            if retry {
                retries += 1;
                continue;
            }
            break match attempt {
                Ok(Ok(result)) => Outcome::Done {
                    job,
                    result,
                    retries,
                },
                Ok(Err(error)) => Outcome::Failed {
                    job,
                    error,
                    retries,
                },
                Err(panic) => Outcome::Failed {
                    job,
                    error: format!("job panicked: {}", crate::panic_message(panic.as_ref())),
                    retries,
                },
            };
        };
        // Unbounded, and the pool holds a receiver until it has stopped: cannot fail.
        let _ = self.report.send(outcome);
    }
}
