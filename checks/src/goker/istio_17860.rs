//! GoKer `istio_17860` (istio PR #17860): each envoy epoch's `runWait` goroutine reports its exit
//! on the agent's unbuffered status channel, and the agent's `Run` may have stopped reading it
//! (its context cancelled, or no epoch left active), so a `runWait` blocks forever.
//!
//! Ports `gobench/goker/blocking/istio/17860/istio17860_test.go` (GoBench: communication
//! deadlock, channel). The test starts `Run` with a cancellable context on a goroutine, restarts
//! the agent, restarts it again on a goroutine, sleeps 200 ns and returns, cancelling the context.
//! Each `Restart` holds the agent's lock while it waits (through a 30 ns ticker, up to a 100 ns
//! timer) for a proxy that never goes live when an epoch is active, then adds its epoch and
//! starts `runWait`, which sends the epoch on the status channel. `Run` deletes each epoch it
//! receives and returns once none is active, or once the context is done: a `runWait` whose
//! epoch it has not received by then is left blocked (a leak). The small instance restarts once
//! (loom's thread limit; one restart shows the bug, whose `runWait` the cancel strands), the large
//! twice, as the kernel. Neither the kernel nor its README states the fix; upstream's (a restart
//! lock, and the state lock released before the wait) leaves the kernel's stranded `runWait`, and
//! upstream's agent gives its status channel a buffer ("context might stop drainage"). The port's
//! fix does that, with room for every epoch the test starts, so no `runWait` waits for `Run`.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, RecvArm, Select, Selected};
use patterns::{time, Backend, Context, Mutex, Receiver, Sender, Ticker};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

zoo_entry! {
    /// An agent is restarted while it runs, then its context is cancelled.
    pub struct Istio17860 {
        /// Restarts: the first on the test's goroutine, the others on one each (the kernel has
        /// two).
        pub restarts: usize,
    }
}

type ExitStatus = usize;

/// The kernel's `TestProxy`.
struct TestProxy {
    live: Option<fn() -> bool>,
}

impl TestProxy {
    fn is_live(&self) -> bool {
        match self.live {
            None => true,
            Some(live) => live(),
        }
    }
}

/// What the agent's lock guards.
#[derive(Default)]
struct Epochs {
    current_epoch: usize,
    active_epochs: BTreeSet<usize>,
}

struct Agent<B: Backend> {
    proxy: TestProxy,
    mu: Mutex<B>,
    /// Under `mu`, as in the kernel. The backend lock only makes the sharing sound: it is held
    /// for no blocking step.
    epochs: B::Mutex<Epochs>,
    status_tx: Sender<ExitStatus, B>,
    status_ch: Receiver<ExitStatus, B>,
}

impl<B: Backend> Agent<B> {
    fn run(&self, ctx: &Context<B>) {
        loop {
            let (mut status, mut done) = (RecvArm::new(&self.status_ch), RecvArm::new(ctx.done()));
            if Select::new().recv(&mut status).recv(&mut done).wait() != Selected::Arm(0) {
                return;
            }
            // The status channel is never closed: the arm holds a value.
            let Some(status) = status.take() else {
                return;
            };
            self.mu.lock();
            let active = {
                let mut epochs = B::lock(&self.epochs);
                epochs.active_epochs.remove(&status);
                epochs.active_epochs.len()
            };
            self.mu.unlock();
            if active == 0 {
                return;
            }
        }
    }

    fn restart(self: &Arc<Self>) {
        self.mu.lock();
        self.wait_until_live();
        let epoch = {
            let mut epochs = B::lock(&self.epochs);
            epochs.current_epoch += 1;
            let epoch = epochs.current_epoch;
            epochs.active_epochs.insert(epoch);
            epoch
        };
        let agent = Arc::clone(self);
        drop(B::spawn(&format!("run-wait-{epoch}"), move || {
            agent.run_wait(epoch)
        }));
        self.mu.unlock(); // the deferred unlock
    }

    fn run_wait(&self, epoch: usize) {
        // Never closed: the send completes or blocks.
        let _ = self.status_tx.send(epoch); // blocks here
    }

    fn wait_until_live(&self) {
        if B::lock(&self.epochs).active_epochs.is_empty() {
            return;
        }
        let interval = Ticker::<B>::new_in(Duration::from_nanos(30));
        // `time.NewTimer`: the loop below returns only once it has fired, so the deferred `Stop`
        // of the kernel finds it fired (the early return never happens: the proxy is never live).
        let timer = chan::after_in::<B>(Duration::from_nanos(100));
        if self.proxy.is_live() {
            interval.stop();
            return;
        }
        loop {
            let (mut fired, mut tick) = (RecvArm::new(&timer), RecvArm::new(interval.ticks()));
            if Select::new().recv(&mut fired).recv(&mut tick).wait() == Selected::Arm(0) {
                break;
            }
            if self.proxy.is_live() {
                break;
            }
        }
        interval.stop(); // the deferred stops
    }
}

fn new_agent<B: Backend>(proxy: TestProxy, status_capacity: usize) -> Arc<Agent<B>> {
    let (status_tx, status_ch) = chan::bounded_in(status_capacity);
    Arc::new(Agent {
        proxy,
        mu: Mutex::new_in(),
        epochs: B::mutex(Epochs::default()),
        status_tx,
        status_ch,
    })
}

fn never_live() -> bool {
    false
}

impl Scenario for Istio17860 {
    const NAME: &'static str = "goker::istio_17860";
    // Unbounded, the fix ran past 60 s; at 2 preemptions it passes in 2,529 schedules.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "every runWait, Run and Restart finishes";
    broken_instances! {
        small: { restarts: 1 },
        large: { restarts: 2 },
    }
    fn run<B: Backend>(&self) {
        let (restarts, fixed) = (self.restarts, self.variant == Variant::Correct);
        let (ctx, cancel) = Context::<B>::background_in().with_cancel();
        let a = new_agent::<B>(
            TestProxy {
                live: Some(never_live as fn() -> bool),
            },
            if fixed { restarts } else { 0 },
        );
        let runner = Arc::clone(&a);
        drop(B::spawn("run", move || runner.run(&ctx)));
        a.restart();
        for _ in 1..restarts {
            let restarting = Arc::clone(&a);
            drop(B::spawn("restart", move || restarting.restart()));
        }
        time::sleep::<B>(Duration::from_nanos(200));
        cancel.cancel(); // the deferred cancel
    }
}

impl Mistake for Istio17860 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    const TRACE_SHOWS: &'static [&'static str] = &["send chan", "(never returned)"];
}

impl Kernel for Istio17860 {
    const GOKER: Goker = Goker {
        project: "istio",
        id: 17860,
        class: Class::Blocking,
        kind: "Communication Deadlock",
        subtype: "Channel",
    };
}
