//! GoKer `syncthing_4829` (syncthing issue #4829): `clearAddresses` holds a mapping's write lock
//! while `notify` read-locks the same lock.
//!
//! Ports `gobench/goker/blocking/syncthing/4829/syncthing4829_test.go` (GoBench: resource
//! deadlock, double locking). The test adds one address to a new mapping, then removes the
//! mapping itself: the whole program blocks. Neither the kernel nor its README states the fix;
//! the port's fix calls `notify` once the write lock is released (the removed addresses are
//! collected by then).

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::invariant;
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{Backend, RwMutex};
use std::collections::HashMap;
use std::sync::Arc;

zoo_entry! {
    /// A NAT service removes a mapping that holds one external address.
    pub struct Syncthing4829 {}
}

type Address = i32;

struct Mapping<B: Backend> {
    ext_addresses: RwMutex<HashMap<String, Address>, B>,
}

impl<B: Backend> Mapping<B> {
    fn clear_addresses(&self, fixed: bool) {
        let mut addresses = self.ext_addresses.write(); // the first locking
        let removed: Vec<Address> = addresses.drain().map(|(_, addr)| addr).collect();
        if fixed {
            drop(addresses);
            if !removed.is_empty() {
                self.notify(&removed);
            }
        } else {
            if !removed.is_empty() {
                self.notify(&removed);
            }
            drop(addresses);
        }
    }

    fn notify(&self, _removed: &[Address]) {
        let _shared = self.ext_addresses.read(); // the second locking
    }
}

struct Service<B: Backend> {
    mappings: RwMutex<Vec<Arc<Mapping<B>>>, B>,
}

impl<B: Backend> Service<B> {
    fn new_mapping(&self) -> Arc<Mapping<B>> {
        let mapping = Arc::new(Mapping {
            ext_addresses: RwMutex::new_in(HashMap::new()),
        });
        self.mappings.write().push(Arc::clone(&mapping));
        mapping
    }

    fn remove_mapping(&self, mapping: &Arc<Mapping<B>>, fixed: bool) {
        let mappings = self.mappings.write();
        for existing in mappings.iter() {
            if Arc::ptr_eq(existing, mapping) {
                mapping.clear_addresses(fixed);
            }
        }
    }
}

impl Scenario for Syncthing4829 {
    const NAME: &'static str = "goker::syncthing_4829";
    const INVARIANT: &'static str = "the mapping is removed and its addresses cleared";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let nat_svc = Service::<B> {
            mappings: RwMutex::new_in(Vec::new()),
        };
        let m = nat_svc.new_mapping();
        m.ext_addresses.write().insert("test".to_owned(), 0);
        nat_svc.remove_mapping(&m, self.variant == Variant::Correct);
        invariant!(
            m.ext_addresses.read().is_empty(),
            "an address survived clearAddresses"
        );
    }
}

impl Mistake for Syncthing4829 {
    const CAUGHT_AS: FailureKind = FailureKind::Deadlock;
    const TRACE_SHOWS: &'static [&'static str] =
        &["lock rwmutex#2", "read lock rwmutex#2 (never returned)"];
    const DETERMINISTIC: bool = true;
}

impl Kernel for Syncthing4829 {
    const GOKER: Goker = Goker {
        project: "syncthing",
        id: 4829,
        class: Class::Blocking,
        kind: "Resource Deadlock",
        subtype: "Double locking",
    };
}
