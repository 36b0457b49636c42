//! Executing one schedule: the body of a model execution (registry reset, scenario, leak check),
//! the harness's panic hook, its budget stop, and whether the checkers' own output shows.

use super::scenario::Scenario;
use crate::backend::recorder;
use crate::backend::registry::Registry;
use crate::backend::unwind;
use crate::backend::Harnessed;
use patterns::panic_message;
use std::any::Any;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The panic that stops a run whose budget (schedules or time) is spent; never a failure.
pub(crate) const BUDGET_SPENT: &str = "checks harness: budget spent";

/// Whether a panic is the harness's own budget stop.
pub(crate) fn is_budget_stop(payload: &(dyn Any + Send)) -> bool {
    panic_message(payload) == BUDGET_SPENT
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

/// Installs the harness's panic hook once per process: a panic raised by a model checker itself
/// marks the execution abandoned before anything unwinds (so destructors leave the kit's
/// primitives alone), the harness's own budget stops, which are not failures, stay quiet, and a
/// panic inside a run (model or real threads) is left to the report unless verbose.
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
            let in_model = !unwind::abandoned()
                && Registry::with_current(Registry::in_model_run).unwrap_or(false);
            if in_model {
                let by_checker = unwind::raised_by_checker(info.location());
                let escapes =
                    by_checker || Registry::with_current(Registry::panic_escapes).unwrap_or(true);
                if let (false, Some(location)) = (by_checker, info.location()) {
                    let op = if escapes { "panics" } else { "panics (caught)" };
                    recorder::panicked(location, op, panic_message(info.payload()));
                }
                if escapes {
                    unwind::abandon();
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

/// [`execute`] for any body: a program that is not a scenario (see `harness::cost`).
pub(crate) fn execute_body<B: Harnessed>(body: impl FnOnce(), registry: &Arc<Registry>) {
    registry.reset();
    registry.install();
    B::begin_run();
    unwind::run_thread(body);
    registry.join_leftovers();
    B::end_run();
    // The execution is over: a later panic on this OS thread must not ask the model which
    // thread runs.
    registry.leave_model();
}
