//! Unwinding out of a model execution: which panics end it (the checker's own, or one escaping a
//! model thread) and which the program catches, so destructors know whether to keep their
//! promises (invariant 7 of ARCHITECTURE.md).

use super::registry::{Registry, ThreadKey};
use std::cell::Cell;

std::thread_local! {
    /// Whether the checker is abandoning the model execution running on this OS thread (its model
    /// threads all run here): set when the checker itself panics (a deadlock, a step bound) or a
    /// panic escapes a model thread, cleared as each execution begins.
    static ABANDONED: Cell<bool> = const { Cell::new(false) };
}

/// Clears the abandoned mark as a model execution begins.
pub(crate) fn begin_execution() {
    ABANDONED.with(|abandoned| abandoned.set(false));
}

/// Marks the current model execution as abandoned: from now on its destructors leave the kit's
/// primitives alone (see `Backend::in_teardown`).
pub(crate) fn abandon() {
    ABANDONED.with(|abandoned| abandoned.set(true));
}

/// Takes the abandoned mark back after a checker's panic that the harness caught itself: loom's
/// report of a data race, which `race.rs` raises again at once as a failure of the program, at
/// the program's line.
pub(crate) fn take_back_abandon() {
    ABANDONED.with(|abandoned| abandoned.set(false));
}

/// Whether the checker is abandoning the current execution and this thread unwinds out of it.
/// A panic that user code will catch unwinds too, but the execution goes on: destructors must
/// then keep their promises, as on `Std`.
pub(crate) fn in_teardown() -> bool {
    std::thread::panicking() && ABANDONED.with(Cell::get)
}

/// Whether the current execution is marked abandoned.
pub(crate) fn abandoned() -> bool {
    ABANDONED.with(Cell::get)
}

/// `Backend::catch_unwind` of the model backends: the registry counts the catch, so the panic
/// hook knows a panic raised inside it is caught and the execution goes on.
pub(crate) fn catching<R>(me: ThreadKey, f: impl FnOnce() -> R) -> std::thread::Result<R> {
    Registry::with_current(|registry| registry.adjust_catching(me, true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    Registry::with_current(|registry| registry.adjust_catching(me, false));
    match result {
        // The checker's own panic (a deadlock found while this thread blocked, a bound) is not
        // the program's to catch: the execution is over, so it goes on unwinding.
        Err(panic) if abandoned() => std::panic::resume_unwind(panic),
        result => result,
    }
}

/// Runs a model thread's body; a panic that escapes it ends the execution.
pub(crate) fn run_thread<T>(body: impl FnOnce() -> T) -> T {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
        Ok(value) => value,
        Err(panic) => {
            abandon();
            std::panic::resume_unwind(panic)
        }
    }
}

/// Whether a panic was raised inside a model checker's own code (its deadlock and bound reports),
/// which means the checker is abandoning the execution.
pub(crate) fn raised_by_checker(location: Option<&std::panic::Location<'_>>) -> bool {
    const CHECKER_CRATES: [&str; 5] = [
        "/loom-",
        "/shuttle-",
        "/shuttle/",
        "/generator-",
        "/corosensei-",
    ];
    location.is_some_and(|location| {
        let file = location.file();
        CHECKER_CRATES.iter().any(|dir| file.contains(dir))
    })
}
