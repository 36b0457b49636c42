//! GoKer `grpc_2371` (grpc-go PR #2371): `Close` clears the client connection's balancer wrapper
//! while the resolver's watcher is about to hand it the resolved addresses, and the watcher then
//! calls a method on the nil wrapper: a nil pointer dereference.
//!
//! Ports `gobench/goker/nonblocking/grpc/2371/grpc2371_test.go` (GoBench: go-specific, misuse
//! channel). The test dials ten times, closing each connection on a goroutine of its own, and
//! sleeps 100 ms. Dialling makes the connection's resolver wrapper and balancer wrapper (whose
//! `resolverUpdateCh` has a buffer of one) and starts the resolver's watcher, which, under the
//! connection's lock, drains `resolverUpdateCh` in a select with a default and sends on it
//! through the balancer wrapper. `Close`, under the same lock, sets both wrappers to nil: when it
//! takes the lock first, the watcher finds no balancer wrapper and Go panics with a nil pointer
//! dereference (the port panics there). Every access to the wrappers is under the lock or before
//! the goroutines start, so there is no data race: the failure is the panic, on the schedules
//! where a `Close` wins the lock. The small instance dials once (loom's thread limit: each dial
//! starts two goroutines), the large ten times, as the kernel. Fix (the upstream fix, "not panic
//! when service config updated while closing"): the watcher, under the lock, returns if the
//! connection is closed. Upstream checks `cc.conns`, which the kernel does not have; the port
//! checks the balancer wrapper `Close` clears.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, RecvArm, Select};
use patterns::{time, Backend, Receiver, RwMutex, Sender};
use std::sync::{Arc, Weak};
use std::time::Duration;

zoo_entry! {
    /// Client connections are dialled and closed at once.
    pub struct Grpc2371 {
        /// Connections dialled, each closed on a goroutine (the kernel has ten).
        pub dials: usize,
    }
}

struct CcBalancerWrapper<B: Backend> {
    resolver_update_tx: Sender<(), B>,
    resolver_update_ch: Receiver<(), B>,
}

impl<B: Backend> CcBalancerWrapper<B> {
    fn handle_resolved_addrs(&self) {
        let mut stale = RecvArm::new(&self.resolver_update_ch);
        let _ = Select::new().recv(&mut stale).or_default().wait();
        self.resolver_update_tx
            .send(())
            .expect("the wrapper keeps its channel open, and its buffer has room");
    }
}

fn new_cc_balancer_wrapper<B: Backend>() -> CcBalancerWrapper<B> {
    let (resolver_update_tx, resolver_update_ch) = chan::bounded_in(1);
    CcBalancerWrapper {
        resolver_update_tx,
        resolver_update_ch,
    }
}

struct CcResolverWrapper<B: Backend> {
    /// `ccr.cc` (weak: the connection holds this wrapper until it closes).
    cc: Weak<ClientConn<B>>,
}

impl<B: Backend> CcResolverWrapper<B> {
    fn start(&self) {
        // The dialling goroutine holds the connection; the watcher keeps it from here on.
        let cc = self.cc.upgrade().expect("the connection is being dialled");
        drop(B::spawn("watcher", move || cc.handle_service_config()));
    }
}

fn new_cc_resolver_wrapper<B: Backend>(cc: Weak<ClientConn<B>>) -> CcResolverWrapper<B> {
    CcResolverWrapper { cc }
}

/// What the connection's lock guards.
struct Wrappers<B: Backend> {
    balancer_wrapper: Option<Arc<CcBalancerWrapper<B>>>,
    resolver_wrapper: Option<Arc<CcResolverWrapper<B>>>,
}

struct ClientConn<B: Backend> {
    /// `cc.mu` and the wrappers, which Go writes before any goroutine starts and then only under
    /// the lock.
    mu: RwMutex<Wrappers<B>, B>,
    /// Whether the watcher checks for a closed connection (the fix).
    fixed: bool,
}

impl<B: Backend> ClientConn<B> {
    fn handle_service_config(&self) {
        let wrappers = self.mu.write();
        let Some(balancer_wrapper) = wrappers.balancer_wrapper.clone() else {
            drop(wrappers);
            if self.fixed {
                return; // the fix: the connection is closed
            }
            panic!(
                "invalid memory address or nil pointer dereference: the balancer wrapper is nil"
            );
        };
        balancer_wrapper.handle_resolved_addrs();
        drop(wrappers);
    }

    fn close(&self) {
        let mut wrappers = self.mu.write();
        // Go sets both to nil.
        drop(wrappers.resolver_wrapper.take());
        drop(wrappers.balancer_wrapper.take());
    }
}

fn dial<B: Backend>(fixed: bool) -> Arc<ClientConn<B>> {
    dial_context(fixed)
}

fn dial_context<B: Backend>(fixed: bool) -> Arc<ClientConn<B>> {
    let mut resolver_wrapper = None;
    let cc = Arc::new_cyclic(|cc: &Weak<ClientConn<B>>| {
        let ccr = Arc::new(new_cc_resolver_wrapper(cc.clone()));
        resolver_wrapper = Some(Arc::clone(&ccr));
        ClientConn {
            mu: RwMutex::new_in(Wrappers {
                resolver_wrapper: Some(ccr),
                balancer_wrapper: Some(Arc::new(new_cc_balancer_wrapper())),
            }),
            fixed,
        }
    });
    resolver_wrapper.expect("made with the connection").start();
    cc
}

impl Scenario for Grpc2371 {
    const NAME: &'static str = "goker::grpc_2371";
    // Unbounded, the fix passes in 91,783 schedules (5 s); a data race shows on any schedule that
    // makes both accesses, whatever its preemptions, so a bound of 2 loses little.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "the watcher never uses a balancer wrapper Close has cleared";
    broken_instances! {
        small: { dials: 1 },
        large: { dials: 10 },
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        for _ in 0..self.dials {
            let cc = dial::<B>(fixed);
            drop(B::spawn("close", move || cc.close()));
        }
        time::sleep::<B>(Duration::from_millis(100));
    }
}

impl Mistake for Grpc2371 {
    const CAUGHT_AS: FailureKind = FailureKind::Panic;
    const TRACE_SHOWS: &'static [&'static str] =
        &["lock rwmutex", "lock rwmutex", "nil pointer dereference"];
}

impl Kernel for Grpc2371 {
    const GOKER: Goker = Goker {
        project: "grpc",
        id: 2371,
        class: Class::NonBlocking,
        kind: "Go-Specific",
        subtype: "Misuse channel",
    };
}
