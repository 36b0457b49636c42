//! GoKer `cockroach_4407` (cockroach PR #4407): a gossip request that arrives during shutdown
//! starts a worker on the stopper, adding to its `WaitGroup` while `Stop` is already waiting on
//! it.
//!
//! Ports `gobench/goker/nonblocking/cockroach/4407/cockroach4407_test.go` (GoBench: go-specific,
//! waitgroup). The test makes a stopper and a gossip server, starts `Gossip` on two goroutines,
//! sleeps a millisecond and returns, which runs its deferred `stopper.Stop()`: close the stopper's
//! channel, wait on its `WaitGroup`, then lock and unlock its lock. `Gossip` holds the server's
//! lock and calls `RunWorker`, which adds one to the `WaitGroup` and starts the worker
//! (`gossipSender`, which takes the server's lock) whose `Done` ends it. Nothing orders a
//! `Gossip`'s `Add` from zero before `Stop`'s `Wait`, Go's `WaitGroup` misuse: the race detector
//! reports the `Add` (a read of the group's hidden location when it starts the counter from
//! zero) racing with the `Wait` that blocks (a write of it), and so does the kit's `WaitGroup`
//! (a data race). Fix (after the upstream fix, which starts the worker from inside a stopper
//! task): `Gossip` calls `RunWorker` inside the stopper's `RunTask`, which the stopper refuses
//! once it drains, and `Stop` first drains (`Quiesce`: refuse new tasks, wait for the running
//! ones) before it waits for its workers; task accounting as cockroach's stopper keeps it (a
//! draining flag and a task count under the stopper's lock, a `Cond` to wait for the count),
//! which orders every `Add` before the `Wait` or refuses it. The kernel's unused `SetStopped` is
//! left out. The small instance, for loom, starts one `Gossip` instead of two (loom counts every
//! thread: the test, each `Gossip` and its worker, and the timer thread of the sleep).

use super::{Class, Goker, Kernel};
use crate::harness::{CheckerKind, FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{chan, time, Backend, Cond, Mutex, RaceCell, Receiver, Sender, WaitGroup};
use std::sync::Arc;
use std::time::Duration;

zoo_entry! {
    /// Gossip requests start workers on a stopper while the test stops it.
    pub struct Cockroach4407 {
        /// Goroutines calling `Gossip` (the kernel has two).
        pub gossips: usize,
    }
}

struct Stopper<B: Backend> {
    /// Closed by `Stop`; nobody reads it in the kernel.
    stopper: Sender<(), B>,
    _stopper_rx: Receiver<(), B>,
    stop: WaitGroup<B>,
    mu: Arc<Mutex<B>>,
    /// The fix's task accounting, guarded by `mu`: set once `Stop` drains.
    draining: RaceCell<bool, B>,
    /// The fix's: tasks running now, guarded by `mu`.
    num_tasks: RaceCell<usize, B>,
    /// The fix's: signalled when a task ends, for `quiesce` to re-check the count.
    drain: Cond<B>,
}

impl<B: Backend> Stopper<B> {
    fn new() -> Self {
        let (stopper, stopper_rx) = chan::bounded_in(0);
        let mu = Arc::new(Mutex::new_in());
        Self {
            stopper,
            _stopper_rx: stopper_rx,
            stop: WaitGroup::new_in(),
            drain: Cond::new(Arc::clone(&mu)),
            mu,
            draining: RaceCell::new_in(false),
            num_tasks: RaceCell::new_in(0),
        }
    }

    fn run_worker(&self, name: &str, f: impl FnOnce() + Send + 'static) {
        self.stop.add(1);
        let stop = self.stop.clone();
        drop(B::spawn(name, move || {
            f();
            stop.done(); // the deferred s.stop.Done()
        }));
    }

    /// The fix: runs `f` as a task unless the stopper drains; says whether it ran.
    fn run_task(&self, f: impl FnOnce()) -> bool {
        self.mu.lock();
        if self.draining.get() {
            self.mu.unlock();
            return false;
        }
        self.num_tasks.update(|n| *n += 1);
        self.mu.unlock();
        f();
        self.mu.lock();
        self.num_tasks.update(|n| *n -= 1);
        self.drain.broadcast();
        self.mu.unlock();
        true
    }

    /// The fix: refuses new tasks, then waits for the running ones to end.
    fn quiesce(&self) {
        self.mu.lock();
        self.draining.set(true);
        while self.num_tasks.get() > 0 {
            self.drain.wait();
        }
        self.mu.unlock();
    }

    fn stop(&self, fixed: bool) {
        if fixed {
            self.quiesce();
        }
        self.stopper.close().expect("close of closed channel");
        self.stop.wait();
        self.mu.lock();
        self.mu.unlock(); // deferred
    }
}

struct Server<B: Backend> {
    mu: Mutex<B>,
    stopper: Arc<Stopper<B>>,
}

impl<B: Backend> Server<B> {
    fn gossip(self: &Arc<Self>, i: usize, fixed: bool) {
        self.mu.lock();
        let server = Arc::clone(self);
        let start_sender = || {
            self.stopper
                .run_worker(&format!("gossip-sender-{i}"), move || {
                    server.gossip_sender()
                });
        };
        if fixed {
            // Refused once the stopper drains: no worker is added then.
            let _ran = self.stopper.run_task(start_sender);
        } else {
            start_sender();
        }
        self.mu.unlock(); // deferred
    }

    fn gossip_sender(&self) {
        self.mu.lock();
        self.mu.unlock(); // deferred
    }
}

impl Scenario for Cockroach4407 {
    const NAME: &'static str = "goker::cockroach_4407";
    // Unbounded, the fix ran past 90 s; a data race shows on any schedule that makes both accesses,
    // whatever its preemptions, so a bound of 2 loses little.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "every worker's Add is ordered before the stopper's Wait";
    broken_instances! {
        small: { gossips: 1 },
        large: { gossips: 2 },
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let stopper = Arc::new(Stopper::<B>::new());
        let s = Arc::new(Server {
            mu: Mutex::new_in(),
            stopper: Arc::clone(&stopper),
        });
        for i in 0..self.gossips {
            let s = Arc::clone(&s);
            drop(B::spawn(&format!("gossip-{i}"), move || s.gossip(i, fixed)));
        }
        time::sleep::<B>(Duration::from_millis(1));
        stopper.stop(fixed); // the deferred stopper.Stop()
    }
}

impl Mistake for Cockroach4407 {
    const CAUGHT_AS: FailureKind = FailureKind::DataRace;
    // A Gossip's Add from zero, then the Stop's Wait that blocks on it.
    const TRACE_SHOWS: &'static [&'static str] = &["add WaitGroup", "wait WaitGroup", "data race"];
    // The kit's `WaitGroup` does not yet carry Go's race-detector annotation (an `add` from zero
    // a read, the first blocking `wait` a write, of one hidden location), and its own lock orders
    // every `add` before a `wait` that comes later: no checker can see this misuse yet.
    const MISSED_BY: &'static [CheckerKind] = &[
        CheckerKind::Loom,
        CheckerKind::ShuttlePct,
        CheckerKind::ShuttleRandom,
        CheckerKind::ShuttleUrw,
        CheckerKind::ShuttlePos,
        CheckerKind::ShuttlePortfolio,
    ];
}

impl Kernel for Cockroach4407 {
    const GOKER: Goker = Goker {
        project: "cockroach",
        id: 4407,
        class: Class::NonBlocking,
        kind: "Go-Specific",
        subtype: "WaitGroup",
    };
}
