//! `cargo xtask report`: every scenario under every checker, the bug-zoo detection matrix, and
//! the machine they ran on, written to `report.md`, `report.json` and `index.html`.
//!
//! Each checker runs in its own child process (`xtask check … --json`): shuttle's panic hook is
//! process-wide and loom's and shuttle's environment variables apply to a whole process. Shards of
//! `xtask check --shard I/N` run elsewhere are combined with `--merge`.

use crate::bench::{self, BenchResult};
use crate::charts;
use anyhow::{bail, Context};
use checks::harness::{CheckerKind, Coverage, FailureKind, MinimalFailure, Stats, Verdict};
use clap::{Parser, ValueEnum};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// Arguments of `report`.
#[derive(Parser)]
pub struct Args {
    /// Smaller budgets, for a report in about a minute.
    #[arg(long)]
    quick: bool,
    /// Where to write the report.
    #[arg(long, default_value = "target/report")]
    out: PathBuf,
    /// Benches: `auto` reuses results younger than a day, else runs the quick benches (with
    /// `--quick`: reuses, else skips); `run`, `reuse` or `skip` say it outright.
    #[arg(long, value_enum, default_value_t = BenchMode::Auto)]
    bench: BenchMode,
    /// Build the report from the `--json` files of `xtask check --shard` runs in these
    /// directories instead of running the checkers.
    #[arg(long, num_args = 1.., value_name = "DIR")]
    merge: Vec<PathBuf>,
}

/// Where the report's bench section comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum BenchMode {
    Auto,
    Run,
    Reuse,
    Skip,
}

/// Bench results younger than this are reused by `--bench auto`.
const FRESH: Duration = Duration::from_secs(24 * 3600);

/// Every budget of the report, in one place.
#[derive(Clone, Copy, Debug, Serialize)]
struct Budget {
    /// Schedules per scenario for shuttle random and PCT.
    shuttle_schedules: usize,
    /// PCT's bug depth.
    pct_depth: usize,
    /// Real-thread runs per scenario.
    stress_runs: usize,
    /// Schedules per zoo entry for shuttle random and PCT.
    zoo_shuttle_schedules: usize,
    /// Cap on shuttle DFS schedules per zoo entry.
    zoo_dfs_schedules: usize,
    /// Real-thread runs per zoo entry.
    zoo_stress_runs: usize,
}

const FULL: Budget = Budget {
    shuttle_schedules: 2_000,
    pct_depth: 3,
    stress_runs: 50,
    zoo_shuttle_schedules: 2_000,
    zoo_dfs_schedules: 20_000,
    zoo_stress_runs: 50,
};

const QUICK: Budget = Budget {
    shuttle_schedules: 200,
    pct_depth: 3,
    stress_runs: 10,
    zoo_shuttle_schedules: 500,
    zoo_dfs_schedules: 2_000,
    zoo_stress_runs: 10,
};

/// The checkers of the report, as `xtask check` arguments, each with its budget. shuttle DFS
/// enumerates without partial-order reduction, so it runs the zoo's tiny instances only.
fn checkers(budget: &Budget, zoo: bool) -> Vec<(&'static str, Vec<String>)> {
    let (shuttle, stress) = if zoo {
        (budget.zoo_shuttle_schedules, budget.zoo_stress_runs)
    } else {
        (budget.shuttle_schedules, budget.stress_runs)
    };
    CheckerKind::ALL
        .into_iter()
        .filter_map(|kind| {
            let budget_args: Vec<String> = match kind {
                CheckerKind::Loom => vec![],
                CheckerKind::ShuttleRandom => vec!["--iterations".into(), shuttle.to_string()],
                CheckerKind::ShuttlePct => vec![
                    "--iterations".into(),
                    shuttle.to_string(),
                    "--depth".into(),
                    budget.pct_depth.to_string(),
                ],
                CheckerKind::ShuttleDfs if zoo => {
                    vec!["--iterations".into(), budget.zoo_dfs_schedules.to_string()]
                }
                CheckerKind::ShuttleDfs => return None,
                CheckerKind::Stress => vec!["--iterations".into(), stress.to_string()],
            };
            let mut args = vec!["--checker".to_owned(), kind.name().to_owned()];
            args.extend(budget_args);
            Some((kind.name(), args))
        })
        .collect()
}

/// One zoo entry under one checker: the broken and the correct variant.
#[derive(Serialize)]
struct ZooCell {
    entry: String,
    checker: String,
    expected: FailureKind,
    broken: Stats,
    correct: Stats,
}

