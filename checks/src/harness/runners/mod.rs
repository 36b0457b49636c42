//! One runner per checker: loom's exhaustive exploration, shuttle's random, PCT, URW and DFS
//! schedulers, the harness's own POS scheduler and portfolio on shuttle, and real threads; [`run`] picks
//! the one a [`Checker`] names.

pub(crate) mod loom;
mod portfolio;
mod pos;
pub(crate) mod shuttle;
pub(crate) mod stress;

use super::base::checker::Checker;
use super::base::scenario::Scenario;
use super::base::verdict::Stats;

/// Runs `scenario` under `checker`, no more: a failure is neither shrunk nor traced nor saved.
///
/// # Panics
/// If the checker's budget is zero (see [`Checker::budget_error`]).
pub(crate) fn run<S: Scenario>(scenario: &S, checker: &Checker) -> Stats {
    if let Some(error) = checker.budget_error() {
        panic!("{error}");
    }
    match checker {
        Checker::Loom { .. } => self::loom::run(scenario, checker),
        Checker::ShuttleRandom { .. }
        | Checker::ShuttlePct { .. }
        | Checker::ShuttleUrw { .. }
        | Checker::ShuttlePos { .. }
        | Checker::ShuttlePortfolio { .. }
        | Checker::ShuttleDfs { .. } => self::shuttle::run(scenario, checker, None),
        Checker::Stress { runs } => stress::run(scenario, *runs),
    }
}
