//! GoKer `moby_33781` (moby PR #33781): the health monitor returns on a stop request that comes
//! while a probe runs, without draining the probe's unbuffered result channel, so the probe's
//! goroutine blocks forever sending its result.
//!
//! Ports `gobench/goker/blocking/moby/33781/moby33781_test.go` (GoBench: communication deadlock,
//! channel & context). The test starts `monitor` on an unbuffered stop channel, and a goroutine
//! that sleeps 50 ns and sends one stop request, and returns. Each round of the monitor waits for
//! a stop request or a 50 ns probe interval; after the interval it makes an unbuffered result
//! channel and a context with a 50 ns timeout, starts a probe goroutine that sends a result and
//! closes the channel, and selects on the stop channel, the result and the context's end. When
//! the stop request wins that select, the monitor cancels the probe's context and returns, and
//! the probe is left blocked in its send (a leak). The kernel's monitor loops until it is
//! stopped; the port runs at most `rounds` rounds and then waits for the stop request alone,
//! which bounds the goroutines it starts (the small instance, for loom, runs one round). Fix (the
//! upstream fix): the result channel gets a buffer of one, and the monitor drains it before it
//! returns on a stop request.

use super::{never_dropped, Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, RecvArm, Select, Selected};
use patterns::{time, Backend, Context, Receiver};
use std::time::Duration;

zoo_entry! {
    /// A health monitor probes until a goroutine stops it.
    pub struct Moby33781 {
        /// Rounds of the monitor before it waits for the stop request alone (the kernel's loop
        /// has no bound).
        pub rounds: usize,
    }
}

fn monitor<B: Backend>(stop: &Receiver<bool, B>, rounds: usize, fixed: bool) {
    let probe_interval = Duration::from_nanos(50);
    let probe_timeout = Duration::from_nanos(50);
    for _ in 0..rounds {
        let waited = {
            let mut stopped = RecvArm::new(stop);
            Select::new()
                .recv(&mut stopped)
                .timeout(probe_interval)
                .wait()
        };
        if waited != Selected::Timeout {
            return;
        }
        let (results_tx, results) = chan::bounded_in::<B, bool>(usize::from(fixed));
        let (ctx, cancel_probe) = Context::<B>::background_in().with_timeout(probe_timeout);
        drop(B::spawn("probe", move || {
            let _ = results_tx.send(true); // blocks here once the monitor has returned
            results_tx.close().expect("closed once");
        }));
        let chosen = {
            let mut stopped = RecvArm::new(stop);
            let mut result = RecvArm::new(&results);
            let mut probe_done = RecvArm::new(ctx.done());
            Select::new()
                .recv(&mut stopped)
                .recv(&mut result)
                .recv(&mut probe_done)
                .wait()
        };
        match chosen {
            Selected::Arm(0) => {
                cancel_probe.cancel();
                if fixed {
                    results.recv();
                } else {
                    // Returns without draining the results; Go keeps the channel for the probe.
                    never_dropped(results);
                }
                return;
            }
            Selected::Arm(1) => cancel_probe.cancel(),
            _ => {
                cancel_probe.cancel();
                results.recv();
            }
        }
    }
    stop.recv();
}

impl Scenario for Moby33781 {
    const NAME: &'static str = "goker::moby_33781";
    // At 2 preemptions the fix passes in 100,970 schedules (7 s); the bug needs none (found at #1),
    // and at 1 the fix passes in 1,768.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(1);
    const INVARIANT: &'static str = "the monitor, its probes and the stopping goroutine finish";
    broken_instances! {
        small: { rounds: 1 },
        large: { rounds: 100 },
    }
    fn run<B: Backend>(&self) {
        let (rounds, fixed) = (self.rounds, self.variant == Variant::Correct);
        let (stop_tx, stop) = chan::bounded_in::<B, bool>(0);
        drop(B::spawn("monitor", move || monitor(&stop, rounds, fixed)));
        drop(B::spawn("stop", move || {
            time::sleep::<B>(Duration::from_nanos(50));
            let _ = stop_tx.send(true);
        }));
    }
}

impl Mistake for Moby33781 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    const TRACE_SHOWS: &'static [&'static str] = &["select", "send chan", "(never returned)"];
}

impl Kernel for Moby33781 {
    const GOKER: Goker = Goker {
        project: "moby",
        id: 33781,
        class: Class::Blocking,
        kind: "Communication Deadlock",
        subtype: "Channel & Context",
    };
}
