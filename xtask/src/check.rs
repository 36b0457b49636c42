//! `cargo xtask check`: run scenarios (or zoo entries) under one checker and print their stats.

use anyhow::{bail, Context};
use checks::catalog::{self, Size};
use checks::harness::{Checker, CheckerKind, Stats};
use checks::zoo::Variant;
use clap::{Parser, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `check`.
#[derive(Parser, Clone)]
pub struct Args {
    /// Run only scenarios whose name starts with this (e.g. `chan` or `chan::fifo_per_sender`).
    pub pattern: Option<String>,
    /// The checker: loom, shuttle-random, shuttle-pct, shuttle-urw, shuttle-pos,
    /// shuttle-portfolio, shuttle-dfs or stress [default: shuttle-portfolio; with `--seeds`,
    /// loom and every sampling checker].
    #[arg(long, value_parser = parse_checker)]
    pub checker: Option<CheckerKind>,
    /// Schedules (shuttle random, PCT, URW, POS, portfolio), runs (stress), or a cap on schedules
    /// (loom, shuttle-dfs).
    #[arg(long)]
    pub iterations: Option<usize>,
    /// Seed of the sampling schedulers (shuttle random, PCT, URW, POS, portfolio).
    #[arg(long, default_value_t = 0x5eed)]
    pub seed: u64,
    /// loom's preemption bound (default: each scenario's own; see its LOOM_PREEMPTION_BOUND).
    #[arg(long)]
    pub preemption_bound: Option<usize>,
    /// loom without any preemption bound, whatever the scenario's default.
    #[arg(long, conflicts_with = "preemption_bound")]
    pub exhaustive: bool,
    /// PCT's depth.
    #[arg(long, default_value_t = 3)]
    pub depth: usize,
    /// Instance size (default: small for loom and shuttle-dfs, large otherwise).
    #[arg(long, value_enum)]
    pub size: Option<SizeArg>,
    /// Run the bug zoo and the GoKer kernels instead of the scenarios, in this variant (the
    /// zoo alone with the pattern `zoo::`, the kernels alone with `goker::`).
    #[arg(long, value_enum)]
    pub zoo: Option<VariantArg>,
    /// Also write the stats as JSON to this file (with `--shard`, default
    /// `target/shards/CHECKER-I-of-N.json`, or `runs_to_failure-I-of-N.json` with `--seeds`).
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Run the I-th of N shares (1-based), for spreading one run over N machines: the sampling
    /// checkers split the iterations, with seed + I - 1 so no two shards sample the same
    /// schedules; loom and shuttle DFS, which enumerate, and real threads, which have no seed,
    /// split the scenarios.
    /// `cargo xtask report --merge DIR…` combines the shards' JSON files.
    #[arg(long, value_parser = parse_shard)]
    pub shard: Option<Shard>,
    /// Show the checkers' own output (panic messages and backtraces, shuttle's text) as well as
    /// the harness's reports.
    #[arg(long)]
    pub verbose: bool,
    /// Measure instead of check: run each broken zoo entry and GoKer kernel under N seeds (seed,
    /// seed + 1, …; loom once) per checker, each seed until its first failure or `--iterations`
    /// schedules, and print per entry and checker: found under k of N, the median and 90th
    /// percentile schedule of the first failure, and the targets worked out on them. Implies
    /// `--zoo broken`; `--json` writes the runs. With `--shard I/N`, the I-th share of the
    /// entries, at the same seeds.
    #[arg(long, conflicts_with = "zoo")]
    pub seeds: Option<u64>,
}

/// One share of a sharded run: the `index`-th (1-based) of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// Which share, 1 to `count`.
    pub index: usize,
    /// How many shares.
    pub count: usize,
}

/// Parses `I/N` with 1 ≤ I ≤ N.
pub fn parse_shard(text: &str) -> anyhow::Result<Shard> {
    let (index, count) = text
        .split_once('/')
        .with_context(|| format!("{text:?} is not I/N (e.g. 2/4)"))?;
    let number = |part: &str| {
        part.trim()
            .parse::<usize>()
            .with_context(|| format!("{part:?} in {text:?} is not a number"))
    };
    let (index, count) = (number(index)?, number(count)?);
    if count == 0 || index == 0 || index > count {
        bail!("shard {text:?}: I must be between 1 and N, N at least 1");
    }
    Ok(Shard { index, count })
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// This shard's part of `total` iterations: an even split, the first shards taking the rest.
    fn iterations(&self, total: usize) -> usize {
        total / self.count + usize::from(self.index - 1 < total % self.count)
    }

    /// Whether the `position`-th scenario or entry (0-based) is this shard's, for enumerating
    /// checkers and the runs to the first failure.
    pub(crate) fn owns(&self, position: usize) -> bool {
        position % self.count == self.index - 1
    }
}

