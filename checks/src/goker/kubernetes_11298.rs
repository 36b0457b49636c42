//! GoKer `kubernetes_11298` (kubernetes PR #11298): when the mesos master election notifier is
//! aborted, its service loop signals the condition its waiting goroutine waits on, but that
//! goroutine may not be waiting yet: the signal is lost, and the wait and the service loop, which
//! waits for it, block forever.
//!
//! Ports `gobench/goker/blocking/kubernetes/11298/kubernetes11298_test.go` (GoBench:
//! communication deadlock, channel & condition variable). The test runs `Notify(done)` through
//! `After` (a goroutine whose channel is closed once its function returns), starts a goroutine
//! that sleeps 300 ns and closes `done`, and waits for `Notify`. `Notify` starts, through `After`,
//! a signaller that spins (locking the notifier's lock, signalling its condition, unlocking)
//! until `done` closes; its `After` channel, `finished`, is the service loop's abort. The service
//! loop, run by `Until` until `done` closes, locks the lock and, each round until `finished`
//! closes, runs the condition's `Wait` through `After` (a new goroutine, which releases the lock
//! the loop took and takes it again) and waits for that or for `finished`; on `finished` it
//! signals and waits for the `Wait` to return. A signal before that goroutine waits is lost: the
//! whole program blocks. The kernel's two loops have no bound, and the service loop starts a
//! goroutine a round; the port's signaller signals at most `rounds` times and its service loop
//! waits at most `rounds` times, each then waiting for its abort alone, as if not scheduled again
//! before it closes (the signaller no longer needs the lock by then: each round's wait took one
//! of its signals). The small instance runs one round and closes `done` without the sleep: under
//! the models the sleep only adds the timer thread (loom's limit), and the close may come at any
//! point of a schedule either way. Fix (the upstream fix): the condition is replaced by a channel
//! the service loop watches; the signaller updates the notifier under the lock, releases it, and
//! notifies the loop on the channel without blocking (one slot: a notification already queued
//! stands for this one).

use super::{Class, Goker, Kernel};
use crate::harness::{CheckerKind, FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, RecvArm, Select, Selected, TryRecvError};
use patterns::{time, Backend, Cond, Mutex, Receiver, Sender};
use std::sync::Arc;
use std::time::Duration;

zoo_entry! {
    /// The test runs the notifier until a goroutine closes `done`.
    pub struct Kubernetes11298 {
        /// Signals of the signaller's spin, and waits of the service loop, before each waits for
        /// its abort alone (the kernel's loops have no bound).
        pub rounds: usize,
        /// How long the test's goroutine sleeps before closing `done`, in nanoseconds (the kernel
        /// sleeps 300).
        pub sleep_ns: u64,
    }
}

/// The kernel's `After`: runs `f` on a goroutine of its own and returns a channel that is closed
/// once `f` returns.
fn after<B: Backend>(name: &str, f: impl FnOnce() + Send + 'static) -> Receiver<(), B> {
    let (tx, ch) = chan::bounded_in::<B, ()>(0);
    drop(B::spawn(name, move || {
        f();
        tx.close().expect("closed once"); // the deferred close
    }));
    ch
}

/// Whether `ch` is closed now: the kernel's select on it with a default.
fn closed_now<B: Backend>(ch: &Receiver<(), B>) -> bool {
    // Nothing is ever sent on these channels; they are only closed.
    match ch.try_recv() {
        Ok(()) | Err(TryRecvError::Closed) => true,
        Err(TryRecvError::Empty) => false,
    }
}

/// The kernel's `Until`: runs `f` every `period` until `stop_ch` is closed.
fn until<B: Backend>(f: impl Fn(), period: Duration, stop_ch: &Receiver<(), B>) {
    loop {
        if closed_now(stop_ch) {
            return;
        }
        f();
        // `time.After(0)` is ready at once: whichever arm the select takes, the loop then looks
        // at `stop_ch` again; so a period of 0 (the kernel's) waits for nothing.
        if !period.is_zero() {
            let mut stopped = RecvArm::new(stop_ch);
            let _ = Select::new().recv(&mut stopped).timeout(period).wait();
        }
        // Go's scheduler preempts a spinning goroutine; the model checkers need the yield.
        B::yield_now();
    }
}

struct Notifier<B: Backend> {
    lock: Arc<Mutex<B>>,
    /// The kernel's condition, over `lock`.
    cond: Arc<Cond<B>>,
    /// The fix's channel, which replaces the condition: one slot.
    changed_tx: Sender<(), B>,
    changed: Receiver<(), B>,
    /// Whether the fix runs.
    fixed: bool,
}

