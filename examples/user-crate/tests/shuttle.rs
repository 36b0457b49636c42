//! The user's sum under shuttle PCT on a larger instance: the racy version is caught, the correct
//! one passes the same budget. (Its own test binary: loom and shuttle must not share a process.)

use checks::harness::{check, Checker, FailureKind, Scenario};
use common::SumIsComplete;

mod common;

#[test]
fn pct_catches_the_racy_sum_and_passes_the_correct_one() {
    let racy = SumIsComplete {
        racy: true,
        ..SumIsComplete::large()
    };
    let caught = check(&racy, &Checker::pct(1000, 3, 1));
    println!("{caught}");
    caught.assert_fails_with(FailureKind::Assertion);
    check(&SumIsComplete::large(), &Checker::pct(1000, 3, 1)).assert_pass();
}
