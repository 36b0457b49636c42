//! Explaining a failure: shrink it (instance, then schedule), replay the minimal schedule with the
//! recorder on, and attach the trace, so a report shows *why* it failed, step by step.

use super::shrink;
use crate::backend::recorder::RawStep;
use crate::backend::registry::Registry;
use crate::harness::base::checker::Checker;
use crate::harness::base::classify::{classify, Failure};
use crate::harness::base::scenario::Scenario;
use crate::harness::base::verdict::{FailureReport, MinimalFailure, ReplayHandle, Stats, Verdict};
use crate::harness::runners;
use crate::harness::trace::Trace;
use patterns::panic_message;
use shuttle::scheduler::ReplayScheduler;
use std::sync::Arc;

std::thread_local! {
    /// Whether failures found on this thread are shrunk before they are traced.
    static SHRINKING: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
}

/// Turns shrinking on (the default) or off for the checks run on this thread. Off, a failure is
/// traced as it was found: its instance and its schedule. (For comparing the two, as the trace
/// tests do; a user has no reason to turn it off.)
pub fn set_shrinking(on: bool) {
    SHRINKING.with(|shrinking| shrinking.set(on));
}

/// Whether failures found on this thread are shrunk (see [`set_shrinking`]).
pub(crate) fn shrinking() -> bool {
    SHRINKING.with(std::cell::Cell::get)
}

/// Shrinks the failure of `stats` (a run of `scenario`) and traces its minimal form; a run that
/// passed, or failed on real threads (which cannot be replayed), comes back as it was.
pub(crate) fn explain<S: Scenario>(scenario: &S, mut stats: Stats) -> Stats {
    let Verdict::Fail(report) = &mut stats.verdict else {
        return stats;
    };
    if report.handle == ReplayHandle::None {
        return stats;
    }
    report.minimal = minimal(scenario, &stats.checker, report).map(Box::new);
    stats
}

/// The minimal form of `report`'s failure, found by `checker` on `scenario`.
fn minimal<S: Scenario>(
    scenario: &S,
    found_by: &Checker,
    report: &FailureReport,
) -> Option<MinimalFailure> {
    let checker = found_by;
    let expected = Failure::of_report(report);
    let mut shrunk = Vec::new();

    // The smallest instance first: the scenario's small one, if it fails the same way.
    let small = S::small();
    let original = serde_json::to_value(scenario).expect("scenario parameters serialize");
    let small_value = serde_json::to_value(&small).expect("scenario parameters serialize");
    let (instance, mut handle) = if !shrinking() {
        return traced(
            scenario.clone(),
            checker.clone(),
            report.handle.clone(),
            &expected,
            shrunk,
        );
    } else if small_value != original {
        let small_stats = runners::run(&small, checker);
        match small_stats.failure() {
            Some(small_report) if Failure::of_report(small_report) == expected => {
                shrunk.push(format!("instance {original} → {small_value}"));
                (small, small_report.handle.clone())
            }
            _ => (scenario.clone(), report.handle.clone()),
        }
    } else {
        (scenario.clone(), report.handle.clone())
    };

    // Then the schedule.
    let mut checker = checker.clone();
    match (&handle, &checker) {
        (ReplayHandle::ShuttleSchedule(schedule), _) => {
            let spurious = runners::shuttle::spurious_under(&checker);
            if let Some(small) = shrink::shuttle_schedule(&instance, schedule, &expected, spurious)
            {
                let (b, a) = (small.before, small.after);
                shrunk.push(format!(
                    "schedule: {} scheduling steps → {}, {} context switches → {}, {} preemptions \
                     → {} ({} replays)",
                    b.steps,
                    a.steps,
                    b.switches,
                    a.switches,
                    b.preemptions,
                    a.preemptions,
                    small.attempts
                ));
                handle = ReplayHandle::ShuttleSchedule(small.schedule);
            }
        }
        (
            ReplayHandle::LoomCheckpoint(_),
            Checker::Loom {
                preemption_bound, ..
            },
        ) => {
            if let Some((bound, schedules)) =
                shrink::loom_bound(&instance, *preemption_bound, &expected)
            {
                let lower = Checker::Loom {
                    preemption_bound: Some(bound),
                    max_schedules: None,
                    max_time: None,
                };
                if let ReplayHandle::LoomCheckpoint(path) =
                    runners::loom::capture_checkpoint(&instance, &lower, Some(bound), schedules)
                {
                    shrunk.push(format!(
                        "preemption bound {} → {bound}: the fewest preemptions that fail, found \
                         at schedule #{schedules}",
                        preemption_bound.map_or("none".to_owned(), |b| b.to_string())
                    ));
                    checker = lower;
                    handle = ReplayHandle::LoomCheckpoint(path);
                }
            }
        }
        _ => {}
    }

    let original = Checker::clone(found_by);
    traced(instance, checker, handle, &expected, shrunk).or_else(|| {
        // The minimal form did not replay the same way: show the failure as it was found.
        traced(
            scenario.clone(),
            original,
            report.handle.clone(),
            &expected,
            Vec::new(),
        )
    })
}

/// The failure `handle` replays, traced, if it still fails as `expected`.
fn traced<S: Scenario>(
    instance: S,
    checker: Checker,
    handle: ReplayHandle,
    expected: &Failure,
    shrunk: Vec<String>,
) -> Option<MinimalFailure> {
    let (replayed, trace) = traced_replay(&instance, &checker, &handle)?;
    (Failure::of_report(&replayed) == *expected).then(|| MinimalFailure {
        instance: serde_json::to_value(&instance).expect("scenario parameters serialize"),
        checker,
        handle,
        message: replayed.message,
        shrunk,
        trace,
    })
}

/// Replays `handle` for `scenario` with the recorder on: the failure it reproduces and its
/// trace; `None` if the schedule no longer fails.
pub(crate) fn traced_replay<S: Scenario>(
    scenario: &S,
    checker: &Checker,
    handle: &ReplayHandle,
) -> Option<(FailureReport, Trace)> {
    let (panic, registry, steps): (_, Option<Arc<Registry>>, Vec<RawStep>) = match handle {
        ReplayHandle::ShuttleSchedule(schedule) => {
            let scheduler = Box::new(ReplayScheduler::new_from_encoded(schedule));
            let spurious = runners::shuttle::spurious_under(checker);
            let explored = runners::shuttle::explore(scenario, scheduler, None, spurious, true);
            (explored.panic, explored.registry, explored.steps)
        }
        ReplayHandle::LoomCheckpoint(path) => {
            let explored = runners::loom::replay_explored(scenario, checker, path, true);
            (explored.panic, explored.registry, explored.steps)
        }
        ReplayHandle::None => return None,
    };
    let report = classify(
        panic_message(panic?.as_ref()),
        registry.as_deref(),
        1,
        handle.clone(),
    );
    let snapshot = registry.map(|r| r.snapshot()).unwrap_or_default();
    let trace = Trace::build(&steps, &snapshot, report.kind.ending());
    Some((report, trace))
}
