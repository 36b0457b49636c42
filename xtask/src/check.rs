//! `cargo xtask check`: run scenarios under one checker and print their stats.

use checks::catalog::{self, Size};
use checks::harness::Checker;
use clap::{Parser, ValueEnum};
use std::process::ExitCode;

/// Arguments of `check`.
#[derive(Parser)]
pub struct Args {
    /// Run only scenarios whose name starts with this (e.g. `chan` or `chan::fifo_per_sender`).
    pattern: Option<String>,
    /// The checker.
    #[arg(long, value_enum, default_value_t = CheckerKind::ShuttlePct)]
    checker: CheckerKind,
    /// Schedules (shuttle), runs (stress), or a cap on schedules (loom, shuttle-dfs).
    #[arg(long)]
    iterations: Option<usize>,
    /// Seed of shuttle's random and PCT schedulers.
    #[arg(long, default_value_t = 0x5eed)]
    seed: u64,
    /// loom's preemption bound (none: exhaustive).
    #[arg(long)]
    preemption_bound: Option<usize>,
    /// PCT's depth.
    #[arg(long, default_value_t = 3)]
    depth: usize,
    /// Run the small (loom-sized) instance instead of the large one.
    #[arg(long)]
    small: bool,
    /// Include the bug zoo (its broken variants).
    #[arg(long)]
    zoo: bool,
}

/// The checkers, as named on the command line.
#[derive(Clone, Copy, ValueEnum)]
pub enum CheckerKind {
    Loom,
    ShuttleRandom,
    ShuttlePct,
    ShuttleDfs,
    Stress,
}

impl Args {
    fn checker(&self) -> Checker {
        match self.checker {
            CheckerKind::Loom => Checker::Loom {
                preemption_bound: self.preemption_bound,
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
                max_iterations: self.iterations,
            },
            CheckerKind::Stress => Checker::stress(self.iterations.unwrap_or(50)),
        }
    }
}

/// Runs `check`: exit 0 if everything passed, 1 if anything failed.
pub fn run(args: Args) -> Result<ExitCode, String> {
    let mut entries = catalog::scenarios();
    if args.zoo {
        entries.extend(catalog::zoo());
    }
    if let Some(pattern) = &args.pattern {
        entries.retain(|entry| entry.name.starts_with(pattern.as_str()));
        if entries.is_empty() {
            let known: Vec<_> = catalog::scenarios()
                .iter()
                .chain(&catalog::zoo())
                .map(|e| e.name)
                .collect();
            return Err(format!(
                "no scenario matches {pattern:?}; known: {}",
                known.join(", ")
            ));
        }
    }
    let (checker, size) = (
        args.checker(),
        if args.small || matches!(args.checker, CheckerKind::Loom | CheckerKind::ShuttleDfs) {
            Size::Small
        } else {
            Size::Large
        },
    );
    let mut failed = 0;
    for entry in &entries {
        let stats = (entry.run)(size, &checker);
        print!("{stats}");
        if !stats.passed() {
            failed += 1;
        }
    }
    println!("{} of {} passed", entries.len() - failed, entries.len());
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
