//! `cargo xtask check`: run scenarios (or zoo entries) under one checker and print their stats.

use checks::catalog::{self, Size};
use checks::harness::{Checker, Stats};
use checks::zoo::Variant;
use clap::{Parser, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `check`.
#[derive(Parser, Clone)]
pub struct Args {
    /// Run only scenarios whose name starts with this (e.g. `chan` or `chan::fifo_per_sender`).
    pub pattern: Option<String>,
    /// The checker.
    #[arg(long, value_enum, default_value_t = CheckerKind::ShuttlePct)]
    pub checker: CheckerKind,
    /// Schedules (shuttle random/PCT), runs (stress), or a cap on schedules (loom, shuttle-dfs).
    #[arg(long)]
    pub iterations: Option<usize>,
    /// Seed of shuttle's random and PCT schedulers.
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
    /// Run the bug zoo instead of the scenarios, in this variant.
    #[arg(long, value_enum)]
    pub zoo: Option<VariantArg>,
    /// Also write the stats as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

/// The checkers, as named on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CheckerKind {
    /// loom: exhaustive or preemption-bounded.
    Loom,
    /// shuttle's random scheduler.
    ShuttleRandom,
    /// shuttle's PCT scheduler.
    ShuttlePct,
    /// shuttle's DFS scheduler.
    ShuttleDfs,
    /// Real threads.
    Stress,
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
    fn checker(&self, loom_bound: Option<usize>) -> Checker {
        match self.checker {
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
                Checker::random(self.iterations.unwrap_or(1000), self.seed)
            }
            CheckerKind::ShuttlePct => {
                Checker::pct(self.iterations.unwrap_or(1000), self.depth, self.seed)
            }
            CheckerKind::ShuttleDfs => Checker::ShuttleDfs {
                max_iterations: Some(self.iterations.unwrap_or(100_000)),
            },
            CheckerKind::Stress => Checker::stress(self.iterations.unwrap_or(50)),
        }
    }

    fn size(&self) -> Size {
        match self.size {
            Some(SizeArg::Small) => Size::Small,
            Some(SizeArg::Large) => Size::Large,
            None if matches!(self.checker, CheckerKind::Loom | CheckerKind::ShuttleDfs) => {
                Size::Small
            }
            None => Size::Large,
        }
    }
}

/// Runs the selected scenarios and returns their stats; an unknown pattern is an error.
pub fn collect(args: &Args) -> Result<Vec<Stats>, String> {
    let size = args.size();
    let matches = |name: &str| args.pattern.as_deref().is_none_or(|p| name.starts_with(p));
    let mut stats = Vec::new();
    match args.zoo {
        None => {
            for entry in catalog::scenarios().iter().filter(|e| matches(e.name)) {
                let one = (entry.run)(size, &args.checker(entry.loom_bound));
                print!("{one}");
                stats.push(one);
            }
        }
        Some(variant) => {
            let variant = match variant {
                VariantArg::Broken => Variant::Broken,
                VariantArg::Correct => Variant::Correct,
            };
            for zoo in catalog::zoo().iter().filter(|z| matches(z.entry.name)) {
                let one = (zoo.run_variant)(size, variant, &args.checker(zoo.entry.loom_bound));
                print!("{one}");
                stats.push(one);
            }
        }
    }
    if stats.is_empty() {
        let known: Vec<&str> = catalog::scenarios()
            .iter()
            .map(|e| e.name)
            .chain(catalog::zoo().iter().map(|z| z.entry.name))
            .collect();
        return Err(format!(
            "no scenario matches {:?}; known: {}",
            args.pattern.as_deref().unwrap_or(""),
            known.join(", ")
        ));
    }
    if let Some(path) = &args.json {
        let json = serde_json::to_string_pretty(&stats).map_err(|e| e.to_string())?;
        std::fs::write(path, json).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(stats)
}

/// Runs `check`: exit 0 if everything passed, 1 if anything failed.
pub fn run(args: Args) -> Result<ExitCode, String> {
    let stats = collect(&args)?;
    let failed = stats.iter().filter(|s| !s.passed()).count();
    println!("{} of {} passed", stats.len() - failed, stats.len());
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
