//! `cargo xtask replay FILE`: replay one failure from its replay file.

use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `replay`.
#[derive(Parser)]
pub struct Args {
    /// A replay file, as printed by a failing check (`target/replays/….replay.json`).
    file: PathBuf,
    /// Also print the failure's step-by-step trace.
    #[arg(long)]
    trace: bool,
    /// Show the checkers' own output (panic messages and backtraces, shuttle's text) as well.
    #[arg(long)]
    verbose: bool,
}

/// Replays the file: exit 0 if the failure was reproduced, 1 if the schedule passed this time.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let expected =
        checks::harness::replay::read_replay_file(&args.file).map_err(anyhow::Error::msg)?;
    checks::harness::set_verbose(args.verbose);
    let stats = checks::catalog::replay_file(&args.file, args.trace).map_err(anyhow::Error::msg)?;
    print!("{stats}");
    match stats.failure() {
        Some(report) if report.kind == expected.kind => {
            println!("reproduced: {} failure, as recorded", report.kind);
            Ok(ExitCode::SUCCESS)
        }
        Some(report) => {
            println!(
                "failed differently: {} (recorded: {})",
                report.kind, expected.kind
            );
            Ok(ExitCode::FAILURE)
        }
        None => {
            println!(
                "not reproduced: the schedule passed (recorded: {})",
                expected.kind
            );
            Ok(ExitCode::FAILURE)
        }
    }
}
