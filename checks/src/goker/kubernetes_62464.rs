//! GoKer `kubernetes_62464` (kubernetes PR #62464): the CPU manager state's
//! `GetCPUSetOrDefault` read-locks the state and then calls getters that read-lock it again; a
//! writer waiting in between holds back the second read lock, which waits for the first.
//!
//! Ports `gobench/goker/blocking/kubernetes/62464/kubernetes62464_test.go` (GoBench: resource
//! deadlock, RWR deadlock). The test starts `reconcileState` (which calls `GetCPUSetOrDefault`)
//! and the static policy's `RemoveContainer` (which read-locks the state in `GetDefaultCPUSet`,
//! then write-locks it in `SetDefaultCPUSet`), one goroutine each, and returns.
//! `GetCPUSetOrDefault` holds a read lock while `GetCPUSet` read-locks again, and, when
//! `GetCPUSet` finds nothing (`rand.Intn(10) > 5` finds it: 4 values of 10, a choice the checker
//! explores), while `GetDefaultCPUSet` read-locks again too. When `RemoveContainer`'s write lock
//! comes between the outer read lock and an inner one, the writer waits for the outer reader and
//! the inner read lock waits behind the writer: both goroutines are left blocked (a leak). Fix
//! (the upstream fix, which removed the double read lock): `GetCPUSetOrDefault` takes no lock of
//! its own; the getters it calls lock for themselves.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{Backend, RwMutex};
use std::sync::Arc;

zoo_entry! {
    /// The CPU manager reconciles its state while the static policy removes a container.
    pub struct Kubernetes62464 {}
}

/// The kernel's `stateMemory`, which embeds a `sync.RWMutex`.
struct StateMemory<B: Backend> {
    lock: RwMutex<(), B>,
    /// Whether the fix runs.
    fixed: bool,
}

impl<B: Backend> StateMemory<B> {
    fn get_cpu_set_or_default(&self) {
        // Released when the function returns, early or not (the kernel's deferred RUnlock).
        let _held = (!self.fixed).then(|| self.lock.read());
        if self.get_cpu_set() {
            return;
        }
        self.get_default_cpu_set();
    }

    fn get_cpu_set(&self) -> bool {
        let _held = self.lock.read(); // blocks here while a writer waits
        B::input(10) > 5
    }

    fn get_default_cpu_set(&self) {
        let _held = self.lock.read(); // or here
    }

    fn set_default_cpu_set(&self) {
        let _held = self.lock.write(); // blocks here while the outer read lock is held
    }
}

struct StaticPolicy;

impl StaticPolicy {
    fn remove_container<B: Backend>(&self, s: &StateMemory<B>) {
        s.get_default_cpu_set();
        s.set_default_cpu_set();
    }
}

struct Manager<B: Backend> {
    state: Arc<StateMemory<B>>,
}

impl<B: Backend> Manager<B> {
    fn reconcile_state(&self) {
        self.state.get_cpu_set_or_default();
    }
}

fn new_policy_and_manager<B: Backend>(fixed: bool) -> (StaticPolicy, Manager<B>) {
    let s = Arc::new(StateMemory {
        lock: RwMutex::new_in(()),
        fixed,
    });
    let m = Manager { state: s };
    let p = StaticPolicy;
    (p, m)
}

impl Scenario for Kubernetes62464 {
    const NAME: &'static str = "goker::kubernetes_62464";
    const INVARIANT: &'static str = "reconcileState and RemoveContainer finish";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let (p, m) = new_policy_and_manager::<B>(self.variant == Variant::Correct);
        let state = Arc::clone(&m.state);
        drop(B::spawn("reconcile-state", move || m.reconcile_state()));
        drop(B::spawn("remove-container", move || {
            p.remove_container(&state)
        }));
    }
}

impl Mistake for Kubernetes62464 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    // The outer read lock, the writer, then the inner read lock that never returns.
    const TRACE_SHOWS: &'static [&'static str] =
        &["read lock rwmutex", "lock rwmutex", "(never returned)"];
}

impl Kernel for Kubernetes62464 {
    const GOKER: Goker = Goker {
        project: "kubernetes",
        id: 62464,
        class: Class::Blocking,
        kind: "Resource Deadlock",
        subtype: "RWR deadlock",
    };
}
