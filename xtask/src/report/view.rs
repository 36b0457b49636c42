//! The [`View`] the templates lay out: the report, and what changed since the previous one, with
//! everything computed and nothing left to decide.

use super::cells::{thousands, verdict_class, verdict_text, zoo_cell, Cell};
use super::changes::Changes;
use super::charts;
use super::schema::{first_seen, goker_labels, Report, ZooCell};
use crate::runs::RunsToFailure;
use checks::goker::{Class, Goker, NOT_PORTED};
use checks::harness::{CheckerKind, Coverage, MinimalFailure, Stats, Verdict};

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
    /// GoBench's real bugs: kernel × checker, and the totals.
    pub goker: GokerView,
    /// How many schedules each checker needs to find each bug, over many seeds.
    pub speed: SpeedView,
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
    /// The GoKer kernels caught, one line (empty without kernels).
    pub goker: String,
    /// Schedules explored, with thousands separators.
    pub schedules: String,
    /// How long the report took.
    pub elapsed: String,
    /// Whether the benches are in, or how to add them.
    pub benches: String,
    /// For a merged report, how to read its numbers.
    pub merged: Option<String>,
    /// Per checker with a bound (PCT) and depth: how many of its sampled passes the bound makes
    /// meaningful, and the weakest of them.
    pub weakest_bounds: Vec<String>,
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

/// The GoKer section: GoBench's real bugs, each kernel under each checker, and the totals per
/// class beside GoBench's published figures.
pub struct GokerView {
    /// Kernel × checker; its checkers are the totals' columns too.
    pub matrix: Matrix,
    /// One row per GoBench type and subtype, then one per class.
    pub totals: Vec<GokerTotal>,
    /// Each kernel not ported, with why.
    pub not_ported: Vec<String>,
    /// Each caught kernel's minimal trace.
    pub traces: Vec<TraceView>,
}

/// One row of the GoKer totals.
pub struct GokerTotal {
    /// Blocking or non-blocking.
    pub class: &'static str,
    /// GoBench's type and subtype, or `all` for the class's row.
    pub group: String,
    /// Kernels ported, of GoKer's.
    pub ported: String,
    /// Kernels each checker caught in this report, in the matrix's column order.
    pub caught: Vec<usize>,
    /// Kernels at least one model checker caught, of GoKer's, with the share.
    pub any: String,
    /// GoBench's published figures, on a class's row.
    pub published: &'static str,
    /// Whether this is a class's row.
    pub total: bool,
}

impl GokerView {
    fn new(report: &Report) -> Self {
        let checkers: Vec<String> = first_seen(report.goker.iter().map(|z| z.checker.as_str()))
            .into_iter()
            .map(str::to_owned)
            .collect();
        let matrix = Matrix::build(
            first_seen(report.goker.iter().map(|z| z.entry.as_str())),
            checkers,
            &report.goker,
            |z| (z.entry.as_str(), z.checker.as_str()),
            |z| match goker_labels(&z.entry) {
                Some(g) => format!("{} · {} / {}", z.expected, g.kind, g.subtype),
                None => z.expected.to_string(),
            },
            zoo_cell,
        );
        // GoKer's kernels as the catalog knows them, ported or not: the rows and their counts
        // are GoKer's, whatever this report ran; only what was caught comes from the report.
        let ported: Vec<(String, Goker)> = checks::catalog::kernels()
            .into_iter()
            .map(|kernel| (kernel.zoo.entry.name.to_owned(), kernel.goker))
            .collect();
        let all: Vec<(Option<&str>, Goker)> = ported
            .iter()
            .map(|(name, goker)| (Some(name.as_str()), *goker))
            .chain(NOT_PORTED.iter().map(|left_out| (None, left_out.goker)))
            .collect();
        let mut totals = Vec::new();
        if !report.goker.is_empty() {
            for class in Class::ALL {
                let of_class: Vec<&(Option<&str>, Goker)> =
                    all.iter().filter(|(_, g)| g.class == class).collect();
                let groups = first_seen(of_class.iter().map(|(_, g)| g.kind))
                    .into_iter()
                    .flat_map(|kind| {
                        first_seen(
                            of_class
                                .iter()
                                .filter(|(_, g)| g.kind == kind)
                                .map(|(_, g)| g.subtype),
                        )
                        .into_iter()
                        .map(move |subtype| (kind, subtype))
                    })
                    .collect::<Vec<_>>();
                for (kind, subtype) in groups {
                    let kernels: Vec<Option<&str>> = of_class
                        .iter()
                        .filter(|(_, g)| g.kind == kind && g.subtype == subtype)
                        .map(|(name, _)| *name)
                        .collect();
                    totals.push(GokerTotal::new(
                        report,
                        &matrix.checkers,
                        &kernels,
                        class,
                        format!("{kind} / {subtype}"),
                    ));
                }
                let kernels: Vec<Option<&str>> = of_class.iter().map(|(name, _)| *name).collect();
                totals.push(GokerTotal::new(
                    report,
                    &matrix.checkers,
                    &kernels,
                    class,
                    "all".to_owned(),
                ));
            }
        }
        Self {
            matrix,
            totals,
            not_ported: NOT_PORTED
                .iter()
                .map(|n| {
                    format!(
                        "goker::{}_{} ({}, {} / {}): {}",
                        n.goker.project,
                        n.goker.id,
                        n.goker.class.name(),
                        n.goker.kind,
                        n.goker.subtype,
                        n.reason
                    )
                })
                .collect(),
            traces: trace_views(&report.goker),
        }
    }
}

