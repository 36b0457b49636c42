//! The report's one data model: what ran, on what, with what result. `report.json` is its
//! serialization (versioned by [`SCHEMA`]); the Markdown and the HTML are rendered from it,
//! through the [`View`] built here, by templates that only lay it out.

use super::charts;
use crate::bench::BenchResult;
use anyhow::Context;
use checks::harness::cost::OperationCost;
use checks::harness::{CheckerKind, Coverage, FailureKind, MinimalFailure, Stats, Verdict};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The version of `report.json`'s layout; a reader refuses another.
pub const SCHEMA: u32 = 2;

/// Every budget of the report, in one place.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Budget {
    /// Schedules per scenario for shuttle random and PCT.
    pub shuttle_schedules: usize,
    /// PCT's bug depth.
    pub pct_depth: usize,
    /// Real-thread runs per scenario.
    pub stress_runs: usize,
    /// Schedules per zoo entry for shuttle random and PCT.
    pub zoo_shuttle_schedules: usize,
    /// Cap on shuttle DFS schedules per zoo entry.
    pub zoo_dfs_schedules: usize,
    /// Real-thread runs per zoo entry.
    pub zoo_stress_runs: usize,
}

/// The report's budgets by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum BudgetName {
    /// Small budgets, for CI.
    Quick,
    /// The default: every scenario under every checker and the zoo in about two minutes on two
    /// cores.
    Standard,
    /// Ten times the standard sampling, for spreading over machines with `--shard`.
    Large,
}

impl BudgetName {
    /// The budgets this name stands for.
    pub fn budget(self) -> Budget {
        match self {
            BudgetName::Quick => Budget {
                shuttle_schedules: 200,
                pct_depth: 3,
                stress_runs: 10,
                zoo_shuttle_schedules: 500,
                zoo_dfs_schedules: 2_000,
                zoo_stress_runs: 10,
            },
            BudgetName::Standard => Budget {
                shuttle_schedules: 2_000,
                pct_depth: 3,
                stress_runs: 50,
                zoo_shuttle_schedules: 2_000,
                zoo_dfs_schedules: 20_000,
                zoo_stress_runs: 50,
            },
            BudgetName::Large => Budget {
                shuttle_schedules: 20_000,
                pct_depth: 3,
                stress_runs: 500,
                zoo_shuttle_schedules: 20_000,
                zoo_dfs_schedules: 200_000,
                zoo_stress_runs: 500,
            },
        }
    }
}

/// One zoo entry under one checker: the broken and the correct variant.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ZooCell {
    /// The entry's name (`zoo::lost_update`).
    pub entry: String,
    /// The checker's name.
    pub checker: String,
    /// The failure kind that must catch the broken variant.
    pub expected: FailureKind,
    /// Whether the checker cannot see this mistake by its nature (`Mistake::MISSED_BY`).
    pub missed_by_nature: bool,
    /// Whether the mistake fails on every schedule (`Mistake::DETERMINISTIC`); a racy one may go
    /// unseen by real threads, honestly.
    pub deterministic: bool,
    /// The broken variant's run.
    pub broken: Stats,
    /// The correct variant's run, same instance and budget.
    pub correct: Stats,
}

impl ZooCell {
    /// Pairs the two variants' runs of a zoo entry under `checker`, with what the catalog says
    /// about the entry.
    pub fn new(broken: Stats, correct: Stats, checker: &str) -> anyhow::Result<Self> {
        let zoo = checks::catalog::zoo();
        let entry = zoo
            .iter()
            .find(|z| z.entry.name == broken.scenario)
            .with_context(|| format!("unknown zoo entry {}", broken.scenario))?;
        Ok(Self {
            entry: broken.scenario.clone(),
            checker: checker.to_owned(),
            expected: entry.caught_as,
            missed_by_nature: entry.missed_by.iter().any(|kind| kind.name() == checker),
            deterministic: entry.deterministic,
            broken,
            correct,
        })
    }

    /// Whether the broken variant failed with the expected kind.
    pub fn caught(&self) -> bool {
        self.broken
            .failure()
            .is_some_and(|f| f.kind == self.expected)
    }
}

