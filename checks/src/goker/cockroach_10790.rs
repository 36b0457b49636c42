//! GoKer `cockroach_10790` (cockroach PR #10790): once its context is done, `beginCmds` leaves a
//! goroutine to receive from every channel of its command, and nothing sends on them any more.
//!
//! Ports `gobench/goker/blocking/cockroach/10790/cockroach10790_test.go` (GoBench: communication
//! deadlock, channel & context). The test makes a replica with two unbuffered channels and a
//! stopper, and a cancellable context; it starts a helper (`sendChans`, standing for the commands
//! the replica waits on) that sends on each channel in a `select` that gives up once the context
//! is done, `beginCmds`, which receives from each channel in a `select` that, once the context is
//! done, starts a goroutine to receive from every channel instead, and `cancel`; then it stops
//! the stopper and returns. When the context is done before the channels are all received, the
//! helper may give up too, and the goroutine `beginCmds` started is left blocked on a channel
//! nobody sends on (a leak). The small instance, for loom, has one channel (the thread limit;
//! one shows the bug). Neither the kernel nor its README states the fix; the kernel's stopper has
//! a `ShouldQuiesce` channel that nothing reads, and the port's fix reads it: the goroutine
//! receiving the channels also gives up once the stopper quiesces, as upstream's commands waiting
//! in the command queue do (cockroach PR #10896).

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, RecvArm, Select, Selected, SendArm};
use patterns::{Atomic, Backend, Context, Mutex, Receiver, Sender};
use std::sync::atomic::Ordering;
use std::sync::Arc;

zoo_entry! {
    /// A replica begins a command while its context is cancelled and its stopper stops.
    pub struct Cockroach10790 {
        /// The command's channels (the kernel has two).
        pub chans: usize,
    }
}

struct Stopper<B: Backend> {
    quiescer_tx: Sender<(), B>,
    quiescer: Receiver<(), B>,
    mu: Mutex<B>,
    /// Relaxed: read and written only under `mu`.
    quiescing: B::AtomicBool,
}

impl<B: Backend> Stopper<B> {
    fn should_quiesce(&self) -> &Receiver<(), B> {
        &self.quiescer
    }

    fn quiesce(&self) {
        self.mu.lock();
        if !self.quiescing.load(Ordering::Relaxed) {
            self.quiescing.store(true, Ordering::Relaxed);
            self.quiescer_tx.close().expect("closed once");
        }
        self.mu.unlock(); // the deferred Unlock
    }

    fn stop(&self) {
        self.quiesce();
    }
}

/// One of the command's channels, both ends (Go's `chan bool`).
struct Chan<B: Backend> {
    tx: Sender<bool, B>,
    rx: Receiver<bool, B>,
}

struct Replica<B: Backend> {
    chans: Vec<Chan<B>>,
    stopper: Stopper<B>,
}

impl<B: Backend> Replica<B> {
    fn begin_cmds(self: &Arc<Self>, ctx: &Context<B>, fixed: bool) {
        let ctx_done = ctx.done();
        for ch in &self.chans {
            let (mut received, mut done) = (RecvArm::new(&ch.rx), RecvArm::new(ctx_done));
            if Select::new().recv(&mut received).recv(&mut done).wait() == Selected::Arm(1) {
                let r = Arc::clone(self);
                drop(B::spawn("drain-chans", move || r.drain_chans(fixed)));
            }
        }
    }

    /// The goroutine `beginCmds` starts once its context is done.
    fn drain_chans(&self, fixed: bool) {
        for ch in &self.chans {
            if fixed {
                let (mut received, mut quiesced) = (
                    RecvArm::new(&ch.rx),
                    RecvArm::new(self.stopper.should_quiesce()),
                );
                let chosen = Select::new().recv(&mut received).recv(&mut quiesced).wait();
                if chosen == Selected::Arm(1) {
                    return;
                }
            } else {
                ch.rx.recv(); // blocks here
            }
        }
    }

    /// The test's helper goroutine, not in the real bug.
    fn send_chans(&self, ctx: &Context<B>) {
        for ch in &self.chans {
            let (mut sent, mut done) = (SendArm::new(&ch.tx, true), RecvArm::new(ctx.done()));
            if Select::new().send(&mut sent).recv(&mut done).wait() == Selected::Arm(1) {
                return;
            }
        }
    }
}

fn new_replica<B: Backend>(chans: usize) -> Replica<B> {
    let (quiescer_tx, quiescer) = chan::bounded_in(0);
    Replica {
        chans: (0..chans)
            .map(|_| {
                let (tx, rx) = chan::bounded_in(0);
                Chan { tx, rx }
            })
            .collect(),
        stopper: Stopper {
            quiescer_tx,
            quiescer,
            mu: Mutex::new_in(),
            quiescing: B::AtomicBool::new(false),
        },
    }
}

impl Scenario for Cockroach10790 {
    const NAME: &'static str = "goker::cockroach_10790";
    // Unbounded, the fix ran past 60 s; at 2 preemptions it passes in 2,304 schedules.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "every goroutine of the command finishes";
    broken_instances! {
        small: { chans: 1 },
        large: { chans: 2 },
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let r = Arc::new(new_replica::<B>(self.chans));
        let (ctx, cancel) = Context::<B>::background_in().with_cancel();
        let (helper, helper_ctx) = (Arc::clone(&r), ctx.clone());
        drop(B::spawn("send-chans", move || {
            helper.send_chans(&helper_ctx)
        }));
        let begun = Arc::clone(&r);
        drop(B::spawn("begin-cmds", move || {
            begun.begin_cmds(&ctx, fixed)
        }));
        drop(B::spawn("cancel", move || cancel.cancel()));
        r.stopper.stop();
    }
}

impl Mistake for Cockroach10790 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    const TRACE_SHOWS: &'static [&'static str] =
        &["cancel context", "recv chan", "(never returned)"];
}

impl Kernel for Cockroach10790 {
    const GOKER: Goker = Goker {
        project: "cockroach",
        id: 10790,
        class: Class::Blocking,
        kind: "Communication Deadlock",
        subtype: "Channel & Context",
    };
}
