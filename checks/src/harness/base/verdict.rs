//! What a run returns: stats, an honest verdict, and on failure a report with a replay command.

use super::checker::Checker;
use super::confidence::{self, Shape};
use super::files::shown;
use super::scenario::{invariant_of, Scenario};
use crate::backend::registry::{ThreadSnapshot, ThreadState};
use crate::harness::trace::{Ending, Trace};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// The statistics of one scenario run under one checker.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Stats {
    /// The scenario's name, e.g. `chan::every_value_received_once`.
    pub scenario: String,
    /// The invariant it asserts, in words.
    #[serde(default)]
    pub invariant: String,
    /// The instance it ran on (its parameters).
    pub instance: serde_json::Value,
    /// The checker and its settings.
    pub checker: Checker,
    /// Schedules (executions) explored; real-thread runs for `Stress`.
    pub schedules: usize,
    /// Wall time of the whole run.
    pub elapsed: Duration,
    /// Passed (and how thoroughly) or failed (and how).
    pub verdict: Verdict,
    /// The largest execution the run met (threads, scheduling points), where the checker counts
    /// them (shuttle's): what a sampled pass's bound rests on.
    #[serde(default)]
    pub shape: Option<Shape>,
}

/// How a run ended.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Verdict {
    /// No schedule explored violated anything; `Coverage` says how much that proves.
    Pass(Coverage),
    /// A schedule failed.
    Fail(Box<FailureReport>),
}

/// How much a passing run covered. Only `Exhaustive` is a proof for the instance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Coverage {
    /// Every schedule of the instance (loom with no bound, shuttle DFS that ran out of schedules).
    Exhaustive,
    /// Every schedule with at most this many preemptions (loom with a preemption bound).
    Bounded {
        /// The preemption bound.
        preemptions: usize,
    },
    /// The given number of sampled schedules (shuttle random/PCT) or real-thread runs: evidence,
    /// not proof.
    Sampled,
    /// Stopped by a budget before finishing: says which.
    Capped {
        /// The budget that stopped the run.
        by: String,
    },
}

/// What kind of failure a schedule hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FailureKind {
    /// An invariant of the scenario (an `invariant!` or `assert!`) did not hold.
    Assertion,
    /// Every thread blocked, the scenario's own included.
    Deadlock,
    /// The scenario returned, but a thread it started stays blocked (or running) forever.
    Leak,
    /// A thread panicked outside an assertion (a misuse the kit reports by panicking, say).
    Panic,
    /// A schedule ran past the checker's step or branch bound (on real threads: a thread still
    /// running after the leak grace): a spin loop that never yields, or a livelock.
    Livelock,
    /// Two threads accessed one `RaceCell`, at least one writing, with no synchronization
    /// ordering the accesses (Go's `-race` report).
    DataRace,
}

/// How to replay a failing schedule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReplayHandle {
    /// A shuttle schedule string (as `shuttle::replay` takes it).
    ShuttleSchedule(String),
    /// A loom checkpoint file holding the failing execution's path.
    LoomCheckpoint(PathBuf),
    /// Real threads cannot be replayed.
    None,
}

/// Everything known about a failure.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FailureReport {
    /// Which kind of failure.
    pub kind: FailureKind,
    /// The panic or checker message.
    pub message: String,
    /// Which schedule (1-based) failed: the schedules it took to find the bug.
    pub schedule: usize,
    /// What each thread was doing, as far as the harness saw.
    pub threads: Vec<ThreadReport>,
    /// How to replay the schedule.
    pub handle: ReplayHandle,
    /// The replay file written for it, if any (see [`FailureReport::replay_command`]): it
    /// replays the minimal failure where there is one.
    pub replay_file: Option<PathBuf>,
    /// The same failure shrunk to its smallest form and traced step by step (model checkers).
    #[serde(default)]
    pub minimal: Option<Box<MinimalFailure>>,
}

/// A failure shrunk to its smallest instance and schedule, with its trace.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MinimalFailure {
    /// The instance it fails on (the smallest that fails the same way).
    pub instance: serde_json::Value,
    /// The checker that replays it (for loom, with the lowest preemption bound that fails).
    pub checker: Checker,
    /// Its schedule.
    pub handle: ReplayHandle,
    /// Its panic or checker message.
    pub message: String,
    /// What was shrunk, from what to what: `instance {..} → {..}`, `41 context switches → 3`.
    pub shrunk: Vec<String>,
    /// Its steps, thread by thread.
    pub trace: Trace,
}

/// One thread in a failure report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadReport {
    /// Its name.
    pub name: String,
    /// `running`, `finished`, or `blocked at FILE:LINE:COL`.
    pub state: String,
    /// Whether it is the backend's timer thread.
    pub timer: bool,
}

impl ThreadReport {
    pub(crate) fn from_snapshot(snapshot: &ThreadSnapshot) -> Self {
        Self {
            name: snapshot.name.clone(),
            state: match snapshot.state {
                ThreadState::Running => "running".to_owned(),
                ThreadState::Finished => "finished".to_owned(),
                ThreadState::Blocked(location) => format!("blocked at {location}"),
            },
            timer: snapshot.service,
        }
    }
}