/// What the report knows about the machine and the versions.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Machine {
    /// `rustc --version`.
    pub rustc: String,
    /// Cores available to the run.
    pub cores: usize,
    /// OS and architecture.
    pub os: String,
    /// The commit the report ran at.
    pub commit: String,
    /// loom's locked version.
    pub loom: String,
    /// shuttle's locked version.
    pub shuttle: String,
}

/// The whole report, as `report.json` holds it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Report {
    /// [`SCHEMA`] when written.
    pub schema: u32,
    /// The budgets the checkers ran with, by name.
    pub budget_name: BudgetName,
    /// The budgets the checkers ran with.
    pub budget: Budget,
    /// `I/N` if this report is one shard's share of the work.
    pub shard: Option<String>,
    /// How many shard directories this report merges (0: it ran its checkers itself). A merged
    /// report's `elapsed` is the checkers' time summed over the shards.
    pub merged_from: usize,
    /// Wall time of the whole report.
    pub elapsed: Duration,
    /// When it was written, in seconds since the Unix epoch.
    pub written: u64,
    /// Where it ran.
    pub machine: Machine,
    /// Every scenario under every checker.
    pub scenarios: Vec<Stats>,
    /// Every zoo entry under every checker.
    pub zoo: Vec<ZooCell>,
    /// Bench results, ours and the baselines'.
    pub benches: Vec<BenchResult>,
    /// Where the bench results came from, or why there are none, and files skipped.
    pub bench_notes: Vec<String>,
    /// loom's cost of each kit operation (`checks::harness::cost`); empty in reports written
    /// before it was measured.
    #[serde(default)]
    pub operation_costs: Vec<OperationCost>,
}

impl Report {
    /// Reads a `report.json`, refusing another schema.
    pub fn from_json(text: &str) -> anyhow::Result<Self> {
        let schema = serde_json::from_str::<serde_json::Value>(text)?
            .get("schema")
            .and_then(serde_json::Value::as_u64);
        anyhow::ensure!(
            schema == Some(u64::from(SCHEMA)),
            "report.json has schema {schema:?}; this xtask reads schema {SCHEMA}"
        );
        Ok(serde_json::from_str(text)?)
    }

    /// The scenario names, in the order they first appear.
    fn scenario_names(&self) -> Vec<&str> {
        first_seen(self.scenarios.iter().map(|s| s.scenario.as_str()))
    }

    /// The zoo entries, in the order they first appear.
    fn zoo_entries(&self) -> Vec<&str> {
        first_seen(self.zoo.iter().map(|z| z.entry.as_str()))
    }

    /// Every run's schedules, scenarios and both zoo variants.
    fn schedules(&self) -> usize {
        self.scenarios
            .iter()
            .chain(self.zoo.iter().flat_map(|z| [&z.broken, &z.correct]))
            .map(|s| s.schedules)
            .sum()
    }

    /// Whether every scenario passed and every zoo entry's correct variant passed.
    pub fn all_pass(&self) -> bool {
        self.scenarios.iter().all(Stats::passed) && self.zoo.iter().all(|z| z.correct.passed())
    }

    /// Scenarios passing under every checker, of how many.
    fn verified(&self) -> (usize, usize) {
        let names = self.scenario_names();
        let verified = names
            .iter()
            .filter(|name| {
                self.scenarios
                    .iter()
                    .filter(|s| s.scenario == **name)
                    .all(Stats::passed)
            })
            .count();
        (verified, names.len())
    }

    /// Zoo entries caught by at least one checker, of how many.
    fn caught(&self) -> (usize, usize) {
        let entries = self.zoo_entries();
        let caught = entries
            .iter()
            .filter(|entry| self.zoo.iter().any(|z| z.entry == **entry && z.caught()))
            .count();
        (caught, entries.len())
    }

    /// The one-line summary the terminal prints.
    pub fn summary(&self) -> String {
        let (verified, scenarios) = self.verified();
        let (caught, entries) = self.caught();
        format!(
            "{verified} of {scenarios} scenarios pass under every checker; {} schedules explored; \
             bug zoo: {caught} of {entries} mistakes caught; {:.0} s",
            self.schedules(),
            self.elapsed.as_secs_f64()
        )
    }

