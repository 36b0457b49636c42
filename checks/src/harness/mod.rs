//! The exploration harness: run one scenario under any checker and get stats, an honest verdict,
//! and on failure a classified report with a one-line replay command.
//!
//! ```no_run
//! use checks::harness::{check, Checker, Scenario};
//! use checks::invariant;
//! use patterns::{chan, Backend};
//! use serde::{Deserialize, Serialize};
//!
//! /// Two producers, one consumer: every value arrives exactly once.
//! #[derive(Clone, Debug, Serialize, Deserialize)]
//! struct NothingLost { per_producer: usize }
//!
//! impl Scenario for NothingLost {
//!     const NAME: &'static str = "example::nothing_lost";
//!     fn small() -> Self { Self { per_producer: 2 } }
//!     fn large() -> Self { Self { per_producer: 50 } }
//!     fn run<B: Backend>(&self) {
//!         let (tx, rx) = chan::bounded_in::<B, usize>(1);
//!         let n = self.per_producer;
//!         let producers: Vec<_> = (0..2).map(|p| {
//!             let tx = tx.clone();
//!             B::spawn("producer", move || for i in 0..n { tx.send(p * n + i).unwrap(); })
//!         }).collect();
//!         drop(tx);
//!         let mut got: Vec<usize> = rx.iter().collect();
//!         for p in producers { B::join(p).unwrap(); }
//!         got.sort();
//!         invariant!(got == (0..2 * n).collect::<Vec<_>>(), "lost or duplicated: {got:?}");
//!     }
//! }
//!
//! check(&NothingLost::small(), &Checker::loom()).assert_pass();
//! check(&NothingLost::large(), &Checker::pct(1000, 3, 42)).assert_pass();
//! ```

mod checker;
pub mod cost;
mod explain;
pub mod replay;
mod run_loom;
mod run_shuttle;
mod run_stress;
mod shrink;
pub mod trace;
mod verdict;

pub use checker::{Checker, CheckerKind, LOOM_DEFAULT_SCHEDULES};
pub use replay::{replay_file, ReplayFile};
pub use run_loom::loom_builder;
pub use trace::{Mark, Trace, TraceStep};
pub use verdict::{
    Coverage, FailureKind, FailureReport, MinimalFailure, ReplayHandle, Stats, ThreadReport,
    Verdict,
};

use crate::backend::recorder;
use crate::backend::registry::{Registry, ThreadSnapshot, ThreadState};
use crate::backend::Harnessed;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::any::Any;
use std::fmt::Debug;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

pub(crate) use patterns::panic_message;

/// One property of one pattern, written once, run by every checker.
///
/// `run` builds the pattern on backend `B`, drives a workload, and asserts the invariant (with
/// [`invariant!`](crate::invariant!)). The struct's fields are the instance's size, so loom gets [`Scenario::small`]
/// and shuttle and real threads get [`Scenario::large`]; they are serialized into replay files.
pub trait Scenario: Clone + Debug + Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The scenario's name, `pattern::property`, stating the property.
    const NAME: &'static str;
    /// The invariant `run` asserts, in words, for failure reports; empty where the name's
    /// property part says it (see [`invariant_of`]).
    const INVARIANT: &'static str = "";
    /// loom's preemption bound for [`Scenario::small`]: `None` where exhaustive exploration
    /// finishes in a few seconds; otherwise the bound, with its cost written beside it.
    const LOOM_PREEMPTION_BOUND: Option<usize> = None;
    /// An instance small enough for loom (at most 5 threads including main and the timer).
    fn small() -> Self;
    /// An instance for shuttle and real threads.
    fn large() -> Self;
    /// Runs the workload on `B` and asserts the invariant.
    fn run<B: patterns::Backend>(&self);
}

/// Asserts a scenario invariant; the harness reports a violation as an `Assertion` failure.
///
/// ```should_panic
/// checks::invariant!(1 + 1 == 3, "arithmetic broke: {}", 1 + 1);
/// ```
#[macro_export]
macro_rules! invariant {
    ($cond:expr, $($message:tt)+) => {
        if !$cond {
            panic!("{}{}", $crate::harness::INVARIANT_PREFIX, format!($($message)+));
        }
    };
}

/// The invariant of scenario `S` in words: its `INVARIANT`, or else its name's property part
/// (`chan::every_value_received_once` → "every value received once").
pub fn invariant_of<S: Scenario>() -> String {
    if S::INVARIANT.is_empty() {
        S::NAME
            .rsplit("::")
            .next()
            .unwrap_or(S::NAME)
            .replace('_', " ")
    } else {
        S::INVARIANT.to_owned()
    }
}

