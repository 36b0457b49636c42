//! GoKer `cockroach_1462` (cockroach PR #1462): the local transport's worker sends an event that
//! the event processor, told to stop, never receives, and `Stop` waits forever for that worker.
//!
//! Ports `gobench/goker/blocking/cockroach/1462/cockroach1462_test.go` (GoBench: mixed deadlock,
//! channel & WaitGroup). The test makes a stopper and a local interceptable transport, whose
//! worker loops: it returns if the stopper's channel is closed, and otherwise (a `select` with a
//! `default`) sends an event on the unbuffered `Events` channel; a second worker processes events
//! until the stopper's channel is closed. Then the test calls `Stop`, which quiesces (no task is
//! running), closes the stopper's channel and waits on the stopper's WaitGroup for both workers.
//! When the transport's worker has gone past its check and sends while the processor takes the
//! closed channel and returns, the send blocks forever, and so does `Stop`: the whole program
//! blocks. The kernel's transport loops until it is stopped; the port's runs at most `rounds`
//! rounds and then waits for the stopper's channel alone, which bounds the work (the small
//! instance, for loom, runs one round). Fix (the upstream fix): the transport's worker sends under
//! `StartTask` and `FinishTask`, so that `Stop`'s `Quiesce` waits for a send under way while the
//! processor still runs, and no send starts once the stopper drains (the worker then goes round
//! again, upstream's `continue`, yielding as a spin loop must for loom).

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, RecvArm, Select, Selected};
use patterns::{Atomic, Backend, Cond, Mutex, Receiver, Sender, WaitGroup};
use std::sync::atomic::Ordering;
use std::sync::Arc;

zoo_entry! {
    /// A stopper stops a local transport's worker and the worker processing its events.
    pub struct Cockroach1462 {
        /// Rounds of the transport's loop before it waits for the stopper alone (the kernel's
        /// loop has no bound).
        pub rounds: usize,
    }
}

struct Stopper<B: Backend> {
    stopper_tx: Sender<(), B>,
    stopper: Receiver<(), B>,
    stopped_tx: Sender<(), B>,
    /// Nobody reads it in the test; the stopper keeps it open, as Go does.
    _stopped: Receiver<(), B>,
    stop: WaitGroup<B>,
    /// Its locker is the kernel's `mu`.
    drain: Cond<B>,
    /// Relaxed, as `num_tasks`: read and written only under `mu`.
    draining: B::AtomicBool,
    num_tasks: B::AtomicUsize,
}

fn new_stopper<B: Backend>() -> Arc<Stopper<B>> {
    let (stopper_tx, stopper) = chan::bounded_in(0);
    let (stopped_tx, stopped) = chan::bounded_in(0);
    Arc::new(Stopper {
        stopper_tx,
        stopper,
        stopped_tx,
        _stopped: stopped,
        stop: WaitGroup::new_in(),
        drain: Cond::new(Arc::new(Mutex::new_in())),
        draining: B::AtomicBool::new(false),
        num_tasks: B::AtomicUsize::new(0),
    })
}

impl<B: Backend> Stopper<B> {
    fn mu(&self) -> &Mutex<B> {
        self.drain.locker()
    }

    fn run_worker(self: &Arc<Self>, name: &str, f: impl FnOnce() + Send + 'static) {
        self.add_worker();
        let s = Arc::clone(self);
        drop(B::spawn(name, move || {
            f();
            s.set_stopped(); // the deferred SetStopped
        }));
    }

    fn add_worker(&self) {
        self.stop.add(1);
    }

    fn start_task(&self) -> bool {
        self.mu().lock();
        if self.draining.load(Ordering::Relaxed) {
            self.mu().unlock();
            return false;
        }
        let tasks = self.num_tasks.load(Ordering::Relaxed);
        self.num_tasks.store(tasks + 1, Ordering::Relaxed);
        self.mu().unlock();
        true
    }

    fn finish_task(&self) {
        self.mu().lock();
        let tasks = self.num_tasks.load(Ordering::Relaxed);
        self.num_tasks.store(tasks - 1, Ordering::Relaxed);
        self.drain.broadcast();
        self.mu().unlock();
    }

