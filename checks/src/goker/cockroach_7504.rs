//! GoKer `cockroach_7504` (cockroach PR #7504): releasing a lease takes the lease's lock and then
//! the table name cache's, while acquiring a table by name takes the name cache's lock and then
//! the lease's (AB-BA).
//!
//! Ports `gobench/goker/blocking/cockroach/7504/cockroach7504_test.go` (GoBench: resource
//! deadlock, AB-BA deadlock). The test makes a set of two leases, a table name cache holding both
//! (under keys 0 and 1), a table state whose active set is the lease set, and a lease manager;
//! then it starts `AcquireByName(0)` and `Release` of the first lease on a goroutine each and
//! waits for both on a WaitGroup. `AcquireByName` locks the name cache, looks the lease up and
//! locks it; `Release` locks the table state, finds the lease in the active set and locks it,
//! removes it from the set and then from the name cache, which locks the name cache. When each
//! goroutine takes its first lock before the other takes its second, both block, and the test
//! with them: the whole program blocks. Every lease keeps id 0, as in the kernel (whose `insert`,
//! which would number them, is never called). The active set and the name cache's map, which Go
//! guards with the table state's and the name cache's locks, sit in std mutexes for Rust's
//! interior mutability, each taken only under its Go lock and never across a kit operation, so
//! they never block. Fix (the upstream fix): the name cache's `get` holds its lock only for the
//! lookup, and releases it before it locks the lease.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{Backend, Mutex, RaceCell, WaitGroup};
use std::collections::HashMap;
use std::sync::Arc;

zoo_entry! {
    /// A lease is released while a table is acquired by its name.
    pub struct Cockroach7504 {}
}

fn make_cache_key<B: Backend>(lease: &LeaseState<B>) -> usize {
    lease.id
}

struct LeaseState<B: Backend> {
    /// Lock A.
    mu: Mutex<B>,
    id: usize,
}

struct LeaseSet<B: Backend> {
    data: Vec<Arc<LeaseState<B>>>,
}

impl<B: Backend> LeaseSet<B> {
    fn find(&self, id: usize) -> Arc<LeaseState<B>> {
        Arc::clone(&self.data[id])
    }

    fn remove(&mut self, s: &Arc<LeaseState<B>>) {
        if let Some(i) = self.data.iter().position(|l| Arc::ptr_eq(l, s)) {
            self.data.remove(i);
        }
    }
}

struct TableState<B: Backend> {
    table_name_cache: Arc<TableNameCache<B>>,
    mu: Mutex<B>,
    /// Guarded by `mu`.
    active: RaceCell<LeaseSet<B>, B>,
}

impl<B: Backend> TableState<B> {
    fn release(&self, lease: &LeaseState<B>) {
        self.mu.lock();

        let s = self
            .active
            .read(|active| active.find(make_cache_key(lease)));
        s.mu.lock(); // lock A

        self.remove_lease(&s);
        // The deferred unlocks, the last deferred first.
        s.mu.unlock();
        self.mu.unlock();
    }

    fn remove_lease(&self, lease: &Arc<LeaseState<B>>) {
        self.active.update(|active| active.remove(lease));
        self.table_name_cache.remove(lease); // lock B, under lock A
    }
}

struct TableNameCache<B: Backend> {
    /// Lock B.
    mu: Mutex<B>,
    /// Guarded by `mu`.
    tables: RaceCell<HashMap<usize, Arc<LeaseState<B>>>, B>,
}

impl<B: Backend> TableNameCache<B> {
    fn get(&self, id: usize, fixed: bool) {
        self.mu.lock(); // lock B

        // Go checks for a nil lease in the map; a Rust map holds none.
        let lease = self.tables.read(|tables| tables.get(&id).cloned());
        if fixed {
            // The fix: the name cache's lock covers the lookup only.
            self.mu.unlock();
        }
        if let Some(lease) = lease {
            lease.mu.lock(); // lock A, under lock B: blocks here
            lease.mu.unlock(); // the deferred unlock
        }
        if !fixed {
            self.mu.unlock(); // the deferred unlock
        }
    }

    fn remove(&self, lease: &Arc<LeaseState<B>>) {
        self.mu.lock(); // lock B: blocks here
        let key = make_cache_key(lease);
        self.tables.update(|tables| {
            if tables
                .get(&key)
                .is_some_and(|existing| Arc::ptr_eq(existing, lease))
            {
                tables.remove(&key);
            }
        });
        self.mu.unlock(); // the deferred unlock
    }
}

struct LeaseManager<B: Backend> {
    table_names: Arc<TableNameCache<B>>,
    tables: HashMap<usize, Arc<TableState<B>>>,
}

impl<B: Backend> LeaseManager<B> {
    fn acquire_by_name(&self, id: usize, fixed: bool) {
        self.table_names.get(id, fixed);
    }

    fn find_table_state(&self, _lease: &LeaseState<B>) -> Option<Arc<TableState<B>>> {
        self.tables.get(&0).cloned()
    }

    fn release(&self, lease: &LeaseState<B>) {
        let t = self
            .find_table_state(lease)
            .expect("the manager has the table");
        t.release(lease);
    }
}

fn new_lease_manager<B: Backend>(
    tname: Arc<TableNameCache<B>>,
    ts: Arc<TableState<B>>,
) -> LeaseManager<B> {
    LeaseManager {
        table_names: tname,
        tables: HashMap::from([(0, ts)]),
    }
}

fn new_lease_set<B: Backend>(n: usize) -> LeaseSet<B> {
    LeaseSet {
        data: (0..n)
            .map(|_| {
                Arc::new(LeaseState {
                    mu: Mutex::new_in(),
                    id: 0,
                })
            })
            .collect(),
    }
}

impl Scenario for Cockroach7504 {
    const NAME: &'static str = "goker::cockroach_7504";
    const INVARIANT: &'static str = "acquiring the table and releasing the lease both finish";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let lease_num = 2;
        let lset = new_lease_set::<B>(lease_num);

        let nc = Arc::new(TableNameCache {
            mu: Mutex::new_in(),
            tables: RaceCell::new_in((0..lease_num).map(|i| (i, lset.find(i))).collect()),
        });

        let ts = Arc::new(TableState {
            table_name_cache: Arc::clone(&nc),
            mu: Mutex::new_in(),
            active: RaceCell::new_in(lset),
        });

        let mgr = Arc::new(new_lease_manager(nc, Arc::clone(&ts)));
        let wg = WaitGroup::<B>::new_in();

        wg.add(2);
        let (acquirer, acquired) = (Arc::clone(&mgr), wg.clone());
        drop(B::spawn("acquire-by-name", move || {
            // Lock B, then A.
            acquirer.acquire_by_name(0, fixed);
            acquired.done();
        }));

        let released = wg.clone();
        drop(B::spawn("release", move || {
            // Lock A, then B. The test's lease set is the table state's active set.
            let lease = ts.active.read(|active| active.find(0));
            mgr.release(&lease);
            released.done();
        }));

        wg.wait();
    }
}

impl Mistake for Cockroach7504 {
    const CAUGHT_AS: FailureKind = FailureKind::Deadlock;
    const TRACE_SHOWS: &'static [&'static str] =
        &["lock mutex", "(never returned)", "(never returned)"];
}

impl Kernel for Cockroach7504 {
    const GOKER: Goker = Goker {
        project: "cockroach",
        id: 7504,
        class: Class::Blocking,
        kind: "Resource Deadlock",
        subtype: "AB-BA deadlock",
    };
}
