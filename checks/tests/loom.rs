//! Every kit scenario under loom, on its small instance: exhaustive unless a bound is noted.

use checks::harness::{check, Checker, Scenario};
use checks::scenario::{chan, context, errgroup, semaphore, time, wait_group};

/// Runs the small instance exhaustively and prints its stats.
fn exhaustive<S: Scenario>() {
    let stats = check(&S::small(), &Checker::loom());
    println!("{stats}");
    stats.assert_pass();
}

/// Runs the small instance with a preemption bound and prints its stats.
fn bounded<S: Scenario>(bound: usize) {
    let stats = check(&S::small(), &Checker::loom_bounded(bound));
    println!("{stats}");
    stats.assert_pass();
}

#[test]
fn chan_fifo_per_sender() {
    exhaustive::<chan::FifoPerSender>();
}

#[test]
fn chan_every_value_received_once() {
    exhaustive::<chan::EveryValueReceivedOnce>();
}

#[test]
fn chan_close_keeps_buffered_values() {
    exhaustive::<chan::CloseKeepsBufferedValues>();
}

#[test]
fn chan_close_wakes_everyone_and_loses_nothing() {
    exhaustive::<chan::CloseWakesEveryone>();
}

#[test]
fn chan_select_takes_exactly_one_arm() {
    exhaustive::<chan::SelectTakesExactlyOneArm>();
}

#[test]
fn chan_timed_send_never_loses_value() {
    exhaustive::<chan::TimedSendNeverLosesValue>();
}

#[test]
fn wait_group_wait_returns_after_every_done() {
    exhaustive::<wait_group::WaitReturnsAfterEveryDone>();
}

#[test]
fn context_cancel_reaches_every_descendant() {
    exhaustive::<context::CancelReachesEveryDescendant>();
}

#[test]
fn context_deadline_or_cancel_set_once() {
    exhaustive::<context::DeadlineOrCancelSetOnce>();
}

#[test]
fn semaphore_holders_never_exceed_capacity() {
    exhaustive::<semaphore::HoldersNeverExceedCapacity>();
}

#[test]
fn semaphore_cancelled_waiter_takes_no_permit() {
    exhaustive::<semaphore::CancelledWaiterTakesNoPermit>();
}

#[test]
fn errgroup_first_error_cancels_group() {
    exhaustive::<errgroup::FirstErrorCancelsGroup>();
}

#[test]
fn time_timers_fire_in_deadline_order() {
    exhaustive::<time::TimersFireInDeadlineOrder>();
}
