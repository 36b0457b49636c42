//! Scenarios of the kit's Cond: Go's `sync.Cond` over the kit's Mutex.

use crate::harness::Scenario;
use crate::invariant;
use patterns::{Atomic, AtomicInt, Backend, Cond, Mutex};
use serde::{Deserialize, Serialize};
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// A condition over a fresh mutex.
fn cond<B: Backend>() -> Arc<Cond<B>> {
    Arc::new(Cond::new(Arc::new(Mutex::new_in())))
}

/// Threads that each wait once on a condition (no loop), counting under its lock how many have
/// begun waiting and how many returned. Each signals `arrived`, a second condition over the same
/// lock, as it begins, so the main thread waits for them where polling would run loom past its
/// 255 preemptions per schedule.
struct WaitingOnce<B: Backend> {
    cond: Arc<Cond<B>>,
    arrived: Arc<Cond<B>>,
    waiting: Arc<B::AtomicUsize>,
    returned: Arc<B::AtomicUsize>,
    threads: Vec<B::JoinHandle<()>>,
}

impl<B: Backend> WaitingOnce<B> {
    fn spawn(cond: &Arc<Cond<B>>, waiters: usize) -> Self {
        let arrived = Arc::new(Cond::new(Arc::clone(cond.locker())));
        let waiting = Arc::new(B::AtomicUsize::new(0));
        let returned = Arc::new(B::AtomicUsize::new(0));
        let threads = (0..waiters)
            .map(|w| {
                let (cond, arrived, waiting, returned) = (
                    Arc::clone(cond),
                    Arc::clone(&arrived),
                    Arc::clone(&waiting),
                    Arc::clone(&returned),
                );
                B::spawn(&format!("waiter-{w}"), move || {
                    cond.locker().lock();
                    waiting.fetch_add(1, Ordering::Relaxed);
                    arrived.signal();
                    cond.wait();
                    returned.fetch_add(1, Ordering::Relaxed);
                    cond.locker().unlock();
                })
            })
            .collect();
        Self {
            cond: Arc::clone(cond),
            arrived,
            waiting,
            returned,
            threads,
        }
    }

    /// Waits until more than `count` waiters have begun waiting: how many had returned then.
    fn returned_once_more_than(&self, count: usize) -> usize {
        self.cond.locker().lock();
        while self.waiting.load(Ordering::Relaxed) <= count {
            self.arrived.wait();
        }
        let back = self.returned.load(Ordering::Relaxed);
        self.cond.locker().unlock();
        back
    }

    /// Joins every waiter: how many returned.
    fn join(self) -> usize {
        for waiter in self.threads {
            B::join(waiter).expect("waiter panicked");
        }
        self.returned.load(Ordering::Relaxed)
    }
}

/// Go: "Wait atomically unlocks c.L … After later resuming execution, Wait locks c.L before
/// returning". Waiters wait in a loop on a flag written under the lock; the setter can take the
/// lock only because waiting released it, and each waiter returns holding it (its own `unlock`
/// would panic otherwise) and sees the flag.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WaitUnlocksAndRelocks {
    /// Threads waiting for the flag.
    pub waiters: usize,
}

impl Scenario for WaitUnlocksAndRelocks {
    const NAME: &'static str = "cond::wait_unlocks_and_relocks";
    fn small() -> Self {
        Self { waiters: 1 }
    }
    fn large() -> Self {
        Self { waiters: 3 }
    }
    fn run<B: Backend>(&self) {
        let cond = cond::<B>();
        // Relaxed: written and read only under the cond's mutex.
        let flag = Arc::new(B::AtomicBool::new(false));
        let waiters: Vec<_> = (0..self.waiters)
            .map(|w| {
                let (cond, flag) = (Arc::clone(&cond), Arc::clone(&flag));
                B::spawn(&format!("waiter-{w}"), move || {
                    cond.locker().lock();
                    while !flag.load(Ordering::Relaxed) {
                        cond.wait();
                    }
                    // The lock is held again: no one else can be inside to clear or set it.
                    let seen = flag.load(Ordering::Relaxed);
                    cond.locker().unlock();
                    seen
                })
            })
            .collect();
        cond.locker().lock();
        flag.store(true, Ordering::Relaxed);
        cond.locker().unlock();
        cond.broadcast();
        for waiter in waiters {
            let seen = B::join(waiter).expect("waiter panicked");
            invariant!(
                seen,
                "a waiter returned from its wait loop without the flag"
            );
        }
    }
}

/// Go: "Wait cannot return unless awoken by Broadcast or Signal". Each waiter waits once, with
/// no loop, and counts its return; the main thread signals once per waiter, each time once one
/// more waiter has begun waiting (a second condition over the same lock tells it so, where a
/// polling loop would run loom past its 255 preemptions per schedule), checking before each
/// signal that no more waiters returned than signals were sent.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WaitReturnsOnlyWhenSignalled {
    /// Threads each waiting once.
    pub waiters: usize,
}