impl FailureReport {
    /// The one command that replays this failure, if it can be replayed.
    pub fn replay_command(&self) -> Option<String> {
        self.replay_file
            .as_ref()
            .map(|file| format!("cargo xtask replay {}", shown(file).display()))
    }
}

impl Stats {
    /// The stats of a run of `scenario`.
    pub(crate) fn of<S: Scenario>(
        scenario: &S,
        checker: Checker,
        schedules: usize,
        elapsed: Duration,
        verdict: Verdict,
    ) -> Self {
        Self {
            scenario: S::NAME.to_owned(),
            invariant: invariant_of::<S>(),
            instance: serde_json::to_value(scenario).expect("scenario parameters serialize"),
            checker,
            schedules,
            elapsed,
            verdict,
            shape: None,
        }
    }

    /// The failure, if the run failed.
    pub fn failure(&self) -> Option<&FailureReport> {
        match &self.verdict {
            Verdict::Fail(report) => Some(report),
            Verdict::Pass(_) => None,
        }
    }

    /// Whether the run passed: no schedule failed, and at least one was explored (a run that
    /// explored nothing proves nothing, so it never counts as a pass).
    pub fn passed(&self) -> bool {
        matches!(self.verdict, Verdict::Pass(_)) && self.schedules > 0
    }

    /// What a sampled pass rules out: PCT's bound at the run's measured threads and steps, or that
    /// its checker gives none; `None` for any other verdict, or a run whose shape was not measured.
    pub fn rules_out(&self) -> Option<String> {
        let shape = self.sampled_shape()?;
        Some(confidence::statement(&self.checker, self.schedules, shape))
    }

    /// A sampled pass's lower bounds, per depth PCT ran at, on finding a bug of that depth (empty
    /// for checkers without a bound, other verdicts and runs not measured).
    pub fn pct_bounds(&self) -> Vec<(u32, f64)> {
        self.sampled_shape().map_or_else(Vec::new, |shape| {
            confidence::bounds(&self.checker, self.schedules, shape)
        })
    }

    /// The measured shape of a sampled pass. A shape of no threads or no steps measured nothing
    /// (PCT's bound over it would claim near certainty), so it counts as none.
    fn sampled_shape(&self) -> Option<Shape> {
        match self.verdict {
            Verdict::Pass(Coverage::Sampled) if self.schedules > 0 => self
                .shape
                .filter(|shape| shape.threads > 0 && shape.steps > 0),
            _ => None,
        }
    }

    /// Panics with the full report unless the run passed: the assertion of a scenario test.
    #[track_caller]
    pub fn assert_pass(&self) {
        if !self.passed() {
            panic!("{self}");
        }
    }

    /// Panics unless the run failed with `kind`; returns the report.
    #[track_caller]
    pub fn assert_fails_with(&self, kind: FailureKind) -> &FailureReport {
        match self.failure() {
            Some(report) if report.kind == kind => report,
            _ => panic!("expected a {kind} failure, got:\n{self}"),
        }
    }
}

impl FailureKind {
    /// How an execution that failed this way ended, for its trace.
    pub fn ending(self) -> Ending {
        match self {
            FailureKind::Assertion | FailureKind::Panic | FailureKind::DataRace => Ending::Failed,
            FailureKind::Deadlock | FailureKind::Leak => Ending::Blocked,
            FailureKind::Livelock => Ending::Spinning,
        }
    }
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FailureKind::Assertion => "assertion",
            FailureKind::Deadlock => "deadlock",
            FailureKind::Leak => "leak",
            FailureKind::Panic => "panic",
            FailureKind::Livelock => "livelock",
            FailureKind::DataRace => "data race",
        })
    }
}

impl fmt::Display for Coverage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Coverage::Exhaustive => f.write_str("exhaustive"),
            Coverage::Bounded { preemptions } => write!(f, "bounded (preemptions ≤ {preemptions})"),
            Coverage::Sampled => f.write_str("sampled"),
            Coverage::Capped { by } => write!(f, "capped by {by}, not exhaustive"),
        }
    }
}

/// A [`Stats`] shown without its failure's trace table (see [`Stats::without_trace`]).
pub struct WithoutTrace<'a>(&'a Stats);

impl fmt::Display for WithoutTrace<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.write(f, false)
    }
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, true)
    }
}

