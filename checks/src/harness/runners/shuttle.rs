//! Running a scenario under shuttle's schedulers (random, PCT, URW, POS, their portfolio, DFS),
//! and replaying a shuttle schedule.

use super::portfolio::Portfolio;
use super::pos::Pos;
use crate::backend::next_op::Publishing;
use crate::backend::recorder::{self, RawStep};
use crate::backend::registry::Registry;
use crate::backend::Shuttle;
use crate::harness::base::checker::Checker;
use crate::harness::base::classify::classify;
use crate::harness::base::confidence::Shape;
use crate::harness::base::execute::{
    execute, install_panic_hook, is_budget_stop, verbose, BUDGET_SPENT,
};
use crate::harness::base::scenario::Scenario;
use crate::harness::base::verdict::{Coverage, ReplayHandle, Stats, Verdict};
use patterns::panic_message;
use shuttle::scheduler::{
    DfsScheduler, PctScheduler, RandomScheduler, ReplayScheduler, Schedule, Scheduler, Task,
    TaskId, UrwRandomScheduler,
};
use shuttle::{Config, FailurePersistence, MaxSteps, Runner};
use shuttle_engine::runtime::execution::CurrentSchedule;
use shuttle_engine::scheduler::serialization::serialize_schedule;
use std::any::Any;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

/// Steps (scheduling points) one schedule may take before it is reported as a livelock.
const MAX_STEPS: usize = 200_000;

/// What shuttle's PCT scheduler panics with when the first schedule had no scheduling point.
const PCT_NO_CONCURRENCY: &str = "test closure did not exercise any concurrency";

/// shuttle's configuration for every harness run.
fn config() -> Config {
    let mut config = Config::new();
    // shuttle's default 60 KiB task stack overflows (SIGSEGV, killing the binary) on deep frames.
    config.stack_size = 1 << 20;
    // The harness captures the schedule itself (shuttle's panic hook is process-wide and keeps
    // the settings of the first run, so its own persistence cannot be relied on).
    config.failure_persistence = FailurePersistence::None;
    config.max_steps = MaxSteps::FailAfter(MAX_STEPS);
    config.silence_warnings = true;
    config
}

/// One shuttle exploration, as [`explore`] leaves it.
pub(crate) struct Explored {
    /// Executions started.
    pub(crate) schedules: usize,
    /// The panic that ended it, if one did.
    pub(crate) panic: Option<Box<dyn Any + Send>>,
    /// The schedule of the last execution (the failing one, after a failure), serialized.
    pub(crate) schedule: String,
    /// The run's registry, once an execution started.
    pub(crate) registry: Option<Arc<Registry>>,
    /// The steps of the last execution, if it was recorded.
    pub(crate) steps: Vec<RawStep>,
    /// The largest execution met: its threads and scheduling points.
    pub(crate) shape: Shape,
}

/// Runs executions of `scenario` as `scheduler` chooses them, at most `budget` of them;
/// `record`: record the steps of each (for a failure trace; set only for a single replay).
pub(crate) fn explore<S: Scenario>(
    scenario: &S,
    scheduler: Box<dyn Scheduler + Send>,
    budget: Option<usize>,
    spurious_wakeups: bool,
    record: bool,
) -> Explored {
    install_panic_hook();
    crate::backend::model::set_spurious_wakeups(spurious_wakeups);
    let count = Arc::new(AtomicUsize::new(0));
    let registry = Registry::new();
    let body = {
        let (scenario, count, registry) =
            (scenario.clone(), Arc::clone(&count), Arc::clone(&registry));
        move || {
            let schedule = count.fetch_add(1, Ordering::Relaxed) + 1;
            if budget.is_some_and(|max| schedule > max) {
                std::panic::panic_any(BUDGET_SPENT.to_owned());
            }
            execute::<Shuttle, S>(&scenario, &registry);
        }
    };
    if record {
        recorder::start();
    }
    let shape = Arc::new(Mutex::new(Shape::default()));
    let scheduler = Measuring {
        inner: scheduler,
        steps: 0,
        largest: Shape::default(),
        out: Arc::clone(&shape),
    };
    let runner = Runner::new(scheduler, config());
    // shuttle writes its failure text straight to stderr; the harness's report says it all.
    // (Another thread's run may hold the redirect already: stderr is then quiet anyway.)
    let quiet = (!verbose()).then(gag::Gag::stderr).and_then(Result::ok);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| runner.run(body)));
    drop(quiet);
    let steps = if record { recorder::stop() } else { Vec::new() };
    // The failing execution's schedule stays in shuttle's thread-local until the next run starts.
    let schedule = serialize_schedule(&CurrentSchedule::get_schedule());
    Registry::uninstall();
    let schedules = count.load(Ordering::Relaxed);
    let measured = *shape.lock().unwrap_or_else(PoisonError::into_inner);
    Explored {
        schedules,
        panic: result.err(),
        schedule,
        registry: (schedules > 0).then_some(registry),
        steps,
        shape: measured,
    }
}

