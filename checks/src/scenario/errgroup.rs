//! Scenarios of the kit's ErrGroup.

use crate::harness::Scenario;
use crate::invariant;
use crate::support::gauge::Gauge;
use patterns::{chan, Atomic, AtomicInt, Backend, Context, CtxError, ErrGroup};
use serde::{Deserialize, Serialize};
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// One task fails while the others wait for cancellation, then fail too: the group's context is
/// cancelled by the first error (waking the others), and `wait` returns only once every task has
/// returned, with the first error, not a later one.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FirstErrorCancelsGroup {
    /// Tasks; task 0 fails, the rest wait on the group's context and then fail.
    pub tasks: usize,
}

impl Scenario for FirstErrorCancelsGroup {
    const NAME: &'static str = "errgroup::first_error_cancels_group";
    fn small() -> Self {
        Self { tasks: 2 }
    }
    fn large() -> Self {
        Self { tasks: 6 }
    }
    fn run<B: Backend>(&self) {
        let (group, ctx) = ErrGroup::<String, B>::with_context_in(&Context::background_in());
        let returned = Arc::new(B::AtomicUsize::new(0));
        for t in 0..self.tasks {
            let (ctx, returned) = (ctx.clone(), Arc::clone(&returned));
            group.go(move || {
                let result = if t == 0 {
                    Err(format!("task {t} failed"))
                } else {
                    // Only the first error can end this wait: these errors all come later.
                    ctx.done().recv();
                    Err(format!("task {t} failed after the cancel"))
                };
                // Relaxed: only `wait`'s join orders it before the read below.
                returned.fetch_add(1, Ordering::Relaxed);
                result
            });
        }
        let result = group.wait();
        let returned = returned.load(Ordering::Relaxed);
        invariant!(
            returned == self.tasks,
            "wait returned after {returned} of {} tasks",
            self.tasks
        );
        invariant!(
            result == Err("task 0 failed".to_owned()),
            "wait returned {result:?}, not the first error"
        );
        invariant!(
            ctx.err() == Some(CtxError::Canceled),
            "the group's context is {:?}",
            ctx.err()
        );
    }
}

/// `with_limit(n)` (Go's `SetLimit`): at most `n` of the group's tasks run at once, `go` waiting
/// for a place; with no error the group's context stays live while tasks run, and is cancelled
/// once `wait` returns (Go's `WithContext`: "the first time Wait returns").
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LimitBoundsRunningTasks {
    /// Tasks started.
    pub tasks: usize,
    /// At most this many at once (fewer than `tasks`).
    pub limit: usize,
}

impl Scenario for LimitBoundsRunningTasks {
    const NAME: &'static str = "errgroup::limit_bounds_running_tasks";
    fn small() -> Self {
        Self { tasks: 2, limit: 1 }
    }
    fn large() -> Self {
        Self { tasks: 6, limit: 2 }
    }
    fn run<B: Backend>(&self) {
        let (group, ctx) = ErrGroup::<String, B>::with_context_in(&Context::background_in());
        let group = group.with_limit(self.limit);
        let running = Arc::new(Gauge::<B>::new());
        for t in 0..self.tasks {
            let (ctx, running) = (ctx.clone(), Arc::clone(&running));
            group.go(move || {
                let _inside = running.enter();
                if ctx.is_done() {
                    return Err(format!("task {t}: the group's context ended with no error"));
                }
                Ok(())
            });
        }
        let result = group.wait();
        invariant!(result.is_ok(), "wait returned {result:?}");
        let peak = running.peak();
        invariant!(
            peak <= self.limit,
            "{peak} tasks ran at once, limit {}",
            self.limit
        );
        invariant!(
            ctx.err() == Some(CtxError::Canceled),
            "wait returned but the group's context is {:?}",
            ctx.err()
        );
    }
}

/// Go's `TryGo`: "calls the given function in a new goroutine only if the number of active
/// goroutines in the group is currently below the configured limit. The return value reports
/// whether the goroutine was started." Threads race to start tasks that stay running until the
/// end: exactly `limit` of the tries succeed, and a failed try runs nothing.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TryGoNeverExceedsLimit {
    /// The group's limit.
    pub limit: usize,
    /// Threads each trying to start one task.
    pub tries: usize,
}

