//! Every kit scenario under loom on its small instance (exhaustive unless the scenario sets a
//! preemption bound), and every zoo entry caught by loom with a replayable checkpoint. Its own test
//! binary: loom and shuttle must not share a process (ARCHITECTURE.md, "Facts about
//! loom and shuttle").

use checks::harness::{check, Checker, Coverage, Scenario, Verdict};
use checks::zoo::{self, Mistake};

/// Runs the small instance under loom, bounded where the scenario says (its cost is noted
/// there), and prints its stats.
fn explore<S: Scenario>() {
    let checker = match S::LOOM_PREEMPTION_BOUND {
        Some(bound) => Checker::loom_bounded(bound),
        None => Checker::loom_exhaustive(),
    };
    let stats = check(&S::small(), &checker);
    println!("{stats}");
    stats.assert_pass();
}

macro_rules! loom_tests {
    ($($test:ident => $scenario:ty,)*) => {
        $(
            #[test]
            fn $test() {
                explore::<$scenario>();
            }
        )*
    };
}

checks::for_each_scenario!(loom_tests);

/// loom catches the broken variant with the right kind, its replay reproduces it from the loom
/// checkpoint, and the correct variant passes the same exploration (bounded where the entry says).
fn loom_catches<M: Mistake>() {
    let checker = match M::LOOM_PREEMPTION_BOUND {
        Some(bound) => Checker::loom_bounded(bound),
        None => Checker::loom_exhaustive(),
    };
    let detection = zoo::detect(M::small(), &checker);
    println!("{}{}", detection.broken, detection.correct);
    detection.assert_caught::<M>();
}

macro_rules! loom_zoo_tests {
    ($($test:ident => $mistake:ty,)*) => {
        mod loom_catches {
            $(
                #[test]
                fn $test() {
                    super::loom_catches::<$mistake>();
                }
            )*
        }
    };
}

checks::for_each_mistake!(loom_zoo_tests);

macro_rules! loom_kernel_tests {
    ($($test:ident => $kernel:ty,)*) => {
        mod goker {
            $(
                #[test]
                fn $test() {
                    super::loom_catches::<$kernel>();
                }
            )*
        }
    };
}

checks::for_each_kernel!(loom_kernel_tests);

/// A thread that spins forever runs into loom's branch bound: reported as a livelock naming it.
#[test]
fn spinning_thread_is_a_livelock() {
    let stats = check(&checks::support::fixtures::SpinsForever, &Checker::loom());
    let report = stats.assert_fails_with(checks::harness::FailureKind::Livelock);
    assert!(report.message.contains("'spinner'"), "{stats}");
}

/// A program that draws inputs in a retry loop has no end of input combinations: loom's run stops
/// after `MAX_INPUT_COMBINATIONS` explorations (one schedule each here) and says it was capped.
#[test]
fn endless_input_combinations_are_capped() {
    let stats = check(&checks::support::fixtures::DrawsUntilZero, &Checker::loom());
    assert!(
        matches!(
            &stats.verdict,
            checks::harness::Verdict::Pass(checks::harness::Coverage::Capped { by })
                if by.contains("input combinations")
        ),
        "{stats}"
    );
    assert_eq!(stats.schedules, 4_096, "{stats}");
}

/// loom's deadlock panic, raised inside a `Backend::catch_unwind`, still fails the run as a
/// deadlock: the catch re-raises the checker's own panic.
#[test]
fn a_deadlock_inside_a_catch_is_a_deadlock() {
    let stats = check(
        &checks::support::fixtures::DeadlocksInsideCatch,
        &Checker::loom(),
    );
    stats.assert_fails_with(checks::harness::FailureKind::Deadlock);
}

/// A loom run stopped by its budget says so, and says how to finish.
#[test]
fn a_capped_loom_run_says_how_to_finish() {
    let checker = Checker::Loom {
        preemption_bound: None,
        max_schedules: Some(50),
        max_time: None,
    };
    let stats = check(
        &checks::scenario::rw_mutex::ReadersShareWritersExclude::small(),
        &checker,
    );
    assert!(
        matches!(stats.verdict, Verdict::Pass(Coverage::Capped { .. })),
        "{stats}"
    );
    let text = stats.to_string();
    assert!(
        text.contains("capped by max 50 schedules, not exhaustive"),
        "{text}"
    );
    assert!(text.contains("to finish: bound the preemptions"), "{text}");
}

#[path = "common/recording.rs"]
mod recording;

/// Recording is off while loom explores: only the traced replay records.
#[test]
fn recording_is_off_while_exploring() {
    recording::recording_is_off_while_exploring(&Checker::loom());
}

#[path = "common/traces.rs"]
mod traces;

/// The traces of the zoo entries only loom sees (weak memory): shown as `trace.rs` shows the
/// others' under PCT.
#[test]
fn traces_of_the_mistakes_only_loom_sees() {
    use checks::harness::CheckerKind;
    use checks::zoo::{Variant, WithVariant};
    let mut traced = 0;
    macro_rules! each {
        ($($test:ident => $mistake:ty,)*) => {
            $(
                if <$mistake as Mistake>::MISSED_BY.contains(&CheckerKind::ShuttlePct) {
                    let broken = <$mistake as Scenario>::small().with_variant(Variant::Broken);
                    let stats = check(&broken, &Checker::loom());
                    println!("{stats}");
                    traces::assert_trace_shows_the_bug::<$mistake>(&stats, traces::MAX_ROWS);
                    traced += 1;
                }
            )*
        };
    }
    checks::for_each_mistake!(each);
    assert!(traced > 0, "no zoo entry is left to loom alone");
}

#[path = "common/blocked.rs"]
mod blocked;

/// A thread blocked in the backend's `lock`, `wait` or `join` under loom is reported at the
/// caller's line (ARCHITECTURE.md, invariant 5).
#[test]
fn blocked_threads_are_reported_at_the_callers_line() {
    blocked::reported_at_the_callers_line(&Checker::loom());
}