/// A scheduler, measured: the most threads and scheduling points any execution had (PCT's n and
/// k, for what a sampled pass rules out).
struct Measuring {
    inner: Box<dyn Scheduler + Send>,
    /// Scheduling points of the current execution.
    steps: usize,
    /// The largest execution seen so far.
    largest: Shape,
    /// Where `largest` goes when shuttle drops the scheduler, as the run ends (it owns the
    /// scheduler till then).
    out: Arc<Mutex<Shape>>,
}

impl Drop for Measuring {
    fn drop(&mut self) {
        *self.out.lock().unwrap_or_else(PoisonError::into_inner) = self.largest;
    }
}

impl Scheduler for Measuring {
    fn new_execution(&mut self) -> Option<Schedule> {
        self.steps = 0;
        self.inner.new_execution()
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        is_yielding: bool,
    ) -> Option<TaskId> {
        self.steps += 1;
        let threads = runnable
            .iter()
            .map(|task| usize::from(task.id()) + 1)
            .max()
            .unwrap_or(0);
        self.largest.steps = self.largest.steps.max(self.steps);
        self.largest.threads = self.largest.threads.max(threads);
        self.inner.next_task(runnable, current, is_yielding)
    }

    fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }
}

/// Shuttle's DFS, made to switch away from a thread that yields (a poll or spin loop) whenever
/// another can run, as loom does. Plain DFS takes the `is_yielding` hint for nothing, so its first
/// schedule keeps a polling thread spinning until the step bound ends it as a livelock.
struct YieldingDfs(DfsScheduler);

impl Scheduler for YieldingDfs {
    fn new_execution(&mut self) -> Option<Schedule> {
        self.0.new_execution()
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        is_yielding: bool,
    ) -> Option<TaskId> {
        if is_yielding {
            let others: Vec<&Task> = runnable
                .iter()
                .copied()
                .filter(|task| Some(task.id()) != current)
                .collect();
            if !others.is_empty() {
                return self.0.next_task(&others, current, false);
            }
        }
        self.0.next_task(runnable, current, is_yielding)
    }

    fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }
}

/// shuttle's PCT, which goes on sampling a program whose only nondeterminism is its data. PCT
/// orders threads by priority and refuses a second schedule when the first never had two threads
/// to choose between ("did not exercise any concurrency"): one interleaving, so one schedule says
/// it all, unless that schedule drew random data (an input, a `select`'s coin flip, a spurious
/// wake-up). Then each schedule is the same interleaving with other data, and the rest of the
/// budget samples the data with shuttle's random scheduler, from the same seed.
struct PctOrData {
    pct: PctScheduler,
    /// The sampler of a program with one interleaving, for the schedules after the first.
    data: RandomScheduler,
    /// Executions started.
    executions: usize,
    /// Whether the first execution ever had two runnable threads.
    had_a_choice: bool,
    /// Whether the first execution drew random data.
    drew_data: bool,
    /// Set after the first execution, if it drew data but had no choice of thread.
    sampling_data: bool,
}

/// Turns PCT's seed into the data sampler's.
const DATA_SEED_MASK: u64 = 0x9e37_79b9_7f4a_7c15;

impl PctOrData {
    fn new(iterations: usize, depth: usize, seed: u64) -> Self {
        PctOrData {
            pct: PctScheduler::new_from_seed(seed, depth, iterations),
            // A seed of its own: shuttle's data source returns its seed as the first execution's,
            // so the same seed would draw PCT's first schedule's data again.
            data: RandomScheduler::new_from_seed(
                seed ^ DATA_SEED_MASK,
                iterations.saturating_sub(1),
            ),
            executions: 0,
            had_a_choice: false,
            drew_data: false,
            sampling_data: false,
        }
    }
}

