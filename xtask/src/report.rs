//! `cargo xtask report`: every scenario under every checker, the bug-zoo detection matrix, and
//! the machine they ran on, written to `report.md`, `report.json` and `index.html`.
//!
//! Each checker runs in its own child process (`xtask check … --json`): shuttle's panic hook is
//! process-wide and loom's and shuttle's environment variables apply to a whole process.

use checks::harness::{Coverage, FailureKind, Stats, Verdict};
use clap::Parser;
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
}

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

/// The checkers of the report, as `xtask check` arguments.
fn checkers(budget: &Budget, zoo: bool) -> Vec<(&'static str, Vec<String>)> {
    let (shuttle, stress) = if zoo {
        (budget.zoo_shuttle_schedules, budget.zoo_stress_runs)
    } else {
        (budget.shuttle_schedules, budget.stress_runs)
    };
    let mut list = vec![
        ("loom", vec!["--checker".into(), "loom".into()]),
        (
            "shuttle-random",
            vec![
                "--checker".into(),
                "shuttle-random".into(),
                "--iterations".into(),
                shuttle.to_string(),
            ],
        ),
        (
            "shuttle-pct",
            vec![
                "--checker".into(),
                "shuttle-pct".into(),
                "--iterations".into(),
                shuttle.to_string(),
                "--depth".into(),
                budget.pct_depth.to_string(),
            ],
        ),
    ];
    if zoo {
        list.push((
            "shuttle-dfs",
            vec![
                "--checker".into(),
                "shuttle-dfs".into(),
                "--iterations".into(),
                budget.zoo_dfs_schedules.to_string(),
            ],
        ));
    }
    list.push((
        "stress",
        vec![
            "--checker".into(),
            "stress".into(),
            "--iterations".into(),
            stress.to_string(),
        ],
    ));
    list
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
}

/// Runs `xtask check ARGS --json FILE` in a child process and reads its stats; its output goes
/// to `log`.
fn run_child(args: &[String], json: &Path, log: &Path) -> Result<Vec<Stats>, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the xtask binary: {e}"))?;
    let log_file =
        std::fs::File::create(log).map_err(|e| format!("cannot write {}: {e}", log.display()))?;
    let status = Command::new(exe)
        .arg("check")
        .args(args)
        .arg("--json")
        .arg(json)
        .stdout(Stdio::from(
            log_file.try_clone().map_err(|e| e.to_string())?,
        ))
        .stderr(Stdio::from(log_file))
        .status()
        .map_err(|e| format!("cannot run xtask check: {e}"))?;
    // Exit 1 means some scenario failed, which the stats say; anything else is a broken run.
    if !matches!(status.code(), Some(0) | Some(1)) {
        return Err(format!(
            "xtask check {} failed ({status}); see {}",
            args.join(" "),
            log.display()
        ));
    }
    let text = std::fs::read_to_string(json)
        .map_err(|e| format!("cannot read {}: {e}", json.display()))?;
    serde_json::from_str(&text)
        .map_err(|e| format!("{} is not valid stats JSON: {e}", json.display()))
}

/// Runs the report.
pub fn run(args: Args) -> Result<ExitCode, String> {
    let started = Instant::now();
    let budget = if args.quick { QUICK } else { FULL };
    let logs = args.out.join("logs");
    std::fs::create_dir_all(&logs).map_err(|e| format!("cannot create {}: {e}", logs.display()))?;

    let scenario_jobs = checkers(&budget, false);
    let zoo_jobs = checkers(&budget, true);
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
                .ok_or_else(|| format!("unknown zoo entry {}", broken.scenario))?;
            zoo.push(ZooCell {
                entry: broken.scenario.clone(),
                checker: name.to_string(),
                expected,
                broken,
                correct,
            });
        }
    }

    let report = Report {
        budget,
        quick: args.quick,
        elapsed: started.elapsed(),
        machine: machine(),
        scenarios,
        zoo,
    };
    let markdown = markdown(&report);
    let write = |name: &str, text: &str| {
        let path = args.out.join(name);
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    write("report.md", &markdown)?;
    write(
        "report.json",
        &serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?,
    )?;
    write("index.html", &html(&report))?;

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
    let _ = writeln!(
        md,
        "\n## Benchmarks\n\nNot in this report yet: the criterion benches are still to be written."
    );
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
    md
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn html(report: &Report) -> String {
    // The Markdown tables, rendered as HTML tables: one source of truth for both formats.
    let markdown = markdown(report);
    let mut body = String::new();
    let mut in_table = false;
    for line in markdown.lines() {
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
    format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Go concurrency patterns, model-checked</title>\n\
         <style>body{{font-family:sans-serif;margin:2em;max-width:90em}}table{{border-collapse:collapse;margin:1em 0}}\
         td{{border:1px solid #ccc;padding:.3em .6em;font-size:.9em}}tr:first-child td{{font-weight:bold;background:#eee}}\
         .good{{background:#e6f4e6}}.bad{{background:#f8dede}}</style></head><body>\n{body}</body></html>\n"
    )
}
