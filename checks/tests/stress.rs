//! Every kit scenario on real threads (the `Real` backend), many runs of the large instance, and
//! the zoo entries real threads can see. Real-thread runs assert invariants, never timings.

use checks::harness::{check, Checker, FailureKind, Scenario};
use checks::support::fixtures::PanicsBeforeDone;
use checks::zoo::{self, Mistake, Variant, WithVariant};

const RUNS: usize = 20;

fn stress<S: Scenario>() {
    let stats = check(&S::large(), &Checker::stress(RUNS));
    println!("{stats}");
    stats.assert_pass();
}

macro_rules! stress_tests {
    ($($test:ident => $scenario:ty,)*) => {
        $(
            #[test]
            fn $test() {
                stress::<$scenario>();
            }
        )*
    };
}

checks::for_each_scenario!(stress_tests);

/// On real threads the correct variant of every zoo entry passes; the broken variant of an entry
/// that fails on every schedule is caught with the right kind in one run. (Interleaving-dependent
/// mistakes are left to the model checkers: how often real threads see them is the detection
/// matrix's business, not a test's.)
fn real_threads_on<M: Mistake>() {
    check(
        &M::large().with_variant(Variant::Correct),
        &Checker::stress(RUNS),
    )
    .assert_pass();
    if M::DETERMINISTIC {
        let stats = check(
            &M::small().with_variant(Variant::Broken),
            &Checker::stress(1),
        );
        println!("{stats}");
        stats.assert_fails_with(M::CAUGHT_AS);
    }
}

macro_rules! stress_zoo_tests {
    ($($test:ident => $mistake:ty,)*) => {
        mod real_threads {
            $(
                #[test]
                fn $test() {
                    super::real_threads_on::<$mistake>();
                }
            )*
        }
    };
}

checks::for_each_mistake!(stress_zoo_tests);

macro_rules! stress_kernel_tests {
    ($($test:ident => $kernel:ty,)*) => {
        mod goker {
            $(
                #[test]
                fn $test() {
                    super::real_threads_on::<$kernel>();
                }
            )*
        }
    };
}

checks::for_each_kernel!(stress_kernel_tests);

/// A leak report names the thread left behind.
#[test]
fn real_threads_report_a_leaked_consumer_by_name() {
    let instance =
        zoo::consumer_holds_sender::ConsumerHoldsSender::small().with_variant(Variant::Broken);
    let stats = check(&instance, &Checker::stress(1));
    println!("{stats}");
    let report = stats.assert_fails_with(FailureKind::Leak);
    assert!(
        report.message.contains("'consumer'"),
        "the leak names the thread: {report}"
    );
}

/// Misuse panics name the mistake.
#[test]
fn real_threads_report_wait_group_misuse_as_panic() {
    let instance = zoo::wait_group_done_twice::WaitGroupDoneTwice::small();
    let stats = check(&instance, &Checker::stress(1));
    let report = stats.assert_fails_with(FailureKind::Panic);
    assert!(
        report.message.contains("negative WaitGroup counter"),
        "{report}"
    );
}

/// A real-thread deadlock is reported with every thread and the line it is blocked at.
#[test]
fn real_threads_report_a_deadlock_with_where_each_thread_waits() {
    let instance = zoo::send_without_receiver::SendWithoutReceiver::small();
    let stats = check(&instance, &Checker::stress(1));
    println!("{stats}");
    let report = stats.assert_fails_with(FailureKind::Deadlock);
    let blocked: Vec<_> = report
        .threads
        .iter()
        .filter(|thread| thread.state.starts_with("blocked at"))
        .map(|thread| thread.name.as_str())
        .collect();
    assert_eq!(blocked, ["main", "worker-0", "worker-1"], "{report}");
    // Seen through the blocked states within seconds, not through the 30 s watchdog.
    assert!(report.message.contains("none moved"), "{report}");
    assert!(
        stats
            .to_string()
            .contains("invariant: every result is received"),
        "{stats}"
    );
}

/// A thread that panicked has ended: the main thread left waiting for it is seen blocked within
/// the deadlock grace, not at the watchdog, and the panic is the failure.
#[test]
fn a_panicked_thread_counts_as_ended_for_the_deadlock_watch() {
    let stats = check(&PanicsBeforeDone, &Checker::stress(1));
    println!("{stats}");
    let report = stats.assert_fails_with(FailureKind::Panic);
    assert!(
        report.message.contains("the worker panics before its done"),
        "{report}"
    );
    assert!(
        report.message.contains("none moved") && !report.message.contains("no end after"),
        "the rest blocked is seen through the blocked states: {report}"
    );
}

/// The main thread waits on a timer longer than the deadlock grace: every thread is blocked, but
/// a pending timer will move them, so this is no deadlock.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct WaitsOnALongTimer;

impl Scenario for WaitsOnALongTimer {
    const NAME: &'static str = "harness::waits_on_a_long_timer";
    fn small() -> Self {
        Self
    }
    fn large() -> Self {
        Self
    }
    fn run<B: patterns::Backend>(&self) {
        // Longer than the 2 s deadlock grace of real-thread runs.
        let fired = patterns::chan::after_in::<B>(std::time::Duration::from_secs(3)).recv();
        checks::invariant!(fired.is_some(), "the timer must fire once");
    }
}

#[test]
fn a_thread_waiting_on_a_timer_is_not_deadlocked() {
    let stats = check(&WaitsOnALongTimer, &Checker::stress(1));
    println!("{stats}");
    stats.assert_pass();
}

/// A timer callback spawns a thread that blocks forever, and the scenario returns: that thread
/// belongs to the run that armed the timer, so the leak check finds it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct TimerCallbackSpawnsALeak;

impl Scenario for TimerCallbackSpawnsALeak {
    const NAME: &'static str = "harness::timer_callback_spawns_a_leak";
    fn small() -> Self {
        Self
    }
    fn large() -> Self {
        Self
    }
    fn run<B: patterns::Backend>(&self) {
        let (spawned_tx, spawned) = patterns::chan::bounded_in::<B, ()>(1);
        let _timer =
            patterns::time::after_func::<B>(std::time::Duration::from_millis(1), move || {
                let (keep_open, never_sent) = patterns::chan::bounded_in::<B, ()>(0);
                drop(B::spawn("from-timer", move || {
                    let _keep_open = keep_open;
                    never_sent.recv();
                }));
                let _ = spawned_tx.try_send(());
            });
        spawned.recv();
    }
}

#[test]
fn a_thread_spawned_by_a_timer_callback_is_leak_checked() {
    let stats = check(&TimerCallbackSpawnsALeak, &Checker::stress(1));
    println!("{stats}");
    let report = stats.assert_fails_with(FailureKind::Leak);
    assert!(report.message.contains("'from-timer'"), "{report}");
}

/// A timer armed outside this run (here: by the test itself, an hour long) does not hide the
/// run's deadlock: only the run's own pending timers may be what its blocked threads wait for.
#[test]
fn a_timer_of_another_run_does_not_hide_a_deadlock() {
    let _elsewhere = patterns::time::after_func::<checks::backend::Real>(
        std::time::Duration::from_secs(3600),
        || {},
    );
    let instance = zoo::send_without_receiver::SendWithoutReceiver::small();
    let stats = check(&instance, &Checker::stress(1));
    let report = stats.assert_fails_with(FailureKind::Deadlock);
    assert!(report.message.contains("none moved"), "{report}");
}