    fn set_stopped(&self) {
        self.stop.done();
    }

    fn should_stop(&self) -> &Receiver<(), B> {
        &self.stopper
    }

    fn quiesce(&self) {
        self.mu().lock();
        self.draining.store(true, Ordering::Relaxed);
        while self.num_tasks.load(Ordering::Relaxed) > 0 {
            self.drain.wait();
        }
        self.mu().unlock();
    }

    fn stop(&self) {
        self.quiesce();
        self.stopper_tx.close().expect("closed once");
        self.stop.wait(); // blocks here
        self.mu().lock();
        self.stopped_tx.close().expect("closed once");
        self.mu().unlock();
    }
}

/// The kernel's `interceptMessage`, an `int`.
type InterceptMessage = i32;

struct LocalInterceptableTransport<B: Backend> {
    events_tx: Sender<InterceptMessage, B>,
    events: Receiver<InterceptMessage, B>,
    stopper: Arc<Stopper<B>>,
}

fn new_local_interceptable_transport<B: Backend>(
    stopper: Arc<Stopper<B>>,
    rounds: usize,
    fixed: bool,
) -> Arc<LocalInterceptableTransport<B>> {
    let (events_tx, events) = chan::bounded_in(0);
    let lt = Arc::new(LocalInterceptableTransport {
        events_tx,
        events,
        stopper,
    });
    lt.start(rounds, fixed);
    lt
}

impl<B: Backend> LocalInterceptableTransport<B> {
    fn start(self: &Arc<Self>, rounds: usize, fixed: bool) {
        let lt = Arc::clone(self);
        self.stopper.run_worker("local-transport", move || {
            for _ in 0..rounds {
                let mut stop = RecvArm::new(lt.stopper.should_stop());
                if Select::new().recv(&mut stop).or_default().wait() == Selected::Arm(0) {
                    return;
                }
                if fixed && !lt.stopper.start_task() {
                    // The fix's `continue` while the stopper drains: round again.
                    B::yield_now();
                    continue;
                }
                // Nobody closes the channel, and the transport keeps its receiver: the send
                // blocks or completes.
                let _ = lt.events_tx.send(0); // blocks here
                if fixed {
                    lt.stopper.finish_task();
                }
            }
            lt.stopper.should_stop().recv();
        });
    }
}

fn process_events_until<B: Backend>(ch: &Receiver<InterceptMessage, B>, stopper: &Stopper<B>) {
    loop {
        let (mut event, mut stop) = (RecvArm::new(ch), RecvArm::new(stopper.should_stop()));
        match Select::new().recv(&mut event).recv(&mut stop).wait() {
            Selected::Arm(0) => {
                if event.take().is_none() {
                    return;
                }
            }
            _ => return,
        }
    }
}

impl Scenario for Cockroach1462 {
    const NAME: &'static str = "goker::cockroach_1462";
    // Unbounded, the fix ran past 60 s; at 2 preemptions it passes in 427 schedules.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "stopping the stopper returns, and both workers finish";
    broken_instances! {
        small: { rounds: 1 },
        large: { rounds: 5 },
    }
    fn run<B: Backend>(&self) {
        let (rounds, fixed) = (self.rounds, self.variant == Variant::Correct);
        let stopper = new_stopper::<B>();
        let transport = new_local_interceptable_transport(Arc::clone(&stopper), rounds, fixed);
        let processed = Arc::clone(&stopper);
        stopper.run_worker("process-events-until", move || {
            process_events_until(&transport.events, &processed)
        });
        stopper.stop();
    }
}

impl Mistake for Cockroach1462 {
    const CAUGHT_AS: FailureKind = FailureKind::Deadlock;
    const TRACE_SHOWS: &'static [&'static str] = &["send chan", "(never returned)"];
}

impl Kernel for Cockroach1462 {
    const GOKER: Goker = Goker {
        project: "cockroach",
        id: 1462,
        class: Class::Blocking,
        kind: "Mixed Deadlock",
        subtype: "Channel & WaitGroup",
    };
}
