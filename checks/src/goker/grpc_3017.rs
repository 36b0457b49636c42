//! GoKer `grpc_3017` (grpc-go PR #3017): the deletion timer of a cached sub-connection, finding
//! its deletion aborted, returns without unlocking the connection's lock, so the next lock of it
//! blocks forever.
//!
//! Ports `gobench/goker/blocking/grpc/3017/grpc3017_test.go` (GoBench: resource deadlock, double
//! locking). The test makes a sub-connection, then a goroutine removes it and makes it again
//! 1,000 times, and the test waits for that goroutine to close a channel. Removing caches the
//! sub-connection and arms a timer (`time.AfterFunc`, 1 ns) that deletes it under the lock;
//! making it again finds it cached and cancels the deletion: it stops the timer, or, if the timer
//! has already fired, marks the deletion aborted. When the fired timer's function gets the lock
//! only after that, it returns holding the lock, and the goroutine's next round blocks on it,
//! with the test waiting for it: the whole program blocks. Go runs the timer's function on a
//! goroutine of its own; so does the port (the kit's timer thread only starts it), since the
//! function waits for the lock. The small instance (for loom) runs two rounds, the fewest that
//! show the bug (a second lock after the one left held), and the large one 20, which keeps each
//! shuttle schedule within its step bound and the minimal trace short (PCT, seed 24301, finds the
//! bug after 16 rounds at 100). Fix (the README's "missing unlock", as upstream's
//! deferred `Unlock` has it): the timer's function unlocks on both ways out.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::time::{self, Timer};
use patterns::{chan, Atomic, Backend, Mutex};
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::Duration;

zoo_entry! {
    /// A goroutine removes a cached sub-connection and makes it again, round after round, while
    /// the deletion timers fire.
    pub struct Grpc3017 {
        /// Rounds of removing and making the sub-connection again (the kernel has 1,000).
        pub rounds: usize,
    }
}

type Address = u32;
type SubConn = u32;

struct SubConnCacheEntry<B: Backend> {
    sc: SubConn,
    /// Read and written under the connection's `mu` only, hence relaxed.
    abort_deleting: B::AtomicBool,
}

/// A cached entry beside its deletion timer, which the entry's `cancel` stops.
struct Cached<B: Backend> {
    entry: Arc<SubConnCacheEntry<B>>,
    /// Armed right after the entry is cached, before `mu` is released.
    timer: Option<Timer<B>>,
}

impl<B: Backend> Cached<B> {
    /// The entry's `cancel`.
    fn cancel(&self) {
        let timer = self
            .timer
            .as_ref()
            .expect("armed before the lock was released");
        if !timer.stop() {
            self.entry.abort_deleting.store(true, Ordering::Relaxed);
        }
    }
}

struct Maps<B: Backend> {
    sub_conn_cache: HashMap<Address, Cached<B>>,
    sub_conn_to_addr: HashMap<SubConn, Address>,
}

struct LbCacheClientConn<B: Backend> {
    mu: Mutex<B>,
    timeout: Duration,
    /// The two maps `mu` guards in Go: the backend lock around them is for Rust's sake, and is
    /// only ever taken for a moment, inside `mu`.
    maps: B::Mutex<Maps<B>>,
}

impl<B: Backend> LbCacheClientConn<B> {
    fn new(timeout: Duration) -> Self {
        Self {
            mu: Mutex::new_in(),
            timeout,
            maps: B::mutex(Maps {
                sub_conn_cache: HashMap::new(),
                sub_conn_to_addr: HashMap::new(),
            }),
        }
    }

    fn new_sub_conn(&self, addrs: &[Address]) -> SubConn {
        let [addr_without_md] = addrs else {
            return 1;
        };
        self.mu.lock();
        // Taken out of the cache first and then cancelled, where Go cancels and then deletes:
        // both under `mu`, so nobody sees the difference.
        let cached = B::lock(&self.maps).sub_conn_cache.remove(addr_without_md);
        if let Some(cached) = cached {
            cached.cancel();
            self.mu.unlock(); // the deferred unlock
            return cached.entry.sc;
        }
        let sc_new: SubConn = 1;
        B::lock(&self.maps)
            .sub_conn_to_addr
            .insert(sc_new, *addr_without_md);
        self.mu.unlock(); // the deferred unlock
        sc_new
    }