impl GokerTotal {
    /// The row of GoKer's `kernels` of a group: each by its catalog name, `None` if not ported.
    fn new(
        report: &Report,
        checkers: &[String],
        kernels: &[Option<&str>],
        class: Class,
        group: String,
    ) -> Self {
        let ported: Vec<&str> = kernels.iter().flatten().copied().collect();
        let of = kernels.len();
        let any = ported
            .iter()
            .filter(|entry| report.kernel_caught_by_a_model_checker(entry))
            .count();
        let total = group == "all";
        Self {
            class: class.name(),
            ported: format!("{} of {of}", ported.len()),
            caught: checkers
                .iter()
                .map(|checker| {
                    ported
                        .iter()
                        .filter(|entry| {
                            report
                                .goker
                                .iter()
                                .any(|z| z.entry == **entry && z.checker == *checker && z.caught())
                        })
                        .count()
                })
                .collect(),
            any: format!("{any} of {of} ({:.1} %)", 100.0 * any as f64 / of as f64),
            published: if total { class.published() } else { "" },
            group,
            total,
        }
    }
}

/// The runs-to-first-failure statistics: each broken zoo entry and kernel under every sampling
/// checker over many seeds, and under loom once.
pub struct SpeedView {
    /// How it was measured: seeds and schedules per seed.
    pub method: String,
    /// The command that repeats the measurement.
    pub command: String,
    /// The targets, measured on these rows, one line each with its verdict.
    pub targets: Vec<String>,
    /// Zoo entry × checker.
    pub zoo: Matrix,
    /// Kernel × checker.
    pub kernels: Matrix,
    /// The charts (inline SVG): per checker, how many zoo entries and how many kernels are found
    /// (at the median seed) within x schedules.
    pub charts: Vec<String>,
    /// The checkers and their colours, for the charts' legend.
    pub legend: Vec<(String, String)>,
}