/// How an [`invariant!`](crate::invariant!) panic message starts.
pub const INVARIANT_PREFIX: &str = "invariant violated: ";

/// The panic that stops a run whose budget (schedules or time) is spent; never a failure.
pub(crate) const BUDGET_SPENT: &str = "checks harness: budget spent";

/// Runs `scenario` under `checker`.
///
/// # Panics
/// If the checker's budget is zero (see [`Checker::budget_error`]): such a run would explore
/// nothing and prove nothing.
///
/// A failure found by a model checker is then shrunk (see [`FailureReport::minimal`]): the
/// scenario's small instance if it fails the same way, then the schedule; the minimal schedule is
/// replayed with the recorder on for its step-by-step trace, and its replay file written.
pub fn check<S: Scenario>(scenario: &S, checker: &Checker) -> Stats {
    replay::persist(explain::explain(scenario, check_only(scenario, checker)))
}

/// Runs `scenario` under `checker`, no more: a failure is neither shrunk nor traced nor saved.
pub(crate) fn check_only<S: Scenario>(scenario: &S, checker: &Checker) -> Stats {
    if let Some(error) = checker.budget_error() {
        panic!("{error}");
    }
    match checker {
        Checker::Loom { .. } => run_loom::run(scenario, checker),
        Checker::ShuttleRandom { .. } | Checker::ShuttlePct { .. } | Checker::ShuttleDfs { .. } => {
            run_shuttle::run(scenario, checker, None)
        }
        Checker::Stress { runs } => run_stress::run(scenario, *runs),
    }
}

/// Whether the checkers' own failure output (shuttle's text, panic messages and backtraces of the
/// scenario's threads) is shown as it happens, besides the harness's report.
static VERBOSE: AtomicBool = AtomicBool::new(false);

/// Shows (`true`) or hides (`false`, the default) the checkers' own failure output: the panic
/// messages and backtraces raised inside a run (whatever `RUST_BACKTRACE` says) and shuttle's
/// text. Hidden, a failure shows only the harness's report, which carries the message.
pub fn set_verbose(verbose: bool) {
    VERBOSE.store(verbose, Ordering::Relaxed);
}

/// Whether the checkers' own failure output is shown (see [`set_verbose`]).
pub(crate) fn verbose() -> bool {
    VERBOSE.load(Ordering::Relaxed)
}

std::thread_local! {
    /// Whether failures found on this thread are shrunk before they are traced.
    static SHRINKING: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
}

/// Turns shrinking on (the default) or off for the checks run on this thread. Off, a failure is
/// traced as it was found: its instance and its schedule. (For comparing the two, as the trace
/// tests do; a user has no reason to turn it off.)
pub fn set_shrinking(on: bool) {
    SHRINKING.with(|shrinking| shrinking.set(on));
}

/// Whether failures found on this thread are shrunk (see [`set_shrinking`]).
pub(crate) fn shrinking() -> bool {
    SHRINKING.with(std::cell::Cell::get)
}

/// Installs the harness's panic hook once per process: a panic raised by a model checker itself
/// marks the execution abandoned before anything unwinds (so destructors leave the kit's
/// primitives alone), and the harness's own budget stops, which are not failures, stay quiet.
pub(crate) fn install_panic_hook() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        // shuttle installs a process-wide hook of its own at its first run, which prints its
        // failure text for every panic, loom's and the tests' own included. An empty run with a
        // placeholder in place lets shuttle install it now, once, and this one replaces it.
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        shuttle::check_random(|| {}, 1);
        drop(std::panic::take_hook());
        std::panic::set_hook(Box::new(move |info| {
            // Once abandoned, the execution is over: later panics (a checker re-raising the
            // failure outside the model) must not ask the model which thread runs.
            let in_model = !crate::backend::model::abandoned()
                && Registry::with_current(Registry::in_model_run).unwrap_or(false);
            if in_model {
                let by_checker = crate::backend::model::raised_by_checker(info.location());
                let escapes =
                    by_checker || Registry::with_current(Registry::panic_escapes).unwrap_or(true);
                if let (false, Some(location)) = (by_checker, info.location()) {
                    let op = if escapes { "panics" } else { "panics (caught)" };
                    recorder::panicked(location, op, panic_message(info.payload()));
                }
                if escapes {
                    crate::backend::model::abandon();
                } else {
                    // Caught by `Backend::catch_unwind`: part of the scenario, not a failure.
                    return;
                }
            }
            // A panic inside a run is the harness's to report; outside one, or verbose, the
            // previous hook reports it as usual.
            let in_run = in_model || Registry::current().is_some();
            if !is_budget_stop(info.payload()) && (verbose() || !in_run) {
                previous(info);
            }
        }));
    });
}

