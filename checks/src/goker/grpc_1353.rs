//! GoKer `grpc_1353` (grpc-go PR #1353): the round-robin balancer's `watchAddrUpdates` sends an
//! address update on an unbuffered channel while holding the balancer's lock, and `lbWatcher`,
//! still tearing down the connections of the previous update, needs that lock (in `down`) before
//! it reads again.
//!
//! Ports `gobench/goker/blocking/grpc/1353/grpc1353_test.go` (GoBench: mixed deadlock, channel &
//! lock). The test makes a client connection with two address connections, each holding the
//! balancer's `down`; starts the balancer, whose goroutine calls `watchAddrUpdates` 100 times
//! and then closes a helper channel; starts `lbWatcher`, which tears down both connections for
//! each update it receives; starts a goroutine that closes the balancer once the helper channel
//! is closed; and returns. Once `watchAddrUpdates` takes the lock again between an update and the
//! teardown's `down`, it blocks in its send holding the lock and `lbWatcher` blocks on the lock;
//! the closing goroutine waits forever too (a leak). The small instance sends two updates (the
//! second one shows the bug). Fix (the upstream fix, as the kernel's description gives it): the
//! channel gets a buffer of one, and `watchAddrUpdates` drains a stale update before it sends, so
//! its send never blocks under the lock.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{chan, Backend, Mutex, Receiver, Sender};
use std::sync::Arc;

zoo_entry! {
    /// A round-robin balancer sends address updates while the client's watcher tears down its
    /// connections.
    pub struct Grpc1353 {
        /// Calls of `watchAddrUpdates` by the balancer's goroutine (the kernel has 100).
        pub updates: usize,
    }
}

type Down = Box<dyn Fn() + Send + Sync>;

struct RoundRobin<B: Backend> {
    mu: Mutex<B>,
    /// `rr.addrCh` (both ends: the balancer keeps the channel for everyone). The kernel makes it
    /// in `Start`, before anything uses it; the port makes it with the balancer, and `Close`'s
    /// check that it was made, always true in the test, goes.
    addr_tx: Sender<bool, B>,
    addr_ch: Receiver<bool, B>,
    fixed: bool,
}

impl<B: Backend> RoundRobin<B> {
    fn start(self: &Arc<Self>, updates: usize, help_ch: Sender<(), B>) {
        let rr = Arc::clone(self);
        drop(B::spawn("watch-addr-updates", move || {
            for _ in 0..updates {
                rr.watch_addr_updates();
            }
            help_ch.close().expect("closed once");
        }));
    }

    fn up(self: &Arc<Self>) -> Down {
        let rr = Arc::clone(self);
        Box::new(move || rr.down())
    }

    fn notify(&self) -> &Receiver<bool, B> {
        &self.addr_ch
    }

    fn close(&self) {
        self.mu.lock();
        self.addr_tx.close().expect("closed once");
        self.mu.unlock(); // the deferred unlock
    }

    fn watch_addr_updates(&self) {
        self.mu.lock();
        if self.fixed {
            // The fix's select with a default: drop an update the watcher has not read yet.
            let _ = self.addr_ch.try_recv();
        }
        let _ = self.addr_tx.send(true); // blocks here, holding the lock
        self.mu.unlock(); // the deferred unlock
    }

    fn down(&self) {
        self.mu.lock(); // blocks here while watchAddrUpdates holds the lock
        self.mu.unlock(); // the deferred unlock
    }
}

struct AddrConn<B: Backend> {
    mu: Mutex<B>,
    down: Option<Down>,
}

impl<B: Backend> AddrConn<B> {
    fn tear_down(&self) {
        self.mu.lock();
        if let Some(down) = &self.down {
            down();
        }
        self.mu.unlock(); // the deferred unlock
    }
}

struct ClientConn<B: Backend> {
    balancer: Arc<RoundRobin<B>>,
    conns: Vec<AddrConn<B>>,
}

impl<B: Backend> ClientConn<B> {
    fn new(fixed: bool) -> Self {
        // The fix's channel has a buffer of one.
        let (addr_tx, addr_ch) = chan::bounded_in::<B, bool>(usize::from(fixed));
        let balancer = Arc::new(RoundRobin {
            mu: Mutex::new_in(),
            addr_tx,
            addr_ch,
            fixed,
        });
        let ac1 = AddrConn {
            mu: Mutex::new_in(),
            down: Some(balancer.up()),
        };
        let ac2 = AddrConn {
            mu: Mutex::new_in(),
            down: Some(balancer.up()),
        };
        Self {
            balancer,
            conns: vec![ac1, ac2],
        }
    }

    fn lb_watcher(&self) {
        for _addr in self.balancer.notify() {
            let del: Vec<&AddrConn<B>> = self.conns.iter().collect();
            for c in del {
                c.tear_down();
            }
        }
    }
}

impl Scenario for Grpc1353 {
    const NAME: &'static str = "goker::grpc_1353";
    // The bug needs at most one preemption (the watcher's, between an update and its teardown); at 3
    // the fix passes in 9,530 schedules.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(3);
    const INVARIANT: &'static str = "the balancer's goroutine, the watcher and the closer finish";
    broken_instances! {
        small: { updates: 2 },
        large: { updates: 100 },
    }
    fn run<B: Backend>(&self) {
        let (updates, fixed) = (self.updates, self.variant == Variant::Correct);
        // The kernel's global `HelpCh`.
        let (help_tx, help_ch) = chan::bounded_in::<B, ()>(0);
        let cc = Arc::new(ClientConn::<B>::new(fixed));
        cc.balancer.start(updates, help_tx);
        let watcher = Arc::clone(&cc);
        drop(B::spawn("lb-watcher", move || watcher.lb_watcher()));
        drop(B::spawn("close-balancer", move || {
            help_ch.recv();
            cc.balancer.close();
        }));
    }
}

impl Mistake for Grpc1353 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    const TRACE_SHOWS: &'static [&'static str] = &["send chan", "lock mutex", "(never returned)"];
}

impl Kernel for Grpc1353 {
    const GOKER: Goker = Goker {
        project: "grpc",
        id: 1353,
        class: Class::Blocking,
        kind: "Mixed Deadlock",
        subtype: "Channel & Lock",
    };
}
