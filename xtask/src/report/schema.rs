//! The report's data: what ran, on what, with what result. `report.json` is its serialization,
//! versioned by [`SCHEMA`]; the Markdown and the HTML are laid out from it.

use crate::bench::BenchResult;
pub(super) use crate::runs::first_seen;
use crate::runs::RunsToFailure;
use anyhow::Context;
use checks::goker::{Class, Goker};
use checks::harness::cost::OperationCost;
use checks::harness::{CheckerKind, FailureKind, Stats};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The version of `report.json`'s layout; a reader refuses another.
pub const SCHEMA: u32 = 2;

/// Every budget of the report, in one place.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Budget {
    /// Schedules per scenario for shuttle random and PCT.
    pub shuttle_schedules: usize,
    /// PCT's bug depth.
    pub pct_depth: usize,
    /// Real-thread runs per scenario.
    pub stress_runs: usize,
    /// Schedules per zoo entry for shuttle random and PCT.
    pub zoo_shuttle_schedules: usize,
    /// Cap on shuttle DFS schedules per zoo entry.
    pub zoo_dfs_schedules: usize,
    /// Real-thread runs per zoo entry.
    pub zoo_stress_runs: usize,
    /// Seeds per sampling checker of the runs-to-first-failure statistics (0 in reports written
    /// before they were measured).
    #[serde(default)]
    pub runs_seeds: usize,
    /// Schedules each seed of the runs-to-first-failure statistics may run.
    #[serde(default)]
    pub runs_schedules: usize,
}

/// The report's budgets by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum BudgetName {
    /// Small budgets, for CI.
    Quick,
    /// The default: every scenario under every checker and the zoo in about two minutes on two
    /// cores.
    Standard,
    /// Ten times the standard sampling, for spreading over machines with `--shard`.
    Large,
}

impl BudgetName {
    /// The budgets this name stands for.
    pub fn budget(self) -> Budget {
        match self {
            BudgetName::Quick => Budget {
                shuttle_schedules: 200,
                pct_depth: 3,
                stress_runs: 10,
                zoo_shuttle_schedules: 500,
                zoo_dfs_schedules: 2_000,
                zoo_stress_runs: 10,
                runs_seeds: 20,
                runs_schedules: 300,
            },
            BudgetName::Standard => Budget {
                shuttle_schedules: 2_000,
                pct_depth: 3,
                stress_runs: 50,
                zoo_shuttle_schedules: 2_000,
                zoo_dfs_schedules: 20_000,
                zoo_stress_runs: 50,
                runs_seeds: 20,
                runs_schedules: 1_000,
            },
            BudgetName::Large => Budget {
                shuttle_schedules: 20_000,
                pct_depth: 3,
                stress_runs: 500,
                zoo_shuttle_schedules: 20_000,
                zoo_dfs_schedules: 200_000,
                zoo_stress_runs: 500,
                runs_seeds: 100,
                runs_schedules: 1_000,
            },
        }
    }
}

/// One zoo entry or GoKer kernel under one checker: the broken and the correct variant.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ZooCell {
    /// The entry's name (`zoo::lost_update`).
    pub entry: String,
    /// The checker's name.
    pub checker: String,
    /// The failure kind that must catch the broken variant.
    pub expected: FailureKind,
    /// Whether the checker cannot see this mistake by its nature (`Mistake::MISSED_BY`, or a
    /// data race on real threads, which check no access).
    pub missed_by_nature: bool,
    /// Whether the mistake fails on every schedule (`Mistake::DETERMINISTIC`); a racy one may go
    /// unseen by real threads, honestly.
    pub deterministic: bool,
    /// The broken variant's run.
    pub broken: Stats,
    /// The correct variant's run, same instance and budget.
    pub correct: Stats,
}

impl ZooCell {
    /// Pairs the two variants' runs of a zoo entry or kernel under `checker`, with what the
    /// catalog says about it.
    pub fn new(broken: Stats, correct: Stats, checker: &str) -> anyhow::Result<Self> {
        let zoo = checks::catalog::zoo_and_kernels();
        let entry = zoo
            .iter()
            .find(|z| z.entry.name == broken.scenario)
            .with_context(|| format!("unknown zoo entry or kernel {}", broken.scenario))?;
        Ok(Self {
            entry: broken.scenario.clone(),
            checker: checker.to_owned(),
            expected: entry.caught_as,
            missed_by_nature: race_on_real_threads(entry.caught_as, checker)
                || entry.missed_by.iter().any(|kind| kind.name() == checker),
            deterministic: entry.deterministic,
            broken,
            correct,
        })
    }

