//! Running a scenario under loom, and replaying a loom failure from its checkpoint.

use crate::backend::loom::inputs;
use crate::backend::recorder::{self, RawStep};
use crate::backend::registry::Registry;
use crate::backend::Loom;
use crate::harness::base::checker::Checker;
use crate::harness::base::classify::{classify, Failure};
use crate::harness::base::execute::{execute, install_panic_hook, is_budget_stop, BUDGET_SPENT};
use crate::harness::base::files::artifact_path;
use crate::harness::base::scenario::Scenario;
use crate::harness::base::verdict::{Coverage, ReplayHandle, Stats, Verdict};
use patterns::panic_message;
use std::any::Any;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// loom's branch limit per schedule: its default of 1,000 is too tight for a channel workload of
/// a few dozen operations; a schedule past this is reported as a livelock.
const MAX_BRANCHES: usize = 20_000;

/// Where loom should save the path of a schedule, and how to stop.
struct Checkpoint<'a> {
    file: &'a Path,
    /// Save before every `interval`-th schedule.
    interval: usize,
    /// Stop before schedule number `stop_at` (loom's `max_permutations`).
    stop_at: Option<usize>,
}

/// Which values `Backend::input` returns in an exploration.
#[derive(Clone, Copy)]
enum Inputs<'a> {
    /// Every combination, each in an exploration of its own (a run, its shrinking).
    Every,
    /// These values only (a replay of one schedule, which ran with them).
    Only(&'a [usize]),
}

/// The result of one exploration.
pub(crate) struct Explored {
    /// Schedules, summed over the explorations of every input combination tried.
    pub(crate) schedules: usize,
    pub(crate) panic: Option<Box<dyn Any + Send>>,
    pub(crate) registry: Option<Arc<Registry>>,
    /// The steps of the last execution, if it was recorded.
    pub(crate) steps: Vec<RawStep>,
}

/// The loom builder every harness run starts from, exposed so a bench can compare the harness with
/// the same body run straight on loom under identical settings.
pub fn loom_builder(preemption_bound: Option<usize>) -> loom::model::Builder {
    let mut builder = loom::model::Builder::new();
    // Every setting is explicit, so no LOOM_* variable of the environment changes a run.
    builder.max_threads = 5;
    builder.max_branches = MAX_BRANCHES;
    builder.preemption_bound = preemption_bound;
    builder.max_permutations = None;
    builder.max_duration = None;
    builder.location = true;
    builder.log = false;
    builder.checkpoint_file = None;
    builder.checkpoint_interval = usize::MAX;
    builder
}

/// How often a long loom run says how far it got.
const PROGRESS_EVERY: Duration = Duration::from_secs(5);

/// The most input combinations one run explores: a program that draws inside a retry loop
/// (`while input(2) == 1 {}`) has no end of them, and such a run stops here as capped.
const MAX_INPUT_COMBINATIONS: usize = 4_096;

/// The file beside a loom checkpoint that holds the input values its schedule ran with.
fn inputs_file(checkpoint: &Path) -> PathBuf {
    checkpoint.with_extension("inputs.json")
}

