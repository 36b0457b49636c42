//! Every kit scenario on real threads (the `Real` backend), many runs of the large instance, and
//! the zoo entries real threads can see. Real-thread runs assert invariants, never timings.

use checks::harness::{check, Checker, FailureKind, Scenario};
use checks::scenario::{
    bounded, chan, context, errgroup, fan, pipeline, request, semaphore, time, wait_group,
    worker_pool,
};
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

stress_tests! {
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