impl Scenario for WaitReturnsOnlyWhenSignalled {
    const NAME: &'static str = "cond::wait_returns_only_when_signalled";
    // Unbounded, loom had not finished after 8 minutes; at 2 preemptions it takes 6,327
    // schedules, at 3, 127,944 (5 s).
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    fn small() -> Self {
        Self { waiters: 2 }
    }
    fn large() -> Self {
        Self { waiters: 4 }
    }
    fn run<B: Backend>(&self) {
        let cond = cond::<B>();
        let waiters = WaitingOnce::spawn(&cond, self.waiters);
        for signals in 0..self.waiters {
            // Signal only a waiter that waits: a signal with nobody waiting is not remembered.
            let back = waiters.returned_once_more_than(signals);
            invariant!(
                back <= signals,
                "{back} waiters returned after {signals} signals"
            );
            cond.signal();
        }
        let back = waiters.join();
        invariant!(
            back == self.waiters,
            "{back} of {} waiters returned after as many signals",
            self.waiters
        );
    }
}

/// Go's notify list: `Signal` wakes the goroutine that has waited longest, and a signal with no
/// waiter is not remembered. A signal sent before anyone waits wakes nobody; then the waiters
/// queue one by one (each waits until the one before it is waiting), and each signal lets out
/// the oldest waiter still waiting.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SignalWakesTheLongestWaiter {
    /// Threads waiting, in turn.
    pub waiters: usize,
}

impl Scenario for SignalWakesTheLongestWaiter {
    const NAME: &'static str = "cond::signal_wakes_the_longest_waiter";
    // Three threads over two conditions, as `wait_returns_only_when_signalled`: at 2 preemptions
    // loom takes 8,807 schedules, at 3, 202,829 (8 s).
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    fn small() -> Self {
        Self { waiters: 2 }
    }
    fn large() -> Self {
        Self { waiters: 4 }
    }
    fn run<B: Backend>(&self) {
        let cond = cond::<B>();
        // Nobody waits: this signal must be forgotten, or the first waiter would return early.
        cond.signal();
        // Broadcast (over the same lock) whenever a waiter begins waiting or leaves.
        let moved = Arc::new(Cond::new(Arc::clone(cond.locker())));
        // Under the cond's mutex: how many waiters have begun waiting, and the order they left.
        let waiting = Arc::new(B::AtomicUsize::new(0));
        let left = Arc::new(B::mutex(Vec::new()));
        let waiters: Vec<_> = (0..self.waiters)
            .map(|w| {
                let (cond, moved, waiting, left) = (
                    Arc::clone(&cond),
                    Arc::clone(&moved),
                    Arc::clone(&waiting),
                    Arc::clone(&left),
                );
                B::spawn(&format!("waiter-{w}"), move || {
                    cond.locker().lock();
                    // Queue in turn: waiter w waits only once waiters 0..w are waiting.
                    while waiting.load(Ordering::Relaxed) != w {
                        moved.wait();
                    }
                    waiting.fetch_add(1, Ordering::Relaxed);
                    moved.broadcast();
                    cond.wait();
                    B::lock(&left).push(w);
                    moved.broadcast();
                    cond.locker().unlock();
                })
            })
            .collect();
        cond.locker().lock();
        while waiting.load(Ordering::Relaxed) != self.waiters {
            moved.wait();
        }
        let early = B::lock(&left).clone();
        invariant!(
            early.is_empty(),
            "waiters {early:?} returned before any signal: the signal sent to nobody was kept"
        );
        for signals in 0..self.waiters {
            cond.signal();
            // Before the next signal, the one just woken must have left.
            while B::lock(&left).len() <= signals {
                moved.wait();
            }
        }
        cond.locker().unlock();
        for waiter in waiters {
            B::join(waiter).expect("waiter panicked");
        }
        let order = B::lock(&left).clone();
        let expected: Vec<usize> = (0..self.waiters).collect();
        invariant!(
            order == expected,
            "waiters left in the order {order:?}, not the order they waited, {expected:?}"
        );
    }
}

/// Go: `Broadcast` "wakes all goroutines waiting on c". Waiters each wait once (no loop); one
/// broadcast, sent once every one is waiting, lets them all return.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BroadcastWakesEveryWaiter {
    /// Threads waiting.
    pub waiters: usize,
}

impl Scenario for BroadcastWakesEveryWaiter {
    const NAME: &'static str = "cond::broadcast_wakes_every_waiter";
    // Three threads over two conditions, as `wait_returns_only_when_signalled`: at 3 preemptions
    // loom takes 38,656 schedules (1.4 s).
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(3);
    fn small() -> Self {
        Self { waiters: 2 }
    }
    fn large() -> Self {
        Self { waiters: 4 }
    }
    fn run<B: Backend>(&self) {
        let cond = cond::<B>();
        let waiters = WaitingOnce::spawn(&cond, self.waiters);
        waiters.returned_once_more_than(self.waiters - 1);
        cond.broadcast();
        // A waiter that the broadcast missed would never return: a deadlock here.
        let back = waiters.join();
        invariant!(
            back == self.waiters,
            "{back} of {} waiters returned after a broadcast",
            self.waiters
        );
    }
}