/// Explores `scenario`'s schedules under loom, once per combination of input values (`Inputs`),
/// until one fails or every combination is done; budgets and the checkpoint's schedule number
/// count the schedules of all the explorations together.
#[allow(clippy::too_many_arguments)]
fn explore<S: Scenario>(
    scenario: &S,
    preemption_bound: Option<usize>,
    max_schedules: Option<usize>,
    max_time: Option<Duration>,
    checkpoint: Option<Checkpoint<'_>>,
    inputs: Inputs<'_>,
    record: bool,
    progress: bool,
) -> Explored {
    install_panic_hook();
    let count = Arc::new(AtomicUsize::new(0));
    let registry = Registry::new();
    let started = Instant::now();
    // The next time a long run reports, in whole progress periods since it started.
    let next_report = Arc::new(AtomicUsize::new(1));
    let body = {
        let (scenario, count, registry) =
            (scenario.clone(), Arc::clone(&count), Arc::clone(&registry));
        move || {
            inputs::begin_execution();
            let schedule = count.fetch_add(1, Ordering::Relaxed) + 1;
            let elapsed = started.elapsed();
            let over_count = max_schedules.is_some_and(|max| schedule > max);
            let over_time = max_time.is_some_and(|max| elapsed > max);
            if over_count || over_time {
                std::panic::panic_any(BUDGET_SPENT.to_owned());
            }
            let periods = (elapsed.as_secs_f64() / PROGRESS_EVERY.as_secs_f64()) as usize;
            if progress && periods >= next_report.load(Ordering::Relaxed) {
                next_report.store(periods + 1, Ordering::Relaxed);
                eprintln!(
                    "loom: {} {}: {schedule} schedules in {:.0} s so far{}",
                    S::NAME,
                    serde_json::to_string(&scenario).unwrap_or_default(),
                    elapsed.as_secs_f64(),
                    match (max_schedules, max_time) {
                        (Some(max), _) => format!(", stops at {max} schedules"),
                        (None, Some(max)) => format!(", stops at {:.0} s", max.as_secs_f64()),
                        (None, None) => ", no limit".to_owned(),
                    }
                );
            }
            execute::<Loom, S>(&scenario, &registry);
        }
    };
    let mut script = match inputs {
        Inputs::Every => Vec::new(),
        Inputs::Only(script) => script.to_vec(),
    };
    let mut combinations = 0;
    let (result, steps) = loop {
        combinations += 1;
        if combinations > MAX_INPUT_COMBINATIONS {
            let stop: Box<dyn Any + Send> = Box::new(BUDGET_SPENT.to_owned());
            break (Err(stop), Vec::new());
        }
        let before = count.load(Ordering::Relaxed);
        let mut builder = loom_builder(preemption_bound);
        // Saves the path of the checkpoint's schedule if this exploration reaches it (an
        // exploration after it gets no file: loom would resume from the saved path).
        if let Some(checkpoint) = checkpoint.as_ref().filter(|c| c.interval > before) {
            builder.checkpoint_file = Some(checkpoint.file.to_path_buf());
            builder.checkpoint_interval = checkpoint.interval - before;
            builder.max_permutations = checkpoint.stop_at;
        }
        inputs::begin_exploration(&script);
        if record {
            recorder::start();
        }
        let body = body.clone();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| builder.check(body)));
        let steps = if record { recorder::stop() } else { Vec::new() };
        let arities = inputs::end_exploration();
        let next = match inputs {
            Inputs::Every if result.is_ok() => inputs::next_script(&script, &arities),
            _ => None,
        };
        match next {
            Some(next) => script = next,
            None => break (result, steps),
        }
    };
    if let (Some(checkpoint), Err(_)) = (&checkpoint, &result) {
        let _ = std::fs::write(
            inputs_file(checkpoint.file),
            serde_json::to_string(&script).expect("input values serialize"),
        );
    }
    Registry::uninstall();
    let registry = (count.load(Ordering::Relaxed) > 0).then_some(registry);
    Explored {
        schedules: count.load(Ordering::Relaxed),
        panic: result.err(),
        registry,
        steps,
    }
}

/// Explores `scenario` with preemption bound `bound` for at most `time`: the schedules explored
/// and how the run failed, if it did; `None` if the time ran out first.
pub(crate) fn explore_bounded<S: Scenario>(
    scenario: &S,
    bound: Option<usize>,
    time: Duration,
) -> Option<(usize, Option<Failure>)> {
    let explored = explore(
        scenario,
        bound,
        None,
        Some(time),
        None,
        Inputs::Every,
        false,
        false,
    );
    let failure = match &explored.panic {
        Some(payload) if is_budget_stop(payload.as_ref()) => return None,
        Some(payload) => Some(Failure::of(
            panic_message(payload.as_ref()),
            explored.registry.as_deref(),
        )),
        None => None,
    };
    Some((explored.schedules, failure))
}

