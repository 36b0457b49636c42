//! GoKer `cockroach_3710` (cockroach PR #3710): `ForceRaftLogScanAndProcess` holds the store's read
//! lock while, through the raft log queue, `RaftStatus` read-locks it again, and a writer that
//! comes in between holds the second read lock back while it waits for the first (RWR).
//!
//! Ports `gobench/goker/blocking/cockroach/3710/cockroach3710_test.go` (GoBench: resource
//! deadlock, RWR deadlock). The test makes a store with two replicas, starts
//! `ForceRaftLogScanAndProcess` and `processRaft` on a goroutine each, and returns.
//! `ForceRaftLogScanAndProcess` read-locks the store and calls the raft log queue's `MaybeAdd` for
//! each replica, which under the queue's own lock reaches (through `shouldQueue` and
//! `getTruncatableIndexes`) the store's `RaftStatus`, which read-locks the store again;
//! `processRaft` starts a goroutine that write-locks the store once to list its replicas. When
//! that write lock comes between the two read locks, Go's writer preference makes the second
//! read wait for the writer, which waits for the first: both goroutines are left blocked (a
//! leak). The kernel keys the replicas by their addresses modulo 7 in a Go map; the port keeps
//! them in a list (the replicas are alike, so neither the keys nor the map's order matter). Fix
//! (the upstream fix): `ForceRaftLogScanAndProcess` gathers the replicas under the read lock,
//! releases it, and only then adds each to the queue.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{Backend, Mutex, RwMutex};
use std::sync::{Arc, Weak};

zoo_entry! {
    /// A store scans its replicas' raft logs while its raft processing lists the replicas.
    pub struct Cockroach3710 {}
}

struct Store<B: Backend> {
    /// The kernel's `mu`, which guards `replicas` (set before the store is shared, then only
    /// read).
    mu: RwMutex<(), B>,
    raft_log_queue: BaseQueue<B>,
    replicas: Vec<Replica<B>>,
}

impl<B: Backend> Store<B> {
    fn force_raft_log_scan_and_process(&self, fixed: bool) {
        if fixed {
            let shared = self.mu.read();
            let replicas: Vec<&Replica<B>> = self.replicas.iter().collect();
            drop(shared);
            for r in replicas {
                self.raft_log_queue.maybe_add(r);
            }
        } else {
            let shared = self.mu.read(); // the first read lock
            for r in &self.replicas {
                self.raft_log_queue.maybe_add(r);
            }
            drop(shared);
        }
    }

    fn raft_status(&self) {
        let _shared = self.mu.read(); // the second read lock: blocks here
    }

    fn process_raft(self: &Arc<Self>) {
        let s = Arc::clone(self);
        drop(B::spawn("process-raft-worker", move || {
            // The kernel's loop breaks at the end of its first round.
            let held = s.mu.write(); // blocks here
            let _replicas: Vec<&Replica<B>> = s.replicas.iter().collect();
            drop(held);
        }));
    }
}

struct Replica<B: Backend> {
    /// The store holds its replicas; a replica's way back.
    store: Weak<Store<B>>,
}

/// The kernel's `baseQueue`, which embeds a `sync.Mutex`.
struct BaseQueue<B: Backend> {
    mu: Mutex<B>,
    queue_impl: RaftLogQueue,
}

impl<B: Backend> BaseQueue<B> {
    fn maybe_add(&self, repl: &Replica<B>) {
        self.mu.lock();
        self.queue_impl.should_queue(repl);
        self.mu.unlock(); // the deferred unlock
    }
}

struct RaftLogQueue;

impl RaftLogQueue {
    fn should_queue<B: Backend>(&self, r: &Replica<B>) {
        get_truncatable_indexes(r);
    }
}

fn get_truncatable_indexes<B: Backend>(r: &Replica<B>) {
    r.store
        .upgrade()
        .expect("the scanning goroutine holds the store")
        .raft_status();
}

fn new_store<B: Backend>() -> Arc<Store<B>> {
    Arc::new_cyclic(|me: &Weak<Store<B>>| Store {
        mu: RwMutex::new_in(()),
        raft_log_queue: BaseQueue {
            mu: Mutex::new_in(),
            queue_impl: RaftLogQueue,
        },
        replicas: (0..2)
            .map(|_| Replica {
                store: Weak::clone(me),
            })
            .collect(),
    })
}

impl Scenario for Cockroach3710 {
    const NAME: &'static str = "goker::cockroach_3710";
    const INVARIANT: &'static str = "the raft log scan and the raft processing both finish";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let store = new_store::<B>();
        let scanning = Arc::clone(&store);
        drop(B::spawn("force-raft-log-scan-and-process", move || {
            scanning.force_raft_log_scan_and_process(fixed)
        }));
        drop(B::spawn("process-raft", move || store.process_raft()));
    }
}

impl Mistake for Cockroach3710 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    const TRACE_SHOWS: &'static [&'static str] = &[
        "read lock rwmutex",
        "lock rwmutex (never returned)",
        "read lock rwmutex (never returned)",
    ];
}

impl Kernel for Cockroach3710 {
    const GOKER: Goker = Goker {
        project: "cockroach",
        id: 3710,
        class: Class::Blocking,
        kind: "Resource Deadlock",
        subtype: "RWR deadlock",
    };
}