/// Schedules per run of a sampling checker when `--iterations` is not given.
pub const DEFAULT_SCHEDULES: usize = 1000;

/// The checker `check` runs when none is named.
const DEFAULT_CHECKER: CheckerKind = CheckerKind::ShuttlePortfolio;

/// Parses a checker's name, as [`CheckerKind::name`] spells it.
fn parse_checker(text: &str) -> anyhow::Result<CheckerKind> {
    CheckerKind::from_name(text).with_context(|| {
        let known: Vec<String> = CheckerKind::ALL
            .iter()
            .map(|kind| format!("{} ({})", kind.name(), kind.about()))
            .collect();
        format!("unknown checker {text:?}; known: {}", known.join("; "))
    })
}

/// Instance sizes, as named on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SizeArg {
    /// Sized for loom.
    Small,
    /// Sized for shuttle and real threads.
    Large,
}

/// Zoo variants, as named on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum VariantArg {
    /// The mistake.
    Broken,
    /// The course's correct code.
    Correct,
}

impl Args {
    /// Whether shards split the scenarios (rather than the iterations) under this checker.
    fn shards_by_scenario(&self) -> bool {
        self.kind().shards_by_scenario()
    }

    /// The checker named, or the default.
    pub fn kind(&self) -> CheckerKind {
        self.checker.unwrap_or(DEFAULT_CHECKER)
    }

    /// Iterations for this run: `default` unless given, this shard's share if sharded.
    fn iterations_or(&self, default: usize) -> usize {
        let total = self.iterations.unwrap_or(default);
        match self.shard {
            Some(shard) if !self.shards_by_scenario() => shard.iterations(total),
            _ => total,
        }
    }

    /// The seed for this run: shard I of N samples with seed + I - 1.
    fn seed(&self) -> u64 {
        let offset = self.shard.map_or(0, |shard| shard.index as u64 - 1);
        self.seed.wrapping_add(offset)
    }

    pub fn checker(&self, loom_bound: Option<usize>) -> Checker {
        match self.kind() {
            CheckerKind::Loom => Checker::Loom {
                preemption_bound: if self.exhaustive {
                    None
                } else {
                    self.preemption_bound.or(loom_bound)
                },
                max_schedules: self.iterations,
                max_time: None,
            },
            CheckerKind::ShuttleRandom => {
                Checker::random(self.iterations_or(DEFAULT_SCHEDULES), self.seed())
            }
            CheckerKind::ShuttlePct => Checker::pct(
                self.iterations_or(DEFAULT_SCHEDULES),
                self.depth,
                self.seed(),
            ),
            CheckerKind::ShuttleUrw => {
                Checker::urw(self.iterations_or(DEFAULT_SCHEDULES), self.seed())
            }
            CheckerKind::ShuttlePos => {
                Checker::pos(self.iterations_or(DEFAULT_SCHEDULES), self.seed())
            }
            CheckerKind::ShuttlePortfolio => {
                Checker::portfolio(self.iterations_or(DEFAULT_SCHEDULES), self.seed())
            }
            CheckerKind::ShuttleDfs => Checker::ShuttleDfs {
                max_iterations: Some(self.iterations.unwrap_or(100_000)),
            },
            CheckerKind::Stress => Checker::stress(self.iterations_or(50)),
        }
    }

    /// The instance size: as given, else small for the enumerating checkers, large otherwise.
    pub(crate) fn size(&self) -> Size {
        match self.size {
            Some(SizeArg::Small) => Size::Small,
            Some(SizeArg::Large) => Size::Large,
            None if self.kind().enumerates() => Size::Small,
            None => Size::Large,
        }
    }
}

