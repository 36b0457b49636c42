//! GoKer `kubernetes_70277` (kubernetes PR #70277): `WaitFor` hands the caller's done channel to
//! the poller and returns without ever closing it, and the test then waits on that channel, which
//! only its own deferred close would close.
//!
//! Ports `gobench/goker/blocking/kubernetes/70277/kubernetes70277_test.go` (GoBench:
//! communication deadlock, channel). The test calls `WaitFor` with a poller (a 1 ms interval and
//! the kernel's 20 s "forever" timeout), a condition that holds at once and its stop channel, and
//! keeps the done channel `WaitFor` hands the poller; then it waits on that channel. The poller
//! runs on a goroutine: every tick it sends on its channel if `WaitFor` is there to take it, and
//! it returns, closing its channel, once its timeout fires or the done channel closes. `WaitFor`
//! returns at the first tick or at the close, but the done channel is the test's stop channel,
//! which the test closes only as it returns: once the poller has timed out, the whole program
//! blocks, on every schedule. The timeout is shortened (2 ms for loom, 20 ms for the large
//! instance) so that the poller ends after a few ticks; the kernel's timeout is not zero, so the
//! port always arms the timer. Fix (the upstream fix): `WaitFor` makes a stop channel of its
//! own, hands that to the poller, closes it as it returns (its deferred close), and waits in a
//! select that also receives from the caller's done channel.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, RecvArm, Select, Selected};
use patterns::{time, Backend, Receiver, Sender, Ticker};
use std::time::Duration;

zoo_entry! {
    /// The test waits, through a poller, for a condition that holds at once, then waits on the
    /// done channel it handed the poller.
    pub struct Kubernetes70277 {
        /// The poller's timeout in milliseconds (the kernel's is 20 s).
        pub timeout_ms: u64,
    }
}

type Error = &'static str;

const ERR_WAIT_TIMEOUT: Error = "timed out waiting for the condition";

/// The kernel's `WaitFunc`: given the done channel, starts polling and returns the channel the
/// ticks come on.
fn poller<B: Backend>(
    interval: Duration,
    timeout: Duration,
) -> impl Fn(&Receiver<(), B>) -> Receiver<(), B> {
    move |done: &Receiver<(), B>| {
        let (ch_tx, ch) = chan::bounded_in::<B, ()>(0);
        let done = done.clone();
        drop(B::spawn("poller", move || {
            poll::<B>(interval, timeout, &ch_tx, &done)
        }));
        ch
    }
}

/// The poller's goroutine.
fn poll<B: Backend>(
    interval: Duration,
    timeout: Duration,
    ch: &Sender<(), B>,
    done: &Receiver<(), B>,
) {
    let tick = Ticker::<B>::new_in(interval);
    // `time.NewTimer`: a channel of capacity one that the timer sends the time on.
    let (after_tx, after) = chan::bounded_in::<B, Duration>(1);
    let timer = time::after_func::<B>(timeout, move || {
        let _ = after_tx.try_send(B::now());
    });
    loop {
        let (mut ticked, mut timed_out, mut stopped) = (
            RecvArm::new(tick.ticks()),
            RecvArm::new(&after),
            RecvArm::new(done),
        );
        let chosen = Select::new()
            .recv(&mut ticked)
            .recv(&mut timed_out)
            .recv(&mut stopped)
            .wait();
        if chosen != Selected::Arm(0) {
            break;
        }
        // The kernel's inner select has a default: the tick is sent only if someone takes it.
        let _ = ch.try_send(());
    }
    // The deferred calls, the last deferred first.
    timer.stop();
    tick.stop();
    ch.close().expect("closed once");
}

fn wait_for<B: Backend>(
    wait: impl FnOnce(&Receiver<(), B>) -> Receiver<(), B>,
    f: impl Fn() -> Result<bool, Error>,
    done: &Receiver<(), B>,
    fixed: bool,
) -> Result<(), Error> {
    if fixed {
        return wait_for_fixed(wait, f, done);
    }
    let c = wait(done);
    loop {
        let open = c.recv().is_some();
        if f()? {
            return Ok(());
        }
        if !open {
            break;
        }
    }
    Ok(())
}

/// The fix's `WaitFor`: the poller gets a done channel that is closed as this returns.
fn wait_for_fixed<B: Backend>(
    wait: impl FnOnce(&Receiver<(), B>) -> Receiver<(), B>,
    f: impl Fn() -> Result<bool, Error>,
    done: &Receiver<(), B>,
) -> Result<(), Error> {
    let (stop_tx, stop_ch) = chan::bounded_in::<B, ()>(0);
    let c = wait(&stop_ch);
    let result = loop {
        let (mut ticked, mut cancelled) = (RecvArm::new(&c), RecvArm::new(done));
        let chosen = Select::new().recv(&mut ticked).recv(&mut cancelled).wait();
        if chosen != Selected::Arm(0) {
            break Err(ERR_WAIT_TIMEOUT);
        }
        let open = ticked.take().is_some();
        match f() {
            Err(err) => break Err(err),
            Ok(true) => break Ok(()),
            Ok(false) if !open => break Err(ERR_WAIT_TIMEOUT),
            Ok(false) => {}
        }
    };
    stop_tx.close().expect("closed once"); // the deferred close
    result
}

impl Scenario for Kubernetes70277 {
    const NAME: &'static str = "goker::kubernetes_70277";
    // The timer thread's steps (every tick re-arms the ticker's timer) multiply the schedules, as
    // in the other kernels with timers.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "the test returns and the poller finishes";
    broken_instances! {
        small: { timeout_ms: 2 },
        large: { timeout_ms: 20 },
    }
    fn run<B: Backend>(&self) {
        let (stop_tx, stop_ch) = chan::bounded_in::<B, ()>(0);
        let wait_func = poller::<B>(
            Duration::from_millis(1),
            Duration::from_millis(self.timeout_ms),
        );
        let mut done_ch = None;
        let _ = wait_for(
            |done: &Receiver<(), B>| {
                done_ch = Some(done.clone());
                wait_func(done)
            },
            || Ok(true),
            &stop_ch,
            self.variant == Variant::Correct,
        );
        let done_ch = done_ch.expect("WaitFor calls its wait function");
        done_ch.recv(); // blocks here
        stop_tx.close().expect("closed once"); // the deferred close
    }
}

impl Mistake for Kubernetes70277 {
    const CAUGHT_AS: FailureKind = FailureKind::Deadlock;
    const TRACE_SHOWS: &'static [&'static str] = &["close chan", "recv chan", "(never returned)"];
    const DETERMINISTIC: bool = true;
}

impl Kernel for Kubernetes70277 {
    const GOKER: Goker = Goker {
        project: "kubernetes",
        id: 70277,
        class: Class::Blocking,
        kind: "Communication Deadlock",
        subtype: "Channel",
    };
}