impl Scheduler for PctOrData {
    fn new_execution(&mut self) -> Option<Schedule> {
        self.executions += 1;
        if self.executions == 2 && !self.had_a_choice && self.drew_data {
            self.sampling_data = true;
        }
        if self.sampling_data {
            self.data.new_execution()
        } else {
            self.pct.new_execution()
        }
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        is_yielding: bool,
    ) -> Option<TaskId> {
        if self.sampling_data {
            return self.data.next_task(runnable, current, is_yielding);
        }
        self.had_a_choice |= runnable.len() > 1;
        self.pct.next_task(runnable, current, is_yielding)
    }

    fn next_u64(&mut self) -> u64 {
        if self.sampling_data {
            return self.data.next_u64();
        }
        self.drew_data = true;
        self.pct.next_u64()
    }
}

/// Whether condvar waits may wake spuriously under `checker` (all but DFS).
pub(crate) fn spurious_under(checker: &Checker) -> bool {
    !matches!(checker, Checker::ShuttleDfs { .. })
}

/// The scheduler that samples or enumerates schedules for a shuttle `checker`.
fn scheduler_for(checker: &Checker) -> Box<dyn Scheduler + Send> {
    match checker {
        Checker::ShuttleRandom { iterations, seed } => {
            Box::new(RandomScheduler::new_from_seed(*seed, *iterations))
        }
        Checker::ShuttlePct {
            iterations,
            depth,
            seed,
        } => Box::new(PctOrData::new(*iterations, *depth, *seed)),
        // URW keeps shuttle's replay rule (its data source is seeded per execution and used for
        // data only), so its schedules replay with `ReplayScheduler` as random's do.
        Checker::ShuttleUrw { iterations, seed } => {
            Box::new(UrwRandomScheduler::new_from_seed(*seed, *iterations))
        }
        Checker::ShuttlePos { iterations, seed } => Box::new(Pos::new(*iterations, *seed)),
        Checker::ShuttlePortfolio { .. } => Box::new(Portfolio::new(
            checker
                .portfolio_members()
                .iter()
                .map(scheduler_for)
                .collect(),
        )),
        // One schedule past the budget tells "ran out of schedules" (exhaustive) from "stopped by
        // the budget" (capped): the extra one stops at once. Random data is allowed and fixed per
        // schedule, so DFS, like loom, enumerates interleavings with `select`'s coin flips fixed.
        Checker::ShuttleDfs { max_iterations } => Box::new(YieldingDfs(DfsScheduler::new(
            max_iterations.map(|max| max + 1),
            true,
        ))),
        Checker::Loom { .. } | Checker::Stress { .. } => {
            unreachable!("the shuttle runner runs shuttle checkers only")
        }
    }
}

/// Runs `scenario` under a shuttle `checker`, or replays `schedule` if given.
pub(crate) fn run<S: Scenario>(scenario: &S, checker: &Checker, schedule: Option<&str>) -> Stats {
    let scheduler: Box<dyn Scheduler + Send> = match schedule {
        Some(schedule) => Box::new(ReplayScheduler::new_from_encoded(schedule)),
        None => scheduler_for(checker),
    };
    let budget = match (schedule, checker) {
        (None, Checker::ShuttleDfs { max_iterations }) => *max_iterations,
        _ => None,
    };
    let started = Instant::now();
    // POS reads each task's next operation, which the backend publishes only while this lives.
    let publishing = matches!(
        (schedule, checker),
        (
            None,
            Checker::ShuttlePos { .. } | Checker::ShuttlePortfolio { .. }
        )
    )
    .then(Publishing::on);
    let explored = explore(scenario, scheduler, budget, spurious_under(checker), false);
    drop(publishing);
    let schedules = explored.schedules;
    let verdict = match explored.panic {
        None => Verdict::Pass(match (schedule, checker) {
            (Some(_), _) => Coverage::Capped {
                by: "replay of one schedule".to_owned(),
            },
            (None, Checker::ShuttleDfs { .. }) => Coverage::Exhaustive,
            _ => Coverage::Sampled,
        }),
        // PCT refuses a second schedule when the first had no scheduling point at all and drew
        // no random data (see `PctOrData`): such an instance has exactly one schedule, and it
        // passed.
        Some(payload) if panic_message(payload.as_ref()) == PCT_NO_CONCURRENCY => {
            Verdict::Pass(Coverage::Exhaustive)
        }
        Some(payload) if is_budget_stop(payload.as_ref()) => Verdict::Pass(Coverage::Capped {
            by: format!("max {} schedules", budget.unwrap_or(schedules)),
        }),
        Some(payload) => Verdict::Fail(Box::new(classify(
            panic_message(payload.as_ref()),
            explored.registry.as_deref(),
            schedules,
            ReplayHandle::ShuttleSchedule(explored.schedule),
        ))),
    };
    let mut stats = Stats::of(
        scenario,
        checker.clone(),
        schedules.min(budget.unwrap_or(usize::MAX)),
        started.elapsed(),
        verdict,
    );
    stats.shape = Some(explored.shape);
    stats
}

