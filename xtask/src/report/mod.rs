//! `cargo xtask report`: every scenario under every checker, the bug-zoo detection matrix, the
//! benches and the machine, written to `report.json` (the data), `report.md` and `index.html`.
//!
//! Each checker runs in its own child process (`xtask check … --json`): shuttle's panic hook is
//! process-wide and loom's and shuttle's environment variables apply to a whole process. Shards of
//! `xtask check --shard I/N` run elsewhere are combined with `--merge`.
//!
//! `collect` gathers, `schema` holds the data, `cells` words a verdict, `changes` says what
//! changed since the previous report, `view` lays it all out, `markdown` and `html` render the
//! layout through templates (`xtask/templates/`), `charts` draws the bench charts, `browser`
//! checks the page in headless Chromium.

mod browser;
mod cells;
mod changes;
mod charts;
mod collect;
mod html;
mod markdown;
mod schema;
mod view;

use crate::check::{self, Shard};
use anyhow::Context as _;
use clap::Parser;
use collect::BenchMode;
use schema::{BudgetName, Report, SCHEMA};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Instant, SystemTime, UNIX_EPOCH};
use view::View;

/// Arguments of `report`.
#[derive(Parser)]
pub struct Args {
    /// How much to explore: `quick` (CI), `standard` (about two minutes here) or `large` (ten
    /// times the sampling, meant to be spread over machines with `--shard`).
    #[arg(long, value_enum, default_value_t = BudgetName::Standard)]
    budget: BudgetName,
    /// Shorthand for `--budget quick`.
    #[arg(long, conflicts_with = "budget")]
    quick: bool,
    /// Where to write the report.
    #[arg(long, default_value = "target/report")]
    out: PathBuf,
    /// Benches: `auto` shows results younger than a day and otherwise says how to add them;
    /// `run` runs the quick benches first (a few minutes); `reuse` shows any results; `skip`
    /// leaves them out.
    #[arg(long, value_enum, default_value_t = BenchMode::Auto)]
    bench: BenchMode,
    /// Run only the I-th of N shares of every checker's work (`xtask check --shard I/N`), to be
    /// combined on one machine with `--merge`; its stats go to `OUT/logs`.
    #[arg(long, value_parser = check::parse_shard, conflicts_with_all = ["merge", "from"])]
    shard: Option<Shard>,
    /// Build the report from shards' stats instead of running the checkers: each DIR is a
    /// shard's `--out` directory (its `logs/` is read) or a directory of `xtask check --json`
    /// files. Give the shards' `--budget`.
    #[arg(long, num_args = 1.., value_name = "DIR")]
    merge: Vec<PathBuf>,
    /// Render the report held in this `report.json` (one from CI, say) again, running nothing.
    #[arg(long, value_name = "FILE", conflicts_with = "merge")]
    from: Option<PathBuf>,
    /// Also save a screenshot of the page's top (its first HEIGHT pixels at a laptop's width) to
    /// this PNG file; needs Chromium.
    #[arg(long, value_name = "PNG")]
    screenshot: Option<PathBuf>,
    /// The screenshot's height in pixels.
    #[arg(long, default_value_t = 1600)]
    screenshot_height: u32,
}