/// Runs the selected scenarios and returns their stats; an unknown pattern is an error.
pub fn collect(args: &Args) -> anyhow::Result<Vec<Stats>> {
    if let Some(error) = args.checker(None).budget_error() {
        bail!("{error}");
    }
    checks::harness::set_verbose(args.verbose);
    let size = args.size();
    let matches = |name: &str| args.pattern.as_deref().is_none_or(|p| name.starts_with(p));
    let mine = |position: usize| match args.shard {
        Some(shard) if args.shards_by_scenario() => shard.owns(position),
        _ => true,
    };
    let known: Vec<&str> = match args.zoo {
        None => catalog::scenarios().iter().map(|e| e.name).collect(),
        Some(_) => catalog::zoo_and_kernels()
            .iter()
            .map(|z| z.entry.name)
            .collect(),
    };
    if !known.iter().any(|name| matches(name)) {
        bail!(
            "no {} matches {:?}; known: {}",
            if args.zoo.is_some() {
                "zoo entry or GoKer kernel"
            } else {
                "scenario"
            },
            args.pattern.as_deref().unwrap_or(""),
            known.join(", ")
        );
    }
    let mut stats = Vec::new();
    match args.zoo {
        None => {
            let selected: Vec<_> = catalog::scenarios()
                .into_iter()
                .filter(|e| matches(e.name))
                .enumerate()
                .filter(|(i, _)| mine(*i))
                .map(|(_, entry)| entry)
                .collect();
            for (done, entry) in selected.iter().enumerate() {
                progress(done, selected.len(), entry.name);
                let one = (entry.run)(size, &args.checker(entry.loom_bound));
                show(&one, &stats);
                stats.push(one);
            }
        }
        Some(variant) => {
            let variant = match variant {
                VariantArg::Broken => Variant::Broken,
                VariantArg::Correct => Variant::Correct,
            };
            let selected: Vec<_> = catalog::zoo_and_kernels()
                .into_iter()
                .filter(|z| matches(z.entry.name))
                .enumerate()
                .filter(|(i, _)| mine(*i))
                .map(|(_, zoo)| zoo)
                .collect();
            for (done, zoo) in selected.iter().enumerate() {
                progress(done, selected.len(), zoo.entry.name);
                let one = (zoo.run_variant)(size, variant, &args.checker(zoo.entry.loom_bound));
                show(&one, &stats);
                stats.push(one);
            }
        }
    }
    let json = args.json.clone().or_else(|| {
        args.shard.map(|shard| {
            let checker = args.checker(None).kind();
            PathBuf::from(format!(
                "target/shards/{checker}-{}-of-{}.json",
                shard.index, shard.count
            ))
        })
    });
    if let Some(path) = json {
        write_json(&path, &stats)?;
    }
    Ok(stats)
}

/// Writes `value` as JSON to `path`, creating its folder.
fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> anyhow::Result<()> {
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("cannot create {}", folder.display()))?;
    }
    let text = serde_json::to_string_pretty(value)?;
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    println!("stats: {}", path.display());
    Ok(())
}

/// Set by the report for its child processes: they then say on stderr which scenario starts.
pub const PROGRESS_ENV: &str = "XTASK_PROGRESS";

/// How a line of progress starts, for the report to tell it from the rest of the output.
pub const PROGRESS_PREFIX: &str = "xtask-progress ";

/// Says, when the report asks for it, that the scenario `name` starts, `done` of `total` done.
pub(crate) fn progress(done: usize, total: usize, name: &str) {
    if std::env::var_os(PROGRESS_ENV).is_some() {
        eprintln!("{PROGRESS_PREFIX}{done}/{total} {name}");
    }
}

/// Prints one run's stats: the first failure with its trace, later ones without (their replay
/// command with `--trace` shows it).
fn show(one: &Stats, before: &[Stats]) {
    if before.iter().any(|s| s.failure().is_some()) {
        print!("{}", one.without_trace());
    } else {
        print!("{one}");
    }
}

/// Runs `check`: exit 0 if everything passed, 1 if anything failed. With `--seeds`, measures
/// runs to the first failure instead (exit 0 once measured).
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if let Some(seeds) = args.seeds {
        let rows = crate::runs::collect(&args, seeds)?;
        print!("{}", crate::runs::table(&rows));
        println!(
            "cells: found under k of N seeds, median (90th percentile) schedule of the first \
             failure, nearest rank; – where the rank falls on a miss; seeds {}..{}",
            args.seed,
            args.seed.wrapping_add(seeds - 1)
        );
        for line in crate::runs::targets(&rows) {
            println!("{line}");
        }
        let json = args.json.clone().or_else(|| {
            args.shard.map(|shard| {
                PathBuf::from(format!(
                    "target/shards/{}-{}-of-{}.json",
                    crate::runs::FILE_STEM,
                    shard.index,
                    shard.count
                ))
            })
        });
        if let Some(path) = json {
            write_json(&path, &rows)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let stats = collect(&args)?;
    let failed = stats.iter().filter(|s| !s.passed()).count();
    println!("{} of {} passed", stats.len() - failed, stats.len());
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