impl SpeedView {
    fn new(report: &Report) -> anyhow::Result<Self> {
        let rows = &report.runs_to_failure;
        let checkers: Vec<String> = first_seen(rows.iter().map(|r| r.checker.as_str()))
            .into_iter()
            .map(str::to_owned)
            .collect();
        let catalog = checks::catalog::zoo_and_kernels();
        let known = |entry: &str| catalog.iter().find(|z| z.entry.name == entry);
        let matrix = |kernels: bool| {
            let of: Vec<&RunsToFailure> = rows.iter().filter(|r| r.kernel == kernels).collect();
            Matrix::build(
                first_seen(of.iter().map(|r| r.entry.as_str())),
                checkers.clone(),
                &of,
                |r| (r.entry.as_str(), r.checker.as_str()),
                |r| known(&r.entry).map_or_else(String::new, |z| z.caught_as.to_string()),
                |r| {
                    let by_nature = known(&r.entry)
                        .is_some_and(|z| z.missed_by.iter().any(|kind| kind.name() == r.checker));
                    speed_cell(r, by_nature)
                },
            )
        };
        let (zoo, kernels) = (matrix(false), matrix(true));
        let budget = rows.iter().find_map(|r| r.budget).unwrap_or(0);
        // loom ran once, on the small instance, counting its own executions: the table has it,
        // the charts compare the samplers.
        let samplers: Vec<String> = checkers
            .iter()
            .filter(|checker| *checker != CheckerKind::Loom.name())
            .cloned()
            .collect();
        let palette = charts::Palette::of(&samplers);
        let mut charts = Vec::new();
        for (title, kernel) in [("bug zoo", false), ("GoKer kernels", true)] {
            let series: Vec<charts::Found> = samplers
                .iter()
                .map(|checker| charts::Found {
                    checker: checker.clone(),
                    medians: rows
                        .iter()
                        .filter(|r| r.kernel == kernel && r.checker == *checker)
                        .filter_map(RunsToFailure::median)
                        .collect(),
                })
                .collect();
            let entries = first_seen(
                rows.iter()
                    .filter(|r| r.kernel == kernel)
                    .map(|r| r.entry.as_str()),
            )
            .len();
            if entries > 0 {
                charts.push(charts::found_within_chart(
                    title, &series, entries, budget, &palette,
                )?);
            }
        }
        let seeds = rows.iter().map(|r| r.seeds.len()).max().unwrap_or(0) as u64;
        let first = rows.iter().find_map(|r| r.seeds.first().copied());
        Ok(Self {
            method: match first {
                Some(first) => format!(
                    "{seeds} seeds ({first}..{}) per sampling checker, each run until its first \
                     failure or {} schedules, on each entry's large instance; loom once on its \
                     small one, deterministic, to its own cap (its count is beside them in the \
                     tables, not in the charts).",
                    first.wrapping_add(seeds.saturating_sub(1)),
                    thousands(budget),
                ),
                None => String::new(),
            },
            command: first.map_or_else(String::new, |first| {
                format!("cargo xtask check --seeds {seeds} --iterations {budget} --seed {first}")
            }),
            targets: crate::runs::targets(rows),
            legend: samplers
                .iter()
                .map(|checker| (checker.clone(), palette.css(checker)))
                .collect(),
            zoo,
            kernels,
            charts,
        })
    }
}

/// One entry under one checker over its seeds: the median schedule of the first failure and the
/// 90th percentile, found under how many seeds; loom's one count.
fn speed_cell(row: &RunsToFailure, by_nature: bool) -> Cell {
    let show = |value: Option<usize>| value.map_or_else(|| "–".to_owned(), thousands);
    let found = row.found();
    let class = match found {
        0 if by_nature => "by-nature",
        0 => "missed",
        _ if found == row.runs.len() => "caught",
        _ => "unseen",
    };
    let (text, detail) = if row.seeds.is_empty() {
        match row.median() {
            Some(at) => (format!("#{}", thousands(at)), "deterministic".to_owned()),
            None => ("missed".to_owned(), "deterministic".to_owned()),
        }
    } else {
        (
            format!("{} (p90 {})", show(row.median()), show(row.p90())),
            format!("{found} of {} seeds", row.runs.len()),
        )
    };
    let other = if row.other_kinds > 0 {
        format!("; {} failed with another kind", row.other_kinds)
    } else {
        String::new()
    };
    Cell {
        class,
        text: if found == 0 && by_nature {
            "missed, as expected".to_owned()
        } else {
            text
        },
        detail,
        title: format!("{} under {}: {}{other}", row.entry, row.checker, row.cell()),
    }
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
    /// What a sampled pass rules out (empty for any other verdict).
    pub rules_out: String,
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
        rules_out: s.rules_out().unwrap_or_default(),
    }
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
            "{} on {}: {}{}",
            stats.checker,
            stats.instance,
            verdict_text(stats),
            stats
                .rules_out()
                .map_or_else(String::new, |rules_out| format!("; rules out: {rules_out}"))
        ),
    }
}

