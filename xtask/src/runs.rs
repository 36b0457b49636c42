//! `cargo xtask check --zoo broken --seeds N`: how many schedules each checker needs to find each
//! zoo entry's and GoKer kernel's bug, over N seeds: found under k of N, the median and the 90th
//! percentile of the schedule of the first failure, loom's one deterministic count beside them.

use crate::check::{Args, DEFAULT_SCHEDULES};
use checks::catalog;
use checks::harness::{CheckerKind, Verdict};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// Whether `--seeds` measures `kind`: loom (one deterministic count) and every sampling checker.
/// shuttle DFS enumerates without reduction, for the zoo's tiny instances only; real threads
/// leave no schedule to count.
pub fn measured(kind: CheckerKind) -> bool {
    kind == CheckerKind::Loom || !(kind.enumerates() || kind == CheckerKind::Stress)
}

/// How the files of these statistics are named (`runs_to_failure.json` in a report's logs,
/// `runs_to_failure-I-of-N.json` for a shard run by hand): the report's merge knows them by it.
pub const FILE_STEM: &str = "runs_to_failure";

/// One entry under one checker, over its seeds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunsToFailure {
    /// The zoo entry or kernel.
    pub entry: String,
    /// Whether it is a GoKer kernel.
    pub kernel: bool,
    /// The checker's name.
    pub checker: String,
    /// Schedules each seed may run (`None` for loom, which runs to its own cap).
    pub budget: Option<usize>,
    /// The seeds, one run each (empty for loom, which has none and runs once).
    pub seeds: Vec<u64>,
    /// Per run, the schedule (1-based) of the first failure of the expected kind; `None` if the
    /// run passed its budget or failed another way.
    pub runs: Vec<Option<usize>>,
    /// Runs that failed with another kind than the entry's.
    pub other_kinds: usize,
}

impl RunsToFailure {
    /// Runs that found the bug.
    pub fn found(&self) -> usize {
        self.runs.iter().flatten().count()
    }

    /// The `q`-quantile (nearest rank) of the schedules to the first failure, a miss counting as
    /// more than any budget: `None` when the rank falls on a miss.
    pub fn quantile(&self, q: f64) -> Option<usize> {
        let mut found: Vec<usize> = self.runs.iter().flatten().copied().collect();
        found.sort_unstable();
        let rank = ((q * self.runs.len() as f64).ceil() as usize).max(1);
        found.get(rank - 1).copied()
    }

    /// The median (nearest rank).
    pub fn median(&self) -> Option<usize> {
        self.quantile(0.5)
    }

    /// The 90th percentile (nearest rank).
    pub fn p90(&self) -> Option<usize> {
        self.quantile(0.9)
    }

    /// "k/N median (p90)", misses written as "–".
    pub fn cell(&self) -> String {
        let show = |value: Option<usize>| value.map_or("–".to_owned(), |v| v.to_string());
        format!(
            "{}/{} {} ({})",
            self.found(),
            self.runs.len(),
            show(self.median()),
            show(self.p90())
        )
    }
}

