//! Scenarios of the kit's Mutex: Go's `sync.Mutex`, locked and unlocked by explicit calls.

use crate::harness::Scenario;
use crate::invariant;
use crate::support::gauge::Gauge;
use patterns::{Atomic, Backend, Mutex};
use serde::{Deserialize, Serialize};
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Threads take the lock in turns, by `lock` and by `try_lock`: at most one is ever inside, and
/// no increment made under the lock is lost (each is a separate load and store, so two holders at
/// once would lose one). `try_lock` takes a free lock at once and fails on a held one.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HoldersAreAlone {
    /// Threads that `lock`.
    pub lockers: usize,
    /// Times each locker takes the lock.
    pub rounds: usize,
}

impl Scenario for HoldersAreAlone {
    const NAME: &'static str = "mutex::holders_are_alone";
    fn small() -> Self {
        Self {
            lockers: 2,
            rounds: 1,
        }
    }
    fn large() -> Self {
        Self {
            lockers: 4,
            rounds: 5,
        }
    }
    fn run<B: Backend>(&self) {
        let mu = Arc::new(Mutex::<B>::new_in());
        {
            // Main alone: a free lock is taken at once, and a held one refuses.
            invariant!(mu.try_lock(), "try_lock failed on a free mutex");
            invariant!(!mu.try_lock(), "try_lock took a mutex already held");
            mu.unlock();
        }
        let gauge = Arc::new(Gauge::<B>::new());
        // Relaxed: the mutex alone orders these (its unlock happens before the next lock).
        let count = Arc::new(B::AtomicUsize::new(0));
        let critical = |gauge: &Gauge<B>, count: &B::AtomicUsize| {
            let _inside = gauge.enter();
            let seen = count.load(Ordering::Relaxed);
            count.store(seen + 1, Ordering::Relaxed);
        };
        let rounds = self.rounds;
        let lockers: Vec<_> = (0..self.lockers)
            .map(|l| {
                let (mu, gauge, count) = (Arc::clone(&mu), Arc::clone(&gauge), Arc::clone(&count));
                B::spawn(&format!("locker-{l}"), move || {
                    for _ in 0..rounds {
                        mu.lock();
                        critical(&gauge, &count);
                        mu.unlock();
                    }
                })
            })
            .collect();
        // One try while the lockers run: it either gets in alone or takes nothing.
        let tried = mu.try_lock();
        if tried {
            critical(&gauge, &count);
            mu.unlock();
        }
        for locker in lockers {
            B::join(locker).expect("locker panicked");
        }
        let peak = gauge.peak();
        invariant!(peak == 1, "{peak} threads held the mutex at once");
        let expected = self.lockers * self.rounds + usize::from(tried);
        let total = count.load(Ordering::Relaxed);
        invariant!(
            total == expected,
            "{total} increments kept of {expected} made under the lock"
        );
        invariant!(mu.try_lock(), "the mutex is still held after every unlock");
    }
}

/// Go: "A locked Mutex is not associated with a particular goroutine": one thread locks it, and
/// another unlocks it; a thread blocked in `lock` meanwhile gets it once that unlock happens,
/// never before.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AnotherThreadMayUnlock {
    /// Threads waiting in `lock` while the lock is handed over.
    pub waiters: usize,
}

impl Scenario for AnotherThreadMayUnlock {
    const NAME: &'static str = "mutex::another_thread_may_unlock";
    fn small() -> Self {
        Self { waiters: 1 }
    }
    fn large() -> Self {
        Self { waiters: 3 }
    }
    fn run<B: Backend>(&self) {
        let mu = Arc::new(Mutex::<B>::new_in());
        // Set (SeqCst, an instrument) by the unlocking thread just before its unlock.
        let released = Arc::new(B::AtomicBool::new(false));
        mu.lock();
        let waiters: Vec<_> = (0..self.waiters)
            .map(|w| {
                let (mu, released) = (Arc::clone(&mu), Arc::clone(&released));
                B::spawn(&format!("waiter-{w}"), move || {
                    mu.lock();
                    let after = released.load(Ordering::SeqCst);
                    mu.unlock();
                    after
                })
            })
            .collect();
        let unlocker = {
            let (mu, released) = (Arc::clone(&mu), Arc::clone(&released));
            B::spawn("unlocker", move || {
                released.store(true, Ordering::SeqCst);
                mu.unlock();
            })
        };
        B::join(unlocker).expect("the unlocking thread panicked");
        for waiter in waiters {
            let after = B::join(waiter).expect("waiter panicked");
            invariant!(
                after,
                "a waiter got the mutex before the other thread unlocked it"
            );
        }
    }
}
