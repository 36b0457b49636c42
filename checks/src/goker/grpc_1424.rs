//! GoKer `grpc_1424` (grpc-go PR #1424): the balancer watcher returns without closing the done
//! channel its parent waits on, so the parent waits forever.
//!
//! Ports `gobench/goker/blocking/grpc/1424/grpc1424_test.go` (GoBench: communication deadlock,
//! channel). The test starts `DialContext` on a goroutine; it starts a goroutine that starts the
//! watcher and waits for its done channel, and closes the balancer's address channel, which ends
//! the watcher: the waiting goroutine is left blocked (a leak). Fix (the kernel's `FIX:`
//! comment): the watcher closes the done channel as it returns.

use super::{never_dropped, Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{chan, Backend, Mutex, Receiver, Sender};
use std::sync::Arc;

zoo_entry! {
    /// A client connection is dialled while its balancer's address channel closes.
    pub struct Grpc1424 {}
}

struct RoundRobin<B: Backend> {
    addr_tx: Sender<bool, B>,
    addr_ch: Receiver<bool, B>,
}

struct AddrConn<B: Backend> {
    mu: Mutex<B>,
}

impl<B: Backend> AddrConn<B> {
    fn tear_down(&self) {
        self.mu.lock();
        self.mu.unlock();
    }
}

struct ClientConn<B: Backend> {
    balancer: RoundRobin<B>,
    conns: Vec<AddrConn<B>>,
}

impl<B: Backend> ClientConn<B> {
    fn lb_watcher(&self, done_tx: Sender<bool, B>, fixed: bool) {
        for _addr in &self.balancer.addr_ch {
            // No address is added; every connection is deleted.
            for c in &self.conns {
                c.tear_down();
            }
        }
        if fixed {
            done_tx.close().expect("closed once");
        } else {
            // Returns without closing the channel, which Go keeps open.
            never_dropped(done_tx);
        }
    }
}

fn dial_context<B: Backend>(fixed: bool) {
    let (addr_tx, addr_ch) = chan::bounded_in(0);
    let cc = Arc::new(ClientConn::<B> {
        balancer: RoundRobin { addr_tx, addr_ch },
        conns: Vec::new(),
    });
    let (wait_tx, _wait_c) = chan::bounded_in::<B, ()>(1);
    let dialer = Arc::clone(&cc);
    drop(B::spawn("dial", move || {
        let (done_tx, done_chan) = chan::bounded_in::<B, bool>(0);
        let watcher = Arc::clone(&dialer);
        drop(B::spawn("lb-watcher", move || {
            watcher.lb_watcher(done_tx, fixed)
        }));
        done_chan.recv(); // blocks here
        drop(wait_tx); // the deferred close(waitC)
    }));
    cc.balancer.addr_tx.close().expect("closed once");
}

impl Scenario for Grpc1424 {
    const NAME: &'static str = "goker::grpc_1424";
    const INVARIANT: &'static str = "every goroutine of the dial finishes";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        drop(B::spawn("dial-context", move || dial_context::<B>(fixed)));
    }
}

impl Mistake for Grpc1424 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    const TRACE_SHOWS: &'static [&'static str] = &["recv chan", "(never returned)"];
    const DETERMINISTIC: bool = true;
}

impl Kernel for Grpc1424 {
    const GOKER: Goker = Goker {
        project: "grpc",
        id: 1424,
        class: Class::Blocking,
        kind: "Communication Deadlock",
        subtype: "Channel",
    };
}
