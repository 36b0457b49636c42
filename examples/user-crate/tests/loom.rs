//! The user's sum checked with the harness under loom, as a first scenario of one's own: the racy
//! version is caught at once, and the correct one passes, exhaustively or, if loom's default time
//! runs out first, with a verdict that says it was capped and how to finish. (Shuttle is in
//! `tests/shuttle.rs`: the two must not share a process.)

use checks::harness::{check, Checker, Coverage, FailureKind, Scenario, Verdict};
use common::SumIsComplete;

mod common;

#[test]
fn the_correct_sum_passes_or_says_it_was_capped_and_how_to_finish() {
    let stats = check(&SumIsComplete::small(), &Checker::loom());
    println!("{stats}");
    stats.assert_pass();
    match &stats.verdict {
        Verdict::Pass(Coverage::Exhaustive) => {}
        Verdict::Pass(Coverage::Capped { .. }) => assert!(
            stats
                .to_string()
                .contains("to finish: bound the preemptions"),
            "a capped run says what to change: {stats}"
        ),
        other => panic!("neither exhaustive nor capped: {other:?}"),
    }
}

#[test]
fn the_racy_sum_is_caught_with_a_replayable_failure() {
    let racy = SumIsComplete {
        racy: true,
        ..SumIsComplete::small()
    };
    let stats = check(&racy, &Checker::loom());
    println!("{stats}");
    let report = stats.assert_fails_with(FailureKind::Assertion);
    assert!(report.replay_command().is_some(), "{stats}");
}

#[test]
fn a_preemption_bound_finishes() {
    let stats = check(&SumIsComplete::small(), &Checker::loom_bounded(2));
    println!("{stats}");
    stats.assert_pass();
    assert!(
        matches!(
            stats.verdict,
            Verdict::Pass(Coverage::Bounded { preemptions: 2 })
        ),
        "{stats}"
    );
}