/// What the body of one model execution does: the run's registry reset to a fresh main thread,
/// the scenario, then the leak check (joining whatever the scenario left running) and the timer
/// thread's shutdown. After a failure, `registry` describes the failing execution.
pub(crate) fn execute<B: Harnessed, S: Scenario>(scenario: &S, registry: &Arc<Registry>) {
    execute_body::<B>(|| scenario.run::<B>(), registry);
}

/// [`execute`] for any body: a program that is not a scenario (see [`cost`]).
pub(crate) fn execute_body<B: Harnessed>(body: impl FnOnce(), registry: &Arc<Registry>) {
    registry.reset();
    registry.install();
    B::begin_run();
    crate::backend::model::run_thread(body);
    registry.join_leftovers();
    B::end_run();
    // The execution is over: a later panic on this OS thread must not ask the model which
    // thread runs.
    registry.leave_model();
}

/// Whether a panic is the harness's own budget stop.
pub(crate) fn is_budget_stop(payload: &(dyn Any + Send)) -> bool {
    panic_message(payload) == BUDGET_SPENT
}

/// Sorts a failed schedule into a [`FailureKind`] and a readable report of its threads.
pub(crate) fn classify(
    message: String,
    registry: Option<&Registry>,
    schedule: usize,
    handle: ReplayHandle,
) -> FailureReport {
    let snapshot = registry.map(Registry::snapshot).unwrap_or_default();
    let in_leak_check = registry.is_some_and(Registry::in_leak_check);
    let deadlock = message.starts_with("deadlock") || message.contains("deadlock! blocked tasks");
    let livelock =
        message.contains("maximum number of branches") || message.contains("max_steps bound");
    // A thread spinning past the step bound is a livelock wherever it spins; a thread blocked
    // forever in the leak check is a thread the scenario left behind.
    let kind = if livelock {
        FailureKind::Livelock
    } else if deadlock && in_leak_check {
        FailureKind::Leak
    } else if deadlock {
        FailureKind::Deadlock
    } else if message.starts_with(INVARIANT_PREFIX) || message.starts_with("assertion") {
        FailureKind::Assertion
    } else {
        FailureKind::Panic
    };
    let message = match kind {
        FailureKind::Leak => leak_message(&leaked_threads(&snapshot)),
        FailureKind::Livelock => livelock_message(&snapshot, &message),
        FailureKind::Deadlock => format!(
            "every thread is blocked, the scenario's main thread included\nchecker: {message}"
        ),
        _ => message,
    };
    FailureReport {
        kind,
        message,
        schedule,
        threads: snapshot.iter().map(ThreadReport::from_snapshot).collect(),
        handle,
        replay_file: None,
        minimal: None,
    }
}

/// The threads a finished scenario left behind: neither its main thread, nor the timer, nor done.
pub(crate) fn leaked_threads(snapshot: &[ThreadSnapshot]) -> Vec<ThreadSnapshot> {
    snapshot
        .iter()
        .skip(1)
        .filter(|t| !t.service && t.state != ThreadState::Finished)
        .cloned()
        .collect()
}

/// The message of a livelock: which threads were still running (not blocked, not finished) when
/// the schedule ran past the checker's bound.
pub(crate) fn livelock_message(snapshot: &[ThreadSnapshot], checker: &str) -> String {
    let spinning: Vec<String> = snapshot
        .iter()
        .filter(|t| !t.service && t.state == ThreadState::Running)
        .map(|t| format!("'{}'", t.name))
        .collect();
    format!(
        "a schedule ran past the checker's step bound with {} still running and never blocking: \
         a spin or retry loop that never ends (a livelock)\nchecker: {checker}",
        if spinning.is_empty() {
            "no thread".to_owned()
        } else {
            spinning.join(", ")
        }
    )
}

/// The message of a leak: which threads the scenario left blocked forever, and where.
pub(crate) fn leak_message(leaked: &[ThreadSnapshot]) -> String {
    let names: Vec<String> = leaked
        .iter()
        .map(|t| format!("'{}' ({})", t.name, ThreadReport::from_snapshot(t).state))
        .collect();
    format!(
        "the scenario returned but left {} thread(s) blocked forever: {}",
        names.len(),
        names.join(", ")
    )
}