/// Runs `scenario` under the loom `checker`.
pub(crate) fn run<S: Scenario>(scenario: &S, checker: &Checker) -> Stats {
    let Checker::Loom {
        preemption_bound,
        max_schedules,
        max_time,
    } = checker.clone()
    else {
        unreachable!("the loom runner runs loom checkers only")
    };
    let started = Instant::now();
    let explored = explore(
        scenario,
        preemption_bound,
        max_schedules,
        max_time,
        None,
        Inputs::Every,
        false,
        true,
    );
    let verdict = match explored.panic {
        None => Verdict::Pass(match preemption_bound {
            None => Coverage::Exhaustive,
            Some(preemptions) => Coverage::Bounded { preemptions },
        }),
        Some(payload) if is_budget_stop(payload.as_ref()) => Verdict::Pass(Coverage::Capped {
            by: match (max_schedules, max_time) {
                (Some(max), _) if explored.schedules > max => format!("max {max} schedules"),
                (_, Some(time)) => format!("max {:.1} s", time.as_secs_f64()),
                _ => format!("max {MAX_INPUT_COMBINATIONS} input combinations"),
            },
        }),
        Some(payload) => {
            let failing = explored.schedules;
            let handle = capture_checkpoint(scenario, checker, preemption_bound, failing);
            Verdict::Fail(Box::new(classify(
                panic_message(payload.as_ref()),
                explored.registry.as_deref(),
                failing,
                handle,
            )))
        }
    };
    Stats::of(
        scenario,
        checker.clone(),
        explored.schedules.min(max_schedules.unwrap_or(usize::MAX)),
        started.elapsed(),
        verdict,
    )
}

/// Explores again up to the failing schedule, with loom saving that schedule's path to a file:
/// loom prints no seed, so its checkpoint file is the replay handle. Exploration is deterministic,
/// so the same schedule fails again.
pub(crate) fn capture_checkpoint<S: Scenario>(
    scenario: &S,
    checker: &Checker,
    preemption_bound: Option<usize>,
    failing: usize,
) -> ReplayHandle {
    let instance = serde_json::to_value(scenario).expect("scenario parameters serialize");
    let file: PathBuf = artifact_path(S::NAME, &instance, checker, "loom.json");
    let _ = std::fs::remove_file(&file);
    let _ = std::fs::remove_file(inputs_file(&file));
    let again = explore(
        scenario,
        preemption_bound,
        None,
        None,
        Some(Checkpoint {
            file: &file,
            interval: failing,
            stop_at: None,
        }),
        Inputs::Every,
        false,
        false,
    );
    if again.panic.is_some() && again.schedules == failing && file.exists() {
        ReplayHandle::LoomCheckpoint(file)
    } else {
        ReplayHandle::None
    }
}

/// Runs the one schedule saved in `checkpoint` again; `record`: record its steps.
pub(crate) fn replay_explored<S: Scenario>(
    scenario: &S,
    checker: &Checker,
    checkpoint: &Path,
    record: bool,
) -> Explored {
    let Checker::Loom {
        preemption_bound, ..
    } = checker.clone()
    else {
        unreachable!("a loom checkpoint replays under loom")
    };
    // The input values the schedule ran with (none saved: it drew none).
    let script: Vec<usize> = std::fs::read_to_string(inputs_file(checkpoint))
        .ok()
        .map(|text| serde_json::from_str(&text).expect("a loom inputs file holds a list of values"))
        .unwrap_or_default();
    // loom rewrites its checkpoint file as it goes: replay from a copy, keep the original.
    let copy = checkpoint.with_extension("replaying.json");
    let explored = match std::fs::copy(checkpoint, &copy) {
        Ok(_) => explore(
            scenario,
            preemption_bound,
            None,
            None,
            Some(Checkpoint {
                file: &copy,
                interval: 1,
                stop_at: Some(2),
            }),
            Inputs::Only(&script),
            record,
            false,
        ),
        Err(e) => panic!("cannot read loom checkpoint {}: {e}", checkpoint.display()),
    };
    let _ = std::fs::remove_file(&copy);
    let _ = std::fs::remove_file(inputs_file(&copy));
    explored
}

/// Replays the schedule saved in `checkpoint`: exactly one schedule.
pub(crate) fn replay<S: Scenario>(scenario: &S, checker: &Checker, checkpoint: &Path) -> Stats {
    let started = Instant::now();
    let explored = replay_explored(scenario, checker, checkpoint, false);
    let verdict = match explored.panic {
        None => Verdict::Pass(Coverage::Capped {
            by: "replay of one schedule".to_owned(),
        }),
        Some(payload) => Verdict::Fail(Box::new(classify(
            panic_message(payload.as_ref()),
            explored.registry.as_deref(),
            1,
            ReplayHandle::LoomCheckpoint(checkpoint.to_path_buf()),
        ))),
    };
    Stats::of(
        scenario,
        checker.clone(),
        explored.schedules.min(1),
        started.elapsed(),
        verdict,
    )
}