    /// Whether the broken variant failed with the expected kind.
    pub fn caught(&self) -> bool {
        self.broken
            .failure()
            .is_some_and(|f| f.kind == self.expected)
    }

    /// Whether a model checker caught it: caught, with a schedule to replay (real threads leave
    /// none).
    pub fn caught_by_a_model_checker(&self) -> bool {
        self.checker != CheckerKind::Stress.name() && self.caught()
    }

    /// Whether this is a data race on real threads, which report no access (Go without
    /// `-race`): the checker cannot see the mistake at all, only what it may lead to.
    pub fn race_on_real_threads(&self) -> bool {
        race_on_real_threads(self.expected, &self.checker)
    }
}

fn race_on_real_threads(expected: FailureKind, checker: &str) -> bool {
    expected == FailureKind::DataRace && checker == CheckerKind::Stress.name()
}

/// What the report knows about the machine and the versions.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Machine {
    /// `rustc --version`.
    pub rustc: String,
    /// Cores available to the run.
    pub cores: usize,
    /// OS and architecture.
    pub os: String,
    /// The commit the report ran at.
    pub commit: String,
    /// loom's locked version.
    pub loom: String,
    /// shuttle's locked version.
    pub shuttle: String,
}

/// The whole report, as `report.json` holds it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Report {
    /// [`SCHEMA`] when written.
    pub schema: u32,
    /// The budgets the checkers ran with, by name.
    pub budget_name: BudgetName,
    /// The budgets the checkers ran with.
    pub budget: Budget,
    /// `I/N` if this report is one shard's share of the work.
    pub shard: Option<String>,
    /// How many shard directories this report merges (0: it ran its checkers itself). A merged
    /// report's `elapsed` is the checkers' time summed over the shards.
    pub merged_from: usize,
    /// Wall time of the whole report.
    pub elapsed: Duration,
    /// When it was written, in seconds since the Unix epoch.
    pub written: u64,
    /// Where it ran.
    pub machine: Machine,
    /// Every scenario under every checker.
    pub scenarios: Vec<Stats>,
    /// Every zoo entry under every checker.
    pub zoo: Vec<ZooCell>,
    /// Every ported GoKer kernel under every checker but shuttle DFS; empty in reports written
    /// before the kernels were.
    #[serde(default)]
    pub goker: Vec<ZooCell>,
    /// Each broken zoo entry and kernel under each sampling checker over
    /// [`Budget::runs_seeds`] seeds, and under loom once: the schedule of the first failure
    /// (empty in reports written before it was measured).
    #[serde(default)]
    pub runs_to_failure: Vec<RunsToFailure>,
    /// Bench results, ours and the baselines'.
    pub benches: Vec<BenchResult>,
    /// Where the bench results came from, or why there are none, and files skipped.
    pub bench_notes: Vec<String>,
    /// loom's cost of each kit operation (`checks::harness::cost`); empty in reports written
    /// before it was measured.
    #[serde(default)]
    pub operation_costs: Vec<OperationCost>,
}

impl Report {
    /// Reads a `report.json`, refusing another schema.
    pub fn from_json(text: &str) -> anyhow::Result<Self> {
        let schema = serde_json::from_str::<serde_json::Value>(text)?
            .get("schema")
            .and_then(serde_json::Value::as_u64);
        anyhow::ensure!(
            schema == Some(u64::from(SCHEMA)),
            "report.json has schema {schema:?}; this xtask reads schema {SCHEMA}"
        );
        Ok(serde_json::from_str(text)?)
    }

    /// The scenario names, in the order they first appear.
    pub(super) fn scenario_names(&self) -> Vec<&str> {
        first_seen(self.scenarios.iter().map(|s| s.scenario.as_str()))
    }

    /// The zoo entries, in the order they first appear.
    pub(super) fn zoo_entries(&self) -> Vec<&str> {
        first_seen(self.zoo.iter().map(|z| z.entry.as_str()))
    }

    /// Every run: the scenarios, and both variants of each zoo entry and kernel.
    pub(super) fn runs(&self) -> impl Iterator<Item = &Stats> {
        self.scenarios.iter().chain(
            self.zoo
                .iter()
                .chain(&self.goker)
                .flat_map(|z| [&z.broken, &z.correct]),
        )
    }

    /// Every run's schedules.
    pub(super) fn schedules(&self) -> usize {
        self.runs().map(|s| s.schedules).sum()
    }

    /// Whether every scenario passed and every zoo entry's and kernel's correct variant passed
    /// (a fix failing is a false alarm).
    pub fn all_pass(&self) -> bool {
        self.scenarios.iter().all(Stats::passed)
            && self
                .zoo
                .iter()
                .chain(&self.goker)
                .all(|z| z.correct.passed())
    }

