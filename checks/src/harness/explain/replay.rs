//! Replay files: everything needed to run one failing schedule again, written on every failure.

use super::minimal::traced_replay;
use crate::harness::base::checker::Checker;
use crate::harness::base::files::artifact_path;
use crate::harness::base::scenario::Scenario;
use crate::harness::base::verdict::{FailureKind, MinimalFailure, ReplayHandle, Stats, Verdict};
use crate::harness::runners;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The contents of a replay file (JSON): `cargo xtask replay FILE` runs it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReplayFile {
    /// The scenario's name, looked up in the catalog.
    pub scenario: String,
    /// The instance's parameters.
    pub instance: serde_json::Value,
    /// The checker that found the failure, with its settings.
    pub checker: Checker,
    /// The schedule.
    pub handle: ReplayHandle,
    /// The failure kind the replay must reproduce.
    pub kind: FailureKind,
    /// The failure's message when it was found.
    pub message: String,
}

/// Writes the replay file of a failed run (when its schedule can be replayed) and records its
/// path in the report.
pub(crate) fn persist(mut stats: Stats) -> Stats {
    let Verdict::Fail(report) = &mut stats.verdict else {
        return stats;
    };
    if report.handle == ReplayHandle::None {
        return stats;
    }
    // The minimal failure, where there is one: the replay then shows the trace the report shows.
    let file = match &report.minimal {
        Some(minimal) => ReplayFile {
            scenario: stats.scenario.clone(),
            instance: minimal.instance.clone(),
            checker: minimal.checker.clone(),
            handle: minimal.handle.clone(),
            kind: report.kind,
            message: minimal.message.clone(),
        },
        None => ReplayFile {
            scenario: stats.scenario.clone(),
            instance: stats.instance.clone(),
            checker: stats.checker.clone(),
            handle: report.handle.clone(),
            kind: report.kind,
            message: report.message.clone(),
        },
    };
    let path = artifact_path(
        &stats.scenario,
        &stats.instance,
        &stats.checker,
        "replay.json",
    );
    let written = std::fs::write(
        &path,
        serde_json::to_string_pretty(&file).expect("replay files serialize"),
    );
    match written {
        Ok(()) => report.replay_file = Some(path),
        Err(e) => eprintln!("cannot write replay file {}: {e}", path.display()),
    }
    stats
}

/// Reads a replay file.
pub fn read_replay_file(path: &Path) -> Result<ReplayFile, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read replay file {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{} is not a replay file: {e}", path.display()))
}

/// Replays the schedule of `file` for scenario type `S`; `trace`: a failure it reproduces comes
/// with its step-by-step trace (in [`FailureReport::minimal`](crate::harness::FailureReport::minimal)).
pub fn replay_as<S: Scenario>(file: &ReplayFile, trace: bool) -> Result<Stats, String> {
    let mut stats = replay_plain::<S>(file)?;
    if let (true, Verdict::Fail(report)) = (trace, &mut stats.verdict) {
        let scenario: S = serde_json::from_value(file.instance.clone())
            .map_err(|e| format!("the replay file's instance does not fit: {e}"))?;
        if let Some((replayed, trace)) = traced_replay(&scenario, &file.checker, &file.handle) {
            report.minimal = Some(Box::new(MinimalFailure {
                instance: file.instance.clone(),
                checker: file.checker.clone(),
                handle: file.handle.clone(),
                message: replayed.message,
                shrunk: Vec::new(),
                trace,
            }));
        }
    }
    Ok(stats)
}

/// Replays the schedule of `file` for scenario type `S`.
fn replay_plain<S: Scenario>(file: &ReplayFile) -> Result<Stats, String> {
    let scenario: S = serde_json::from_value(file.instance.clone()).map_err(|e| {
        format!(
            "the replay file's instance does not fit scenario {}: {e}",
            S::NAME
        )
    })?;
    match &file.handle {
        ReplayHandle::ShuttleSchedule(schedule) => {
            if shuttle_engine::scheduler::serialization::deserialize_schedule(schedule).is_none() {
                return Err(format!("malformed shuttle schedule {schedule:?}"));
            }
            Ok(runners::shuttle::run(
                &scenario,
                &file.checker,
                Some(schedule),
            ))
        }
        ReplayHandle::LoomCheckpoint(path) => {
            if !path.exists() {
                return Err(format!("loom checkpoint {} is missing", path.display()));
            }
            Ok(runners::loom::replay(&scenario, &file.checker, path))
        }
        ReplayHandle::None => {
            Err("this failure was on real threads, which cannot be replayed".to_owned())
        }
    }
}
