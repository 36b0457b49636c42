//! GoKer `grpc_660` (grpc-go PR #660): the benchmark client's close loop returns when it is
//! stopped without draining the `done` channel of the call still running, whose goroutine then
//! blocks forever sending on it.
//!
//! Ports `gobench/goker/blocking/grpc/660/grpc660_test.go` (GoBench: communication deadlock,
//! channel). The test starts `doCloseLoopUnary` and a helper that sends one value on the client's
//! `stop` channel, and returns. Each round of the loop makes an unbuffered `done` channel, starts
//! a call goroutine that sends `false` when `rand.Intn(10) > 7` (2 values of 10, a choice the
//! checker explores) and `true` otherwise, and selects between `stop` and `done`; when `stop`
//! wins, the call goroutine is left blocked in its send (a leak). The kernel loops until it is
//! stopped; the port runs at most `rounds` rounds and then waits for `stop` alone, which bounds
//! the goroutines it starts (the small instance, for loom, runs one round). Fix (the upstream
//! fix): the call goroutine sends in a select that also watches `stop`, and stopping closes
//! `stop` rather than sending one value on it, so that both selects see it.

use super::{never_dropped, Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, RecvArm, Select, Selected, SendArm};
use patterns::{Backend, Receiver, Sender};
use std::sync::Arc;

zoo_entry! {
    /// A benchmark client runs unary calls in a closed loop until a helper stops it.
    pub struct Grpc660 {
        /// Rounds of the loop before it waits for `stop` alone (the kernel's loop has no bound).
        pub rounds: usize,
    }
}

/// The client's unbuffered `stop` channel, both ends: the client keeps it open for everyone.
struct BenchmarkClient<B: Backend> {
    stop_tx: Sender<bool, B>,
    stop: Receiver<bool, B>,
}

impl<B: Backend> BenchmarkClient<B> {
    fn do_close_loop_unary(self: &Arc<Self>, rounds: usize, fixed: bool) {
        for _ in 0..rounds {
            let (done_tx, done) = chan::bounded_in::<B, bool>(0);
            let bc = Arc::clone(self);
            drop(B::spawn("call", move || {
                if B::input(10) > 7 {
                    bc.send_done(&done_tx, false, fixed);
                    return;
                }
                bc.send_done(&done_tx, true, fixed);
            }));
            let (mut stopped, mut finished) = (RecvArm::new(&self.stop), RecvArm::new(&done));
            let chosen = Select::new().recv(&mut stopped).recv(&mut finished).wait();
            // Go drops the channel with the loop's round, and keeps it for the call goroutine.
            never_dropped(done);
            if chosen == Selected::Arm(0) {
                return;
            }
        }
        self.stop.recv();
    }

    fn send_done(&self, done_tx: &Sender<bool, B>, value: bool, fixed: bool) {
        if fixed {
            let mut stopped = RecvArm::new(&self.stop);
            let mut report = SendArm::new(done_tx, value);
            let _ = Select::new().recv(&mut stopped).send(&mut report).wait();
        } else {
            let _ = done_tx.send(value); // blocks here once the loop has returned
        }
    }
}

impl Scenario for Grpc660 {
    const NAME: &'static str = "goker::grpc_660";
    // Unbounded, the fix ran past 120 s; at 3 preemptions it passes in 44,850 schedules (2 s).
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(3);
    const INVARIANT: &'static str = "every goroutine of the close loop finishes";
    broken_instances! {
        small: { rounds: 1 },
        large: { rounds: 100 },
    }
    fn run<B: Backend>(&self) {
        let (rounds, fixed) = (self.rounds, self.variant == Variant::Correct);
        let (stop_tx, stop) = chan::bounded_in(0);
        let bc = Arc::new(BenchmarkClient::<B> { stop_tx, stop });
        let client = Arc::clone(&bc);
        drop(B::spawn("close-loop", move || {
            client.do_close_loop_unary(rounds, fixed)
        }));
        drop(B::spawn("helper", move || {
            if fixed {
                bc.stop_tx.close().expect("closed once");
            } else {
                let _ = bc.stop_tx.send(true);
            }
        }));
    }
}

impl Mistake for Grpc660 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    const TRACE_SHOWS: &'static [&'static str] = &["send chan", "(never returned)"];
}

impl Kernel for Grpc660 {
    const GOKER: Goker = Goker {
        project: "grpc",
        id: 660,
        class: Class::Blocking,
        kind: "Communication Deadlock",
        subtype: "Channel",
    };
}