    /// Scenarios passing under every checker, of how many.
    pub(super) fn verified(&self) -> (usize, usize) {
        let names = self.scenario_names();
        let verified = names
            .iter()
            .filter(|name| {
                self.scenarios
                    .iter()
                    .filter(|s| s.scenario == **name)
                    .all(Stats::passed)
            })
            .count();
        (verified, names.len())
    }

    /// Zoo entries caught by at least one checker, of how many.
    pub(super) fn caught(&self) -> (usize, usize) {
        let entries = self.zoo_entries();
        let caught = entries
            .iter()
            .filter(|entry| self.zoo.iter().any(|z| z.entry == **entry && z.caught()))
            .count();
        (caught, entries.len())
    }

    /// Per class, the kernels caught by at least one model checker (real threads leave no
    /// schedule to replay) of GoKer's: `67 of 68 blocking and 34 of 35 non-blocking`; `None` in a
    /// report without kernels.
    pub(super) fn goker_caught(&self) -> Option<String> {
        if self.goker.is_empty() {
            return None;
        }
        let kernels = first_seen(self.goker.iter().map(|z| z.entry.as_str()));
        let classes: Vec<String> = Class::ALL
            .into_iter()
            .map(|class| {
                let caught = kernels
                    .iter()
                    .filter(|entry| goker_labels(entry).is_some_and(|g| g.class == class))
                    .filter(|entry| self.kernel_caught_by_a_model_checker(entry))
                    .count();
                format!("{caught} of {} {}", class.in_goker(), class.name())
            })
            .collect();
        Some(classes.join(" and "))
    }

    /// Whether some model checker caught the kernel `entry`.
    pub(super) fn kernel_caught_by_a_model_checker(&self, entry: &str) -> bool {
        self.goker
            .iter()
            .any(|z| z.entry == entry && z.caught_by_a_model_checker())
    }

    /// The one-line summary the terminal prints.
    pub fn summary(&self) -> String {
        let (verified, scenarios) = self.verified();
        let (caught, entries) = self.caught();
        let goker = self
            .goker_caught()
            .map(|caught| format!("; GoKer: {caught} kernels caught by a model checker"))
            .unwrap_or_default();
        format!(
            "{verified} of {scenarios} scenarios pass under every checker; {} schedules explored; \
             bug zoo: {caught} of {entries} mistakes caught{goker}; {:.0} s",
            self.schedules(),
            self.elapsed.as_secs_f64()
        )
    }

    /// The bug zoo's detection matrix as data: entry × checker, caught or not, schedules to
    /// first failure, time.
    pub fn detection_matrix(&self) -> serde_json::Value {
        serde_json::Value::Array(self.zoo.iter().map(cell_json).collect())
    }

    /// The GoKer kernels' detection matrix as data: the detection matrix's fields, with GoBench's
    /// labels of each kernel.
    pub fn goker_matrix(&self) -> serde_json::Value {
        let cells = self
            .goker
            .iter()
            .map(|cell| {
                let mut json = cell_json(cell);
                if let Some(goker) = goker_labels(&cell.entry) {
                    json["class"] = goker.class.name().into();
                    json["gobench_type"] = goker.kind.into();
                    json["gobench_subtype"] = goker.subtype.into();
                    json["gobench_path"] = goker.path().into();
                }
                json
            })
            .collect();
        serde_json::Value::Array(cells)
    }
}

/// GoBench's labels of the ported kernel `entry` (`goker::grpc_1353`), if it is one.
pub(super) fn goker_labels(entry: &str) -> Option<Goker> {
    checks::catalog::kernels()
        .into_iter()
        .find(|kernel| kernel.zoo.entry.name == entry)
        .map(|kernel| kernel.goker)
}

/// One cell of a detection matrix as data.
fn cell_json(cell: &ZooCell) -> serde_json::Value {
    let failure = cell.broken.failure();
    serde_json::json!({
        "entry": cell.entry,
        "invariant": cell.broken.invariant,
        "checker": cell.checker,
        "expected": cell.expected,
        "caught": cell.caught(),
        "missed_by_nature": cell.missed_by_nature,
        "failed_as": failure.map(|f| f.kind),
        "schedules_to_failure": failure.map(|f| f.schedule),
        "schedules_explored": cell.broken.schedules,
        "seconds": cell.broken.elapsed.as_secs_f64(),
        "correct_variant_passed": cell.correct.passed(),
        "replay": failure.and_then(|f| f.replay_command()),
        "shrunk": failure.and_then(|f| f.minimal.as_ref()).map(|m| &m.shrunk),
        "trace_rows": failure
            .and_then(|f| f.minimal.as_ref())
            .map(|m| m.trace.row_count()),
    })
}
