//! GoKer `etcd_6708` (etcd PR #6708): `Sync` holds the cluster client's write lock while
//! `SetEndpoints` asks for the leader, whose request read-locks the same lock.
//!
//! Ports `gobench/goker/blocking/etcd/6708/etcd6708_test.go` (GoBench: resource deadlock, double
//! locking). The test itself calls `Sync` on a client in "prioritize leader" mode:
//! the whole program blocks. Neither the kernel nor its README states the fix; the port's fix
//! releases the write lock before `SetEndpoints` (the endpoints are set by then), so the leader
//! request's read lock is free.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{Backend, RwMutex};

zoo_entry! {
    /// A cluster client in "prioritize leader" mode syncs its endpoints.
    pub struct Etcd6708 {}
}

#[derive(PartialEq, Eq)]
enum SelectionMode {
    PrioritizeLeader,
}

struct HttpClusterClient<B: Backend> {
    lock: RwMutex<(), B>,
    selection_mode: SelectionMode,
}

impl<B: Backend> HttpClusterClient<B> {
    fn sync(&self, fixed: bool) {
        let held = self.lock.write();
        if fixed {
            drop(held);
            self.set_endpoints();
        } else {
            self.set_endpoints();
            drop(held); // the kernel's deferred Unlock
        }
    }

    fn set_endpoints(&self) {
        if self.selection_mode == SelectionMode::PrioritizeLeader {
            self.get_leader_endpoint();
        }
    }

    /// `NewMembersAPI(c).Leader(ctx)`, whose request is the client's `Do`.
    fn get_leader_endpoint(&self) {
        self.do_request();
    }

    fn do_request(&self) {
        let _shared = self.lock.read();
    }
}

impl Scenario for Etcd6708 {
    const NAME: &'static str = "goker::etcd_6708";
    const INVARIANT: &'static str = "sync returns";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let hc = HttpClusterClient::<B> {
            lock: RwMutex::new_in(()),
            selection_mode: SelectionMode::PrioritizeLeader,
        };
        hc.sync(self.variant == Variant::Correct);
    }
}

impl Mistake for Etcd6708 {
    const CAUGHT_AS: FailureKind = FailureKind::Deadlock;
    const TRACE_SHOWS: &'static [&'static str] =
        &["lock rwmutex", "read lock rwmutex (never returned)"];
    const DETERMINISTIC: bool = true;
}

impl Kernel for Etcd6708 {
    const GOKER: Goker = Goker {
        project: "etcd",
        id: 6708,
        class: Class::Blocking,
        kind: "Resource Deadlock",
        subtype: "Double locking",
    };
}