#[cfg(test)]
mod tests {
    use super::explore;
    use crate::backend::next_op::{self, NextOp, Publishing};
    use crate::harness::base::scenario::Scenario;
    use crate::harness::runners::pos::Pos;
    use patterns::{Atomic, AtomicInt, Backend};
    use serde::{Deserialize, Serialize};
    use shuttle::scheduler::{Schedule, Scheduler, Task, TaskId};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    /// What the two threads of [`TwoThreads`] share.
    #[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
    enum Shares {
        Nothing,
        Mutex,
        Atomic,
    }

    /// Two threads that each lock a mutex and add to an atomic twice, sharing one of them or
    /// neither.
    #[derive(Clone, Debug, Serialize, Deserialize)]
    struct TwoThreads {
        shares: Shares,
    }

    impl Scenario for TwoThreads {
        const NAME: &'static str = "harness::two_threads";
        fn small() -> Self {
            TwoThreads {
                shares: Shares::Mutex,
            }
        }
        fn large() -> Self {
            TwoThreads {
                shares: Shares::Mutex,
            }
        }
        fn run<B: Backend>(&self) {
            let mutex = Arc::new(B::mutex(0_usize));
            let atomic = Arc::new(B::AtomicUsize::new(0));
            let threads: Vec<_> = (0..2)
                .map(|i| {
                    let mutex = match self.shares {
                        Shares::Mutex => Arc::clone(&mutex),
                        _ => Arc::new(B::mutex(0)),
                    };
                    let atomic = match self.shares {
                        Shares::Atomic => Arc::clone(&atomic),
                        _ => Arc::new(B::AtomicUsize::new(0)),
                    };
                    B::spawn(&format!("thread-{i}"), move || {
                        for _ in 0..2 {
                            *B::lock(&mutex) += 1;
                            atomic.fetch_add(1, Ordering::SeqCst);
                        }
                    })
                })
                .collect();
            for thread in threads {
                B::join(thread).expect("a thread panicked");
            }
        }
    }

    /// POS, watched: whether two runnable tasks' published operations ever raced.
    struct Watching {
        pos: Pos,
        raced: Arc<AtomicBool>,
    }

    impl Scheduler for Watching {
        fn new_execution(&mut self) -> Option<Schedule> {
            self.pos.new_execution()
        }

        fn next_task(
            &mut self,
            runnable: &[&Task],
            current: Option<TaskId>,
            is_yielding: bool,
        ) -> Option<TaskId> {
            let ops: Vec<NextOp> = runnable
                .iter()
                .map(|task| next_op::of(usize::from(task.id())))
                .collect();
            let raced = ops
                .iter()
                .enumerate()
                .any(|(i, a)| ops[i + 1..].iter().any(|b| a.races(*b)));
            if raced {
                self.raced.store(true, Ordering::SeqCst);
            }
            self.pos.next_task(runnable, current, is_yielding)
        }

        fn next_u64(&mut self) -> u64 {
            self.pos.next_u64()
        }
    }

    fn races_seen(shares: Shares) -> bool {
        let raced = Arc::new(AtomicBool::new(false));
        let scheduler = Watching {
            pos: Pos::new(50, 1),
            raced: Arc::clone(&raced),
        };
        let publishing = Publishing::on();
        let explored = explore(
            &TwoThreads { shares },
            Box::new(scheduler),
            None,
            true,
            false,
        );
        drop(publishing);
        assert!(explored.panic.is_none(), "the scenario cannot fail");
        raced.load(Ordering::SeqCst)
    }

    /// The backend publishes each lock's and each atomic access's object before its scheduling
    /// point: two threads sharing a mutex, or an atomic, are seen about to race on it; two
    /// threads on their own objects never are.
    #[test]
    fn the_backend_publishes_the_object_of_each_pending_operation() {
        assert!(races_seen(Shares::Mutex), "no race seen on a shared mutex");
        assert!(
            races_seen(Shares::Atomic),
            "no race seen on a shared atomic"
        );
        assert!(
            !races_seen(Shares::Nothing),
            "threads on their own objects were seen racing"
        );
    }
}
