//! Shrinking a failure before it is shown: the smallest instance that fails the same way, then,
//! under shuttle, the schedule with the fewest preemptions and the shortest prefix that still
//! fails the same way; under loom, the lowest preemption bound that still fails.

use crate::harness::base::classify::Failure;
use crate::harness::base::execute::is_budget_stop;
use crate::harness::base::scenario::Scenario;
use crate::harness::runners;
use crate::harness::runners::shuttle::Explored;
use patterns::panic_message;
use shuttle::scheduler::{Schedule, Scheduler, Task, TaskId};
use shuttle_engine::scheduler::data::{DataSource, RandomDataSource};
use shuttle_engine::scheduler::serialization::deserialize_schedule;
use shuttle_engine::scheduler::ScheduleStep;
use std::time::{Duration, Instant};

/// The most replays one schedule shrink may take.
const MAX_ATTEMPTS: usize = 400;
/// The longest one schedule shrink may take.
const MAX_TIME: Duration = Duration::from_secs(20);

/// How many scheduling decisions a schedule makes, how often it switches threads, and how many of
/// those switches are preemptions (the running thread could have gone on).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Figures {
    pub(crate) steps: usize,
    pub(crate) switches: usize,
    pub(crate) preemptions: usize,
}

/// A schedule as the guided scheduler ran it.
#[derive(Clone, Debug)]
struct Ran {
    /// The task chosen at each decision.
    taken: Vec<usize>,
    /// Whether each choice preempted a thread that could have gone on.
    preempted: Vec<bool>,
    /// The schedule, serialized, for shuttle's replay.
    schedule: String,
}

impl Ran {
    fn figures(&self) -> Figures {
        Figures {
            steps: self.taken.len(),
            switches: self.taken.windows(2).filter(|w| w[0] != w[1]).count(),
            preemptions: self.preempted.iter().filter(|&&p| p).count(),
        }
    }
}

/// Follows a list of wanted choices while it can; past its end (or where a wanted thread cannot
/// run) it lets the running thread go on, so every switch it adds is one the program forced.
struct Guided {
    wanted: Vec<usize>,
    data: RandomDataSource,
    started: bool,
    taken: Vec<usize>,
    preempted: Vec<bool>,
}

impl Guided {
    fn new(wanted: Vec<usize>, seed: u64) -> Self {
        Self {
            wanted,
            data: RandomDataSource::initialize(seed),
            started: false,
            taken: Vec::new(),
            preempted: Vec::new(),
        }
    }
}

/// What a guided run leaves behind for the shrinker (the scheduler itself moves into shuttle).
type Shared = std::sync::Arc<std::sync::Mutex<(Vec<usize>, Vec<bool>)>>;

struct Recording {
    guided: Guided,
    out: Shared,
}

impl Scheduler for Recording {
    fn new_execution(&mut self) -> Option<Schedule> {
        if self.guided.started {
            return None;
        }
        self.guided.started = true;
        Some(Schedule::new(self.guided.data.reinitialize()))
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        is_yielding: bool,
    ) -> Option<TaskId> {
        let guided = &mut self.guided;
        let can_run = |id: usize| runnable.iter().any(|t| usize::from(t.id()) == id);
        let current = current.map(usize::from);
        let current_goes_on = current.filter(|&c| can_run(c) && !is_yielding);
        let choice = match guided.wanted.get(guided.taken.len()) {
            Some(&wanted) if can_run(wanted) => wanted,
            _ => current_goes_on.unwrap_or_else(|| {
                // The running thread yields or blocked: the next one that can run.
                runnable
                    .iter()
                    .map(|t| usize::from(t.id()))
                    .find(|&id| Some(id) != current)
                    .unwrap_or_else(|| usize::from(runnable[0].id()))
            }),
        };
        guided
            .preempted
            .push(current_goes_on.is_some_and(|c| c != choice));
        guided.taken.push(choice);
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        out.0.clone_from(&guided.taken);
        out.1.clone_from(&guided.preempted);
        Some(TaskId::from(choice))
    }

    fn next_u64(&mut self) -> u64 {
        self.guided.data.next_u64()
    }
}

/// How an explored run failed, if it did.
fn failure_of(explored: &Explored) -> Option<Failure> {
    let payload = explored.panic.as_ref()?;
    if is_budget_stop(payload.as_ref()) {
        return None;
    }
    Some(Failure::of(
        panic_message(payload.as_ref()),
        explored.registry.as_deref(),
    ))
}

