//! `cargo xtask`: run checks, replay failures, run the benches, write the report.
#![forbid(unsafe_code)]

mod bench;
mod check;
mod cost;
mod mutants;
mod replay;
mod report;
mod runs;

use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The harness's command line.
#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Model-check Go's concurrency patterns in Rust"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run scenarios (all, or those whose name starts with PATTERN) and print their stats.
    Check(check::Args),
    /// Replay one failure deterministically from its replay file.
    Replay(replay::Args),
    /// Run every scenario under every checker and summarize.
    Report(report::Args),
    /// Run the criterion benches, and the Go originals when `go` is on the PATH.
    Bench(bench::Args),
    /// Measure what each kit operation costs loom: branch points, and schedules where two
    /// threads meet in it.
    Cost(cost::Args),
    /// Run cargo-mutants over the kit at the quick budget of .cargo/mutants.toml, after checking
    /// that budget's tests pass on the unmutated tree (docs/mutants.md).
    Mutants(mutants::run::Args),
    /// Merge cargo-mutants' output directories (one per shard) into one mutation score per file,
    /// naming every missed mutant that docs/mutants.md does not explain as equivalent.
    MutantsScore(mutants::score::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Replay(args) => replay::run(args),
        Command::Report(args) => report::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Cost(args) => cost::run(args),
        Command::Mutants(args) => mutants::run::run(args),
        Command::MutantsScore(args) => mutants::score::run(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            // `{:#}` prints the whole chain: what failed, then why.
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// The workspace's root, wherever `cargo xtask` was started from.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace")
        .to_path_buf()
}