/// Runs every selected broken entry under each measured checker, `seeds` times (loom once); with
/// `--shard I/N`, the I-th share of the entries (the same seeds, so N shards' rows are one run's).
pub fn collect(args: &Args, seeds: u64) -> anyhow::Result<Vec<RunsToFailure>> {
    anyhow::ensure!(seeds > 0, "--seeds 0 runs nothing; give at least 1");
    checks::harness::set_verbose(args.verbose);
    let kinds: Vec<CheckerKind> = match args.checker {
        Some(kind) => vec![kind],
        None => CheckerKind::ALL
            .into_iter()
            .filter(|&k| measured(k))
            .collect(),
    };
    if let Some(kind) = kinds.iter().find(|&&kind| !measured(kind)) {
        anyhow::bail!(
            "--seeds measures loom and the sampling checkers; {kind} {}",
            if *kind == CheckerKind::Stress {
                "leaves no schedule to count"
            } else {
                "enumerates the zoo's tiny instances only"
            }
        );
    }
    let matches = |name: &str| args.pattern.as_deref().is_none_or(|p| name.starts_with(p));
    let zoo = catalog::zoo().into_iter().map(|zoo| (zoo, false));
    let kernels = catalog::kernels().into_iter().map(|k| (k.zoo, true));
    let selected: Vec<_> = zoo
        .chain(kernels)
        .filter(|(z, _)| matches(z.entry.name))
        .collect();
    anyhow::ensure!(
        !selected.is_empty(),
        "no zoo entry or GoKer kernel matches {:?}",
        args.pattern.as_deref().unwrap_or("")
    );
    let mut rows = Vec::new();
    for (position, (zoo, kernel)) in selected.iter().enumerate() {
        if args.shard.is_some_and(|shard| !shard.owns(position)) {
            continue;
        }
        crate::check::progress(position, selected.len(), zoo.entry.name);
        for &kind in &kinds {
            let mut one = args.clone();
            one.checker = Some(kind);
            one.shard = None;
            // loom runs once, to its own cap: `--iterations` is the sampling checkers' budget.
            let plan: Vec<Option<u64>> = if kind.enumerates() {
                one.iterations = None;
                vec![None]
            } else {
                (0..seeds)
                    .map(|i| Some(args.seed.wrapping_add(i)))
                    .collect()
            };
            let mut row = RunsToFailure {
                entry: zoo.entry.name.to_owned(),
                kernel: *kernel,
                checker: kind.name().to_owned(),
                budget: (!kind.enumerates()).then(|| args.iterations.unwrap_or(DEFAULT_SCHEDULES)),
                seeds: plan.iter().flatten().copied().collect(),
                runs: Vec::new(),
                other_kinds: 0,
            };
            for seed in plan {
                if let Some(seed) = seed {
                    one.seed = seed;
                }
                let checker = one.checker(zoo.entry.loom_bound);
                let stats = (zoo.first_failure)(one.size(), &checker);
                row.runs.push(match &stats.verdict {
                    Verdict::Fail(report) if report.kind == zoo.caught_as => Some(report.schedule),
                    Verdict::Fail(_) => {
                        row.other_kinds += 1;
                        None
                    }
                    Verdict::Pass(_) => None,
                });
            }
            rows.push(row);
        }
    }
    Ok(rows)
}

/// `items` without repeats, in the order each first appears (the report's matrices use it too).
pub fn first_seen<'a>(items: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen = Vec::new();
    for item in items {
        if !seen.contains(&item) {
            seen.push(item);
        }
    }
    seen
}

/// The rows as a table, one line per entry, one column per checker.
pub fn table(rows: &[RunsToFailure]) -> String {
    let checkers = first_seen(rows.iter().map(|row| row.checker.as_str()));
    let entries = first_seen(rows.iter().map(|row| row.entry.as_str()));
    let mut out = format!("| entry | {} |\n", checkers.join(" | "));
    let _ = writeln!(out, "|---|{}", "---|".repeat(checkers.len()));
    for entry in entries {
        let cells: Vec<String> = checkers
            .iter()
            .map(|checker| {
                rows.iter()
                    .find(|row| row.entry == entry && row.checker == *checker)
                    .map_or(String::new(), RunsToFailure::cell)
            })
            .collect();
        let _ = writeln!(out, "| `{entry}` | {} |", cells.join(" | "));
    }
    out
}

/// The targets, measured on these rows, the zoo's and the kernels' apart: each line names the
/// target, what was compared, and whether it was met.
pub fn targets(rows: &[RunsToFailure]) -> Vec<String> {
    let mut lines = Vec::new();
    for (set, kernel) in [("zoo", false), ("kernels", true)] {
        let of: Vec<RunsToFailure> = rows
            .iter()
            .filter(|r| r.kernel == kernel)
            .cloned()
            .collect();
        lines.extend(
            targets_of(&of)
                .into_iter()
                .map(|line| format!("{set}: {line}")),
        );
    }
    lines
}

/// "met" or "not met".
fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "not met"
    }
}

/// The budgets below the run's own at which the portfolio and random are compared again, from
/// the same runs: a run counts as finding the bug within b schedules if its first failure came
/// by schedule b.
const SMALLER_BUDGETS: [usize; 4] = [1, 3, 10, 30];