/// Runs one execution of `scenario` under the guided scheduler.
fn attempt<S: Scenario>(
    scenario: &S,
    wanted: Vec<usize>,
    seed: u64,
    spurious: bool,
) -> (Option<Failure>, Ran) {
    let out = Shared::default();
    let scheduler = Recording {
        guided: Guided::new(wanted, seed),
        out: std::sync::Arc::clone(&out),
    };
    let explored = runners::shuttle::explore(scenario, Box::new(scheduler), None, spurious, false);
    let (taken, preempted) = std::mem::take(&mut *out.lock().unwrap_or_else(|p| p.into_inner()));
    let ran = Ran {
        taken,
        preempted,
        schedule: explored.schedule.clone(),
    };
    (failure_of(&explored), ran)
}

/// A shrunk shuttle schedule and the figures before and after.
#[derive(Clone, Debug)]
pub(crate) struct ShrunkSchedule {
    pub(crate) schedule: String,
    pub(crate) before: Figures,
    pub(crate) after: Figures,
    pub(crate) attempts: usize,
}

/// Shrinks the failing shuttle `schedule` of `scenario`: first the shortest prefix of its choices
/// that, run on without preempting, still fails the same way; then each remaining preemption is
/// taken out while the run still fails the same way. `None` if the schedule does not parse or
/// does not fail the same way when followed.
pub(crate) fn shuttle_schedule<S: Scenario>(
    scenario: &S,
    schedule: &str,
    expected: &Failure,
    spurious: bool,
) -> Option<ShrunkSchedule> {
    let parsed = deserialize_schedule(schedule)?;
    let wanted: Vec<usize> = parsed
        .steps
        .iter()
        .filter_map(|step| match step {
            ScheduleStep::Task(id) => Some(usize::from(*id)),
            ScheduleStep::Random => None,
        })
        .collect();
    let seed = parsed.seed;
    let started = Instant::now();
    let attempts = std::cell::Cell::new(0);
    let try_run = |wanted: Vec<usize>| {
        attempts.set(attempts.get() + 1);
        let (failure, ran) = attempt(scenario, wanted, seed, spurious);
        (failure.as_ref() == Some(expected)).then_some(ran)
    };

    let original = try_run(wanted)?;
    let before = original.figures();
    let mut best = original;
    let over = || attempts.get() >= MAX_ATTEMPTS || started.elapsed() >= MAX_TIME;

    // The shortest prefix: cut just before each preemption, fewest kept first.
    let cuts: Vec<usize> = std::iter::once(0)
        .chain(
            best.preempted
                .iter()
                .enumerate()
                .filter(|(_, p)| **p)
                .map(|(i, _)| i),
        )
        .collect();
    for cut in cuts {
        if over() {
            break;
        }
        if let Some(ran) = try_run(best.taken[..cut].to_vec()) {
            if ran.figures().preemptions <= best.figures().preemptions {
                best = ran;
            }
            break;
        }
    }

    // Then each preemption left, taken out one at a time: the running thread goes on instead.
    let mut improved = true;
    while improved && !over() {
        improved = false;
        let preemptions: Vec<usize> = best
            .preempted
            .iter()
            .enumerate()
            .filter(|(_, p)| **p)
            .map(|(i, _)| i)
            .collect();
        for at in preemptions {
            if over() || at == 0 {
                break;
            }
            // The running thread goes on at `at`: with no wanted choice after it (every later
            // preemption dropped too), or with the later ones kept where they still fit.
            let mut kept = best.taken.clone();
            kept[at] = best.taken[at - 1];
            let dropped = kept[..=at].to_vec();
            for wanted in [dropped, kept] {
                if over() {
                    break;
                }
                if let Some(ran) = try_run(wanted) {
                    let (new, old) = (ran.figures(), best.figures());
                    if (new.preemptions, new.steps) < (old.preemptions, old.steps) {
                        best = ran;
                        improved = true;
                        break;
                    }
                }
            }
            if improved {
                break;
            }
        }
    }
    Some(ShrunkSchedule {
        after: best.figures(),
        schedule: best.schedule,
        before,
        attempts: attempts.get(),
    })
}

/// The lowest loom preemption bound, below `found_at` (`None`: unbounded), under which `scenario`
/// still fails the same way, and the number of schedules explored to find it there; `None` if no
/// lower bound fails, or a lower one could not be explored in full in the time left (it would
/// not be the lowest for sure).
pub(crate) fn loom_bound<S: Scenario>(
    scenario: &S,
    found_at: Option<usize>,
    expected: &Failure,
) -> Option<(usize, usize)> {
    let started = Instant::now();
    let ceiling = found_at.unwrap_or(3);
    for bound in 0..ceiling {
        let left = MAX_TIME.checked_sub(started.elapsed())?;
        let (schedules, failure) = runners::loom::explore_bounded(scenario, Some(bound), left)?;
        if failure.as_ref() == Some(expected) {
            return Some((bound, schedules));
        }
    }
    None
}
