//! Every kit scenario under shuttle's random and PCT schedulers on its large instance, and every
//! zoo entry caught by PCT with a replayable schedule. Its own test binary: shuttle's panic hook
//! is process-wide (DESIGN section 11).
//!
//! Budgets: 300 random and 300 PCT schedules per scenario (depth 3: a lost update needs ≥ 2),
//! fixed seeds so every run explores the same schedules.

use checks::harness::{check, Checker, Scenario};
use checks::scenario::{
    bounded, chan, context, errgroup, fan, pipeline, request, semaphore, time, wait_group,
    worker_pool,
};
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

shuttle_tests! {
    chan_fifo_per_sender => chan::FifoPerSender,
    chan_every_value_received_once => chan::EveryValueReceivedOnce,
    chan_close_keeps_buffered_values => chan::CloseKeepsBufferedValues,
    chan_close_wakes_everyone_and_loses_nothing => chan::CloseWakesEveryone,
    chan_select_takes_exactly_one_arm => chan::SelectTakesExactlyOneArm,
    chan_timed_send_never_loses_value => chan::TimedSendNeverLosesValue,
    wait_group_wait_returns_after_every_done => wait_group::WaitReturnsAfterEveryDone,
    context_cancel_reaches_every_descendant => context::CancelReachesEveryDescendant,
    context_deadline_or_cancel_set_once => context::DeadlineOrCancelSetOnce,
    semaphore_holders_never_exceed_capacity => semaphore::HoldersNeverExceedCapacity,
    semaphore_cancelled_waiter_takes_no_permit => semaphore::CancelledWaiterTakesNoPermit,
    errgroup_first_error_cancels_group => errgroup::FirstErrorCancelsGroup,
    time_timers_fire_in_deadline_order => time::TimersFireInDeadlineOrder,
    worker_pool_every_job_accounted_once => worker_pool::EveryJobAccountedOnce,
    worker_pool_in_flight_never_exceeds_workers => worker_pool::InFlightNeverExceedsWorkers,
    fan_merge_keeps_every_value_in_input_order => fan::MergeKeepsEveryValueInInputOrder,
    fan_early_stop_leaves_no_thread_blocked => fan::EarlyStopLeavesNoThreadBlocked,
    fan_fan_out_processes_each_value_once => fan::FanOutProcessesEachValueOnce,
    pipeline_output_is_composition_in_order => pipeline::OutputIsCompositionInOrder,
    pipeline_downstream_stop_ends_every_stage => pipeline::DownstreamStopEndsEveryStage,
    bounded_calls_never_exceed_limit => bounded::CallsNeverExceedLimit,
    request_root_cancel_stops_every_part => request::RootCancelStopsEveryPart,
}

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
