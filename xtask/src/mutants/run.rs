//! `cargo xtask mutants`: cargo-mutants over the kit at the quick budget `.cargo/mutants.toml`
//! sets, after running that budget's tests once on the unmutated tree.
//!
//! cargo-mutants runs its own baseline with the mutated package's tests only (`--package
//! patterns`), where the quick budget's test binaries (in `checks`) do not exist; so the baseline
//! runs here, with the packages and arguments the config gives every mutant, and cargo-mutants is
//! told to skip its own (`--baseline skip`) and given the timeout its baseline would have set.

use anyhow::{bail, Context as _};
use clap::Parser;
use serde::Deserialize;
use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

/// cargo-mutants' rule for a test timeout from its baseline: this many times the baseline's tests,
/// and at least the config's `minimum_test_timeout`.
const TIMEOUT_MULTIPLIER: u32 = 5;

/// Arguments of `mutants`.
#[derive(Parser)]
pub struct Args {
    /// Arguments for cargo-mutants, after `--` (e.g. `-- --in-place -F '^patterns/src/limiter\.rs'`
    /// for one file, `-- --shard 3/16` for a shard).
    #[arg(last = true)]
    mutants: Vec<String>,
}

/// What the baseline needs of `.cargo/mutants.toml` (cargo-mutants reads the rest itself).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Config {
    test_package: Vec<String>,
    additional_cargo_args: Vec<String>,
    additional_cargo_test_args: Vec<String>,
    minimum_test_timeout: Option<f64>,
}

impl Config {
    fn read(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("cannot parse {}", path.display()))
    }

    /// `cargo test` over the packages and targets every mutant builds.
    fn test_targets(&self) -> impl Iterator<Item = String> + '_ {
        let packages = self.test_package.iter().map(|p| format!("--package={p}"));
        std::iter::once("test".to_owned())
            .chain(packages)
            .chain(self.additional_cargo_args.iter().cloned())
    }

    /// Builds what every mutant builds, without running it.
    fn build_args(&self) -> Vec<String> {
        self.test_targets()
            .chain(std::iter::once("--no-run".to_owned()))
            .collect()
    }

    /// `cargo test` as cargo-mutants runs it for every mutant.
    fn baseline_args(&self) -> Vec<String> {
        self.test_targets()
            .chain(self.additional_cargo_test_args.iter().cloned())
            .collect()
    }

    /// The test timeout cargo-mutants would set after a baseline that took `baseline`.
    fn timeout(&self, baseline: Duration) -> Duration {
        let minimum = Duration::from_secs_f64(self.minimum_test_timeout.unwrap_or(0.0));
        (baseline * TIMEOUT_MULTIPLIER).max(minimum)
    }
}

/// Runs the baseline, then cargo-mutants; returns cargo-mutants' exit code (0: every mutant
/// caught, 2: some missed, 3: some timed out, 4: the tree fails its tests).
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let root = crate::workspace_root();
    let config = Config::read(&root.join(".cargo/mutants.toml"))?;
    if config.test_package.is_empty() {
        bail!(".cargo/mutants.toml names no test_package: the baseline would test nothing");
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let baseline_args = config.baseline_args();
    eprintln!("baseline: cargo {}", baseline_args.join(" "));
    // Built first, so that the timeout is measured on the tests alone, as cargo-mutants measures it.
    let status = Command::new(&cargo)
        .current_dir(&root)
        .args(config.build_args())
        .status()
        .context("cannot run cargo test")?;
    if !status.success() {
        bail!("the unmutated tree does not build the mutation run's tests ({status})");
    }
    let started = Instant::now();
    let status = Command::new(&cargo)
        .current_dir(&root)
        .args(&baseline_args)
        .status()
        .context("cannot run cargo test")?;
    if !status.success() {
        bail!("the unmutated tree fails the mutation run's tests ({status}): no mutant would mean anything");
    }
    let took = started.elapsed();
    let timeout = config.timeout(took);
    eprintln!(
        "baseline passed in {:.0} s: each mutant's tests get {} s",
        took.as_secs_f64(),
        timeout.as_secs()
    );
    let status = Command::new(&cargo)
        .current_dir(&root)
        .args(["mutants", "--baseline", "skip", "--timeout"])
        .arg(timeout.as_secs().to_string())
        .args(&args.mutants)
        .status()
        .context(
            "cannot run cargo mutants (cargo install cargo-mutants --locked --version 27.1.0)",
        )?;
    Ok(match status.code() {
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        None => bail!("cargo mutants was killed ({status})"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_baseline_runs_what_every_mutant_runs() {
        let config: Config = toml::from_str(
            r#"
            examine_globs = ["patterns/src/limiter.rs"]
            test_package = ["patterns", "checks"]
            additional_cargo_args = ["--test", "misuse"]
            additional_cargo_test_args = ["--", "--test-threads=1"]
            minimum_test_timeout = 120
            "#,
        )
        .expect("a config cargo-mutants reads");
        assert_eq!(
            config.build_args().join(" "),
            "test --package=patterns --package=checks --test misuse --no-run"
        );
        assert_eq!(
            config.baseline_args().join(" "),
            "test --package=patterns --package=checks --test misuse -- --test-threads=1"
        );
        assert_eq!(
            config.timeout(Duration::from_secs(15)),
            Duration::from_secs(120)
        );
        assert_eq!(
            config.timeout(Duration::from_secs(40)),
            Duration::from_secs(200)
        );
    }

    #[test]
    fn the_project_config_is_read() {
        let config = Config::read(&crate::workspace_root().join(".cargo/mutants.toml"))
            .expect("the project's config");
        assert!(config.test_package.contains(&"checks".to_owned()));
        assert!(config.minimum_test_timeout.is_some());
    }
}