impl<B: Backend> Notifier<B> {
    /// The signaller's spin, the function `Notify` runs through `Until` and `After`.
    fn signal_changes(&self, abort: &Receiver<(), B>, rounds: usize) {
        for _ in 0..rounds {
            if closed_now(abort) {
                return;
            }
            if self.fixed {
                self.lock.lock();
                // The fix records the elected master here, and notifies after unlocking.
                self.lock.unlock();
                let _ = self.changed_tx.try_send(());
            } else {
                self.lock.lock();
                self.cond.signal();
                self.lock.unlock(); // the deferred unlock
            }
            // Go's scheduler preempts a spinning goroutine; the model checkers need the yield.
            B::yield_now();
        }
        // The port's bound: as if not scheduled again before `abort` closes (see the header).
        abort.recv();
    }

    fn service_loop(&self, abort: &Receiver<(), B>, rounds: usize) {
        if self.fixed {
            self.service_loop_fixed(abort);
            return;
        }
        self.lock.lock();
        let mut waits = 0;
        loop {
            if closed_now(abort) {
                break;
            }
            if waits == rounds {
                // The port's bound: as if not scheduled again before `abort` closes.
                abort.recv();
                break;
            }
            waits += 1;
            let cond = Arc::clone(&self.cond);
            let ch = after::<B>("after-wait", move || cond.wait());
            let (mut aborted, mut woken) = (RecvArm::new(abort), RecvArm::new(&ch));
            if Select::new().recv(&mut aborted).recv(&mut woken).wait() == Selected::Arm(0) {
                self.cond.signal();
                ch.recv(); // blocks here when the signal came before the wait
                break;
            }
        }
        self.lock.unlock(); // the deferred unlock
    }

    /// The fix's service loop: it watches the channel, and takes the lock only to read.
    fn service_loop_fixed(&self, abort: &Receiver<(), B>) {
        loop {
            let (mut aborted, mut changed) = (RecvArm::new(abort), RecvArm::new(&self.changed));
            if Select::new().recv(&mut aborted).recv(&mut changed).wait() == Selected::Arm(0) {
                return;
            }
            self.lock.lock();
            // The fix copies the desired master here.
            self.lock.unlock();
        }
    }
}

fn notify<B: Backend>(abort: Receiver<(), B>, rounds: usize, fixed: bool) {
    let lock = Arc::new(Mutex::<B>::new_in());
    let cond = Arc::new(Cond::new(Arc::clone(&lock)));
    let (changed_tx, changed) = chan::bounded_in(1);
    let n = Arc::new(Notifier {
        lock,
        cond,
        changed_tx,
        changed,
        fixed,
    });
    let signaller = Arc::clone(&n);
    let signaller_abort = abort.clone();
    let finished = after::<B>("after-signal", move || {
        until::<B>(
            || signaller.signal_changes(&signaller_abort, rounds),
            Duration::ZERO,
            &signaller_abort,
        );
    });
    until::<B>(|| n.service_loop(&finished, rounds), Duration::ZERO, &abort);
}

impl Scenario for Kubernetes11298 {
    const NAME: &'static str = "goker::kubernetes_11298";
    // Unbounded, the fix ran past 60 s; at 2 preemptions it passes in 1,302 schedules.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "Notify returns once done is closed";
    broken_instances! {
        small: { rounds: 1, sleep_ns: 0 },
        large: { rounds: 100, sleep_ns: 300 },
    }
    fn run<B: Backend>(&self) {
        let (rounds, fixed) = (self.rounds, self.variant == Variant::Correct);
        let (done_tx, done) = chan::bounded_in::<B, ()>(0);
        let notify_done = after::<B>("after-notify", move || notify::<B>(done, rounds, fixed));
        let sleep = Duration::from_nanos(self.sleep_ns);
        drop(B::spawn("close-done", move || {
            time::sleep::<B>(sleep);
            done_tx.close().expect("closed once"); // the deferred close
        }));
        notify_done.recv(); // blocks here
    }
}

impl Mistake for Kubernetes11298 {
    const CAUGHT_AS: FailureKind = FailureKind::Deadlock;
    // The service loop's signal, lost: the wait that starts after it never returns.
    const TRACE_SHOWS: &'static [&'static str] = &["signal cond", "wait cond (never returned)"];
    // URW samples interleavings uniformly: a schedule where the service loop's signal comes before
    // its waiting goroutine's first step, both early in a 100-round run, is one in very many, where
    // a random walk reaches it within a few hundred; at 300 schedules URW caught it under 1 of
    // seeds 1-5, random under all five.
    const MISSED_BY: &'static [CheckerKind] = &[CheckerKind::ShuttleUrw];
}

impl Kernel for Kubernetes11298 {
    const GOKER: Goker = Goker {
        project: "kubernetes",
        id: 11298,
        class: Class::Blocking,
        kind: "Communication Deadlock",
        subtype: "Channel & Condition Variable",
    };
}
