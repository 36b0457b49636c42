//! `cargo xtask cost`: what each kit operation costs loom (branch points, and schedules where two
//! threads meet in it), the table the report's "What exploring costs" section shows.

use anyhow::Context as _;
use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `cost`.
#[derive(Parser)]
pub struct Args {
    /// Also write the costs as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
}

/// Measures and prints every operation's cost.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let costs = checks::harness::cost::operation_costs();
    for cost in &costs {
        println!("{cost}");
    }
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&costs)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}
