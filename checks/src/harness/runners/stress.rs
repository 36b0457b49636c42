//! Running a scenario on real threads, many times, with leak detection and a hang watchdog.

use crate::backend::registry::{Registry, ThreadSnapshot, ThreadState};
use crate::backend::{Harnessed, Real};
use crate::harness::base::checker::Checker;
use crate::harness::base::classify::{classify, leak_message, livelock_message};
use crate::harness::base::execute::install_panic_hook;
use crate::harness::base::scenario::Scenario;
use crate::harness::base::verdict::{
    Coverage, FailureKind, FailureReport, ReplayHandle, Stats, ThreadReport, Verdict,
};
use patterns::panic_message;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long threads the scenario left running get to finish before they count as leaked. Real
/// threads give no "blocked forever" signal, so a generous grace stands in for it (goleak does
/// the same); it only delays a failing run, never a passing one.
const LEAK_GRACE: Duration = Duration::from_secs(2);

/// How long every thread may sit blocked, none of them moving and no timer pending, before the run
/// counts as a deadlock. Real threads give no "all asleep" signal; the registry's blocked states
/// stand in.
const DEADLOCK_GRACE: Duration = Duration::from_secs(2);

/// How long one run may take in all before it counts as hung: the backstop for threads blocked
/// where the registry cannot see it (a timed park) or spinning.
const WATCHDOG: Duration = Duration::from_secs(30);

/// How often the watchdog looks at the registry.
const POLL: Duration = Duration::from_millis(50);

enum RunEnd {
    Passed,
    Panicked(String),
    Leaked(Vec<ThreadSnapshot>),
}

/// A failure the harness itself saw on real threads (no checker message to classify).
fn report(registry: &Registry, run: usize, kind: FailureKind, message: String) -> FailureReport {
    FailureReport {
        kind,
        message,
        schedule: run,
        threads: registry
            .snapshot()
            .iter()
            .map(ThreadReport::from_snapshot)
            .collect(),
        handle: ReplayHandle::None,
        replay_file: None,
        minimal: None,
    }
}

/// Waits for the end of one run; `Err` names why the run counts as deadlocked: every thread
/// blocked with no state change for [`DEADLOCK_GRACE`], or no end within [`WATCHDOG`].
fn watch(ends: &mpsc::Receiver<RunEnd>, registry: &Registry) -> Result<RunEnd, String> {
    let started = Instant::now();
    let mut stuck: Option<(u64, Instant)> = None;
    loop {
        match ends.recv_timeout(POLL) {
            Ok(end) => return Ok(end),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err("the run's main thread vanished without a result".to_owned())
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        // Every thread blocked is no deadlock while a timer this run armed is pending: it may be
        // the very timer they wait for (a long timeout), and its firing will move them.
        let all_blocked = registry
            .all_blocked()
            .filter(|_| registry.pending_timers() == 0);
        stuck = match (all_blocked, stuck) {
            (Some(now), Some((then, since))) if now == then => {
                if since.elapsed() >= DEADLOCK_GRACE {
                    return Err(format!(
                        "every thread has been blocked for {} s and none moved: a deadlock \
                         on real threads",
                        DEADLOCK_GRACE.as_secs()
                    ));
                }
                Some((then, since))
            }
            (Some(now), _) => Some((now, Instant::now())),
            (None, _) => None,
        };
        if started.elapsed() >= WATCHDOG {
            return Err(format!(
                "no end after {} s on real threads: hung (blocked where the harness cannot \
                 see it, or spinning)",
                WATCHDOG.as_secs()
            ));
        }
    }
}

/// Runs `scenario` `runs` times on real threads; stops at the first failing run.
pub(crate) fn run<S: Scenario>(scenario: &S, runs: usize) -> Stats {
    // A panic inside a run is the report's, never shown through the process's hook as it happens:
    // a slow hook (a backtrace under `RUST_BACKTRACE`) would keep the panicking thread running past
    // the leak grace, and the run would read as a livelock.
    install_panic_hook();
    let started = Instant::now();
    let mut verdict = Verdict::Pass(Coverage::Sampled);
    let mut done = 0;
    for run in 1..=runs {
        done = run;
        let registry = Registry::new();
        let (tx, rx) = mpsc::channel();
        let (body_scenario, body_registry) = (scenario.clone(), Arc::clone(&registry));
        std::thread::Builder::new()
            .name("stress-main".to_owned())
            .spawn(move || {
                body_registry.install();
                Real::begin_run();
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    body_scenario.run::<Real>()
                }));
                let end = match result {
                    Ok(()) => {
                        let leaked = body_registry.join_leftovers_within(LEAK_GRACE);
                        if leaked.is_empty() {
                            RunEnd::Passed
                        } else {
                            RunEnd::Leaked(leaked)
                        }
                    }
                    Err(payload) => RunEnd::Panicked(panic_message(payload.as_ref())),
                };
                Real::end_run();
                let _ = tx.send(end);
            })
            .expect("cannot spawn the stress run's main thread");
        let failure = match (watch(&rx, &registry), registry.first_panic()) {
            (Ok(RunEnd::Passed), _) => None,
            // A spawned thread's panic is the cause of what followed: the scenario's own panic
            // (often its echo), or the others blocked, waiting for what it would have done. The
            // panic is the failure, as under the models, where it ends the run.
            (ended, Some((thread, cause))) => {
                let then = match ended {
                    Ok(RunEnd::Panicked(message)) => {
                        format!("the scenario then panicked: {message}")
                    }
                    Err(blocked) => format!("then: {blocked}"),
                    Ok(_) => "then the scenario returned and left threads blocked".to_owned(),
                };
                let message = format!("{cause}\n(in thread '{thread}'; {then})");
                Some(classify(message, Some(&registry), run, ReplayHandle::None))
            }
            (Ok(RunEnd::Panicked(message)), None) => {
                Some(classify(message, Some(&registry), run, ReplayHandle::None))
            }
            // Left running rather than blocked: spinning, a livelock.
            // Named from the leaked threads alone: the main thread returned.
            (Ok(RunEnd::Leaked(leaked)), None)
                if leaked.iter().all(|t| t.state == ThreadState::Running) =>
            {
                Some(report(
                    &registry,
                    run,
                    FailureKind::Livelock,
                    livelock_message(&leaked, "still running after the leak grace"),
                ))
            }
            (Ok(RunEnd::Leaked(leaked)), None) => Some(report(
                &registry,
                run,
                FailureKind::Leak,
                leak_message(&leaked),
            )),
            (Err(message), None) => Some(report(&registry, run, FailureKind::Deadlock, message)),
        };
        if let Some(report) = failure {
            verdict = Verdict::Fail(Box::new(report));
            break;
        }
    }
    Stats::of(
        scenario,
        Checker::Stress { runs },
        done,
        started.elapsed(),
        verdict,
    )
}
