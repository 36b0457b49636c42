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

//! The harness stands on floors, each importing only from those below it (ARCHITECTURE.md,
//! "Layers of `checks`"): [`trace`] (a recorded execution as steps), `base` (one execution and
//! its verdict), `runners` (one per checker), `explain` (shrink, trace, replay files) and
//! [`cost`], then [`check`] on top.

mod base;
pub mod cost;
mod explain;
mod runners;
pub mod trace;

pub use base::checker::{Checker, CheckerKind, LOOM_DEFAULT_SCHEDULES};
pub use base::confidence::{
    counted as bound_counts, figure as bound_figure, Shape, MEANINGFUL as MEANINGFUL_BOUND,
};
pub use base::execute::set_verbose;
pub use base::scenario::{invariant_of, Scenario, INVARIANT_PREFIX};
pub use base::verdict::{
    Coverage, FailureKind, FailureReport, MinimalFailure, ReplayHandle, Stats, ThreadReport,
    Verdict,
};
pub use explain::minimal::set_shrinking;
pub use explain::replay::{self, ReplayFile};
pub use runners::loom::loom_builder;
pub use trace::{Mark, Trace, TraceStep};

/// Runs `scenario` under `checker` until its first failure, and explains nothing: no shrinking,
/// no trace, no replay file. For measuring how soon a checker finds a bug (the failure's
/// `schedule` says at which schedule), where [`check`]'s explanation would cost more than the
/// search.
///
/// # Panics
/// If the checker's budget is zero (see [`Checker::budget_error`]).
pub fn first_failure<S: Scenario>(scenario: &S, checker: &Checker) -> Stats {
    runners::run(scenario, checker)
}

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
    replay::persist(explain::minimal::explain(
        scenario,
        runners::run(scenario, checker),
    ))
}
