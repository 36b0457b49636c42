//! Every kit scenario under shuttle's random and PCT schedulers on its large instance, and every
//! zoo entry caught by PCT with a replayable schedule. Its own test binary: shuttle's panic hook
//! is process-wide (DESIGN section 11).
//!
//! Budgets: 300 random and 300 PCT schedules per scenario (depth 3: a lost update needs ≥ 2),
//! fixed seeds so every run explores the same schedules.

use checks::harness::{check, Checker, Scenario};
use checks::scenario::{chan, semaphore};
use checks::zoo::{self, Mistake};

const SCHEDULES: usize = 300;
const SEED: u64 = 0x5eed;

fn random_and_pct<S: Scenario>() {
    for checker in [
        Checker::random(SCHEDULES, SEED),
        Checker::pct(SCHEDULES, 3, SEED),
    ] {
        let stats = check(&S::large(), &checker);
        println!("{stats}");
        stats.assert_pass();
    }
}

macro_rules! shuttle_tests {
    ($($test:ident => $scenario:ty,)*) => {
        $(
            #[test]
            fn $test() {
                random_and_pct::<$scenario>();
            }
        )*
    };
}

checks::for_each_scenario!(shuttle_tests);

/// Each shuttle scheduler catches the broken variant with the right kind, its replay reproduces
/// it, and the correct variant passes the same budget: PCT and random on the large instance,
/// DFS on the small one (a large instance's schedule tree is too deep for a budget).
fn shuttle_catches<M: Mistake>() {
    for (instance, checker) in [
        (M::large(), Checker::pct(1000, 3, SEED)),
        (M::large(), Checker::random(1000, SEED)),
        (M::small(), Checker::dfs(20_000)),
    ] {
        let detection = zoo::detect(instance, &checker);
        println!("{}{}", detection.broken, detection.correct);
        detection.assert_caught::<M>();
    }
}

macro_rules! shuttle_zoo_tests {
    ($($test:ident => $mistake:ty,)*) => {
        mod shuttle_catches {
            $(
                #[test]
                fn $test() {
                    super::shuttle_catches::<$mistake>();
                }
            )*
        }
    };
}

checks::for_each_mistake!(shuttle_zoo_tests);

#[test]
fn dfs_is_exhaustive_on_a_tiny_instance() {
    let stats = check(
        &semaphore::HoldersNeverExceedCapacity::small(),
        &Checker::dfs(100_000),
    );
    println!("{stats}");
    stats.assert_pass();
    assert!(
        matches!(
            stats.verdict,
            checks::harness::Verdict::Pass(checks::harness::Coverage::Exhaustive)
        ),
        "DFS that runs out of schedules is exhaustive: {stats}"
    );
}

#[test]
fn dfs_budget_is_reported_as_capped() {
    let stats = check(&chan::FifoPerSender::small(), &Checker::dfs(10));
    println!("{stats}");
    assert!(
        matches!(
            &stats.verdict,
            checks::harness::Verdict::Pass(checks::harness::Coverage::Capped { .. })
        ),
        "a DFS stopped by its budget must say so: {stats}"
    );
    assert_eq!(stats.schedules, 10);
}
