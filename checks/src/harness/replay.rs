//! Replay files: everything needed to run one failing schedule again, written on every failure.

use super::{
    run_loom, run_shuttle, Checker, FailureKind, MinimalFailure, ReplayHandle, Scenario, Stats,
    Verdict,
};
use serde::{Deserialize, Serialize};
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

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

/// Where replay files and loom checkpoints go: `target/replays/` of the workspace.
pub fn replay_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    normalize(&target.join("replays"))
}

/// `path` with its `.` and `..` resolved by name (no file system access): `a/checks/../target` →
/// `a/target`.
fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `path` relative to the current directory where it lies under it, as a user types it.
pub(crate) fn shown(path: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|dir| path.strip_prefix(dir).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
}

/// A file name in [`replay_dir`] for this scenario instance and checker, stable across runs.
pub(crate) fn artifact_path(
    name: &str,
    instance: &serde_json::Value,
    checker: &Checker,
    suffix: &str,
) -> PathBuf {
    let mut hasher = DefaultHasher::new();
    // The name too: two names the file-name cleaning below makes equal still get two files.
    name.hash(&mut hasher);
    instance.to_string().hash(&mut hasher);
    serde_json::to_string(checker)
        .expect("checkers serialize")
        .hash(&mut hasher);
    let dir = replay_dir();
    let _ = std::fs::create_dir_all(&dir);
    // One file name in the replay directory, whatever the scenario's name holds (a Go port's
    // names a Go file, with `/` and `:`).
    let stem: String = name
        .replace("::", "-")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_-.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    dir.join(format!(
        "{stem}-{}-{:08x}.{suffix}",
        checker.kind(),
        hasher.finish() as u32
    ))
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
/// with its step-by-step trace (in [`FailureReport::minimal`](super::FailureReport::minimal)).
pub fn replay_as<S: Scenario>(file: &ReplayFile, trace: bool) -> Result<Stats, String> {
    let mut stats = replay_plain::<S>(file)?;
    if let (true, Verdict::Fail(report)) = (trace, &mut stats.verdict) {
        let scenario: S = serde_json::from_value(file.instance.clone())
            .map_err(|e| format!("the replay file's instance does not fit: {e}"))?;
        if let Some((replayed, trace)) =
            super::explain::traced_replay(&scenario, &file.checker, &file.handle)
        {
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
            Ok(run_shuttle::run(&scenario, &file.checker, Some(schedule)))
        }
        ReplayHandle::LoomCheckpoint(path) => {
            if !path.exists() {
                return Err(format!("loom checkpoint {} is missing", path.display()));
            }
            Ok(run_loom::replay(&scenario, &file.checker, path))
        }
        ReplayHandle::None => {
            Err("this failure was on real threads, which cannot be replayed".to_owned())
        }
    }
}

/// Replays the failure saved in the replay file at `path` (the scenario is looked up by name);
/// `trace`: with its step-by-step trace.
pub fn replay_file(path: &Path, trace: bool) -> Result<Stats, String> {
    let file = read_replay_file(path)?;
    let entry = crate::catalog::find(&file.scenario)
        .ok_or_else(|| format!("unknown scenario {:?} in {}", file.scenario, path.display()))?;
    (entry.replay)(&file, trace)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scenario named after a Go file still gets one file in the replay directory.
    #[test]
    fn artifact_path_is_one_file_in_the_replay_dir() {
        let path = artifact_path(
            "golang::context/context_test.go:TestValues",
            &serde_json::json!({"n": 1}),
            &Checker::random(1, 1),
            "replay.json",
        );
        assert_eq!(path.parent(), Some(replay_dir().as_path()), "{path:?}");
        let file = path.file_name().and_then(|f| f.to_str()).expect("utf-8");
        assert!(
            file.starts_with("golang-context-context_test.go-TestValues-shuttle-random-"),
            "{file}"
        );
    }
}
