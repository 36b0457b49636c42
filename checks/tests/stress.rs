//! Every kit scenario on real threads (the `Real` backend), many runs of the large instance, and
//! the zoo entries real threads can see. Real-thread runs assert invariants, never timings.

use checks::harness::{check, Checker, FailureKind, Scenario};
use checks::zoo::{self, Mistake, Variant};

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

/// A leak is deterministic on real threads too: the consumer can never finish.
#[test]
fn real_threads_report_a_leaked_consumer_by_name() {
    let instance = zoo::forgotten_close::ConsumerHoldsSender::small().with_variant(Variant::Broken);
    let stats = check(&instance, &Checker::stress(1));
    println!("{stats}");
    let report = stats.assert_fails_with(FailureKind::Leak);
    assert!(
        report.message.contains("'consumer'"),
        "the leak names the thread: {report}"
    );
    check(
        &instance.with_variant(Variant::Correct),
        &Checker::stress(RUNS),
    )
    .assert_pass();
}

/// Misuse panics deterministically, whatever the schedule.
#[test]
fn real_threads_report_wait_group_misuse_as_panic() {
    let instance = zoo::wait_group_misuse::DoneTwice::small();
    let stats = check(&instance, &Checker::stress(1));
    let report = stats.assert_fails_with(FailureKind::Panic);
    assert!(
        report.message.contains("negative WaitGroup counter"),
        "{report}"
    );
}
