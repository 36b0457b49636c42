//! `cargo xtask check --zoo broken --seeds N`: how many schedules each checker needs to find each
//! zoo entry's and GoKer kernel's bug, over N seeds: found under k of N, the median and the 90th
//! percentile of the schedule of the first failure, loom's one deterministic count beside them.

use crate::check::{Args, DEFAULT_SCHEDULES};
use checks::catalog::{self, Size};
use checks::harness::{CheckerKind, Verdict};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// The checkers compared when none is named: loom (one deterministic count) and every sampling
/// checker.
pub const COMPARED: [CheckerKind; 6] = [
    CheckerKind::Loom,
    CheckerKind::ShuttleRandom,
    CheckerKind::ShuttlePct,
    CheckerKind::ShuttleUrw,
    CheckerKind::ShuttlePos,
    CheckerKind::ShuttlePortfolio,
];

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

/// Runs every selected broken entry under each compared checker, `seeds` times (loom once).
pub fn collect(args: &Args, seeds: u64) -> anyhow::Result<Vec<RunsToFailure>> {
    anyhow::ensure!(seeds > 0, "--seeds 0 runs nothing; give at least 1");
    checks::harness::set_verbose(args.verbose);
    let kinds: Vec<CheckerKind> = match args.checker {
        Some(kind) => vec![kind],
        None => COMPARED.to_vec(),
    };
    if let Some(kind) = kinds
        .iter()
        .find(|kind| matches!(kind, CheckerKind::ShuttleDfs | CheckerKind::Stress))
    {
        anyhow::bail!(
            "--seeds measures the model checkers that find a bug at a schedule number; {kind} \
             does not (use loom or a sampling checker)"
        );
    }
    let kernels: Vec<&str> = catalog::kernels()
        .iter()
        .map(|k| k.zoo.entry.name)
        .collect();
    let selected: Vec<_> = catalog::zoo_and_kernels()
        .into_iter()
        .filter(|z| {
            args.pattern
                .as_deref()
                .is_none_or(|p| z.entry.name.starts_with(p))
        })
        .collect();
    anyhow::ensure!(
        !selected.is_empty(),
        "no zoo entry or GoKer kernel matches {:?}",
        args.pattern.as_deref().unwrap_or("")
    );
    let mut rows = Vec::new();
    for zoo in &selected {
        for &kind in &kinds {
            let mut one = args.clone();
            one.checker = Some(kind);
            one.shard = None;
            // loom runs to its own cap: `--iterations` is the sampling checkers' budget.
            if kind.enumerates() {
                one.iterations = None;
            }
            let seeds: Vec<u64> = if kind.enumerates() {
                Vec::new()
            } else {
                (0..seeds).map(|i| args.seed.wrapping_add(i)).collect()
            };
            let size = if kind.enumerates() {
                Size::Small
            } else {
                Size::Large
            };
            let plan: Vec<Option<u64>> = if seeds.is_empty() {
                vec![None]
            } else {
                seeds.iter().copied().map(Some).collect()
            };
            let mut row = RunsToFailure {
                entry: zoo.entry.name.to_owned(),
                kernel: kernels.contains(&zoo.entry.name),
                checker: kind.name().to_owned(),
                budget: (!kind.enumerates()).then(|| args.iterations.unwrap_or(DEFAULT_SCHEDULES)),
                seeds: seeds.clone(),
                runs: Vec::new(),
                other_kinds: 0,
            };
            for seed in plan {
                if let Some(seed) = seed {
                    one.seed = seed;
                }
                let checker = one.checker(zoo.entry.loom_bound);
                let stats = (zoo.first_failure)(size, &checker);
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

/// The targets, measured on these rows: each line says what was compared and whether it
/// held.
pub fn targets(rows: &[RunsToFailure]) -> Vec<String> {
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
    if !needs_more.is_empty() {
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
    let kernels: Vec<&str> = entries
        .iter()
        .filter(|&&e| rows.iter().any(|row| row.entry == e && row.kernel))
        .copied()
        .collect();
    if !kernels.is_empty() {
        let caught = |checker: CheckerKind| {
            kernels
                .iter()
                .filter(|&&k| median(k, checker).is_some())
                .count()
        };
        let (portfolio, random) = (
            caught(CheckerKind::ShuttlePortfolio),
            caught(CheckerKind::ShuttleRandom),
        );
        if of(kernels[0], CheckerKind::ShuttlePortfolio).is_some()
            && of(kernels[0], CheckerKind::ShuttleRandom).is_some()
        {
            lines.push(format!(
                "kernels caught under most seeds at this budget: portfolio {portfolio}, random \
                 {random} of {}",
                kernels.len()
            ));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::RunsToFailure;

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
}
