//! Gathering the report's data: every checker over the scenarios and the zoo (each in a child
//! process), shards merged from other machines, bench results, and the machine itself.

use super::schema::{goker_labels, Budget, Machine, ZooCell};
use crate::bench::{self, BenchResult};
use crate::check::{Shard, PROGRESS_ENV, PROGRESS_PREFIX};
use crate::runs::{self, RunsToFailure};
use anyhow::{bail, Context};
use checks::harness::cost::OperationCost;
use checks::harness::{CheckerKind, Coverage, Shape, Stats, Verdict};
use clap::ValueEnum;
use indicatif::{ProgressBar, ProgressStyle};
use serde::de::DeserializeOwned;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Where the report's bench section comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BenchMode {
    /// Reuse results younger than a day; otherwise leave the benches out, saying how to add them.
    Auto,
    /// Run the quick benches now (a few minutes), then report them.
    Run,
    /// Reuse whatever results there are, however old.
    Reuse,
    /// Leave the benches out.
    Skip,
}

/// Bench results younger than this are reused by `--bench auto`.
const FRESH: Duration = Duration::from_secs(24 * 3600);

/// The checkers of the report, as `xtask check` arguments, each with its budget. shuttle DFS
/// enumerates without partial-order reduction, so it runs the zoo's tiny instances only; the
/// portfolio, whose members each have a column at the whole budget, runs in the runs-to-failure
/// statistics only.
pub fn checkers(budget: &Budget, zoo: bool) -> Vec<(&'static str, Vec<String>)> {
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
                CheckerKind::ShuttleRandom | CheckerKind::ShuttleUrw | CheckerKind::ShuttlePos => {
                    vec!["--iterations".into(), shuttle.to_string()]
                }
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
                // Its members have columns of their own, at the whole budget each.
                CheckerKind::ShuttlePortfolio => return None,
                CheckerKind::Stress => vec!["--iterations".into(), stress.to_string()],
            };
            let mut args = vec!["--checker".to_owned(), kind.name().to_owned()];
            args.extend(budget_args);
            Some((kind.name(), args))
        })
        .collect()
}

/// Runs `xtask check ARGS --json FILE` in a child process and reads its stats; its output goes
/// to `log`, and a progress bar (on a terminal) shows which scenario runs.
fn run_child<T: DeserializeOwned>(
    args: &[String],
    json: &Path,
    log: &Path,
    bar: &ProgressBar,
) -> anyhow::Result<T> {
    let exe = std::env::current_exe().context("cannot find the xtask binary")?;
    let mut log_file =
        std::fs::File::create(log).with_context(|| format!("cannot write {}", log.display()))?;
    let mut child = Command::new(exe)
        .arg("check")
        .args(args)
        .arg("--json")
        .arg(json)
        .env(PROGRESS_ENV, "1")
        .stdout(Stdio::from(log_file.try_clone()?))
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot run xtask check")?;
    let stderr = child.stderr.take().expect("stderr is piped");
    for line in BufReader::new(stderr).lines() {
        let line = line.context("cannot read xtask check's output")?;
        match line.strip_prefix(PROGRESS_PREFIX) {
            Some(progress) => {
                let (count, name) = progress.split_once(' ').unwrap_or((progress, ""));
                if let Some((done, total)) = count.split_once('/') {
                    bar.set_length(total.parse().unwrap_or(0));
                    bar.set_position(done.parse().unwrap_or(0));
                }
                bar.set_message(name.to_owned());
            }
            None => writeln!(log_file, "{line}")?,
        }
    }
    let status = child.wait().context("cannot wait for xtask check")?;
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
        .with_context(|| format!("{} is not valid `xtask check` JSON", json.display()))
}