impl ZooCell {
    fn caught(&self) -> bool {
        self.broken
            .failure()
            .is_some_and(|f| f.kind == self.expected)
    }
}

/// What the report knows about the machine and the versions.
#[derive(Serialize)]
struct Machine {
    rustc: String,
    cores: usize,
    os: String,
    commit: String,
    loom: String,
    shuttle: String,
}

#[derive(Serialize)]
struct Report {
    budget: Budget,
    quick: bool,
    elapsed: Duration,
    machine: Machine,
    scenarios: Vec<Stats>,
    zoo: Vec<ZooCell>,
    benches: Vec<BenchResult>,
    /// Where the bench results came from, or why there are none, and files skipped.
    bench_notes: Vec<String>,
}

/// Runs `xtask check ARGS --json FILE` in a child process and reads its stats; its output goes
/// to `log`.
fn run_child(args: &[String], json: &Path, log: &Path) -> anyhow::Result<Vec<Stats>> {
    let exe = std::env::current_exe().context("cannot find the xtask binary")?;
    let log_file =
        std::fs::File::create(log).with_context(|| format!("cannot write {}", log.display()))?;
    let status = Command::new(exe)
        .arg("check")
        .args(args)
        .arg("--json")
        .arg(json)
        .stdout(Stdio::from(log_file.try_clone()?))
        .stderr(Stdio::from(log_file))
        .status()
        .context("cannot run xtask check")?;
    // Exit 1 means some scenario failed, which the stats say; anything else is a broken run.
    if !matches!(status.code(), Some(0) | Some(1)) {
        bail!(
            "xtask check {} failed ({status}); see {}",
            args.join(" "),
            log.display()
        );
    }
    let text =
        std::fs::read_to_string(json).with_context(|| format!("cannot read {}", json.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not valid stats JSON", json.display()))
}

/// Runs the report.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let budget = if args.quick { QUICK } else { FULL };
    let logs = args.out.join("logs");
    std::fs::create_dir_all(&logs).with_context(|| format!("cannot create {}", logs.display()))?;
    let (scenarios, zoo) = if args.merge.is_empty() {
        run_checkers(&budget, &logs, started)?
    } else {
        merge(&args.merge)?
    };
    let (benches, bench_notes) = benches(args.bench, args.quick)?;
    let report = Report {
        budget,
        quick: args.quick,
        elapsed: started.elapsed(),
        machine: machine(),
        scenarios,
        zoo,
        benches,
        bench_notes,
    };
    let markdown = markdown(&report);
    let write = |name: &str, text: &str| {
        let path = args.out.join(name);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))
    };
    write("report.md", &markdown)?;
    write("report.json", &serde_json::to_string_pretty(&report)?)?;
    write("index.html", &html(&report)?)?;
    write(
        "detection_matrix.json",
        &serde_json::to_string_pretty(&detection_matrix(&report.zoo))?,
    )?;

    println!();
    println!("{}", summary(&report));
    println!("report: {}", args.out.join("index.html").display());
    println!("        {}", args.out.join("report.md").display());
    let all_pass =
        report.scenarios.iter().all(Stats::passed) && report.zoo.iter().all(|z| z.correct.passed());
    Ok(if all_pass {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Runs every checker over the scenarios and the zoo, each in a child process.
fn run_checkers(
    budget: &Budget,
    logs: &Path,
    started: Instant,
) -> anyhow::Result<(Vec<Stats>, Vec<ZooCell>)> {
    let scenario_jobs = checkers(budget, false);
    let zoo_jobs = checkers(budget, true);
    let total = scenario_jobs.len() + 2 * zoo_jobs.len();
    let mut step = 0;
    let mut progress = |what: &str| {
        step += 1;
        println!(
            "[{step:>2}/{total}] {what} ({:.0} s so far)",
            started.elapsed().as_secs_f64()
        );
    };

    let mut scenarios = Vec::new();
    for (name, checker_args) in &scenario_jobs {
        progress(&format!("scenarios under {name}"));
        let json = logs.join(format!("scenarios-{name}.json"));
        let log = logs.join(format!("scenarios-{name}.log"));
        scenarios.extend(run_child(checker_args, &json, &log)?);
    }
    let mut zoo = Vec::new();
    for (name, checker_args) in &zoo_jobs {
        let mut variants = Vec::new();
        for variant in ["broken", "correct"] {
            progress(&format!("bug zoo ({variant}) under {name}"));
            let mut child_args = checker_args.clone();
            child_args.extend(["--zoo".to_owned(), variant.to_owned()]);
            let json = logs.join(format!("zoo-{variant}-{name}.json"));
            let log = logs.join(format!("zoo-{variant}-{name}.log"));
            variants.push(run_child(&child_args, &json, &log)?);
        }
        let correct = variants.pop().expect("two variants");
        let broken = variants.pop().expect("two variants");
        for (broken, correct) in broken.into_iter().zip(correct) {
            let expected = checks::catalog::zoo()
                .into_iter()
                .find(|z| z.entry.name == broken.scenario)
                .map(|z| z.caught_as)
                .with_context(|| format!("unknown zoo entry {}", broken.scenario))?;
            zoo.push(ZooCell {
                entry: broken.scenario.clone(),
                checker: name.to_string(),
                expected,
                broken,
                correct,
            });
        }
    }

    Ok((scenarios, zoo))
}

/// Reads shard results (`xtask check --json` files) from `dirs` and combines them: stats of the
/// same scenario under the same checker add up their schedules and time, and fail if any shard
/// failed; zoo stats pair their broken and correct variants.
fn merge(dirs: &[PathBuf]) -> anyhow::Result<(Vec<Stats>, Vec<ZooCell>)> {
    let mut all: Vec<Stats> = Vec::new();
    for dir in dirs {
        let entries = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read shard directory {}", dir.display()))?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let stats: Vec<Stats> = serde_json::from_str(&text).with_context(|| {
                format!("{} is not the JSON of `xtask check --json`", file.display())
            })?;
            all.extend(stats);
        }
    }
    if all.is_empty() {
        bail!(
            "no shard results (*.json from `xtask check --json`) in {}",
            dirs.iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let mut merged: Vec<Stats> = Vec::new();
    for stats in all {
        let variant = stats.instance.get("variant").cloned();
        let same = merged.iter_mut().find(|m| {
            m.scenario == stats.scenario
                && m.checker.kind() == stats.checker.kind()
                && m.instance.get("variant").cloned() == variant
        });
        match same {
            Some(into) => absorb(into, stats),
            None => merged.push(stats),
        }
    }
    let (zoo_stats, scenarios): (Vec<Stats>, Vec<Stats>) = merged
        .into_iter()
        .partition(|s| s.instance.get("variant").is_some());
    let zoo_entries = checks::catalog::zoo();
    let mut zoo = Vec::new();
    for broken in zoo_stats
        .iter()
        .filter(|s| s.instance["variant"] == "Broken")
    {
        let correct = zoo_stats.iter().find(|s| {
            s.scenario == broken.scenario
                && s.checker.kind() == broken.checker.kind()
                && s.instance["variant"] == "Correct"
        });
        let expected = zoo_entries
            .iter()
            .find(|z| z.entry.name == broken.scenario)
            .map(|z| z.caught_as)
            .with_context(|| format!("unknown zoo entry {}", broken.scenario))?;
        if let Some(correct) = correct {
            zoo.push(ZooCell {
                entry: broken.scenario.clone(),
                checker: broken.checker.kind().name().to_owned(),
                expected,
                broken: broken.clone(),
                correct: correct.clone(),
            });
        }
    }
    Ok((scenarios, zoo))
}

/// Adds one shard's stats of a scenario to another's.
fn absorb(into: &mut Stats, shard: Stats) {
    into.schedules += shard.schedules;
    into.elapsed += shard.elapsed;
    into.verdict = match (
        std::mem::replace(&mut into.verdict, Verdict::Pass(Coverage::Sampled)),
        shard.verdict,
    ) {
        (Verdict::Fail(first), _) | (_, Verdict::Fail(first)) => Verdict::Fail(first),
        (Verdict::Pass(a), Verdict::Pass(b)) if a == b => Verdict::Pass(a),
        (Verdict::Pass(_), Verdict::Pass(_)) => Verdict::Pass(Coverage::Sampled),
    };
}

/// The bench results the report shows, and notes on where they came from.
fn benches(mode: BenchMode, quick: bool) -> anyhow::Result<(Vec<BenchResult>, Vec<String>)> {
    let dir = bench::criterion_dir();
    let age = bench::age(&dir);
    let fresh = age.is_some_and(|age| age < FRESH);
    let run = match mode {
        BenchMode::Run => true,
        BenchMode::Auto => !fresh && !quick,
        BenchMode::Reuse | BenchMode::Skip => false,
    };
    let mut notes = Vec::new();
    if mode == BenchMode::Skip {
        notes.push("benches skipped (--bench skip)".to_owned());
        return Ok((Vec::new(), notes));
    }
    if run {
        println!("benches: running `cargo xtask bench --quick` (a few minutes)");
        bench::run(bench::Args {
            quick: true,
            filter: None,
        })?;
        notes.push(
            "benches run now, quick mode (criterion: 0.3 s warm-up, 1 s, 10 samples)".to_owned(),
        );
    } else if let Some(age) = age {
        notes.push(format!(
            "bench results reused from {} ({:.1} h old)",
            dir.display(),
            age.as_secs_f64() / 3600.0
        ));
    }
    let read = bench::read_results(&dir);
    if read.results.is_empty() {
        notes.push(format!(
            "no bench results in {}: run `cargo xtask bench` (or `--quick`)",
            dir.display()
        ));
    }
    for skipped in &read.skipped {
        println!("benches: skipped {skipped}");
        notes.push(format!("skipped {skipped}"));
    }
    Ok((read.results, notes))
}

/// The detection matrix as data: entry × checker, caught or not, schedules to first failure, time.
fn detection_matrix(zoo: &[ZooCell]) -> serde_json::Value {
    let cells: Vec<serde_json::Value> = zoo
        .iter()
        .map(|cell| {
            let failure = cell.broken.failure();
            serde_json::json!({
                "entry": cell.entry,
                "invariant": cell.broken.invariant,
                "checker": cell.checker,
                "expected": cell.expected,
                "caught": cell.caught(),
                "failed_as": failure.map(|f| f.kind),
                "schedules_to_failure": failure.map(|f| f.schedule),
                "schedules_explored": cell.broken.schedules,
                "seconds": cell.broken.elapsed.as_secs_f64(),
                "correct_variant_passed": cell.correct.passed(),
                "replay": failure.and_then(|f| f.replay_command()),
                "shrunk": failure.and_then(|f| f.minimal.as_ref()).map(|m| &m.shrunk),
                "trace_rows": failure
                    .and_then(|f| f.minimal.as_ref())
                    .map(|m| m.trace.row_count()),
            })
        })
        .collect();
    serde_json::Value::Array(cells)
}

/// The bench groups of `results` in order, each with its results.
fn bench_groups(results: &[BenchResult]) -> Vec<(String, Vec<&BenchResult>)> {
    let mut groups: Vec<(String, Vec<&BenchResult>)> = Vec::new();
    for result in results {
        match groups.iter_mut().find(|(group, _)| *group == result.group) {
            Some((_, members)) => members.push(result),
            None => groups.push((result.group.clone(), vec![result])),
        }
    }
    groups
}

/// One line per group and parameter: each implementation's throughput, and ours against each
/// other implementation as a ratio of median times (above 1: ours is slower).
fn bench_markdown(md: &mut String, report: &Report) {
    let _ = writeln!(md, "\n## Benchmarks\n");
    for note in &report.bench_notes {
        let _ = writeln!(md, "* {note}");
    }
    if report.benches.is_empty() {
        return;
    }
    let _ = writeln!(
        md,
        "\nThroughput at the median (elements/s); `kit ÷ X` is ours over X in median time per \
         iteration, same run: below 1 ours is faster.\n"
    );
    let _ = writeln!(
        md,
        "| group | value | implementation | median | throughput | kit ÷ it |"
    );
    let _ = writeln!(md, "|---|---|---|---:|---:|---:|");
    for (group, results) in bench_groups(&report.benches) {
        for value in charts::values(&results) {
            let ours = results
                .iter()
                .find(|r| r.value == value && r.function == "kit");
            for function in charts::functions(&results) {
                let Some(result) = results
                    .iter()
                    .find(|r| r.value == value && r.function == function)
                else {
                    continue;
                };
                let ratio = match ours {
                    Some(ours) if function != "kit" => {
                        format!("{:.2}", ours.median_ns / result.median_ns)
                    }
                    _ => String::new(),
                };
                let throughput = result
                    .throughput()
                    .map_or_else(String::new, |t| format!("{:.3} M/s", t / 1e6));
                let _ = writeln!(
                    md,
                    "| {group} | {value} | {function} | {} | {throughput} | {ratio} |",
                    format_ns(result.median_ns)
                );
            }
        }
    }
}

/// A time in the unit that reads best.
fn format_ns(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.2} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

fn command_output(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The version of `package` in the workspace's Cargo.lock.
fn locked_version(package: &str) -> String {
    let lock = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock"))
        .unwrap_or_default();
    let needle = format!("name = \"{package}\"\nversion = \"");
    lock.find(&needle)
        .and_then(|at| lock[at + needle.len()..].split('"').next())
        .unwrap_or("unknown")
        .to_owned()
}

fn machine() -> Machine {
    Machine {
        rustc: command_output("rustc", &["--version"]),
        cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
        os: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
        commit: command_output("git", &["rev-parse", "--short", "HEAD"]),
        loom: locked_version("loom"),
        shuttle: locked_version("shuttle"),
    }
}

fn verdict_text(stats: &Stats) -> String {
    match &stats.verdict {
        Verdict::Pass(_) if stats.schedules == 0 => "NOT A PASS: nothing explored".to_owned(),
        Verdict::Pass(Coverage::Sampled) => format!("pass ({} sampled)", stats.schedules),
        Verdict::Pass(coverage) => format!("pass, {coverage}"),
        Verdict::Fail(report) => format!("FAIL: {} at schedule #{}", report.kind, report.schedule),
    }
}

fn zoo_cell_text(cell: &ZooCell) -> String {
    let correct = if cell.correct.passed() {
        ""
    } else {
        "; CORRECT VARIANT FAILED"
    };
    match cell.broken.failure() {
        Some(f) if f.kind == cell.expected => format!(
            "caught at #{} ({:.2} s){correct}",
            f.schedule,
            cell.broken.elapsed.as_secs_f64()
        ),
        Some(f) => format!("wrong kind: {} (#{}){correct}", f.kind, f.schedule),
        None => format!("missed ({} schedules){correct}", cell.broken.schedules),
    }
}

fn summary(report: &Report) -> String {
    let names: std::collections::BTreeSet<&str> = report
        .scenarios
        .iter()
        .map(|s| s.scenario.as_str())
        .collect();
    let verified = names
        .iter()
        .filter(|name| {
            report
                .scenarios
                .iter()
                .filter(|s| s.scenario == **name)
                .all(Stats::passed)
        })
        .count();
    let schedules: usize = report
        .scenarios
        .iter()
        .chain(report.zoo.iter().flat_map(|z| [&z.broken, &z.correct]))
        .map(|s| s.schedules)
        .sum();
    let entries: std::collections::BTreeSet<&str> =
        report.zoo.iter().map(|z| z.entry.as_str()).collect();
    let caught = entries
        .iter()
        .filter(|entry| report.zoo.iter().any(|z| z.entry == **entry && z.caught()))
        .count();
    format!(
        "{verified} of {} scenarios pass under every checker; {schedules} schedules explored; \
         bug zoo: {caught} of {} mistakes caught; {:.0} s",
        names.len(),
        entries.len(),
        report.elapsed.as_secs_f64()
    )
}

fn zoo_checkers(report: &Report) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for cell in &report.zoo {
        if !names.contains(&cell.checker) {
            names.push(cell.checker.clone());
        }
    }
    names
}

fn markdown(report: &Report) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Go concurrency patterns, model-checked\n");
    let _ = writeln!(md, "{}\n", summary(report));
    let _ = writeln!(md, "## Scenarios\n");
    let _ = writeln!(
        md,
        "| scenario | checker | instance | schedules | time | verdict |"
    );
    let _ = writeln!(md, "|---|---|---|---:|---:|---|");
    for s in &report.scenarios {
        let _ = writeln!(
            md,
            "| `{}` | {} | `{}` | {} | {:.2} s | {} |",
            s.scenario,
            s.checker,
            s.instance,
            s.schedules,
            s.elapsed.as_secs_f64(),
            verdict_text(s)
        );
    }
    let _ = writeln!(md, "\n## Bug zoo detection matrix\n");
    let checkers = zoo_checkers(report);
    let _ = writeln!(md, "| mistake | must fail as | {} |", checkers.join(" | "));
    let _ = writeln!(md, "|---|---|{}", "---|".repeat(checkers.len()));
    let mut entries: Vec<&str> = Vec::new();
    for cell in &report.zoo {
        if !entries.contains(&cell.entry.as_str()) {
            entries.push(&cell.entry);
        }
    }
    for entry in entries {
        let cells: Vec<String> = checkers
            .iter()
            .map(|checker| {
                report
                    .zoo
                    .iter()
                    .find(|z| z.entry == entry && &z.checker == checker)
                    .map_or_else(|| "—".to_owned(), zoo_cell_text)
            })
            .collect();
        let expected = report
            .zoo
            .iter()
            .find(|z| z.entry == entry)
            .map(|z| z.expected.to_string())
            .unwrap_or_default();
        let _ = writeln!(md, "| `{entry}` | {expected} | {} |", cells.join(" | "));
    }
    let _ = writeln!(
        md,
        "\nA cell reads \"caught at #n\" when the broken variant failed with the expected kind at its n-th \
         schedule; every correct variant ran the same instance and budget and passed unless noted."
    );
    bench_markdown(&mut md, report);
    let m = &report.machine;
    let _ = writeln!(md, "\n## Machine and budgets\n");
    let _ = writeln!(
        md,
        "* {} ({} cores), {}; commit {}",
        m.os, m.cores, m.rustc, m.commit
    );
    let _ = writeln!(md, "* loom {}, shuttle {}", m.loom, m.shuttle);
    let _ = writeln!(
        md,
        "* budget{}: `{:?}`",
        if report.quick { " (quick)" } else { "" },
        report.budget
    );
    traces_markdown(&mut md, report);
    md
}

