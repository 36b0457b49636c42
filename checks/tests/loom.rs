//! Every kit scenario under loom on its small instance (exhaustive unless the scenario sets a
//! preemption bound), and every zoo entry caught by loom with a replayable checkpoint. Its own test
//! binary: loom and shuttle must not share a process (DESIGN section 11).

use checks::harness::{check, Checker, Scenario};
use checks::scenario::{
    bounded, chan, context, errgroup, fan, pipeline, request, semaphore, time, wait_group,
    worker_pool,
};
use checks::zoo::{self, Mistake};

/// Runs the small instance under loom, bounded where the scenario says (its cost is noted
/// there), and prints its stats.
fn explore<S: Scenario>() {
    let checker = match S::LOOM_PREEMPTION_BOUND {
        Some(bound) => Checker::loom_bounded(bound),
        None => Checker::loom(),
    };
    let stats = check(&S::small(), &checker);
    println!("{stats}");
    stats.assert_pass();
}

#[test]
fn chan_fifo_per_sender() {
    explore::<chan::FifoPerSender>();
}

#[test]
fn chan_every_value_received_once() {
    explore::<chan::EveryValueReceivedOnce>();
}

#[test]
fn chan_close_keeps_buffered_values() {
    explore::<chan::CloseKeepsBufferedValues>();
}

#[test]
fn chan_close_wakes_everyone_and_loses_nothing() {
    explore::<chan::CloseWakesEveryone>();
}

#[test]
fn chan_select_takes_exactly_one_arm() {
    explore::<chan::SelectTakesExactlyOneArm>();
}

#[test]
fn chan_timed_send_never_loses_value() {
    explore::<chan::TimedSendNeverLosesValue>();
}

#[test]
fn wait_group_wait_returns_after_every_done() {
    explore::<wait_group::WaitReturnsAfterEveryDone>();
}

#[test]
fn context_cancel_reaches_every_descendant() {
    explore::<context::CancelReachesEveryDescendant>();
}

#[test]
fn context_deadline_or_cancel_set_once() {
    explore::<context::DeadlineOrCancelSetOnce>();
}

#[test]
fn semaphore_holders_never_exceed_capacity() {
    explore::<semaphore::HoldersNeverExceedCapacity>();
}

#[test]
fn semaphore_cancelled_waiter_takes_no_permit() {
    explore::<semaphore::CancelledWaiterTakesNoPermit>();
}

#[test]
fn errgroup_first_error_cancels_group() {
    explore::<errgroup::FirstErrorCancelsGroup>();
}

#[test]
fn time_timers_fire_in_deadline_order() {
    explore::<time::TimersFireInDeadlineOrder>();
}

#[test]
fn worker_pool_every_job_accounted_once() {
    explore::<worker_pool::EveryJobAccountedOnce>();
}

#[test]
fn worker_pool_in_flight_never_exceeds_workers() {
    explore::<worker_pool::InFlightNeverExceedsWorkers>();
}

#[test]
fn fan_merge_keeps_every_value_in_input_order() {
    explore::<fan::MergeKeepsEveryValueInInputOrder>();
}

#[test]
fn fan_early_stop_leaves_no_thread_blocked() {
    explore::<fan::EarlyStopLeavesNoThreadBlocked>();
}

#[test]
fn fan_fan_out_processes_each_value_once() {
    explore::<fan::FanOutProcessesEachValueOnce>();
}

#[test]
fn pipeline_output_is_composition_in_order() {
    explore::<pipeline::OutputIsCompositionInOrder>();
}

#[test]
fn pipeline_downstream_stop_ends_every_stage() {
    explore::<pipeline::DownstreamStopEndsEveryStage>();
}

#[test]
fn bounded_calls_never_exceed_limit() {
    explore::<bounded::CallsNeverExceedLimit>();
}

#[test]
fn request_root_cancel_stops_every_part() {
    explore::<request::RootCancelStopsEveryPart>();
}

/// loom catches the broken variant with the right kind, its replay reproduces it from the loom
/// checkpoint, and the correct variant passes the same exploration.
fn loom_catches<M: Mistake>() {
    let detection = zoo::detect(M::small(), &Checker::loom());
    println!("{}{}", detection.broken, detection.correct);
    detection.assert_caught::<M>();
}

#[test]
fn loom_catches_lost_update_as_assertion() {
    loom_catches::<zoo::lost_update::LostUpdate>();
}

#[test]
fn loom_catches_lock_order_inversion_as_deadlock() {
    loom_catches::<zoo::lock_order::LockOrderInversion>();
}

#[test]
fn loom_catches_consumer_holding_sender_as_leak() {
    loom_catches::<zoo::forgotten_close::ConsumerHoldsSender>();
}

#[test]
fn loom_catches_wait_group_done_twice_as_panic() {
    loom_catches::<zoo::wait_group_misuse::DoneTwice>();
}