/// Measures loom's cost of each kit operation in a child process (`xtask cost`), as loom runs
/// beside no other checker.
pub fn operation_costs(logs: &Path) -> anyhow::Result<Vec<OperationCost>> {
    println!("model cost: loom's branch points per kit operation");
    let json = logs.join("operation_costs.json");
    let exe = std::env::current_exe().context("cannot find the xtask binary")?;
    let output = Command::new(exe)
        .arg("cost")
        .arg("--json")
        .arg(&json)
        .output()
        .context("cannot run xtask cost")?;
    std::fs::write(logs.join("cost.log"), &output.stdout)?;
    if !output.status.success() {
        bail!(
            "xtask cost failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let text = std::fs::read_to_string(&json)
        .with_context(|| format!("cannot read {}", json.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", json.display()))
}

/// What the checkers found: the scenarios' runs, the zoo's cells and the GoKer kernels' cells.
#[derive(Debug)]
pub struct Checked {
    /// Every scenario under every checker.
    pub scenarios: Vec<Stats>,
    /// Every zoo entry under every checker.
    pub zoo: Vec<ZooCell>,
    /// Every ported GoKer kernel under every checker but shuttle DFS.
    pub goker: Vec<ZooCell>,
    /// Each broken zoo entry and kernel: the schedule of its first failure, per seed and checker.
    pub runs_to_failure: Vec<RunsToFailure>,
}

/// The pattern `xtask check` selects the zoo's own entries by.
const ZOO: &str = "zoo::";
/// The pattern `xtask check` selects the GoKer kernels by.
const GOKER: &str = "goker::";

/// Runs every checker over the scenarios, the zoo and the GoKer kernels, each in a child
/// process, saying before each step what it starts and how long the run has taken so far. The
/// kernels run at the zoo's budget, under every checker but shuttle DFS, which enumerates
/// without reduction and is meant for the zoo's tiny instances.
pub fn run_checkers(
    budget: &Budget,
    logs: &Path,
    started: Instant,
    shard: Option<Shard>,
) -> anyhow::Result<Checked> {
    let shard_args: Vec<String> = shard
        .map(|shard| vec!["--shard".to_owned(), shard.to_string()])
        .unwrap_or_default();
    let sharded = |mut jobs: Vec<(&'static str, Vec<String>)>| {
        for (_, args) in &mut jobs {
            args.extend(shard_args.iter().cloned());
        }
        jobs
    };
    let scenario_jobs = sharded(checkers(budget, false));
    let zoo_jobs = sharded(checkers(budget, true));
    let goker_jobs: Vec<_> = zoo_jobs
        .iter()
        .filter(|(name, _)| *name != CheckerKind::ShuttleDfs.name())
        .cloned()
        .collect();
    let total = scenario_jobs.len() + 2 * zoo_jobs.len() + 2 * goker_jobs.len() + 1;
    let mut step = 0;
    // One line per step (what a log keeps), and under it a bar that a terminal redraws.
    let mut progress = |what: &str| {
        step += 1;
        println!(
            "[{step:>2}/{total}] {what} ({:.0} s so far)",
            started.elapsed().as_secs_f64()
        );
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("        {bar:30} {pos}/{len} {elapsed:>4} {wide_msg}")
                .expect("a valid template"),
        );
        bar.enable_steady_tick(Duration::from_millis(500));
        bar
    };

    let mut scenarios = Vec::new();
    for (name, checker_args) in &scenario_jobs {
        let bar = progress(&format!("scenarios under {name}"));
        let json = logs.join(format!("scenarios-{name}.json"));
        let log = logs.join(format!("scenarios-{name}.log"));
        scenarios.extend(run_child::<Vec<Stats>>(checker_args, &json, &log, &bar)?);
        bar.finish_and_clear();
    }
    let mut both_variants = |pattern: &str, what: &str, jobs: &[(&str, Vec<String>)]| {
        let mut cells = Vec::new();
        for (name, checker_args) in jobs {
            let mut variants = Vec::new();
            for variant in ["broken", "correct"] {
                let bar = progress(&format!("{what} ({variant}) under {name}"));
                let mut child_args = checker_args.clone();
                child_args.extend(["--zoo".to_owned(), variant.to_owned(), pattern.to_owned()]);
                let file = format!("{}-{variant}-{name}", pattern.trim_end_matches(':'));
                let json = logs.join(format!("{file}.json"));
                let log = logs.join(format!("{file}.log"));
                variants.push(run_child::<Vec<Stats>>(&child_args, &json, &log, &bar)?);
                bar.finish_and_clear();
            }
            let correct = variants.pop().expect("two variants");
            let broken = variants.pop().expect("two variants");
            for (broken, correct) in broken.into_iter().zip(correct) {
                cells.push(ZooCell::new(broken, correct, name)?);
            }
        }
        anyhow::Ok(cells)
    };
    let zoo = both_variants(ZOO, "bug zoo", &zoo_jobs)?;
    let goker = both_variants(GOKER, "GoKer kernels", &goker_jobs)?;
    let bar = progress(&format!(
        "runs to the first failure: every broken entry and kernel, {} seeds of {} schedules per \
         sampling checker, loom once",
        budget.runs_seeds, budget.runs_schedules
    ));
    let mut args = vec![
        "--seeds".to_owned(),
        budget.runs_seeds.to_string(),
        "--iterations".to_owned(),
        budget.runs_schedules.to_string(),
    ];
    args.extend(shard_args.iter().cloned());
    let runs_to_failure = run_child(
        &args,
        &logs.join(format!("{}.json", runs::FILE_STEM)),
        &logs.join("runs_to_failure.log"),
        &bar,
    )?;
    bar.finish_and_clear();
    Ok(Checked {
        scenarios,
        zoo,
        goker,
        runs_to_failure,
    })
}

/// Reads shard results (`xtask check --json` files) from `dirs` and combines them: stats of the
/// same scenario under the same checker add up their schedules and time, and fail if any shard
/// failed; zoo and kernel stats pair their broken and correct variants; the shards' shares of the
/// runs-to-first-failure statistics (whole entries each, at the same seeds) are put together.
pub fn merge(dirs: &[PathBuf]) -> anyhow::Result<Checked> {
    let mut all: Vec<Stats> = Vec::new();
    let mut runs_to_failure: Vec<RunsToFailure> = Vec::new();
    let mut seen: Vec<(PathBuf, String)> = Vec::new();
    // The directories that held runs to the first failure, and those that did not.
    let (mut with_runs, mut without_runs) = (Vec::new(), Vec::new());
    for dir in dirs {
        // A shard report's directory keeps its stats in `logs/`.
        let logs = dir.join("logs");
        let dir = if logs.is_dir() { &logs } else { dir };
        let entries = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read shard directory {}", dir.display()))?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        let runs_file = |file: &Path| {
            file.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with(runs::FILE_STEM))
        };
        if files.iter().any(|file| runs_file(file)) {
            with_runs.push(dir.display().to_string());
        } else {
            without_runs.push(dir.display().to_string());
        }
        for file in files {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            // A shard given twice, or copied into two directories, would count its schedules
            // twice: its files are the same to the byte (times included), so refuse that. (Two
            // empty lists add nothing, and shards may both have one.)
            let empty = text.trim() == "[]";
            if let Some((earlier, _)) = seen.iter().find(|(_, seen)| !empty && *seen == text) {
                bail!(
                    "{} holds the same stats as {}: is a shard given twice?",
                    file.display(),
                    earlier.display()
                );
            }
            seen.push((file.clone(), text.clone()));
            if runs_file(&file) {
                let rows: Vec<RunsToFailure> = serde_json::from_str(&text).with_context(|| {
                    format!(
                        "{} is not the JSON of `xtask check --seeds`",
                        file.display()
                    )
                })?;
                runs_to_failure.extend(rows);
                continue;
            }
            let stats: Vec<Stats> = serde_json::from_str(&text).with_context(|| {
                format!("{} is not the JSON of `xtask check --json`", file.display())
            })?;
            all.extend(stats);
        }
    }
    if !with_runs.is_empty() && !without_runs.is_empty() {
        bail!(
            "{} hold runs to the first failure and {} do not: shards of one report run the same \
             steps (a shard from before the statistics existed?)",
            with_runs.join(", "),
            without_runs.join(", ")
        );
    }
    if all.is_empty() && runs_to_failure.is_empty() {
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
    let (mut zoo, mut goker) = (Vec::new(), Vec::new());
    for broken in zoo_stats
        .iter()
        .filter(|s| s.instance["variant"] == "Broken")
    {
        let correct = zoo_stats.iter().find(|s| {
            s.scenario == broken.scenario
                && s.checker.kind() == broken.checker.kind()
                && s.instance["variant"] == "Correct"
        });
        if let Some(correct) = correct {
            let checker = broken.checker.kind().name();
            let cell = ZooCell::new(broken.clone(), correct.clone(), checker)?;
            if goker_labels(&cell.entry).is_some() {
                goker.push(cell);
            } else {
                zoo.push(cell);
            }
        }
    }
    // In the catalog's order, as one machine's run has them.
    let order: Vec<&str> = checks::catalog::zoo_and_kernels()
        .iter()
        .map(|zoo| zoo.entry.name)
        .collect();
    runs_to_failure.sort_by_key(|row| order.iter().position(|name| *name == row.entry));
    Ok(Checked {
        scenarios,
        zoo,
        goker,
        runs_to_failure,
    })
}

/// Adds one shard's stats of a scenario to another's. Two exhaustive passes explored the same
/// schedules (a sampling checker that found the instance has only one, run by every shard), so
/// they count once; other shards sampled schedules of their own, which add up.
pub fn absorb(into: &mut Stats, shard: Stats) {
    let same_schedules = matches!(
        (&into.verdict, &shard.verdict),
        (
            Verdict::Pass(Coverage::Exhaustive),
            Verdict::Pass(Coverage::Exhaustive)
        )
    );
    into.schedules = if same_schedules {
        into.schedules.max(shard.schedules)
    } else {
        into.schedules + shard.schedules
    };
    into.elapsed += shard.elapsed;
    // The largest execution of either shard: what a sampled pass's bound must rest on.
    into.shape = match (into.shape, shard.shape) {
        (Some(a), Some(b)) => Some(Shape {
            threads: a.threads.max(b.threads),
            steps: a.steps.max(b.steps),
        }),
        (a, b) => a.or(b),
    };
    into.verdict = match (
        std::mem::replace(&mut into.verdict, Verdict::Pass(Coverage::Sampled)),
        shard.verdict,
    ) {
        (Verdict::Fail(first), _) | (_, Verdict::Fail(first)) => Verdict::Fail(first),
        (Verdict::Pass(a), Verdict::Pass(b)) if a == b => Verdict::Pass(a),
        (Verdict::Pass(_), Verdict::Pass(_)) => Verdict::Pass(Coverage::Sampled),
    };
}

/// The bench results the report shows, and notes on where they came from (or how to add them).
pub fn benches(mode: BenchMode) -> anyhow::Result<(Vec<BenchResult>, Vec<String>)> {
    let dir = bench::criterion_dir();
    let age = bench::age(&dir);
    let fresh = age.is_some_and(|age| age < FRESH);
    let mut notes = Vec::new();
    let reuse = match mode {
        BenchMode::Skip => {
            notes.push("benches left out (--bench skip)".to_owned());
            return Ok((Vec::new(), notes));
        }
        BenchMode::Run => {
            println!("benches: running `cargo xtask bench --quick` (a few minutes)");
            bench::run(bench::Args {
                quick: true,
                filter: None,
                busy: 0,
            })?;
            notes.push(
                "benches run now, quick mode (criterion: 0.3 s warm-up, 1 s, 10 samples)"
                    .to_owned(),
            );
            false
        }
        BenchMode::Auto if !fresh => {
            notes.push(match age {
                Some(age) => format!(
                    "benches left out: the results in {} are {:.0} h old; `cargo xtask report \
                     --bench run` (a few minutes more) or `--bench reuse` adds them",
                    dir.display(),
                    age.as_secs_f64() / 3600.0
                ),
                None => "benches left out: none have run yet; `cargo xtask report --bench run` \
                         (a few minutes more) adds them"
                    .to_owned(),
            });
            return Ok((Vec::new(), notes));
        }
        BenchMode::Auto | BenchMode::Reuse => true,
    };
    if let (true, Some(age)) = (reuse, age) {
        notes.push(format!(
            "bench results reused from {} ({:.1} h old)",
            dir.display(),
            age.as_secs_f64() / 3600.0
        ));
    }
    let read = bench::read_results(&dir);
    if read.results.is_empty() {
        notes.push(format!(
            "no bench results in {}: `cargo xtask report --bench run` or `cargo xtask bench` adds \
             them",
            dir.display()
        ));
    }
    for skipped in &read.skipped {
        println!("benches: skipped {skipped}");
        notes.push(format!("skipped {skipped}"));
    }
    Ok((read.results, notes))
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

/// The machine and the versions the report ran with.
pub fn machine() -> Machine {
    Machine {
        rustc: command_output("rustc", &["--version"]),
        cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
        os: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
        commit: command_output("git", &["rev-parse", "--short", "HEAD"]),
        loom: locked_version("loom"),
        shuttle: locked_version("shuttle"),
    }
}
