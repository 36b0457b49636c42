//! GoKer `cockroach_10214` (cockroach PR #10214): `sendQueuedHeartbeats` holds the store's
//! `coalescedMu` while it takes each replica's `raftMu`, and a replica's `tick` holds its `raftMu`
//! while it takes `coalescedMu` (AB-BA).
//!
//! Ports `gobench/goker/blocking/cockroach/10214/cockroach10214_test.go` (GoBench: resource
//! deadlock, AB-BA deadlock). The test gives a store two queued heartbeat responses and two
//! replicas, starts `sendQueuedHeartbeats` and the first replica's `tick` on a goroutine each, and
//! returns; when each goroutine takes its first lock before the other takes its second, both are
//! left blocked (a leak). Fix (the kernel's header): `sendQueuedHeartbeats` releases
//! `coalescedMu` before it takes any `raftMu`, taking the queued responses with it.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{Backend, Mutex};
use std::sync::{Arc, Weak};

zoo_entry! {
    /// A store sends its queued heartbeats while one of its replicas ticks.
    pub struct Cockroach10214 {}
}

struct Store<B: Backend> {
    coalesced_mu: Mutex<B>,
    /// Guarded by `coalesced_mu` in the kernel; set before the store is shared, then only read.
    heartbeat_responses: Vec<i32>,
    /// The kernel's `mu.replicas`, keyed 0 and 1: in key order.
    replicas: Vec<Replica<B>>,
}

impl<B: Backend> Store<B> {
    fn send_queued_heartbeats(&self, fixed: bool) {
        self.coalesced_mu.lock(); // lock A
        if fixed {
            let responses = self.heartbeat_responses.len();
            self.coalesced_mu.unlock();
            for _ in 0..responses {
                self.send_queued_heartbeats_to_node();
            }
        } else {
            for _ in 0..self.heartbeat_responses.len() {
                self.send_queued_heartbeats_to_node(); // lock B, under lock A
            }
            self.coalesced_mu.unlock(); // the deferred unlock
        }
    }

    fn send_queued_heartbeats_to_node(&self) {
        for r in &self.replicas {
            r.report_unreachable();
        }
    }
}

struct Replica<B: Backend> {
    raft_mu: Mutex<B>,
    mu: Mutex<B>,
    /// The store holds its replicas; a replica's way back.
    store: Weak<Store<B>>,
}

impl<B: Backend> Replica<B> {
    fn report_unreachable(&self) {
        self.raft_mu.lock(); // lock B
        self.raft_mu.unlock();
    }

    fn tick(&self) {
        self.raft_mu.lock(); // lock B
        self.tick_raft_mu_locked();
        self.raft_mu.unlock();
    }

    fn tick_raft_mu_locked(&self) {
        self.mu.lock();
        // Quiesced or not, the kernel returns through its deferred unlock.
        let _quiesced = self.maybe_quiesce_locked();
        self.mu.unlock();
    }

    fn maybe_quiesce_locked(&self) -> bool {
        for _ in 0..2 {
            if !self.maybe_coalesce_heartbeat() {
                return true;
            }
        }
        false
    }

    fn maybe_coalesce_heartbeat(&self) -> bool {
        let store = self
            .store
            .upgrade()
            .expect("the ticking goroutine holds the store");
        // The kernel's message type is the replica's address modulo 3: always one of the cases
        // that take the lock.
        let msg_type = (self as *const Self as usize) % 3;
        match msg_type {
            0..=2 => store.coalesced_mu.lock(), // lock A, under lock B
            _ => return false,
        }
        store.coalesced_mu.unlock();
        true
    }
}

impl Scenario for Cockroach10214 {
    const NAME: &'static str = "goker::cockroach_10214";
    const INVARIANT: &'static str = "sending the heartbeats and the tick both finish";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let store = Arc::new_cyclic(|me: &Weak<Store<B>>| Store {
            coalesced_mu: Mutex::new_in(),
            heartbeat_responses: vec![1, 2],
            replicas: (0..2)
                .map(|_| Replica {
                    raft_mu: Mutex::new_in(),
                    mu: Mutex::new_in(),
                    store: Weak::clone(me),
                })
                .collect(),
        });
        let sender = Arc::clone(&store);
        drop(B::spawn("send-queued-heartbeats", move || {
            sender.send_queued_heartbeats(fixed)
        }));
        // Go's goroutine holds the replica, and through it the store.
        drop(B::spawn("tick", move || store.replicas[0].tick()));
    }
}

impl Mistake for Cockroach10214 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    const TRACE_SHOWS: &'static [&'static str] =
        &["lock mutex", "(never returned)", "(never returned)"];
}

impl Kernel for Cockroach10214 {
    const GOKER: Goker = Goker {
        project: "cockroach",
        id: 10214,
        class: Class::Blocking,
        kind: "Resource Deadlock",
        subtype: "AB-BA deadlock",
    };
}