/// The heading of the traces section: the HTML report renders it from the traces themselves.
const TRACES_HEADING: &str = "## Why each mistake fails";

/// For each zoo entry, the first checker's minimal failure that caught it, with its trace.
fn caught_traces(report: &Report) -> Vec<(&ZooCell, &MinimalFailure)> {
    let mut shown: Vec<(&ZooCell, &MinimalFailure)> = Vec::new();
    for cell in &report.zoo {
        if shown.iter().any(|(c, _)| c.entry == cell.entry) || !cell.caught() {
            continue;
        }
        if let Some(minimal) = cell.broken.failure().and_then(|f| f.minimal.as_deref()) {
            shown.push((cell, minimal));
        }
    }
    shown
}

/// One line saying what was shrunk, or that the failure was already minimal.
fn shrunk_text(minimal: &MinimalFailure) -> String {
    if minimal.shrunk.is_empty() {
        "nothing to shrink: found on its smallest instance and schedule".to_owned()
    } else {
        minimal.shrunk.join("; ")
    }
}

/// The traces section of the Markdown report.
fn traces_markdown(md: &mut String, report: &Report) {
    let traces = caught_traces(report);
    if traces.is_empty() {
        return;
    }
    let _ = writeln!(
        md,
        "
{TRACES_HEADING}
"
    );
    let _ = writeln!(
        md,
        "Each mistake's failure, shrunk to its smallest form and replayed step by step: one \
         column per thread, one row per step, in the order the checker ran them.\n"
    );
    for (cell, minimal) in traces {
        let _ = writeln!(
            md,
            "### `{}` ({})
",
            cell.entry, cell.expected
        );
        let _ = writeln!(
            md,
            "* {} on `{}`; shrunk: {}\n",
            minimal.checker,
            minimal.instance,
            shrunk_text(minimal)
        );
        md.push_str(&minimal.trace.to_markdown());
        md.push('\n');
    }
}

