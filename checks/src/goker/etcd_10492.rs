//! GoKer `etcd_10492` (etcd PR #10492): `Renew` holds the lessor's lock while calling the
//! checkpointer, and the checkpointer's `Checkpoint` locks it again.
//!
//! Ports `gobench/goker/blocking/etcd/10492/etcd10492_test.go` (GoBench: resource deadlock,
//! double locking). The test sets a checkpointer that calls `Checkpoint`, then renews: the whole
//! program blocks. Neither the kernel nor its README states the fix; `Renew` unlocks through a
//! replaceable closure, as upstream's does, so that it can release the lock early, and the port's
//! fix does that: the lock is released before the checkpointer runs.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{Backend, RwMutex};
use std::sync::Arc;

zoo_entry! {
    /// A lessor whose checkpointer checkpoints it renews a lease.
    pub struct Etcd10492 {}
}

type Checkpointer<B> = Arc<dyn Fn(&Lessor<B>) + Send + Sync>;

struct Lessor<B: Backend> {
    mu: RwMutex<Option<Checkpointer<B>>, B>,
}

impl<B: Backend> Lessor<B> {
    fn checkpoint(&self) {
        let _held = self.mu.write(); // blocks here
    }

    fn set_checkpointer(&self, cp: Checkpointer<B>) {
        *self.mu.write() = Some(cp);
    }

    fn renew(&self, fixed: bool) {
        let held = self.mu.write();
        let cp = held.clone();
        // The kernel's deferred `unlock()`: the lock is held until the end, unless released here.
        let mut unlock = Some(held);
        if fixed {
            drop(unlock.take());
        }
        if let Some(cp) = cp {
            cp(self);
        }
        drop(unlock);
    }
}

impl Scenario for Etcd10492 {
    const NAME: &'static str = "goker::etcd_10492";
    const INVARIANT: &'static str = "renew returns";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let le = Lessor::<B> {
            mu: RwMutex::new_in(None),
        };
        le.set_checkpointer(Arc::new(|le: &Lessor<B>| le.checkpoint()));
        drop(le.mu.write());
        le.renew(self.variant == Variant::Correct);
    }
}

impl Mistake for Etcd10492 {
    const CAUGHT_AS: FailureKind = FailureKind::Deadlock;
    const TRACE_SHOWS: &'static [&'static str] = &["lock rwmutex", "lock rwmutex (never returned)"];
    const DETERMINISTIC: bool = true;
}

impl Kernel for Etcd10492 {
    const GOKER: Goker = Goker {
        project: "etcd",
        id: 10492,
        class: Class::Blocking,
        kind: "Resource Deadlock",
        subtype: "Double locking",
    };
}