/// Runs the report.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let budget_name = if args.quick {
        BudgetName::Quick
    } else {
        args.budget
    };
    let budget = budget_name.budget();
    let logs = args.out.join("logs");
    std::fs::create_dir_all(&logs).with_context(|| format!("cannot create {}", logs.display()))?;
    let json_path = args.out.join("report.json");
    // The report this one replaces, to say what changed; unreadable (an older schema) is no
    // comparison, said so.
    let previous = std::fs::read_to_string(&json_path)
        .ok()
        .map(|text| Report::from_json(&text));
    let report = match &args.from {
        Some(file) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            Report::from_json(&text)
                .with_context(|| format!("{} is not a report", file.display()))?
        }
        None => {
            let collect::Checked {
                scenarios,
                zoo,
                goker,
                runs_to_failure,
            } = if args.merge.is_empty() {
                collect::run_checkers(&budget, &logs, started, args.shard)?
            } else {
                collect::merge(&args.merge)?
            };
            let (benches, bench_notes) = match args.shard {
                Some(shard) => (
                    Vec::new(),
                    vec![format!(
                        "shard {shard}: benches belong in the merged report of one machine"
                    )],
                ),
                None => collect::benches(args.bench)?,
            };
            // A shard leaves the model cost to the merged report, as it leaves the benches.
            let operation_costs = if args.shard.is_none() {
                collect::operation_costs(&logs)?
            } else {
                Vec::new()
            };
            let mut report = Report {
                schema: SCHEMA,
                budget_name,
                budget,
                shard: args.shard.map(|shard| shard.to_string()),
                elapsed: started.elapsed(),
                merged_from: args.merge.len(),
                written: SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |since| since.as_secs()),
                machine: collect::machine(),
                scenarios,
                zoo,
                goker,
                runs_to_failure,
                benches,
                bench_notes,
                operation_costs,
            };
            // A merged report's time is its checkers', summed over the shards.
            if !args.merge.is_empty() {
                report.elapsed = report.runs().map(|s| s.elapsed).sum();
            }
            report
        }
    };
    let previous = match previous {
        Some(Ok(previous)) if args.from.is_none() => Some(previous),
        Some(Err(error)) => {
            println!("not compared with the previous report: {error:#}");
            None
        }
        _ => None,
    };
    let view = View::new(&report, previous.as_ref())?;
    let write = |name: &str, text: &str| {
        let path = args.out.join(name);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))
    };
    write("report.md", &markdown::render(&view)?)?;
    if args.from.is_none() {
        write("report.json", &serde_json::to_string_pretty(&report)?)?;
    }
    let html = html::render(&view)?;
    write("index.html", &html)?;
    write(
        "detection_matrix.json",
        &serde_json::to_string_pretty(&report.detection_matrix())?,
    )?;
    write(
        "goker_matrix.json",
        &serde_json::to_string_pretty(&report.goker_matrix())?,
    )?;

    let browser_ok = browser_check(&args, &html)?;

    println!();
    println!("{}", report.summary());
    if let Some(changes) = &view.changes {
        println!(
            "since {}: {} change(s){}",
            changes.since,
            changes.lines.len(),
            if changes.lines.is_empty() {
                ""
            } else {
                " (listed in the report)"
            }
        );
    }
    for note in &report.bench_notes {
        println!("{note}");
    }
    println!("report: {}", args.out.join("index.html").display());
    println!("        {}", args.out.join("report.md").display());
    Ok(if report.all_pass() && browser_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Loads the page in headless Chromium when it is installed, and saves the screenshot asked for;
/// false if the page failed the check.
fn browser_check(args: &Args, html: &str) -> anyhow::Result<bool> {
    let Some(chromium) = browser::find() else {
        println!(
            "browser check: not run, no Chromium on the PATH (Debian: `apt-get install chromium`)"
        );
        anyhow::ensure!(
            args.screenshot.is_none(),
            "--screenshot needs Chromium on the PATH (Debian: `apt-get install chromium`)"
        );
        return Ok(true);
    };
    let problems = browser::check(&chromium, html, &args.out.join("logs"))?;
    if problems.is_empty() {
        println!(
            "browser check: passed in {} at {}×{} (every section, no script error, charts fit, no \
             label over another)",
            chromium.display(),
            browser::WINDOW.0,
            browser::WINDOW.1
        );
    } else {
        println!("browser check FAILED in {}:", chromium.display());
        for problem in &problems {
            println!("  {problem}");
        }
    }
    if let Some(png) = &args.screenshot {
        browser::screenshot(
            &chromium,
            &args.out.join("index.html"),
            png,
            args.screenshot_height,
        )?;
        println!("screenshot: {}", png.display());
    }
    Ok(problems.is_empty())
}

#[cfg(test)]
mod tests {
    use super::schema::ZooCell;
    use super::*;
    use crate::bench::BenchResult;
    use crate::runs::RunsToFailure;
    use checks::goker::{grpc_1748::Grpc1748, moby_7559::Moby7559};
    use checks::harness::{check, Checker, Coverage, Scenario, Verdict};
    use checks::zoo::{lost_update::LostUpdate, relaxed_publication::RelaxedPublication};
    use checks::zoo::{Variant, WithVariant};
    use std::sync::LazyLock;
    use std::time::Duration;

    fn result(function: &str, value: &str, median_ns: f64) -> BenchResult {
        BenchResult {
            group: "channel/1x1".to_owned(),
            function: function.to_owned(),
            value: value.to_owned(),
            elements: Some(1_000),
            median_ns,
        }
    }

    /// Both variants of `M`'s small instance under `checker`, as a report cell.
    fn cell<M: Scenario + WithVariant + Clone>(instance: &M, checker: &Checker) -> ZooCell {
        ZooCell::new(
            check(&instance.clone().with_variant(Variant::Broken), checker),
            check(&instance.clone().with_variant(Variant::Correct), checker),
            checker.kind().name(),
        )
        .expect("a zoo entry or kernel")
    }

    /// The small report's kernel cells, run once for every test that builds the report (real
    /// threads wait out a leak's grace): a blocking kernel caught on real threads only and a racy
    /// one caught under PCT, which real threads cannot see.
    static KERNEL_CELLS: LazyLock<Vec<ZooCell>> = LazyLock::new(|| {
        vec![
            cell(&Moby7559::small(), &Checker::stress(2)),
            cell(&Grpc1748::small(), &Checker::pct(50, 3, 1)),
            cell(&Grpc1748::small(), &Checker::stress(2)),
        ]
    });

    /// A small report: one scenario, one zoo entry caught under PCT and one it cannot see, a
    /// blocking kernel caught on real threads only and a racy one caught under PCT (which real
    /// threads cannot see), three bench results.
    fn small_report() -> Report {
        let checker = Checker::pct(50, 3, 1);
        let instance = LostUpdate::small();
        let scenarios = vec![check(
            &instance.clone().with_variant(Variant::Correct),
            &checker,
        )];
        let zoo = vec![
            cell(&instance, &checker),
            cell(&RelaxedPublication::small(), &checker),
        ];
        Report {
            schema: SCHEMA,
            budget_name: BudgetName::Quick,
            budget: BudgetName::Quick.budget(),
            shard: None,
            merged_from: 0,
            elapsed: Duration::from_secs(1),
            written: 1_000_000,
            machine: collect::machine(),
            scenarios,
            zoo,
            goker: KERNEL_CELLS.clone(),
            runs_to_failure: vec![
                RunsToFailure {
                    entry: "zoo::lost_update".to_owned(),
                    kernel: false,
                    checker: "loom".to_owned(),
                    budget: None,
                    seeds: Vec::new(),
                    runs: vec![Some(7)],
                    other_kinds: 0,
                },
                RunsToFailure {
                    entry: "zoo::lost_update".to_owned(),
                    kernel: false,
                    checker: "shuttle-random".to_owned(),
                    budget: Some(300),
                    seeds: vec![24301, 24302, 24303],
                    runs: vec![Some(4), None, Some(2)],
                    other_kinds: 0,
                },
                RunsToFailure {
                    entry: "zoo::relaxed_publication".to_owned(),
                    kernel: false,
                    checker: "shuttle-random".to_owned(),
                    budget: Some(300),
                    seeds: vec![24301, 24302, 24303],
                    runs: vec![None, None, None],
                    other_kinds: 0,
                },
            ],
            benches: vec![
                result("kit", "64", 2_000.0),
                result("crossbeam", "64", 1_000.0),
                result("kit", "0", 4_000.0),
            ],
            bench_notes: vec!["bench results from a fixture".to_owned()],
            operation_costs: vec![checks::harness::cost::OperationCost {
                operation: "hand-over from a fixture".to_owned(),
                threads: 2,
                fewest: 5,
                most: 9,
                schedules: 1_234,
            }],
        }
    }

    #[test]
    fn markdown_has_the_glance_matrices_benches_and_traces() {
        let report = small_report();
        let md = markdown::render(&View::new(&report, None).expect("lays out")).expect("renders");
        assert!(
            md.contains("1 of 1 scenarios pass under every checker"),
            "{md}"
        );
        assert!(md.contains("bug zoo: 1 of 2 mistakes caught"), "{md}");
        assert!(
            md.contains("| shuttle-pct | 1 of 1 | 0 | 0 | 1 | 0 |"),
            "the glance tallies the checker: {md}"
        );
        let matrix_row = md
            .lines()
            .find(|l| l.starts_with("| `zoo::lost_update` | assertion |"))
            .unwrap_or_else(|| panic!("no matrix row:\n{md}"));
        assert!(matrix_row.contains("✓ caught at #"), "{matrix_row}");
        let missed = md
            .lines()
            .find(|l| l.starts_with("| `zoo::relaxed_publication` |"))
            .unwrap_or_else(|| panic!("no matrix row:\n{md}"));
        assert!(missed.contains("missed, as expected"), "{missed}");
        assert!(
            md.contains("| hand-over from a fixture | 2 | 5–9 | 1,234 |"),
            "the operation costs are listed: {md}"
        );
        // ours at 2 µs against crossbeam at 1 µs: twice the time.
        assert!(md.contains("**channel/1x1**: 64: crossbeam 2.00"), "{md}");
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
        assert!(
            md.contains("| `zoo::lost_update` | shuttle-pct (depth 3, seed 1) |"),
            "every run is still listed: {md}"
        );
        // the caught mistake's minimal trace, one column per thread, with what was shrunk.
        let traces = md
            .split("## Why each mistake fails")
            .nth(1)
            .expect("a traces section");
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
    fn speed_section_shows_each_checkers_runs_to_the_first_failure() {
        let report = small_report();
        let md = markdown::render(&View::new(&report, None).expect("lays out")).expect("renders");
        let section = md
            .split("## How fast each checker finds each bug")
            .nth(1)
            .and_then(|rest| rest.split("## Benchmarks").next())
            .unwrap_or_else(|| panic!("no speed section:\n{md}"));
        assert!(
            section.contains("3 seeds (24301..24303) per sampling checker")
                && section.contains("--seeds 3 --iterations 300 --seed 24301"),
            "the seeds, and how to repeat the run: {section}"
        );
        assert!(
            section.contains("| mistake | must fail as | loom | shuttle-random |"),
            "{section}"
        );
        // Nearest rank over [2, 4, miss]: the median is 4, the 90th percentile a miss.
        assert!(
            section.contains(
                "| `zoo::lost_update` | assertion | #7, deterministic | 4 (p90 –), 2 of 3 seeds |"
            ),
            "{section}"
        );
        // Only loom sees the relaxed publication: shuttle missing it is its nature.
        assert!(
            section.contains(
                "| `zoo::relaxed_publication` | assertion | — | missed, as expected, 0 of 3 seeds |"
            ),
            "{section}"
        );
        assert!(
            !section.contains("POS or URW"),
            "no target compares checkers that did not run: {section}"
        );
        assert!(
            !section.contains("| kernel |"),
            "no kernel table without kernel rows: {section}"
        );
        let view = View::new(&report, None).expect("lays out");
        assert_eq!(view.speed.charts.len(), 1, "the zoo's chart only");
        assert_eq!(
            view.speed.zoo.rows[0].cells[1].class, "unseen",
            "found under some seeds, not all"
        );
        assert_eq!(view.speed.zoo.rows[0].cells[0].class, "caught");
        let mut none = report.clone();
        none.runs_to_failure.clear();
        let md = markdown::render(&View::new(&none, None).expect("lays out")).expect("renders");
        assert!(
            !md.contains("## How fast each checker finds each bug"),
            "an older report without the statistics has no section: {md}"
        );
    }

    #[test]
    fn a_sampled_pass_says_what_it_rules_out() {
        let report = small_report();
        let view = View::new(&report, None).expect("lays out");
        assert_eq!(
            view.glance.weakest_bounds.len(),
            1,
            "{:?}",
            view.glance.weakest_bounds
        );
        let line = &view.glance.weakest_bounds[0];
        assert!(
            line.starts_with("shuttle-pct: ")
                && line.contains("of its 1 sampled passes would have found a bug of depth 3")
                && line.contains("the weakest, zoo::lost_update (")
                && line.contains("50 schedules")
                && line.contains("depth 3 ≥ "),
            "{line}"
        );
        assert!(
            view.runs[0].rules_out.contains("PCT's bound"),
            "every run's row: {}",
            view.runs[0].rules_out
        );
        assert!(
            view.scenarios.rows[0].cells[0]
                .title
                .contains("; rules out: "),
            "the cell's hover: {}",
            view.scenarios.rows[0].cells[0].title
        );
        // A second pass over a larger program: its bound is the weaker, and is the one named.
        let mut two = report.clone();
        let mut larger = two.scenarios[0].clone();
        larger.scenario = "zoo::lost_update_larger".to_owned();
        larger.shape = Some(checks::harness::Shape {
            threads: 50,
            steps: 10_000,
        });
        two.scenarios.push(larger);
        let view = View::new(&two, None).expect("lays out");
        assert!(
            view.glance.weakest_bounds[0].contains("of its 2 sampled passes")
                && view.glance.weakest_bounds[0].contains(
                    "the weakest, zoo::lost_update_larger (50 threads, 10,000 steps, 50 schedules)"
                ),
            "{:?}",
            view.glance.weakest_bounds
        );
        let mut unmeasured = report.clone();
        unmeasured.scenarios[0].shape = None;
        let view = View::new(&unmeasured, None).expect("lays out");
        assert!(view.glance.weakest_bounds.is_empty() && view.runs[0].rules_out.is_empty());
    }

    #[test]
    fn html_opens_with_the_verdict_then_the_matrices_and_charts() {
        let report = small_report();
        let html = html::render(&View::new(&report, None).expect("lays out")).expect("renders");
        assert!(html.starts_with("<!doctype html>"));
        let at = |needle: &str| {
            html.find(needle)
                .unwrap_or_else(|| panic!("no {needle:?} in the page"))
        };
        assert!(at("id=\"verdict\"") < at("id=\"scenarios\""));
        assert!(at("id=\"scenarios\"") < at("id=\"zoo\""));
        assert!(at("id=\"zoo\"") < at("id=\"benches\""));
        assert!(at("id=\"benches\"") < at("id=\"traces\""));
        assert!(
            html.contains("class=\"glance bad\""),
            "a missed entry is not an all-clear"
        );
        assert!(html.contains("class=\"caught\""), "{html}");
        assert!(html.contains("class=\"by-nature\""), "{html}");
        assert!(
            html.contains("title=\"shuttle-pct (depth 3, seed 1) on {&#34;increments&#34;:1"),
            "the instance on hover: {html}"
        );
        assert_eq!(
            html.matches("<svg").count(),
            2,
            "one chart per bench group, and the zoo's runs-to-failure chart"
        );
        assert!(at("id=\"goker\"") < at("id=\"speed\""));
        assert!(at("id=\"speed\"") < at("id=\"benches\""));
        assert_eq!(
            html.matches("<table class=\"trace\">").count(),
            2,
            "the caught entry's trace and the caught kernel's"
        );
        assert!(at("id=\"zoo\"") < at("id=\"goker\""));
        assert!(at("id=\"goker\"") < at("id=\"benches\""));
        assert!(html.contains("GoKer kernels × checker"), "the glance's map");
        assert!(
            html.contains("class=\"step failing\""),
            "the failing step is marked"
        );
        assert!(
            !html.contains("| # | line |"),
            "the trace is an HTML table, not Markdown"
        );
        assert!(
            !html.contains("<script") && !html.contains("<link") && !html.contains("src="),
            "no external resources"
        );
    }

    #[test]
    fn goker_section_sets_the_totals_beside_the_published_figures() {
        let report = small_report();
        let md = markdown::render(&View::new(&report, None).expect("lays out")).expect("renders");
        let section = md
            .split("## Real-world bugs (GoKer)")
            .nth(1)
            .and_then(|rest| rest.split("## Benchmarks").next())
            .unwrap_or_else(|| panic!("no GoKer section:\n{md}"));
        // Columns: stress, shuttle-pct. The blocking kernel failed on real threads only, which
        // leave no schedule to replay: shown, not counted.
        assert!(
            section.contains(
                "| **blocking** | **all** | **67 of 68** | **1** | **0** | **0 of 68 (0.0 %)** | \
                 goleak 43 of 68 (63.2 %), go-deadlock 28 of 68 (41.2 %), dingo-hunter 1 of 68 |"
            ),
            "{section}"
        );
        assert!(
            section.contains(
                "| **non-blocking** | **all** | **35 of 35** | **0** | **1** | **1 of 35 (2.9 %)** | \
                 Go's race detector 32 of 35 (91.4 %) |"
            ),
            "{section}"
        );
        assert!(
            section.contains(
                "| blocking | Resource Deadlock / Double locking | 12 of 12 | 1 | 0 | 0 of 12 (0.0 %) |"
            ),
            "a row per GoBench subtype, counted over GoKer's kernels: {section}"
        );
        assert!(
            section.contains(
                "| blocking | Mixed Deadlock / Channel & WaitGroup | 1 of 2 | 0 | 0 | 0 of 2 (0.0 %) |"
            ),
            "a subtype none of whose kernels ran, with the one not ported: {section}"
        );
        assert!(
            section.contains("* not ported: goker::cockroach_1055 (blocking"),
            "{section}"
        );
        let racy = section
            .lines()
            .find(|l| l.starts_with("| `goker::grpc_1748` | data race · Traditional / Data race |"))
            .unwrap_or_else(|| panic!("no kernel row:\n{section}"));
        assert!(
            racy.contains("missed, as expected") && racy.contains("✓ caught at #"),
            "real threads cannot see a data race; PCT caught it: {racy}"
        );
        assert!(
            md.contains(
                "* GoKer (GoBench's real Go bugs): 0 of 68 blocking and 1 of 35 non-blocking kernels \
                 caught by a model checker"
            ),
            "{md}"
        );
        assert!(
            md.contains("### `goker::grpc_1748` (data race)"),
            "the kernel's trace: {md}"
        );
        // `cell`'s broken variant replaced by `failing` failed as a leak, as the matrix shows it.
        let leaking = |cell: &ZooCell, failing: &ZooCell| {
            let mut cell = cell.clone();
            cell.broken = failing.broken.clone();
            if let Verdict::Fail(failure) = &mut cell.broken.verdict {
                failure.kind = checks::harness::FailureKind::Leak;
            }
            let shown = cells::zoo_cell(&cell);
            (shown.class, shown.text)
        };
        // Real threads cannot see the race, but may see what it led to: not a wrong kind.
        assert_eq!(
            leaking(&report.goker[2], &report.goker[1]),
            ("by-nature", "cannot see it; failed as leak".to_owned())
        );
        // A model checker's other kind is a wrong kind, even where the entry lists the checker
        // as missing the mistake (relaxed_publication under PCT).
        assert!(report.zoo[1].missed_by_nature);
        assert_eq!(
            leaking(&report.zoo[1], &report.zoo[0]),
            ("fail", "✗ wrong kind: leak".to_owned())
        );
        let matrix = report.goker_matrix();
        assert_eq!(matrix[1]["entry"], "goker::grpc_1748");
        assert_eq!(matrix[1]["class"], "non-blocking");
        assert_eq!(matrix[1]["gobench_subtype"], "Data race");
        assert_eq!(matrix[1]["caught"], true);
    }

    #[test]
    fn a_kernel_fix_that_fails_fails_the_report() {
        let mut report = small_report();
        assert!(report.all_pass());
        report.goker[1].correct = report.goker[1].broken.clone();
        assert!(!report.all_pass(), "a fix failing is a false alarm");
        let view = View::new(&report, None).expect("lays out");
        assert!(
            view.glance.headline.contains("a correct variant failed"),
            "{}",
            view.glance.headline
        );
    }

    #[test]
    fn report_json_round_trips_and_refuses_another_schema() {
        let report = small_report();
        let json = serde_json::to_string(&report).expect("serializes");
        let back = Report::from_json(&json).expect("reads its own schema");
        assert_eq!(back.summary(), report.summary());
        let old = json.replacen(&format!("\"schema\":{SCHEMA}"), "\"schema\":1", 1);
        let error = Report::from_json(&old).expect_err("another schema");
        assert!(error.to_string().contains("schema"), "{error}");
    }

    #[test]
    fn detection_matrix_says_where_each_mistake_was_caught() {
        let report = small_report();
        let matrix = report.detection_matrix();
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
        assert_eq!(matrix[1]["caught"], false);
        assert_eq!(matrix[1]["missed_by_nature"], true);
    }

    #[test]
    fn merged_shards_add_up_and_keep_a_failure() {
        let checker = Checker::random(20, 1);
        let pass = check(
            &LostUpdate::large().with_variant(Variant::Correct),
            &checker,
        );
        let mut shard = pass.clone();
        let mut larger = pass.clone();
        let shape = pass.shape.expect("shuttle measures its runs");
        larger.shape = Some(checks::harness::Shape {
            threads: shape.threads + 1,
            steps: shape.steps,
        });
        collect::absorb(&mut shard, larger);
        assert_eq!(shard.schedules, 2 * pass.schedules);
        assert!(shard.passed());
        assert_eq!(
            shard.shape.map(|s| (s.threads, s.steps)),
            Some((shape.threads + 1, shape.steps)),
            "the merged shape is the larger of the two"
        );
        let fail = check(
            &LostUpdate::large().with_variant(Variant::Broken),
            &Checker::pct(200, 3, 1),
        );
        collect::absorb(&mut shard, fail);
        assert!(!shard.passed(), "one failing shard fails the merged stats");
    }

    #[test]
    fn shards_that_each_ran_the_only_schedule_count_it_once() {
        // One goroutine and no random draw: PCT's one schedule is the only one. (A select's
        // coin flips are random data, which PCT goes on sampling.)
        let only = check(
            &Moby7559::large().with_variant(Variant::Correct),
            &Checker::pct(200, 3, 1),
        );
        assert!(matches!(only.verdict, Verdict::Pass(Coverage::Exhaustive)));
        let mut merged = only.clone();
        collect::absorb(&mut merged, only.clone());
        collect::absorb(&mut merged, only.clone());
        assert_eq!(merged.schedules, only.schedules);
        assert!(matches!(
            merged.verdict,
            Verdict::Pass(Coverage::Exhaustive)
        ));
    }

    #[test]
    fn changes_name_verdicts_and_bench_ratios_that_moved() {
        let now = small_report();
        let mut previous = now.clone();
        previous.written = now.written - 7_200;
        previous.zoo.pop();
        for result in &mut previous.benches {
            if result.function == "crossbeam" {
                // Was as fast as ours; now ours takes twice its time.
                result.median_ns = 2_000.0;
            }
        }
        let changes = changes::Changes::between(&previous, &now);
        assert!(
            changes.since.contains("2 h 0 min earlier"),
            "{}",
            changes.since
        );
        assert_eq!(
            changes.lines,
            [
                "new: zoo `zoo::relaxed_publication` under shuttle-pct: missed, as expected",
                "bench channel/1x1 64, ours ÷ crossbeam: 1.00 → 2.00 (+100 %)",
            ],
        );
        let mut before_kernels = now.clone();
        before_kernels.goker.clear();
        assert_eq!(
            changes::Changes::between(&before_kernels, &now).lines,
            ["new: the GoKer cells (3)"],
            "a family new since the last report is one line"
        );
        // Missed before: its broken run passed as the fix's does.
        let mut missed_before = now.clone();
        missed_before.goker[0].broken = now.goker[0].correct.clone();
        let moved = changes::Changes::between(&missed_before, &now).lines;
        assert_eq!(moved.len(), 1, "{moved:?}");
        assert!(
            moved[0].starts_with("GoKer `goker::moby_7559` under stress: missed → ✓ caught at #"),
            "{moved:?}"
        );
        let same = changes::Changes::between(&now, &now);
        assert!(same.lines.is_empty(), "{:?}", same.lines);
        let md = markdown::render(&View::new(&now, Some(&previous)).expect("lays out"))
            .expect("renders");
        assert!(md.contains("## Changes"), "{md}");
        assert!(md.contains("* bench channel/1x1 64"), "{md}");
    }

    /// The browser check passes the report and fails a page with each defect it looks for.
    /// Needs Chromium; says so and checks nothing without it.
    #[test]
    fn browser_check_passes_the_report_and_fails_a_broken_page() {
        let Some(chromium) = browser::find() else {
            println!("no Chromium on the PATH: the browser check is not exercised here");
            return;
        };
        // A space and a '#' in the path: the page's URL must escape them.
        let scratch = std::env::temp_dir().join(format!("xtask browser #{}", std::process::id()));
        std::fs::create_dir_all(&scratch).expect("a scratch directory");
        let report = small_report();
        let html = html::render(&View::new(&report, None).expect("lays out")).expect("renders");
        let problems = browser::check(&chromium, &html, &scratch).expect("runs");
        assert!(problems.is_empty(), "{problems:?}");

        let broken = "<!doctype html><html><body><section id=\"verdict\"></section>\
            <figure style=\"width:200px\"><svg width=\"3000\" height=\"50\">\
            <text x=\"10\" y=\"20\">first</text><text x=\"12\" y=\"21\">second</text></svg>\
            </figure><script>undefinedFunction();</script></body></html>";
        let problems = browser::check(&chromium, broken, &scratch).expect("runs");
        let all = problems.join("\n");
        for needle in [
            "script error",
            "missing section #scenarios",
            "chart 1 overflows its box",
            "labels \"first\" and \"second\" overlap",
            "the page is",
        ] {
            assert!(all.contains(needle), "{needle:?} not in:\n{all}");
        }
        let _ = std::fs::remove_dir_all(&scratch);
    }

    #[test]
    fn merging_a_shard_twice_is_refused() {
        let dir = std::env::temp_dir().join(format!("xtask-merge-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        let cell = small_report().zoo.remove(0);
        let stats = [cell.broken.clone(), cell.correct.clone()];
        std::fs::write(
            dir.join("zoo-shuttle-pct.json"),
            serde_json::to_string(&stats).expect("serializes"),
        )
        .expect("written");
        let kernel = small_report().goker.remove(1);
        std::fs::write(
            dir.join("goker-shuttle-pct.json"),
            serde_json::to_string(&[&kernel.broken, &kernel.correct]).expect("serializes"),
        )
        .expect("written");
        let merged = collect::merge(std::slice::from_ref(&dir)).expect("one shard merges");
        assert_eq!(merged.zoo.len(), 1);
        assert_eq!(merged.zoo[0].correct.schedules, cell.correct.schedules);
        assert_eq!(merged.goker.len(), 1, "the kernel is not a zoo entry");
        assert_eq!(merged.goker[0].entry, "goker::grpc_1748");
        let error = collect::merge(&[dir.clone(), dir.clone()]).expect_err("the same shard twice");
        assert!(error.to_string().contains("twice"), "{error}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn merged_runs_to_failure_are_the_shards_rows_and_every_shard_must_have_them() {
        let scratch = std::env::temp_dir().join(format!("xtask-merge-runs-{}", std::process::id()));
        let rows = small_report().runs_to_failure;
        // A shard's directory: its runs to the first failure in `file`, and a zoo cell's stats
        // (each shard's in its own order, so no two files are the same) unless `stats` is None.
        let shard = |name: &str, runs: &[RunsToFailure], file: &str, stats: Option<bool>| {
            let dir = scratch.join(name);
            std::fs::create_dir_all(&dir).expect("a scratch directory");
            if let Some(reversed) = stats {
                let cell = small_report().zoo.remove(0);
                let mut both = vec![cell.broken, cell.correct];
                if reversed {
                    both.reverse();
                }
                std::fs::write(
                    dir.join(format!("zoo-{name}.json")),
                    serde_json::to_string(&both).expect("serializes"),
                )
                .expect("written");
            }
            std::fs::write(
                dir.join(file),
                serde_json::to_string(runs).expect("serializes"),
            )
            .expect("written");
            dir
        };
        // The relaxed publication comes after the lost update in the catalog, whichever shard
        // held which; a shard with no entry of its own writes an empty list, as does another.
        let a = shard("a", &rows[2..], "runs_to_failure.json", Some(false));
        let b = shard("b", &rows[..2], "runs_to_failure-2-of-3.json", Some(true));
        let empty = shard("c", &[], "runs_to_failure.json", None);
        let also_empty = shard("d", &[], "runs_to_failure.json", None);
        let merged =
            collect::merge(&[a.clone(), b.clone(), empty, also_empty]).expect("the shards merge");
        let entries: Vec<(&str, &str)> = merged
            .runs_to_failure
            .iter()
            .map(|r| (r.entry.as_str(), r.checker.as_str()))
            .collect();
        assert_eq!(
            entries,
            [
                ("zoo::lost_update", "loom"),
                ("zoo::lost_update", "shuttle-random"),
                ("zoo::relaxed_publication", "shuttle-random"),
            ]
        );
        let old = scratch.join("old");
        std::fs::create_dir_all(&old).expect("a scratch directory");
        std::fs::copy(a.join("zoo-a.json"), old.join("zoo-old.json")).expect("copied");
        std::fs::remove_file(b.join("zoo-b.json")).expect("removed");
        let error = collect::merge(&[b, old]).expect_err("one shard without the statistics");
        assert!(
            error.to_string().contains("hold runs to the first failure"),
            "{error}"
        );
        let _ = std::fs::remove_dir_all(&scratch);
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(cells::thousands(0), "0");
        assert_eq!(cells::thousands(999), "999");
        assert_eq!(cells::thousands(1_000), "1,000");
        assert_eq!(cells::thousands(12_345_678), "12,345,678");
    }
}