impl Stats {
    /// The stats shown as by `Display`, but a failure's trace table left out (its shrink figures
    /// and replay command stay): for the failures after the first in a long listing.
    pub fn without_trace(&self) -> WithoutTrace<'_> {
        WithoutTrace(self)
    }

    fn write(&self, f: &mut fmt::Formatter<'_>, with_trace: bool) -> fmt::Result {
        let verdict = match &self.verdict {
            Verdict::Pass(_) if self.schedules == 0 => {
                "NOT A PASS: no schedule was explored".to_owned()
            }
            Verdict::Pass(coverage) => format!("pass, {coverage}"),
            Verdict::Fail(report) => match self.checker.found_by(report.schedule) {
                Some(member) => format!("FAIL ({}), found by {member}", report.kind),
                None => format!("FAIL ({})", report.kind),
            },
        };
        writeln!(
            f,
            "{} {} under {}: {} schedules in {:.3} s: {verdict}",
            self.scenario,
            self.instance,
            self.checker,
            self.schedules,
            self.elapsed.as_secs_f64(),
        )?;
        if let Verdict::Fail(report) = &self.verdict {
            writeln!(f, "  invariant: {}", self.invariant)?;
            report.write(f, with_trace)?;
        }
        if let Some(rules_out) = self.rules_out() {
            writeln!(f, "  rules out: {rules_out}")?;
        }
        if let (Verdict::Pass(Coverage::Capped { .. }), Checker::Loom { .. }) =
            (&self.verdict, &self.checker)
        {
            writeln!(
                f,
                "  to finish: bound the preemptions (Checker::loom_bounded(2); bugs seldom need \
                 more than 2 or 3), check a smaller instance (fewer threads or operations), or \
                 raise or lift the limit (Checker::loom_exhaustive() has none)"
            )?;
        }
        Ok(())
    }
}

impl fmt::Display for FailureReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, true)
    }
}

impl FailureReport {
    fn write(&self, f: &mut fmt::Formatter<'_>, with_trace: bool) -> fmt::Result {
        writeln!(f, "  kind: {} (schedule #{})", self.kind, self.schedule)?;
        for (i, line) in self.message.lines().enumerate() {
            let label = if i == 0 { "  message: " } else { "           " };
            writeln!(f, "{label}{line}")?;
        }
        if !self.threads.is_empty() {
            writeln!(f, "  threads:")?;
            for thread in &self.threads {
                let timer = if thread.timer { " (timer)" } else { "" };
                writeln!(f, "    {}{timer}: {}", thread.name, thread.state)?;
            }
        }
        match &self.handle {
            ReplayHandle::ShuttleSchedule(schedule) => writeln!(f, "  schedule: {schedule:?}")?,
            ReplayHandle::LoomCheckpoint(path) => {
                writeln!(f, "  loom checkpoint: {}", path.display())?
            }
            ReplayHandle::None => writeln!(
                f,
                "  replay: real threads cannot be replayed; try a model checker"
            )?,
        }
        if let Some(minimal) = &self.minimal {
            writeln!(
                f,
                "  minimal failure: {} on {}",
                minimal.checker, minimal.instance
            )?;
            for shrunk in &minimal.shrunk {
                writeln!(f, "    shrunk: {shrunk}")?;
            }
            if with_trace {
                writeln!(f, "  trace ({} rows):", minimal.trace.row_count())?;
                for line in minimal.trace.to_text().lines() {
                    writeln!(f, "    {line}")?;
                }
            } else {
                writeln!(
                    f,
                    "  trace: {} rows (shown by the replay command with --trace)",
                    minimal.trace.row_count()
                )?;
            }
        }
        if let Some(command) = self.replay_command() {
            writeln!(f, "  replay: {command}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run that explored no schedule never reads as a pass, whatever its verdict says.
    #[test]
    fn nothing_explored_is_not_a_pass() {
        let stats = Stats {
            scenario: "example::nothing".to_owned(),
            invariant: String::new(),
            instance: serde_json::Value::Null,
            checker: Checker::random(1, 0),
            schedules: 0,
            elapsed: Duration::ZERO,
            verdict: Verdict::Pass(Coverage::Sampled),
            shape: None,
        };
        assert!(!stats.passed());
        assert!(stats.to_string().contains("NOT A PASS"), "{stats}");
    }

    /// A sampled pass whose measured shape is empty (no threads or no steps: the measurement was
    /// lost) claims no bound, where PCT's formula over it would read near certainty; a measured
    /// one does.
    #[test]
    fn an_empty_measured_shape_claims_no_bound() {
        let pass = |threads, steps| Stats {
            scenario: "example::sampled".to_owned(),
            invariant: String::new(),
            instance: serde_json::Value::Null,
            checker: Checker::pct(2000, 2, 0),
            schedules: 2000,
            elapsed: Duration::ZERO,
            verdict: Verdict::Pass(Coverage::Sampled),
            shape: Some(Shape { threads, steps }),
        };
        for (threads, steps) in [(0, 0), (0, 100), (4, 0)] {
            let empty = pass(threads, steps);
            assert_eq!(empty.rules_out(), None, "n = {threads}, k = {steps}");
            assert!(empty.pct_bounds().is_empty(), "n = {threads}, k = {steps}");
        }
        let measured = pass(4, 100);
        assert!(measured.rules_out().is_some());
        assert_eq!(measured.pct_bounds().len(), 1);
    }
}