    fn remove_sub_conn(self: &Arc<Self>, sc: SubConn, fixed: bool) {
        self.mu.lock(); // blocks here once a timer's function kept the lock
        let mut maps = B::lock(&self.maps);
        let addr = maps.sub_conn_to_addr.get(&sc).copied();
        let Some(addr) = addr else {
            drop(maps);
            self.mu.unlock(); // the deferred unlock
            return;
        };
        let cached_sc = maps.sub_conn_cache.get(&addr).map(|c| c.entry.sc);
        if let Some(cached_sc) = cached_sc {
            if cached_sc != sc {
                maps.sub_conn_to_addr.remove(&sc);
            }
            drop(maps);
            self.mu.unlock(); // the deferred unlock
            return;
        }
        let entry = Arc::new(SubConnCacheEntry::<B> {
            sc,
            abort_deleting: B::AtomicBool::new(false),
        });
        let cached = Cached {
            entry: Arc::clone(&entry),
            timer: None,
        };
        maps.sub_conn_cache.insert(addr, cached);
        drop(maps);
        // Weak: the timer is kept in the connection's cache, and Go's collector, not the port,
        // would free the two together.
        let ccc = Arc::downgrade(self);
        let timer = time::after_func::<B>(self.timeout, move || {
            // Go gives the function a goroutine of its own; it waits for the lock.
            let (ccc, entry) = (Weak::clone(&ccc), Arc::clone(&entry));
            drop(B::spawn("after-func", move || {
                if let Some(ccc) = ccc.upgrade() {
                    ccc.delete_after_timeout(&entry, sc, addr, fixed);
                }
            }));
        });
        // The entry's `cancel` is set before the lock is released.
        B::lock(&self.maps)
            .sub_conn_cache
            .get_mut(&addr)
            .expect("cached above, under mu")
            .timer = Some(timer);
        self.mu.unlock(); // the deferred unlock
    }

    /// The function of the deletion timer.
    fn delete_after_timeout(
        &self,
        entry: &SubConnCacheEntry<B>,
        sc: SubConn,
        addr: Address,
        fixed: bool,
    ) {
        self.mu.lock();
        if entry.abort_deleting.load(Ordering::Relaxed) {
            if fixed {
                self.mu.unlock();
            }
            // The kernel returns here still holding the lock.
            return;
        }
        let mut maps = B::lock(&self.maps);
        maps.sub_conn_to_addr.remove(&sc);
        let removed = maps.sub_conn_cache.remove(&addr);
        drop(maps);
        drop(removed);
        self.mu.unlock();
    }
}

impl Scenario for Grpc3017 {
    const NAME: &'static str = "goker::grpc_3017";
    // The bug needs two preemptions: the timer fires between the removal and the renewal, and its
    // function takes the lock between the renewal and the next round (found at schedule #152; the
    // fix passes in 377).
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "the rounds of removing and renewing finish";
    broken_instances! {
        small: { rounds: 2 },
        large: { rounds: 20 },
    }
    fn run<B: Backend>(&self) {
        let (rounds, fixed) = (self.rounds, self.variant == Variant::Correct);
        let (done_tx, done) = chan::bounded_in::<B, ()>(0);
        let ccc = Arc::new(LbCacheClientConn::<B>::new(Duration::from_nanos(1)));
        let sc = ccc.new_sub_conn(&[1]);
        let renewing = Arc::clone(&ccc);
        drop(B::spawn("renew-sub-conn", move || {
            let mut sc = sc;
            for _ in 0..rounds {
                renewing.remove_sub_conn(sc, fixed);
                sc = renewing.new_sub_conn(&[1]);
            }
            done_tx.close().expect("closed once");
        }));
        done.recv(); // blocks here
    }
}

impl Mistake for Grpc3017 {
    const CAUGHT_AS: FailureKind = FailureKind::Deadlock;
    // The renewal stops a timer that has already fired; the next round's lock never returns.
    const TRACE_SHOWS: &'static [&'static str] = &["stop timer", "lock mutex", "(never returned)"];
}

impl Kernel for Grpc3017 {
    const GOKER: Goker = Goker {
        project: "grpc",
        id: 3017,
        class: Class::Blocking,
        kind: "Resource Deadlock",
        subtype: "Double locking",
    };
}