/// Per checker whose sampled passes have a bound (PCT), and per depth it ran at: how many of its
/// passes would have found a bug of that depth with a meaningful probability (PCT's bound at
/// least [`checks::harness::MEANINGFUL_BOUND`]), and the weakest of them.
fn weakest_bounds(report: &Report) -> Vec<String> {
    let checkers = first_seen(report.scenarios.iter().map(|s| s.checker.kind().name()));
    let mut lines = Vec::new();
    for checker in checkers {
        // Each sampled pass with a bound, with its bound at each depth.
        let passes: Vec<(&Stats, Vec<(u32, f64)>)> = report
            .scenarios
            .iter()
            .filter(|s| s.checker.kind().name() == checker)
            .map(|s| (s, s.pct_bounds()))
            .filter(|(_, bounds)| !bounds.is_empty())
            .collect();
        let mut depths: Vec<u32> = passes
            .iter()
            .flat_map(|(_, bounds)| bounds.iter().map(|(d, _)| *d))
            .collect();
        depths.sort_unstable();
        depths.dedup();
        for depth in depths {
            let at_depth: Vec<(f64, &Stats)> = passes
                .iter()
                .filter_map(|(stats, bounds)| {
                    let (_, p) = bounds.iter().find(|(d, _)| *d == depth)?;
                    Some((*p, *stats))
                })
                .collect();
            let ruled_out = at_depth
                .iter()
                .filter(|(p, _)| *p >= checks::harness::MEANINGFUL_BOUND)
                .count();
            if let Some((p, stats)) = at_depth.iter().min_by(|a, b| a.0.total_cmp(&b.0)) {
                let shape = stats.shape.unwrap_or_default();
                lines.push(format!(
                    "{checker}: {ruled_out} of its {} sampled passes would have found a bug of \
                     depth {depth} with probability ≥ {:.0} % (PCT's bound at the run's own \
                     threads and steps); the weakest, {} ({} threads, {} steps, {} \
                     schedules{}): {}",
                    at_depth.len(),
                    100.0 * checks::harness::MEANINGFUL_BOUND,
                    stats.scenario,
                    shape.threads,
                    thousands(shape.steps),
                    thousands(stats.schedules),
                    checks::harness::bound_counts(&stats.checker),
                    checks::harness::bound_figure(depth, *p)
                ));
            }
        }
    }
    lines
}

fn empty_cell() -> Cell {
    Cell {
        class: "none",
        text: "—".to_owned(),
        detail: String::new(),
        title: "not run under this checker".to_owned(),
    }
}

/// For each entry of `cells`, the first checker's minimal failure that caught it.
fn caught_traces(cells: &[ZooCell]) -> Vec<(&ZooCell, &MinimalFailure)> {
    let mut shown: Vec<(&ZooCell, &MinimalFailure)> = Vec::new();
    for cell in cells {
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
        let fixes_pass = report
            .zoo
            .iter()
            .chain(&report.goker)
            .all(|z| z.correct.passed());
        let headline = if ok {
            format!(
                "Every scenario passes under every checker ({total}), and every mistake of the \
                 zoo is caught ({entries})."
            )
        } else {
            format!(
                "{verified} of {total} scenarios pass under every checker; {caught} of {entries} \
                 mistakes caught{}.",
                if fixes_pass {
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
            goker: report
                .goker_caught()
                .map(|caught| {
                    format!(
                        "GoKer (GoBench's real Go bugs): {caught} kernels caught by a model \
                         checker"
                    )
                })
                .unwrap_or_default(),
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
            weakest_bounds: weakest_bounds(report),
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
        let runs = report.scenarios.iter().map(run_row).collect();
        let m = &report.machine;
        Ok(Self {
            summary: report.summary(),
            glance,
            changes: previous.map(|previous| Changes::between(previous, report)),
            scenarios,
            zoo,
            goker: GokerView::new(report),
            speed: SpeedView::new(report)?,
            traces: trace_views(&report.zoo),
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

/// Each caught entry's minimal failure among `cells`, laid out.
fn trace_views(cells: &[ZooCell]) -> Vec<TraceView> {
    caught_traces(cells)
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
        .collect()
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
