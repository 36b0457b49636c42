//! The stress runner and the process's panic hook: a spawned thread's panic is a panic, however
//! slow the hook the process had installed (a backtrace under `RUST_BACKTRACE`, say). Its own test
//! binary, since the hook it installs is process-wide.

use checks::goker::grpc_1687::Grpc1687;
use checks::harness::{check, Checker, FailureKind, Scenario};
use checks::zoo::{Variant, WithVariant};
use std::time::Duration;

/// Longer than the stress runner's 2 s leak grace: a panic shown through this hook leaves its
/// thread running past the grace, and the run would read as a livelock.
const SLOW_HOOK: Duration = Duration::from_secs(5);

/// `grpc_1687`'s broken variant panics in a detached thread after the scenario has returned. The
/// harness keeps panics inside a run to its report, so the slow hook never runs and the thread
/// ends at once.
#[test]
fn a_spawned_threads_panic_is_not_held_up_by_the_process_panic_hook() {
    std::panic::set_hook(Box::new(|_| std::thread::sleep(SLOW_HOOK)));
    let stats = check(
        &Grpc1687::small().with_variant(Variant::Broken),
        &Checker::stress(1),
    );
    println!("{stats}");
    let report = stats.assert_fails_with(FailureKind::Panic);
    assert!(
        report.message.contains("send on closed channel"),
        "{report}"
    );
}
