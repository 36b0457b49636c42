//! Where the harness writes: replay files and loom checkpoints, one file per scenario instance and
//! checker under `target/replays/`, and how a path is shown to the user.

use super::checker::Checker;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

/// Where replay files and loom checkpoints go: `target/replays/` of the workspace.
pub(crate) fn replay_dir() -> PathBuf {
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
