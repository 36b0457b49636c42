//! Every kit scenario under loom on its small instance (exhaustive unless the scenario sets a
//! preemption bound), and every zoo entry caught by loom with a replayable checkpoint. Its own test
//! binary: loom and shuttle must not share a process (DESIGN section 11).

use checks::harness::{check, Checker, Scenario};
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
