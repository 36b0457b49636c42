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

/// PCT catches the broken variant with the right kind, its replay reproduces it, and the correct
/// variant passes the same budget.
fn pct_catches<M: Mistake>() {
    let detection = zoo::detect(M::large(), &Checker::pct(1000, 3, SEED));
    println!("{}{}", detection.broken, detection.correct);
    detection.assert_caught::<M>();
}

#[test]
fn pct_catches_lost_update_as_assertion() {
    pct_catches::<zoo::lost_update::LostUpdate>();
}

#[test]
fn pct_catches_lock_order_inversion_as_deadlock() {
    pct_catches::<zoo::lock_order::LockOrderInversion>();
}

#[test]
fn pct_catches_consumer_holding_sender_as_leak() {
    pct_catches::<zoo::forgotten_close::ConsumerHoldsSender>();
}

#[test]
fn pct_catches_wait_group_done_twice_as_panic() {
    pct_catches::<zoo::wait_group_misuse::DoneTwice>();
}

#[test]
fn random_catches_lost_update_as_assertion() {
    let detection = zoo::detect(
        zoo::lost_update::LostUpdate::large(),
        &Checker::random(1000, SEED),
    );
    detection.assert_caught::<zoo::lost_update::LostUpdate>();
}

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
