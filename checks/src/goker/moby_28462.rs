//! GoKer `moby_28462` (moby PR #28462): `StateChanged` holds the container's lock while it sends
//! the stop request on the health monitor's unbuffered channel, and the monitor, between two
//! polls of that channel, waits for the same lock to handle a probe result.
//!
//! Ports `gobench/goker/blocking/moby/28462/moby28462_test.go` (GoBench: mixed deadlock, channel &
//! lock). The bug report (moby issue #28405) names three goroutines; the kernel needs two. The
//! test starts the health `monitor`, which loops polling the stop channel (a select with a
//! default) and otherwise locks and unlocks the container, and `StateChanged`, which locks the
//! container and sends on the stop channel, and returns. When the monitor has passed its poll
//! and then finds the lock taken, both goroutines are left blocked (a leak). Go's scheduler
//! preempts the spinning monitor; the port yields once per round, as a polling loop must for the
//! model checkers. Fix (the upstream fix): closing the monitor channel closes the stop channel
//! rather than sending on it, so `StateChanged` never waits for the monitor. (The upstream fix
//! also has a probe result that comes after the stop ignored, under the lock; the kernel's
//! `handleProbeResult` does nothing under the lock, so the port leaves that out.)

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, TryRecvError};
use patterns::{Backend, Mutex, Receiver, Sender};
use std::sync::Arc;

zoo_entry! {
    /// A container's health monitor runs while its state changes.
    pub struct Moby28462 {}
}

/// The container's health: its monitor's unbuffered stop channel, both ends (Go's channel, which
/// the struct keeps).
struct Health<B: Backend> {
    stop_tx: Sender<(), B>,
    stop: Receiver<(), B>,
}

impl<B: Backend> Health<B> {
    fn open_monitor_channel(&self) -> Receiver<(), B> {
        self.stop.clone()
    }

    /// The kernel checks the channel is not nil first, which it never is here (the fix then sets
    /// it to nil, which nothing reads again in the test).
    fn close_monitor_channel(&self, fixed: bool) {
        if fixed {
            self.stop_tx.close().expect("closed once");
        } else {
            let _ = self.stop_tx.send(()); // blocks here, under the container's lock
        }
    }
}

struct State<B: Backend> {
    health: Health<B>,
}

/// The kernel's container, which embeds a `sync.Mutex`.
struct Container<B: Backend> {
    mu: Mutex<B>,
    state: State<B>,
}

struct Store<B: Backend> {
    ctr: Arc<Container<B>>,
}

impl<B: Backend> Store<B> {
    fn get(&self) -> Arc<Container<B>> {
        Arc::clone(&self.ctr)
    }
}

struct Daemon<B: Backend> {
    containers: Store<B>,
}

impl<B: Backend> Daemon<B> {
    fn state_changed(&self, fixed: bool) {
        let c = self.containers.get();
        c.mu.lock();
        self.update_health_monitor_else_branch(&c, fixed);
        c.mu.unlock(); // the deferred Unlock
    }

    fn update_health_monitor_else_branch(&self, c: &Container<B>, fixed: bool) {
        let h = &c.state.health;
        h.close_monitor_channel(fixed);
    }
}

fn monitor<B: Backend>(c: &Container<B>, stop: &Receiver<(), B>) {
    loop {
        // The kernel's select with a default: a receive that does not wait.
        match stop.try_recv() {
            Ok(()) | Err(TryRecvError::Closed) => return,
            Err(TryRecvError::Empty) => handle_probe_result(c),
        }
        // Go's scheduler preempts a spinning goroutine; the model checkers need the yield.
        B::yield_now();
    }
}

fn handle_probe_result<B: Backend>(c: &Container<B>) {
    c.mu.lock(); // blocks here while StateChanged holds the lock
    c.mu.unlock(); // the deferred Unlock
}

fn new_daemon_and_container<B: Backend>() -> (Daemon<B>, Arc<Container<B>>) {
    let (stop_tx, stop) = chan::bounded_in(0);
    let c = Arc::new(Container {
        mu: Mutex::new_in(),
        state: State {
            health: Health { stop_tx, stop },
        },
    });
    let d = Daemon {
        containers: Store {
            ctr: Arc::clone(&c),
        },
    };
    (d, c)
}

impl Scenario for Moby28462 {
    const NAME: &'static str = "goker::moby_28462";
    // The monitor's polling loop needs a bound, as kubernetes_13135's does; the bug needs one
    // preemption (the monitor's, between its poll and its lock); the fix passes in 41 schedules.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "the health monitor and StateChanged finish";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let (d, c) = new_daemon_and_container::<B>();
        let stop = c.state.health.open_monitor_channel();
        drop(B::spawn("monitor", move || monitor(&c, &stop)));
        drop(B::spawn("state-changed", move || d.state_changed(fixed)));
    }
}

impl Mistake for Moby28462 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    const TRACE_SHOWS: &'static [&'static str] = &["lock mutex", "send chan", "(never returned)"];
}

impl Kernel for Moby28462 {
    const GOKER: Goker = Goker {
        project: "moby",
        id: 28462,
        class: Class::Blocking,
        kind: "Mixed Deadlock",
        subtype: "Channel & Lock",
    };
}
