//! `cargo xtask bench`: the criterion benches (and the Go originals when `go` is on the PATH),
//! and the reader of their results for the report.

use anyhow::{bail, Context};
use clap::Parser;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, SystemTime};

/// Arguments of `bench`.
#[derive(Parser)]
pub struct Args {
    /// Shorter warm-ups and measurements, fewer samples: the whole suite in minutes.
    #[arg(long)]
    pub quick: bool,
    /// Run only benchmarks whose id contains this text (criterion's filter; Go's `-filter`).
    pub filter: Option<String>,
    /// A busy machine: start N spinning neighbours per core (threads for criterion, processes
    /// for Go) before the channel benches, which then run as `busy/channel/…`.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub busy: usize,
}

/// One benchmark's result: ours, a baseline, or a Go original.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BenchResult {
    /// criterion's group, e.g. `channel/1x1`: the pattern and its shape.
    pub group: String,
    /// The implementation: `kit`, a baseline (`crossbeam`, `rayon`, `std`, …) or `go`.
    pub function: String,
    /// The swept parameter: capacity, workers, items, k, waiters.
    pub value: String,
    /// Elements (messages, jobs, items) per iteration, if the bench declares a throughput.
    pub elements: Option<u64>,
    /// Median time of one iteration, in nanoseconds.
    pub median_ns: f64,
}

impl BenchResult {
    /// Elements per second at the median, if the bench declares a throughput.
    pub fn throughput(&self) -> Option<f64> {
        self.elements
            .map(|elements| elements as f64 * 1e9 / self.median_ns)
    }
}

/// Where `cargo bench` leaves criterion's results, and where `bench` puts Go's.
pub fn criterion_dir() -> PathBuf {
    crate::workspace_root().join("target/criterion")
}

/// The Go originals' results (JSON lines, one benchmark each): a busy run's in a file of their
/// own, so that the quiet results stay.
pub fn go_results_file(busy: bool) -> PathBuf {
    criterion_dir().join(GO_RESULTS[usize::from(busy)])
}

/// The Go results' file names: quiet, busy.
const GO_RESULTS: [&str; 2] = ["go-results.jsonl", "go-results-busy.jsonl"];

/// Runs the benches: criterion's through `cargo bench`, then the Go originals if Go is here.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cargo
        .current_dir(crate::workspace_root())
        .args(["bench", "-p", "benches", "--benches", "--"])
        // The test watchdog `.cargo/config.toml` turns on notes every blocking call: off for
        // timing (an explicit value wins over the config's).
        .env(patterns::backend::watchdog::VARIABLE, "0");
    if let Some(filter) = &args.filter {
        cargo.arg(filter);
    }
    if args.quick {
        cargo.env("BENCH_QUICK", "1");
    }
    if args.busy > 0 {
        // Only the channel benches ask for their group through `benches::group_name`.
        if args.filter.is_none() {
            cargo.arg("channel/");
        }
        cargo.env("BENCH_BUSY", args.busy.to_string());
    }
    let status = cargo.status().context("cannot run cargo bench")?;
    if !status.success() {
        bail!("cargo bench failed ({status})");
    }
    run_go(args.quick, args.filter.as_deref(), args.busy)?;
    Ok(ExitCode::SUCCESS)
}

/// Runs the Go originals in `benches/go` into [`go_results_file`]; skipped, saying so, without Go.
fn run_go(quick: bool, filter: Option<&str>, busy: usize) -> anyhow::Result<()> {
    let found = Command::new("go")
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !found {
        println!(
            "go: not on the PATH, so the Go originals (benches/go) are skipped; \
             install Debian's golang-go to measure them beside ours"
        );
        return Ok(());
    }
    println!("go: running the Go originals in benches/go");
    let mut go = Command::new("go");
    go.current_dir(crate::workspace_root().join("benches/go"))
        .args(["run", "."])
        .stderr(Stdio::inherit());
    if quick {
        go.arg("-quick");
    }
    if let Some(filter) = filter {
        go.args(["-filter", filter]);
    }
    if busy > 0 {
        go.args(["-busy", &busy.to_string()]);
    }
    let output = go.output().context("cannot run go")?;
    if !output.status.success() {
        bail!("the Go originals failed ({})", output.status);
    }
    let file = go_results_file(busy > 0);
    std::fs::create_dir_all(criterion_dir())?;
    std::fs::write(&file, &output.stdout)
        .with_context(|| format!("cannot write {}", file.display()))?;
    println!("go: results in {}", file.display());
    Ok(())
}

/// What reading the results found: results, and the files it had to skip (named, with why).
#[derive(Debug, Default)]
pub struct Read {
    /// Every result read.
    pub results: Vec<BenchResult>,
    /// Files that were missing a part or corrupt, with the reason; skipped.
    pub skipped: Vec<String>,
}

/// criterion's `benchmark.json` (the parts the report needs).
#[derive(Deserialize)]
struct CriterionId {
    group_id: String,
    function_id: Option<String>,
    value_str: Option<String>,
    throughput: Option<CriterionThroughput>,
}