impl Scenario for TryGoNeverExceedsLimit {
    const NAME: &'static str = "errgroup::try_go_never_exceeds_limit";
    fn small() -> Self {
        Self { limit: 1, tries: 2 }
    }
    fn large() -> Self {
        Self { limit: 2, tries: 5 }
    }
    fn run<B: Backend>(&self) {
        let group = Arc::new(ErrGroup::<(), B>::new_in().with_limit(self.limit));
        // Closed at the end: every started task waits for it, so none frees its place early.
        let (release, gate) = chan::bounded_in::<B, ()>(0);
        // Tasks that ran. SeqCst: the invariant's own instrument.
        let started = Arc::new(B::AtomicUsize::new(0));
        let tries: Vec<_> = (0..self.tries)
            .map(|index| {
                let (group, gate, started) =
                    (Arc::clone(&group), gate.clone(), Arc::clone(&started));
                B::spawn(&format!("trier-{index}"), move || {
                    group.try_go(move || {
                        started.fetch_add(1, Ordering::SeqCst);
                        gate.recv();
                        Ok(())
                    })
                })
            })
            .collect();
        let succeeded = tries
            .into_iter()
            .map(|trier| B::join(trier).expect("a trier panicked"))
            .filter(|&went| went)
            .count();
        invariant!(
            succeeded == self.limit.min(self.tries),
            "{succeeded} of {} tries started a task under a limit of {}: every try below the \
             limit must succeed and none above it",
            self.tries,
            self.limit
        );
        release.close().expect("the gate is closed once");
        invariant!(group.wait().is_ok(), "no task failed");
        let ran = started.load(Ordering::SeqCst);
        invariant!(
            ran == succeeded,
            "{ran} tasks ran, but only {succeeded} tries said they started one"
        );
        invariant!(
            group.try_go(|| Ok(())),
            "after wait, the group is empty: a try must succeed"
        );
        invariant!(group.wait().is_ok(), "no task failed");
    }
}

/// The group's context derives from the parent given to `with_context` (x/sync: "returns a new
/// Group and an associated Context derived from ctx"): cancelling the parent cancels it, the tasks
/// waiting on it wake and see `Canceled`, and `wait` returns only what the tasks returned, never
/// the context's error: `Ok` when every task did, the first error when one task fails.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ParentCancelReachesEveryTask {
    /// Tasks, each waiting for the group's context.
    pub tasks: usize,
}

impl Scenario for ParentCancelReachesEveryTask {
    const NAME: &'static str = "errgroup::parent_cancel_reaches_every_task";
    // Exhaustive: 1,408 schedules, 0.15 s (2026-12-05).
    fn small() -> Self {
        Self { tasks: 1 }
    }
    fn large() -> Self {
        Self { tasks: 4 }
    }
    fn run<B: Backend>(&self) {
        for failing in [None, Some(self.tasks - 1)] {
            let (parent, cancel) = Context::<B>::background_in().with_cancel();
            let (group, ctx) = ErrGroup::<String, B>::with_context_in(&parent);
            for t in 0..self.tasks {
                let ctx = ctx.clone();
                group.go(move || {
                    ctx.done().recv();
                    match ctx.err() {
                        Some(CtxError::Canceled) if failing == Some(t) => {
                            Err(format!("task {t} failed"))
                        }
                        Some(CtxError::Canceled) => Ok(()),
                        other => Err(format!("task {t} woke with the group's err {other:?}")),
                    }
                });
            }
            let canceller = B::spawn("canceller", move || cancel.cancel());
            let result = group.wait();
            let expected = match failing {
                Some(t) => Err(format!("task {t} failed")),
                None => Ok(()),
            };
            invariant!(
                result == expected,
                "wait returned {result:?}, the tasks {expected:?}"
            );
            B::join(canceller).expect("canceller panicked");
        }
    }
}