/// The traces section of the HTML report, from the traces themselves.
fn traces_html(report: &Report) -> String {
    let traces = caught_traces(report);
    if traces.is_empty() {
        return String::new();
    }
    let mut html = format!(
        "<h2>{}</h2>\n<p>Each mistake's failure, shrunk to its smallest form and replayed step by \
         step: one column per thread, one row per step, in the order the checker ran them.</p>\n",
        escape(TRACES_HEADING.trim_start_matches("## "))
    );
    for (cell, minimal) in traces {
        let _ = writeln!(
            html,
            "<h3><code>{}</code> ({})</h3>\n<p>{} on <code>{}</code>; shrunk: {}</p>\n{}",
            escape(&cell.entry),
            cell.expected,
            escape(&minimal.checker.to_string()),
            escape(&minimal.instance.to_string()),
            escape(&shrunk_text(minimal)),
            minimal.trace.to_html()
        );
    }
    html
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn html(report: &Report) -> anyhow::Result<String> {
    // The Markdown tables, rendered as HTML tables: one source of truth for both formats.
    let markdown = markdown(report);
    let mut body = String::new();
    let mut in_table = false;
    // The traces come last, and render from the traces themselves (marks, classes).
    let before_traces = markdown
        .split(&format!("\n{TRACES_HEADING}\n"))
        .next()
        .unwrap_or(&markdown);
    for line in before_traces.lines() {
        if let Some(cells) = line.strip_prefix('|') {
            if line.starts_with("|---") {
                continue;
            }
            if !in_table {
                body.push_str("<table>\n");
                in_table = true;
            }
            let row: Vec<String> = cells
                .trim_end_matches('|')
                .split(" | ")
                .map(|cell| {
                    let cell = escape(cell.trim());
                    let class = if cell.starts_with("FAIL")
                        || cell.starts_with("missed")
                        || cell.contains("FAILED")
                    {
                        " class=\"bad\""
                    } else if cell.starts_with("pass") || cell.starts_with("caught") {
                        " class=\"good\""
                    } else {
                        ""
                    };
                    format!("<td{class}>{}</td>", cell.replace('`', ""))
                })
                .collect();
            let _ = writeln!(body, "<tr>{}</tr>", row.join(""));
            continue;
        }
        if in_table {
            body.push_str("</table>\n");
            in_table = false;
        }
        if let Some(title) = line.strip_prefix("## ") {
            let _ = writeln!(body, "<h2>{}</h2>", escape(title));
        } else if let Some(title) = line.strip_prefix("# ") {
            let _ = writeln!(body, "<h1>{}</h1>", escape(title));
        } else if let Some(item) = line.strip_prefix("* ") {
            let _ = writeln!(body, "<p>• {}</p>", escape(item).replace('`', ""));
        } else if !line.is_empty() {
            let _ = writeln!(body, "<p>{}</p>", escape(line));
        }
    }
    if in_table {
        body.push_str("</table>\n");
    }
    body.push_str(&traces_html(report));
    let mut charts_html = String::new();
    for (group, results) in bench_groups(&report.benches) {
        if let Some(svg) = charts::group_chart(&group, &results)? {
            charts_html.push_str(&svg);
        }
    }
    if !charts_html.is_empty() {
        body = body.replacen(
            "<h2>Benchmarks</h2>\n",
            &format!("<h2>Benchmarks</h2>\n<div class=\"charts\">{charts_html}</div>\n"),
            1,
        );
    }
    Ok(format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Go concurrency patterns, model-checked</title>\n\
         <style>body{{font-family:sans-serif;margin:2em;max-width:90em}}table{{border-collapse:collapse;margin:1em 0}}\
         td{{border:1px solid #ccc;padding:.3em .6em;font-size:.9em}}tr:first-child td{{font-weight:bold;background:#eee}}\
         .good{{background:#e6f4e6}}.bad{{background:#f8dede}}.charts svg{{margin:.5em}}\
         table.trace td{{font-family:monospace;white-space:nowrap}}td.shared{{background:#eef3fb}}\
         td.blocked{{background:#fdf1d6;font-weight:bold}}td.failing{{background:#f8dede;font-weight:bold}}\
         .legend{{font-size:.85em;color:#555}}</style></head><body>\n{body}</body></html>\n"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use checks::harness::{check, Checker, Scenario};
    use checks::zoo::{lost_update::LostUpdate, Mistake, Variant};

    fn result(function: &str, value: &str, median_ns: f64) -> BenchResult {
        BenchResult {
            group: "channel/1x1".to_owned(),
            function: function.to_owned(),
            value: value.to_owned(),
            elements: Some(1_000),
            median_ns,
        }
    }

    /// A small report: one scenario, one zoo entry under PCT, three bench results.
    fn small_report() -> Report {
        let checker = Checker::pct(50, 3, 1);
        let instance = LostUpdate::small();
        let scenarios = vec![check(
            &instance.clone().with_variant(Variant::Correct),
            &checker,
        )];
        let zoo = vec![ZooCell {
            entry: LostUpdate::NAME.to_owned(),
            checker: checker.kind().name().to_owned(),
            expected: LostUpdate::CAUGHT_AS,
            broken: check(&instance.clone().with_variant(Variant::Broken), &checker),
            correct: check(&instance.with_variant(Variant::Correct), &checker),
        }];
        Report {
            budget: QUICK,
            quick: true,
            elapsed: Duration::from_secs(1),
            machine: machine(),
            scenarios,
            zoo,
            benches: vec![
                result("kit", "64", 2_000.0),
                result("crossbeam", "64", 1_000.0),
                result("kit", "0", 4_000.0),
            ],
            bench_notes: vec!["bench results from a fixture".to_owned()],
        }
    }

    #[test]
    fn markdown_has_the_scenario_zoo_and_bench_tables() {
        let report = small_report();
        let md = markdown(&report);
        assert!(
            md.contains("1 of 1 scenarios pass under every checker"),
            "{md}"
        );
        assert!(md.contains("bug zoo: 1 of 1 mistakes caught"), "{md}");
        assert!(
            md.contains("| `zoo::lost_update` | shuttle-pct (depth 3, seed 1) |"),
            "{md}"
        );
        let matrix_row = md
            .lines()
            .find(|l| l.starts_with("| `zoo::lost_update` | assertion |"))
            .unwrap_or_else(|| panic!("no matrix row:\n{md}"));
        assert!(matrix_row.contains("caught at #"), "{matrix_row}");
        // ours at 2 µs against crossbeam at 1 µs: twice the time.
        assert!(
            md.contains("| channel/1x1 | 64 | crossbeam | 1.00 µs | 1000.000 M/s | 2.00 |"),
            "{md}"
        );
        assert!(
            md.contains("| channel/1x1 | 64 | kit | 2.00 µs | 500.000 M/s |  |"),
            "{md}"
        );
        // the value column sorts numerically: 0 before 64.
        assert!(
            md.find("| channel/1x1 | 0 |") < md.find("| channel/1x1 | 64 |"),
            "{md}"
        );
        // the caught mistake's minimal trace, one column per thread, with what was shrunk.
        let traces = md.split(TRACES_HEADING).nth(1).expect("a traces section");
        assert!(
            traces.contains("### `zoo::lost_update` (assertion)"),
            "{traces}"
        );
        assert!(traces.contains("shrunk: "), "{traces}");
        assert!(
            traces.contains("| # | line | `main` | `incrementer-0` | `incrementer-1` |"),
            "{traces}"
        );
        assert!(traces.contains("load atomic → 0"), "{traces}");
    }

    #[test]
    fn html_is_self_contained_with_tables_and_a_chart() {
        let html = html(&small_report()).expect("renders");
        assert!(html.starts_with("<!doctype html>"));
        assert!(html.contains("<table>") && html.contains("class=\"good\""));
        assert_eq!(html.matches("<svg").count(), 1, "one chart per bench group");
        assert!(html.contains("channel/1x1"));
        assert_eq!(
            html.matches("<table class=\"trace\">").count(),
            1,
            "the caught entry's trace"
        );
        assert!(
            html.contains("class=\"step failing\""),
            "the failing step is marked"
        );
        assert!(
            !html.contains("| # | line |"),
            "the trace is an HTML table, not Markdown"
        );
        assert!(
            !html.contains("<script") && !html.contains("<link"),
            "no external resources"
        );
    }

    #[test]
    fn detection_matrix_says_where_each_mistake_was_caught() {
        let report = small_report();
        let matrix = detection_matrix(&report.zoo);
        let cell = &matrix[0];
        assert_eq!(cell["entry"], "zoo::lost_update");
        assert_eq!(cell["checker"], "shuttle-pct");
        assert_eq!(cell["caught"], true);
        assert_eq!(cell["failed_as"], "Assertion");
        assert!(cell["schedules_to_failure"]
            .as_u64()
            .is_some_and(|n| n >= 1));
        assert_eq!(cell["correct_variant_passed"], true);
        assert!(cell["replay"]
            .as_str()
            .is_some_and(|r| r.starts_with("cargo xtask replay")));
        assert!(cell["trace_rows"].as_u64().is_some_and(|rows| rows > 0));
        assert!(cell["shrunk"].is_array());
    }

    #[test]
    fn merged_shards_add_up_and_keep_a_failure() {
        let checker = Checker::random(20, 1);
        let pass = check(
            &LostUpdate::large().with_variant(Variant::Correct),
            &checker,
        );
        let mut shard = pass.clone();
        absorb(&mut shard, pass.clone());
        assert_eq!(shard.schedules, 2 * pass.schedules);
        assert!(shard.passed());
        let fail = check(
            &LostUpdate::large().with_variant(Variant::Broken),
            &Checker::pct(200, 3, 1),
        );
        absorb(&mut shard, fail);
        assert!(!shard.passed(), "one failing shard fails the merged stats");
    }
}