/// Byte throughputs carry a count the report does not use: it compares elements only.
#[derive(Deserialize)]
enum CriterionThroughput {
    Elements(u64),
    Bytes(serde::de::IgnoredAny),
    BytesDecimal(serde::de::IgnoredAny),
}

/// criterion's `estimates.json` (the median).
#[derive(Deserialize)]
struct CriterionEstimates {
    median: CriterionEstimate,
}

#[derive(Deserialize)]
struct CriterionEstimate {
    point_estimate: f64,
}

/// One line of the Go originals' output.
#[derive(Deserialize)]
struct GoLine {
    group: String,
    function: String,
    value: String,
    elements: u64,
    median_ns: f64,
}

/// Reads every criterion result under `dir` (each `…/new/benchmark.json` with its
/// `estimates.json`) and the Go results in `dir/go-results.jsonl` (and `go-results-busy.jsonl`),
/// if any. A missing part or a corrupt file is named in [`Read::skipped`], never a panic.
pub fn read_results(dir: &Path) -> Read {
    let mut read = Read::default();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                pending.push(path);
            } else if path.file_name().is_some_and(|n| n == "benchmark.json")
                && path
                    .parent()
                    .and_then(Path::file_name)
                    .is_some_and(|n| n == "new")
            {
                match read_criterion(&path) {
                    Ok(result) => read.results.push(result),
                    Err(why) => read.skipped.push(format!("{why:#}")),
                }
            }
        }
    }
    for go in GO_RESULTS.map(|name| dir.join(name)) {
        let Ok(text) = std::fs::read_to_string(&go) else {
            continue;
        };
        for (number, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            match serde_json::from_str::<GoLine>(line) {
                Ok(go) => read.results.push(BenchResult {
                    group: go.group,
                    function: go.function,
                    value: go.value,
                    elements: Some(go.elements),
                    median_ns: go.median_ns,
                }),
                Err(e) => read
                    .skipped
                    .push(format!("{} line {}: {e}", go.display(), number + 1)),
            }
        }
    }
    read.results
        .sort_by(|a, b| (&a.group, &a.value, &a.function).cmp(&(&b.group, &b.value, &b.function)));
    read
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> anyhow::Result<T> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{}: not criterion's format", path.display()))
}

fn read_criterion(benchmark: &Path) -> anyhow::Result<BenchResult> {
    let id: CriterionId = read_json(benchmark)?;
    let estimates: CriterionEstimates = read_json(&benchmark.with_file_name("estimates.json"))?;
    let median_ns = estimates.median.point_estimate;
    if !(median_ns.is_finite() && median_ns > 0.0) {
        bail!(
            "{}: median {median_ns} ns is not a time",
            benchmark.display()
        );
    }
    Ok(BenchResult {
        group: id.group_id,
        function: id.function_id.unwrap_or_default(),
        value: id.value_str.unwrap_or_default(),
        elements: match id.throughput {
            Some(CriterionThroughput::Elements(n)) => Some(n),
            Some(CriterionThroughput::Bytes(_) | CriterionThroughput::BytesDecimal(_)) | None => {
                None
            }
        },
        median_ns,
    })
}

/// How old the newest file under `dir` is, if there is one.
pub fn age(dir: &Path) -> Option<Duration> {
    let mut newest: Option<SystemTime> = None;
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).ok()?.filter_map(Result::ok) {
            let Ok(metadata) = entry.metadata() else {
                continue;
            };
            if metadata.is_dir() {
                pending.push(entry.path());
            } else if let Ok(modified) = metadata.modified() {
                newest = newest.max(Some(modified));
            }
        }
    }
    SystemTime::now().duration_since(newest?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixtures() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/criterion")
    }

    #[test]
    fn reads_criterion_and_go_results_and_names_what_it_skips() {
        let read = read_results(&fixtures());
        let ids: Vec<(&str, &str, &str)> = read
            .results
            .iter()
            .map(|r| (r.group.as_str(), r.function.as_str(), r.value.as_str()))
            .collect();
        // `base/` (criterion's previous run) is not read; the group id is criterion's own, not
        // its directory name.
        assert_eq!(
            ids,
            [
                ("channel/1x1", "crossbeam", "64"),
                ("channel/1x1", "go", "64"),
                ("channel/1x1", "kit", "64"),
            ]
        );
        let kit = &read.results[2];
        assert_eq!(kit.median_ns, 2_000_000.0);
        assert_eq!(kit.elements, Some(20_000));
        assert_eq!(kit.throughput(), Some(10_000_000.0));
        assert_eq!(read.skipped.len(), 3, "{:#?}", read.skipped);
        assert!(read.skipped.iter().any(|s| s.contains("broken_group")
            && s.contains("benchmark.json")
            && s.contains("not criterion's format")));
        assert!(read
            .skipped
            .iter()
            .any(|s| s.contains("no_estimates") && s.contains("estimates.json")));
        assert!(read
            .skipped
            .iter()
            .any(|s| s.contains("go-results.jsonl line 2")));
    }

    #[test]
    fn a_missing_directory_reads_as_no_results() {
        let read = read_results(Path::new("/nonexistent/criterion"));
        assert!(read.results.is_empty() && read.skipped.is_empty());
        assert_eq!(age(Path::new("/nonexistent/criterion")), None);
    }
}
