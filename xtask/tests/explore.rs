//! The exploration workflow (`.github/workflows/explore.yml`) run here: the commands its jobs run,
//! with N = 3 shards on one machine and the quick budget, and the merged report compared with a
//! single-machine report of the same budget: the same runs, schedules summed to the same totals,
//! the same verdicts (a racy mistake under a sampling checker excepted: caught by chance), the same
//! runs to the first failure. Ignored by `cargo test` (it runs every checker twice over, a few
//! minutes); `.ci/run` runs it.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const SHARDS: usize = 3;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_owned()
}

/// Runs `xtask ARGS` from the workspace root; exit 0 expected (every scenario passes).
fn xtask(args: &[&str]) {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(workspace())
        .output()
        .expect("xtask runs");
    assert!(
        output.status.success(),
        "xtask {} failed ({}):\n{}\n{}",
        args.join(" "),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn report(dir: &Path) -> Value {
    let text = std::fs::read_to_string(dir.join("report.json")).expect("report.json written");
    serde_json::from_str(&text).expect("report.json parses")
}

/// A verdict, as compared: a pass with its coverage, or a failure's kind.
fn verdict(stats: &Value) -> Value {
    match stats["verdict"].get("Fail") {
        Some(failure) => failure["kind"].clone(),
        None => stats["verdict"].clone(),
    }
}

fn checker(stats: &Value) -> String {
    let checker = &stats["checker"];
    match checker.as_object().and_then(|o| o.keys().next()) {
        Some(kind) => kind.clone(),
        None => checker.to_string(),
    }
}

#[test]
#[ignore = "every checker over every scenario, zoo entry and kernel, twice; .ci/run runs it"]
fn three_shards_merge_into_the_single_machine_report() {
    let root = workspace().join("target/explore-test");
    let _ = std::fs::remove_dir_all(&root);
    let dir = |name: &str| root.join(name).display().to_string();

    let single = dir("single");
    xtask(&[
        "report", "--budget", "quick", "--bench", "skip", "--out", &single,
    ]);
    let mut shards = Vec::new();
    for index in 1..=SHARDS {
        let out = dir(&format!("shard-{index}"));
        xtask(&[
            "report",
            "--budget",
            "quick",
            "--shard",
            &format!("{index}/{SHARDS}"),
            "--out",
            &out,
        ]);
        shards.push(out);
    }
    let merged = dir("merged");
    let mut merge = vec!["report", "--budget", "quick", "--bench", "skip", "--merge"];
    merge.extend(shards.iter().map(String::as_str));
    merge.extend(["--out", &merged]);
    xtask(&merge);

    let (single, merged) = (report(Path::new(&single)), report(Path::new(&merged)));
    let runs = |report: &Value| report["scenarios"].as_array().expect("runs").clone();
    let (single_runs, merged_runs) = (runs(&single), runs(&merged));
    assert_eq!(single_runs.len(), merged_runs.len(), "the same runs");
    for run in &single_runs {
        let name = (run["scenario"].as_str(), checker(run));
        let other = merged_runs
            .iter()
            .find(|m| (m["scenario"].as_str(), checker(m)) == name)
            .unwrap_or_else(|| panic!("{name:?} missing from the merged report"));
        assert_eq!(
            run["schedules"], other["schedules"],
            "{name:?}: the shards' schedules add up to the single run's"
        );
        assert_eq!(verdict(run), verdict(other), "{name:?}: the same verdict");
    }

    for family in ["zoo", "goker"] {
        let cells = |report: &Value| report[family].as_array().expect(family).clone();
        let (single_cells, merged_cells) = (cells(&single), cells(&merged));
        assert!(!single_cells.is_empty(), "the report has {family} cells");
        assert_eq!(
            single_cells.len(),
            merged_cells.len(),
            "the same {family} cells"
        );
        for cell in &single_cells {
            let name = (cell["entry"].as_str(), cell["checker"].as_str());
            let other = merged_cells
                .iter()
                .find(|m| (m["entry"].as_str(), m["checker"].as_str()) == name)
                .unwrap_or_else(|| panic!("{name:?} missing from the merged report"));
            assert_eq!(
                cell["correct"]["schedules"], other["correct"]["schedules"],
                "{name:?}: the correct variant's schedules add up"
            );
            assert_eq!(
                verdict(&cell["correct"]),
                verdict(&other["correct"]),
                "{name:?}: the correct variant passes in both"
            );
            // A sampling checker hits a racy mistake by chance, and the shards sample other
            // schedules than the single run (seed + I − 1): either may miss what the other
            // caught; so may real threads, which run whole entries in one shard but on the
            // machine's timing. Enumerating checkers split whole entries, so they must agree; so
            // must every checker on a mistake that fails on every schedule.
            let sampled = matches!(
                name.1,
                Some("shuttle-random" | "shuttle-pct" | "shuttle-urw" | "shuttle-pos" | "stress")
            );
            let by_chance = sampled && cell["deterministic"] == false;
            if !by_chance {
                assert_eq!(
                    verdict(&cell["broken"]),
                    verdict(&other["broken"]),
                    "{name:?}: the broken variant is caught the same way"
                );
            }
        }
    }
    // The runs to the first failure: shards split whole entries at the same seeds, and every
    // run is deterministic, so the merged rows are the single run's, in the same order.
    let rows = |report: &Value| report["runs_to_failure"].clone();
    assert!(
        rows(&single)
            .as_array()
            .is_some_and(|rows| !rows.is_empty()),
        "the report measured runs to the first failure"
    );
    assert_eq!(
        rows(&single),
        rows(&merged),
        "the shards' runs to the first failure are the single run's"
    );
    assert!(root.join("merged/index.html").is_file());
}