/// The targets over one set of rows. An entry counts as caught by a checker when its median is
/// defined: found under at least half the seeds.
fn targets_of(rows: &[RunsToFailure]) -> Vec<String> {
    let of = |entry: &str, checker: CheckerKind| {
        rows.iter()
            .find(|row| row.entry == entry && row.checker == checker.name())
    };
    let median = |entry: &str, checker: CheckerKind| of(entry, checker).and_then(|r| r.median());
    let ran = |checker: CheckerKind| rows.iter().any(|row| row.checker == checker.name());
    let entries = first_seen(rows.iter().map(|row| row.entry.as_str()));
    let singles = [
        CheckerKind::ShuttleRandom,
        CheckerKind::ShuttlePct,
        CheckerKind::ShuttleUrw,
        CheckerKind::ShuttlePos,
    ];
    let mut lines = Vec::new();
    if ran(CheckerKind::ShuttlePortfolio) {
        let mut caught = 0;
        let mut within = 0;
        let mut short = Vec::new();
        for &entry in &entries {
            let Some(best) = singles.iter().filter_map(|&c| median(entry, c)).min() else {
                continue;
            };
            caught += 1;
            match median(entry, CheckerKind::ShuttlePortfolio) {
                Some(portfolio) if portfolio as f64 <= 1.5 * best as f64 => within += 1,
                Some(portfolio) => short.push(format!("{entry} ({portfolio} against {best})")),
                None => short.push(format!("{entry} (missed; best single {best})")),
            }
        }
        lines.push(format!(
            "target \"the portfolio catches what a single strategy catches, at a median within \
             1.5x of the best one's\": {}, on {within} of the {caught} entries a single strategy \
             catches (the portfolio's members take turns, so where one member alone finds a bug \
             at its first schedules the portfolio needs up to 5x as many){}",
            verdict(within == caught),
            if short.is_empty() {
                String::new()
            } else {
                format!("; not on: {}", short.join(", "))
            }
        ));
    }
    if ran(CheckerKind::ShuttleRandom)
        && (ran(CheckerKind::ShuttlePos) || ran(CheckerKind::ShuttleUrw))
    {
        // Random needs more than one schedule: its median is past 1, or a miss.
        let needs_more: Vec<&str> = entries
            .iter()
            .filter(|&&e| median(e, CheckerKind::ShuttleRandom).is_none_or(|m| m > 1))
            .filter(|&&e| singles.iter().any(|&c| median(e, c).is_some()))
            .copied()
            .collect();
        let beaten = needs_more
            .iter()
            .filter(|&&entry| {
                let random = median(entry, CheckerKind::ShuttleRandom).unwrap_or(usize::MAX);
                [CheckerKind::ShuttlePos, CheckerKind::ShuttleUrw]
                    .iter()
                    .any(|&c| median(entry, c).is_some_and(|m| m < random))
            })
            .count();
        lines.push(format!(
            "target \"POS or URW beats random's median on at least half the entries random needs \
             more than one schedule for\": {}, on {beaten} of {} (a miss of random's counts as \
             past every budget)",
            verdict(2 * beaten >= needs_more.len()),
            needs_more.len()
        ));
    }
    if ran(CheckerKind::ShuttlePortfolio) && ran(CheckerKind::ShuttleRandom) {
        let budget = rows.iter().find_map(|row| row.budget).unwrap_or(0);
        // Caught within `b` schedules under at least half the seeds: the median is at most b.
        let caught = |checker: CheckerKind, b: usize| {
            entries
                .iter()
                .filter(|&&entry| median(entry, checker).is_some_and(|m| m <= b))
                .count()
        };
        let budgets = SMALLER_BUDGETS
            .into_iter()
            .filter(|&b| b < budget)
            .chain([budget]);
        let at: Vec<String> = budgets
            .map(|b| {
                let (portfolio, random) = (
                    caught(CheckerKind::ShuttlePortfolio, b),
                    caught(CheckerKind::ShuttleRandom, b),
                );
                let needed = (5 * random).div_ceil(4);
                let outcome = if random > 0 && portfolio >= needed {
                    "met".to_owned()
                } else if random == 0 {
                    "random catches none".to_owned()
                } else {
                    format!("short by {}", needed - portfolio.min(needed))
                };
                format!("{b}: {portfolio} against {random} ({outcome})")
            })
            .collect();
        lines.push(format!(
            "target \"the portfolio catches at least 25 % more than random at a fixed budget\", \
             of {} entries, at each budget (schedules): {}",
            entries.len(),
            at.join("; ")
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::{targets, RunsToFailure};

    fn row(runs: Vec<Option<usize>>) -> RunsToFailure {
        RunsToFailure {
            entry: "zoo::x".into(),
            kernel: false,
            checker: "shuttle-random".into(),
            budget: Some(100),
            seeds: (0..runs.len() as u64).collect(),
            runs,
            other_kinds: 0,
        }
    }

    #[test]
    fn quantiles_take_the_nearest_rank_and_count_a_miss_as_past_every_budget() {
        let all = row(vec![Some(4), Some(1), Some(9), Some(2)]);
        assert_eq!(all.median(), Some(2));
        assert_eq!(all.p90(), Some(9));
        let half = row(vec![Some(3), None, Some(1), None]);
        assert_eq!(half.found(), 2);
        assert_eq!(half.median(), Some(3));
        assert_eq!(half.p90(), None);
        let few = row(vec![None, None, Some(7)]);
        assert_eq!(few.median(), None);
        assert_eq!(few.cell(), "1/3 – (–)");
    }

    /// A row of `entry` (a kernel if its name says so) under `checker`.
    fn of(entry: &str, checker: &str, runs: Vec<Option<usize>>) -> RunsToFailure {
        RunsToFailure {
            entry: entry.into(),
            kernel: entry.starts_with("goker::"),
            checker: checker.into(),
            ..row(runs)
        }
    }

    #[test]
    fn targets_compare_the_portfolio_with_the_best_single_and_random_per_set() {
        let rows = vec![
            // Random needs 4; POS 2; the portfolio 3, within 1.5× of 2.
            of("zoo::a", "shuttle-random", vec![Some(4), Some(4)]),
            of("zoo::a", "shuttle-pos", vec![Some(2), Some(2)]),
            of("zoo::a", "shuttle-portfolio", vec![Some(3), Some(3)]),
            // Random alone finds it, at 1; the portfolio at 2: not within 1.5×.
            of("zoo::b", "shuttle-random", vec![Some(1), Some(1)]),
            of("zoo::b", "shuttle-pos", vec![None, None]),
            of("zoo::b", "shuttle-portfolio", vec![Some(2), Some(2)]),
            // A kernel random catches under one seed of three: a miss at the median.
            of("goker::k", "shuttle-random", vec![None, None, Some(9)]),
            of("goker::k", "shuttle-pos", vec![Some(5), Some(6), None]),
            of(
                "goker::k",
                "shuttle-portfolio",
                vec![Some(7), Some(8), None],
            ),
        ];
        let lines = targets(&rows);
        let portfolio = "target \"the portfolio catches what a single strategy catches, at a \
                         median within 1.5x of the best one's\": ";
        assert!(
            lines[0].starts_with(&format!("zoo: {portfolio}not met, on 1 of the 2 entries"))
                && lines[0].ends_with("; not on: zoo::b (2 against 1)"),
            "{lines:#?}"
        );
        assert!(
            lines[1].starts_with(
                "zoo: target \"POS or URW beats random's median on at least half the entries \
                 random needs more than one schedule for\": met, on 1 of 1"
            ),
            "{lines:#?}"
        );
        // Medians: portfolio 3 and 2, random 4 and 1; 25 % more than 1 is 2, than 2 is 3.
        assert!(
            lines[2].ends_with(
                "of 2 entries, at each budget (schedules): 1: 0 against 1 (short by 2); 3: 2 \
                 against 1 (met); 10: 2 against 2 (short by 1); 30: 2 against 2 (short by 1); \
                 100: 2 against 2 (short by 1)"
            ),
            "{lines:#?}"
        );
        assert!(
            lines[3].starts_with(&format!("kernels: {portfolio}met, on 1 of the 1 entries")),
            "{lines:#?}"
        );
        assert!(
            lines[4].contains("\": met, on 1 of 1"),
            "random missing the kernel at its median still counts it: {lines:#?}"
        );
        assert!(
            lines[5].ends_with(
                "10: 1 against 0 (random catches none); 30: 1 against 0 (random \
                 catches none); 100: 1 against 0 (random catches none)"
            ),
            "{lines:#?}"
        );
        assert_eq!(lines.len(), 6);
    }
}
