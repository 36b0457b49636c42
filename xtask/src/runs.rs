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
    kind == CheckerKind::Loom || !kind.shards_by_scenario()
}

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
        if args
            .shard
            .is_some_and(|shard| position % shard.count != shard.index - 1)
        {
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

/// The rows as a table, one line per entry, one column per checker.
pub fn table(rows: &[RunsToFailure]) -> String {
    let mut checkers: Vec<&str> = Vec::new();
    let mut entries: Vec<&str> = Vec::new();
    for row in rows {
        if !checkers.contains(&row.checker.as_str()) {
            checkers.push(&row.checker);
        }
        if !entries.contains(&row.entry.as_str()) {
            entries.push(&row.entry);
        }
    }
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

/// The targets, measured on these rows, the zoo's and the kernels' apart: each line says what was
/// compared and what came out.
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

/// The targets over one set of rows.
fn targets_of(rows: &[RunsToFailure]) -> Vec<String> {
    let of = |entry: &str, checker: CheckerKind| {
        rows.iter()
            .find(|row| row.entry == entry && row.checker == checker.name())
    };
    let median = |entry: &str, checker: CheckerKind| of(entry, checker).and_then(|r| r.median());
    let mut entries: Vec<&str> = rows.iter().map(|row| row.entry.as_str()).collect();
    entries.dedup();
    let singles = [
        CheckerKind::ShuttleRandom,
        CheckerKind::ShuttlePct,
        CheckerKind::ShuttleUrw,
        CheckerKind::ShuttlePos,
    ];
    let mut lines = Vec::new();
    if entries
        .iter()
        .any(|e| of(e, CheckerKind::ShuttlePortfolio).is_some())
    {
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
            "portfolio: within 1.5x of the best single strategy's median on {within} of the {caught} \
             entries some strategy catches (median defined){}",
            if short.is_empty() {
                String::new()
            } else {
                format!("; not on: {}", short.join(", "))
            }
        ));
    }
    let needs_more = entries
        .iter()
        .filter(|&&e| median(e, CheckerKind::ShuttleRandom).is_none_or(|m| m > 1))
        .filter(|&&e| of(e, CheckerKind::ShuttleRandom).is_some_and(|r| r.found() > 0))
        .copied()
        .collect::<Vec<_>>();
    let sampled_by = |checker: CheckerKind| rows.iter().any(|row| row.checker == checker.name());
    if !needs_more.is_empty()
        && (sampled_by(CheckerKind::ShuttlePos) || sampled_by(CheckerKind::ShuttleUrw))
    {
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
            "POS or URW beat random's median on {beaten} of the {} entries random needs more than \
             one schedule for",
            needs_more.len()
        ));
    }
    if sampled_by(CheckerKind::ShuttlePortfolio) && sampled_by(CheckerKind::ShuttleRandom) {
        let caught = |checker: CheckerKind| {
            entries
                .iter()
                .filter(|&&entry| median(entry, checker).is_some())
                .count()
        };
        let (portfolio, random) = (
            caught(CheckerKind::ShuttlePortfolio),
            caught(CheckerKind::ShuttleRandom),
        );
        let gain = if random == 0 {
            String::new()
        } else {
            format!(
                " (portfolio {:+.0} % over random)",
                100.0 * (portfolio as f64 - random as f64) / random as f64
            )
        };
        lines.push(format!(
            "caught under most seeds at this budget: portfolio {portfolio}, random {random}, of \
             {}{gain}",
            entries.len()
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
        assert_eq!(
            targets(&rows),
            [
                "zoo: portfolio: within 1.5x of the best single strategy's median on 1 of the 2 \
                 entries some strategy catches (median defined); not on: zoo::b (2 against 1)",
                "zoo: POS or URW beat random's median on 1 of the 1 entries random needs more \
                 than one schedule for",
                "zoo: caught under most seeds at this budget: portfolio 2, random 2, of 2 \
                 (portfolio +0 % over random)",
                "kernels: portfolio: within 1.5x of the best single strategy's median on 1 of the \
                 1 entries some strategy catches (median defined)",
                "kernels: POS or URW beat random's median on 1 of the 1 entries random needs more \
                 than one schedule for",
                "kernels: caught under most seeds at this budget: portfolio 1, random 0, of 1",
            ]
        );
    }
}