    /// The detection matrix as data: entry × checker, caught or not, schedules to first failure,
    /// time.
    pub fn detection_matrix(&self) -> serde_json::Value {
        let cells: Vec<serde_json::Value> = self
            .zoo
            .iter()
            .map(|cell| {
                let failure = cell.broken.failure();
                serde_json::json!({
                    "entry": cell.entry,
                    "invariant": cell.broken.invariant,
                    "checker": cell.checker,
                    "expected": cell.expected,
                    "caught": cell.caught(),
                    "missed_by_nature": cell.missed_by_nature,
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
}

/// `items` without repeats, in the order each first appears.
fn first_seen<'a>(items: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen = Vec::new();
    for item in items {
        if !seen.contains(&item) {
            seen.push(item);
        }
    }
    seen
}

/// What the templates lay out: everything computed, nothing left to decide.
pub struct View {
    /// The terminal's one-line summary.
    pub summary: String,
    /// The verdict box.
    pub glance: Glance,
    /// What changed since the previous report in the same place, if there was one.
    pub changes: Option<Changes>,
    /// The scenario × checker matrix.
    pub scenarios: Matrix,
    /// The zoo entry × checker matrix.
    pub zoo: Matrix,
    /// Each caught mistake's minimal trace.
    pub traces: Vec<TraceView>,
    /// The benches: ratio charts and the raw table.
    pub benches: BenchView,
    /// What exploring costs loom: per operation and per scenario.
    pub cost: CostView,
    /// Every scenario run, one row each (the full table).
    pub runs: Vec<RunRow>,
    /// The machine, one line.
    pub machine: String,
    /// The versions of the checkers, one line.
    pub versions: String,
    /// The budgets, one line.
    pub budget: String,
}

/// What changed since the previous report.
pub struct Changes {
    /// Which report this one is compared with.
    pub since: String,
    /// One line per change: a verdict, a zoo cell, a bench ratio that moved beyond the noise.
    pub lines: Vec<String>,
}

/// A bench ratio that moves by less than this fraction is noise (quick-mode criterion runs on a
/// shared machine vary by about this much from run to run).
pub const BENCH_NOISE: f64 = 0.15;

impl Changes {
    /// What changed from `previous` to `now`.
    pub fn between(previous: &Report, now: &Report) -> Self {
        let mut lines = Vec::new();
        let key = |s: &Stats| (s.scenario.clone(), s.checker.kind().name());
        for run in &now.scenarios {
            match previous.scenarios.iter().find(|p| key(p) == key(run)) {
                None => lines.push(format!(
                    "new: `{}` under {}: {}",
                    run.scenario,
                    run.checker.kind().name(),
                    verdict_text(run)
                )),
                Some(before) if verdict_class(before) != verdict_class(run) => {
                    lines.push(format!(
                        "`{}` under {}: {} → {}",
                        run.scenario,
                        run.checker.kind().name(),
                        verdict_text(before),
                        verdict_text(run)
                    ));
                }
                Some(_) => {}
            }
        }
        for before in &previous.scenarios {
            if !now.scenarios.iter().any(|run| key(run) == key(before)) {
                lines.push(format!(
                    "gone: `{}` under {}",
                    before.scenario,
                    before.checker.kind().name()
                ));
            }
        }
        for cell in &now.zoo {
            let before = previous
                .zoo
                .iter()
                .find(|p| p.entry == cell.entry && p.checker == cell.checker);
            let now_text = zoo_cell(cell).text;
            match before {
                None => lines.push(format!(
                    "new: zoo `{}` under {}: {now_text}",
                    cell.entry, cell.checker
                )),
                Some(before) if zoo_cell(before).class != zoo_cell(cell).class => {
                    lines.push(format!(
                        "zoo `{}` under {}: {} → {now_text}",
                        cell.entry,
                        cell.checker,
                        zoo_cell(before).text
                    ));
                }
                Some(_) => {}
            }
        }
        let before_groups = charts::groups(&previous.benches);
        for (group, results) in charts::groups(&now.benches) {
            let Some((_, before)) = before_groups.iter().find(|(g, _)| *g == group) else {
                continue;
            };
            let (now_ratios, before_ratios) = (charts::ratios(&results), charts::ratios(before));
            for (row, value) in now_ratios.values.iter().enumerate() {
                for (col, baseline) in now_ratios.baselines.iter().enumerate() {
                    let then = before_ratios
                        .values
                        .iter()
                        .position(|v| v == value)
                        .zip(before_ratios.baselines.iter().position(|b| b == baseline))
                        .and_then(|(r, c)| before_ratios.ratio[r][c]);
                    if let (Some(then), Some(ratio)) = (then, now_ratios.ratio[row][col]) {
                        let moved = ratio / then - 1.0;
                        if moved.abs() > BENCH_NOISE {
                            lines.push(format!(
                                "bench {group} {value}, ours ÷ {baseline}: {then:.2} → {ratio:.2} \
                                 ({:+.0} %)",
                                moved * 100.0
                            ));
                        }
                    }
                }
            }
        }
        let age = now.written.saturating_sub(previous.written);
        Self {
            since: format!(
                "the previous report here (commit {}, {} h {} min earlier)",
                previous.machine.commit,
                age / 3600,
                age % 3600 / 60
            ),
            lines,
        }
    }
}

/// The verdict box: the whole report in a few numbers.
pub struct Glance {
    /// Everything passed and every mistake was caught by some checker.
    pub ok: bool,
    /// One sentence: the verdict.
    pub headline: String,
    /// One line per checker of the scenarios.
    pub checkers: Vec<Tally>,
    /// Zoo entries caught by at least one checker.
    pub caught: usize,
    /// Zoo entries.
    pub entries: usize,
    /// Schedules explored, with thousands separators.
    pub schedules: String,
    /// How long the report took.
    pub elapsed: String,
    /// Whether the benches are in, or how to add them.
    pub benches: String,
    /// For a merged report, how to read its numbers.
    pub merged: Option<String>,
}

/// One checker's scenario results.
pub struct Tally {
    /// The checker's name.
    pub checker: String,
    /// Scenarios that passed.
    pub passed: usize,
    /// Scenarios run.
    pub total: usize,
    /// Passes that explored every schedule.
    pub exhaustive: usize,
    /// Passes that explored every schedule up to a preemption bound.
    pub bounded: usize,
    /// Passes that sampled schedules (or ran real threads).
    pub sampled: usize,
    /// Passes stopped by a budget.
    pub capped: usize,
    /// `good` or `bad`.
    pub class: &'static str,
}

/// A matrix of rows × checkers.
pub struct Matrix {
    /// The column heads.
    pub checkers: Vec<String>,
    /// One row per scenario or zoo entry.
    pub rows: Vec<MatrixRow>,
}

impl Matrix {
    /// One row per name, one cell per checker: the item whose `key` is (name, checker), laid out
    /// by `cell`, or an empty cell; each row's note from its first item.
    fn build<T>(
        names: Vec<&str>,
        checkers: Vec<String>,
        items: &[T],
        key: impl Fn(&T) -> (&str, &str),
        note: impl Fn(&T) -> String,
        cell: impl Fn(&T) -> Cell,
    ) -> Self {
        let rows = names
            .into_iter()
            .map(|name| MatrixRow {
                name: name.to_owned(),
                note: items
                    .iter()
                    .find(|item| key(item).0 == name)
                    .map(&note)
                    .unwrap_or_default(),
                cells: checkers
                    .iter()
                    .map(|checker| {
                        items
                            .iter()
                            .find(|item| key(item) == (name, checker.as_str()))
                            .map_or_else(empty_cell, &cell)
                    })
                    .collect(),
            })
            .collect();
        Self { checkers, rows }
    }

    /// The matrix turned on its side, one row per checker, for the verdict box's map: each cell's
    /// class, and its row's name with the verdict for a hover.
    pub fn by_checker(&self) -> Vec<(String, Vec<(&'static str, String)>)> {
        self.checkers
            .iter()
            .enumerate()
            .map(|(column, checker)| {
                let cells = self
                    .rows
                    .iter()
                    .map(|row| {
                        let cell = &row.cells[column];
                        (
                            cell.class,
                            format!("{}: {} ({})", row.name, cell.text, cell.detail),
                        )
                    })
                    .collect();
                (checker.clone(), cells)
            })
            .collect()
    }
}

/// One row of a matrix.
pub struct MatrixRow {
    /// The scenario or entry.
    pub name: String,
    /// For the zoo: the failure kind that must catch it; for scenarios, the invariant.
    pub note: String,
    /// One cell per checker, in the matrix's column order.
    pub cells: Vec<Cell>,
}

/// One cell: a verdict, coloured by its class.
pub struct Cell {
    /// The CSS class: `exhaustive`, `bounded`, `sampled`, `capped`, `fail`, `caught`, `missed`,
    /// `unseen` (a racy mistake real threads did not hit), `by-nature` or `none`.
    pub class: &'static str,
    /// The verdict, short.
    pub text: String,
    /// Schedules and time.
    pub detail: String,
    /// What a hover shows: the instance and the full verdict.
    pub title: String,
}

/// One caught mistake's minimal failure.
pub struct TraceView {
    /// The entry.
    pub entry: String,
    /// The failure kind.
    pub kind: String,
    /// The checker and instance of the minimal failure.
    pub found: String,
    /// What was shrunk.
    pub shrunk: String,
    /// The trace as Markdown.
    pub markdown: String,
    /// The trace as an HTML table.
    pub html: String,
}

/// The benches section.
pub struct BenchView {
    /// Where the results came from, or how to add them.
    pub notes: Vec<String>,
    /// One per bench group.
    pub groups: Vec<BenchGroup>,
    /// Every result, one row each.
    pub rows: Vec<BenchRow>,
}

/// One bench group: its ratio chart and legend.
pub struct BenchGroup {
    /// The group (`channel/1x1`).
    pub name: String,
    /// The chart of ours ÷ each baseline, inline SVG; `None` with no baseline to compare with.
    pub chart: Option<String>,
    /// The baselines and their colours, for the legend.
    pub legend: Vec<(String, String)>,
    /// The ratios as text, one line per parameter value.
    pub ratios: Vec<String>,
}

/// One bench result.
pub struct BenchRow {
    /// Group.
    pub group: String,
    /// Parameter value.
    pub value: String,
    /// Implementation.
    pub function: String,
    /// Median time per iteration.
    pub median: String,
    /// Elements per second at the median.
    pub throughput: String,
    /// Ours ÷ it, in median time.
    pub ratio: String,
}

/// One scenario run, for the full table.
pub struct RunRow {
    /// The scenario.
    pub scenario: String,
    /// The checker and its settings.
    pub checker: String,
    /// The instance.
    pub instance: String,
    /// Schedules explored, with thousands separators.
    pub schedules: String,
    /// Seconds.
    pub time: String,
    /// The verdict.
    pub verdict: String,
    /// The verdict's class.
    pub class: &'static str,
}

/// What exploring costs loom.
pub struct CostView {
    /// Each kit operation: its branch points and, where two threads meet in it, its schedules.
    pub operations: Vec<OperationRow>,
    /// Each scenario's small instance under loom: the schedules to exhaustion, or to its bound.
    pub scenarios: Vec<RunRow>,
    /// Scenarios loom explores exhaustively, and how many it ran.
    pub exhaustive: usize,
    /// Scenarios loom ran.
    pub total: usize,
}

/// One row of the operation-cost table.
pub struct OperationRow {
    /// The operation.
    pub operation: String,
    /// Threads taking part.
    pub threads: usize,
    /// Branch points per schedule: `n`, or `fewest–most`.
    pub branch_points: String,
    /// Schedules to exhaust the program.
    pub schedules: String,
}

impl CostView {
    fn new(report: &Report) -> Self {
        // In the catalog's order, whatever order shards were merged in.
        let catalog: Vec<&str> = checks::catalog::scenarios()
            .iter()
            .map(|entry| entry.name)
            .collect();
        let mut loom: Vec<&Stats> = report
            .scenarios
            .iter()
            .filter(|s| s.checker.kind() == CheckerKind::Loom)
            .collect();
        loom.sort_by_key(|s| catalog.iter().position(|name| *name == s.scenario));
        let scenarios: Vec<RunRow> = loom.into_iter().map(run_row).collect();
        Self {
            exhaustive: scenarios.iter().filter(|r| r.class == "exhaustive").count(),
            total: scenarios.len(),
            scenarios,
            operations: report
                .operation_costs
                .iter()
                .map(|cost| OperationRow {
                    operation: cost.operation.clone(),
                    threads: cost.threads,
                    branch_points: if cost.fewest == cost.most {
                        cost.most.to_string()
                    } else {
                        format!("{}–{}", cost.fewest, cost.most)
                    },
                    schedules: thousands(cost.schedules),
                })
                .collect(),
        }
    }
}

fn run_row(s: &Stats) -> RunRow {
    RunRow {
        scenario: s.scenario.clone(),
        checker: s.checker.to_string(),
        instance: s.instance.to_string(),
        schedules: thousands(s.schedules),
        time: format!("{:.2} s", s.elapsed.as_secs_f64()),
        verdict: verdict_text(s),
        class: verdict_class(s),
    }
}

/// `12345678` → `12,345,678`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A time in the unit that reads best.
pub fn format_ns(ns: f64) -> String {
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

/// A run's verdict in words, as the full table shows it.
fn verdict_text(stats: &Stats) -> String {
    match &stats.verdict {
        Verdict::Pass(_) if stats.schedules == 0 => "NOT A PASS: nothing explored".to_owned(),
        Verdict::Pass(Coverage::Sampled) => format!("pass ({} sampled)", stats.schedules),
        Verdict::Pass(coverage) => format!("pass, {coverage}"),
        Verdict::Fail(report) => format!("FAIL: {} at schedule #{}", report.kind, report.schedule),
    }
}

/// A run's class: how much its verdict proves.
fn verdict_class(stats: &Stats) -> &'static str {
    match &stats.verdict {
        Verdict::Pass(_) if stats.schedules == 0 => "fail",
        Verdict::Pass(Coverage::Exhaustive) => "exhaustive",
        Verdict::Pass(Coverage::Bounded { .. }) => "bounded",
        Verdict::Pass(Coverage::Sampled) => "sampled",
        Verdict::Pass(Coverage::Capped { .. }) => "capped",
        Verdict::Fail(_) => "fail",
    }
}

/// Schedules and time, short.
fn detail(stats: &Stats) -> String {
    format!(
        "{} · {:.2} s",
        thousands(stats.schedules),
        stats.elapsed.as_secs_f64()
    )
}

fn scenario_cell(stats: &Stats) -> Cell {
    let text = match &stats.verdict {
        Verdict::Pass(_) if stats.schedules == 0 => "✗ nothing explored".to_owned(),
        Verdict::Pass(Coverage::Exhaustive) => "✓ exhaustive".to_owned(),
        Verdict::Pass(Coverage::Bounded { preemptions }) => format!("✓ ≤ {preemptions} preempt."),
        Verdict::Pass(Coverage::Sampled) => "✓ sampled".to_owned(),
        Verdict::Pass(Coverage::Capped { .. }) => "✓ capped".to_owned(),
        Verdict::Fail(report) => format!("✗ {}", report.kind),
    };
    Cell {
        class: verdict_class(stats),
        text,
        detail: detail(stats),
        title: format!(
            "{} on {}: {}",
            stats.checker,
            stats.instance,
            verdict_text(stats)
        ),
    }
}

fn zoo_cell(cell: &ZooCell) -> Cell {
    let correct_failed = !cell.correct.passed();
    let (class, text, detail) = match cell.broken.failure() {
        _ if correct_failed => (
            "fail",
            "✗ correct variant failed".to_owned(),
            verdict_text(&cell.correct),
        ),
        Some(f) if f.kind == cell.expected => (
            "caught",
            format!("✓ caught at #{}", thousands(f.schedule)),
            format!("{:.2} s", cell.broken.elapsed.as_secs_f64()),
        ),
        Some(f) => (
            "fail",
            format!("✗ wrong kind: {}", f.kind),
            format!("#{}", f.schedule),
        ),
        None if cell.missed_by_nature => (
            "by-nature",
            "missed, as expected".to_owned(),
            format!("{} schedules", thousands(cell.broken.schedules)),
        ),
        None if cell.checker == CheckerKind::Stress.name() && !cell.deterministic => (
            "unseen",
            "not seen (racy)".to_owned(),
            format!("{} runs", thousands(cell.broken.schedules)),
        ),
        None => (
            "missed",
            "missed".to_owned(),
            format!("{} schedules", thousands(cell.broken.schedules)),
        ),
    };
    Cell {
        class,
        text,
        detail,
        title: format!(
            "{} on {}: broken {}; correct {}",
            cell.broken.checker,
            cell.broken.instance,
            verdict_text(&cell.broken),
            verdict_text(&cell.correct)
        ),
    }
}

fn empty_cell() -> Cell {
    Cell {
        class: "none",
        text: "—".to_owned(),
        detail: String::new(),
        title: "not run under this checker".to_owned(),
    }
}

/// For each zoo entry, the first checker's minimal failure that caught it.
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

impl View {
    /// Lays out `report`, with what changed since `previous` if there is one.
    pub fn new(report: &Report, previous: Option<&Report>) -> anyhow::Result<Self> {
        let (verified, total) = report.verified();
        let (caught, entries) = report.caught();
        let scenario_checkers: Vec<String> =
            first_seen(report.scenarios.iter().map(|s| s.checker.kind().name()))
                .into_iter()
                .map(str::to_owned)
                .collect();
        let zoo_checkers: Vec<String> = first_seen(report.zoo.iter().map(|z| z.checker.as_str()))
            .into_iter()
            .map(str::to_owned)
            .collect();
        let tallies = scenario_checkers
            .iter()
            .map(|checker| {
                let runs: Vec<&Stats> = report
                    .scenarios
                    .iter()
                    .filter(|s| s.checker.kind().name() == checker)
                    .collect();
                let passed = runs.iter().filter(|s| s.passed()).count();
                let count = |class: &str| {
                    runs.iter()
                        .filter(|s| s.passed() && verdict_class(s) == class)
                        .count()
                };
                Tally {
                    checker: checker.clone(),
                    passed,
                    total: runs.len(),
                    exhaustive: count("exhaustive"),
                    bounded: count("bounded"),
                    sampled: count("sampled"),
                    capped: count("capped"),
                    class: if passed == runs.len() { "good" } else { "bad" },
                }
            })
            .collect();
        let ok = report.all_pass() && caught == entries;
        let headline = if ok {
            format!(
                "Every scenario passes under every checker ({total}), and every mistake of the \
                 zoo is caught ({entries})."
            )
        } else {
            format!(
                "{verified} of {total} scenarios pass under every checker; {caught} of {entries} \
                 mistakes caught{}.",
                if report.zoo.iter().all(|z| z.correct.passed()) {
                    ""
                } else {
                    "; a correct variant failed"
                }
            )
        };
        let glance = Glance {
            ok,
            headline,
            checkers: tallies,
            caught,
            entries,
            schedules: thousands(report.schedules()),
            elapsed: if report.merged_from > 0 {
                format!(
                    "{:.0} s of checking summed over the shards",
                    report.elapsed.as_secs_f64()
                )
            } else {
                format!("{:.0} s", report.elapsed.as_secs_f64())
            },
            merged: (report.merged_from > 0).then(|| {
                format!(
                    "merged from {} shard directories: a failure's schedule number counts within \
                     the shard that found it",
                    report.merged_from
                )
            }),
            benches: if report.benches.is_empty() {
                report
                    .bench_notes
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "no benches".to_owned())
            } else {
                format!(
                    "{} bench results in {} group(s); {}",
                    report.benches.len(),
                    charts::groups(&report.benches).len(),
                    report.bench_notes.first().map_or("", String::as_str)
                )
            },
        };
        let scenarios = Matrix::build(
            report.scenario_names(),
            scenario_checkers,
            &report.scenarios,
            |s| (s.scenario.as_str(), s.checker.kind().name()),
            |s| s.invariant.clone(),
            scenario_cell,
        );
        let zoo = Matrix::build(
            report.zoo_entries(),
            zoo_checkers,
            &report.zoo,
            |z| (z.entry.as_str(), z.checker.as_str()),
            |z| z.expected.to_string(),
            zoo_cell,
        );
        let traces = caught_traces(report)
            .into_iter()
            .map(|(cell, minimal)| TraceView {
                entry: cell.entry.clone(),
                kind: cell.expected.to_string(),
                found: format!("{} on {}", minimal.checker, minimal.instance),
                shrunk: if minimal.shrunk.is_empty() {
                    "nothing to shrink: found on its smallest instance and schedule".to_owned()
                } else {
                    minimal.shrunk.join("; ")
                },
                markdown: minimal.trace.to_markdown(),
                html: minimal.trace.to_html(),
            })
            .collect();
        let runs = report.scenarios.iter().map(run_row).collect();
        let m = &report.machine;
        Ok(Self {
            summary: report.summary(),
            glance,
            changes: previous.map(|previous| Changes::between(previous, report)),
            scenarios,
            zoo,
            traces,
            benches: bench_view(report)?,
            cost: CostView::new(report),
            runs,
            machine: format!(
                "{} ({} cores), {}; commit {}",
                m.os, m.cores, m.rustc, m.commit
            ),
            versions: format!("loom {}, shuttle {}", m.loom, m.shuttle),
            budget: format!(
                "{:?}{}: {:?}",
                report.budget_name,
                report
                    .shard
                    .as_ref()
                    .map_or(String::new(), |shard| format!(", shard {shard}")),
                report.budget
            ),
        })
    }
}

/// The benches: each group's ratio chart, and every result in a row.
fn bench_view(report: &Report) -> anyhow::Result<BenchView> {
    let mut groups = Vec::new();
    let mut rows = Vec::new();
    let palette = charts::Palette::new(&report.benches);
    for (group, results) in charts::groups(&report.benches) {
        let ratios = charts::ratios(&results);
        let chart = charts::ratio_chart(&group, &ratios, &palette)?;
        let ratio_lines = ratios
            .values
            .iter()
            .enumerate()
            .filter_map(|(row, value)| {
                let parts: Vec<String> = ratios
                    .baselines
                    .iter()
                    .enumerate()
                    .filter_map(|(col, baseline)| {
                        ratios.ratio[row][col].map(|r| format!("{baseline} {r:.2}"))
                    })
                    .collect();
                (!parts.is_empty()).then(|| format!("{value}: {}", parts.join(", ")))
            })
            .collect();
        groups.push(BenchGroup {
            legend: ratios
                .baselines
                .iter()
                .map(|b| (b.clone(), palette.css(b)))
                .collect(),
            name: group.clone(),
            chart,
            ratios: ratio_lines,
        });
        let ours_name = charts::ours(&results);
        for value in charts::values(&results) {
            let ours = results
                .iter()
                .find(|r| r.value == value && Some(r.function.as_str()) == ours_name);
            for function in charts::functions(&results) {
                let Some(result) = results
                    .iter()
                    .find(|r| r.value == value && r.function == function)
                else {
                    continue;
                };
                rows.push(BenchRow {
                    group: group.clone(),
                    value: value.clone(),
                    function: function.clone(),
                    median: format_ns(result.median_ns),
                    throughput: result
                        .throughput()
                        .map_or_else(String::new, |t| format!("{:.3} M/s", t / 1e6)),
                    ratio: match ours {
                        Some(ours) if function != ours.function => {
                            format!("{:.2}", ours.median_ns / result.median_ns)
                        }
                        _ => String::new(),
                    },
                });
            }
        }
    }
    Ok(BenchView {
        notes: report.bench_notes.clone(),
        groups,
        rows,
    })
}
