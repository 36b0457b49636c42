//! GoKer `moby_4951` (moby PR #4951): `DeleteDevice` drops the global devices lock and sleeps
//! while it holds the device's own lock, so a second deletion of the same device takes the global
//! lock and waits for the device lock, while the first one waits for the global lock (AB-BA).
//!
//! Ports `gobench/goker/blocking/moby/4951/moby4951_test.go` (GoBench: resource deadlock, AB-BA
//! deadlock). The test starts two goroutines that delete the same device and returns; when the
//! second takes the global lock during the first one's 300 ns sleep, both are left blocked (a
//! leak). Fix (the upstream fix): a lock order in which a device's lock is always taken before the
//! global one; the device map gets a lock of its own (`devicesLock`), so looking the device up
//! needs no global lock.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{time, Backend, Mutex};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

zoo_entry! {
    /// Two goroutines delete the same device of a device set.
    pub struct Moby4951 {}
}

struct DevInfo<B: Backend> {
    lock: Mutex<B>,
    name: String,
}

impl<B: Backend> DevInfo<B> {
    fn name(&self) -> &str {
        &self.name
    }
}

struct DeviceSet<B: Backend> {
    /// The global lock (Go embeds it in the set).
    mu: Mutex<B>,
    /// The fix's lock of the device map alone.
    devices_lock: Mutex<B>,
    /// Filled before the set is shared, then only read.
    infos: HashMap<String, Arc<DevInfo<B>>>,
}

impl<B: Backend> DeviceSet<B> {
    fn new() -> Self {
        let infos = ["info1", "info2"]
            .into_iter()
            .map(|name| {
                let info = DevInfo {
                    lock: Mutex::new_in(),
                    name: name.to_owned(),
                };
                (name.to_owned(), Arc::new(info))
            })
            .collect();
        Self {
            mu: Mutex::new_in(),
            devices_lock: Mutex::new_in(),
            infos,
        }
    }

    fn delete_device(&self, hash: &str, fixed: bool) {
        if fixed {
            // The device's lock first, then the global one.
            let info = self.lookup_device(hash, fixed);
            info.lock.lock();
            self.mu.lock();
            self.delete_device_info(&info);
            self.mu.unlock();
            info.lock.unlock();
        } else {
            self.mu.lock();
            let info = self.lookup_device(hash, fixed);
            info.lock.lock();
            self.delete_device_info(&info);
            // The kernel's deferred unlocks, the last deferred first.
            info.lock.unlock();
            self.mu.unlock();
        }
    }

    fn lookup_device(&self, hash: &str, fixed: bool) -> Arc<DevInfo<B>> {
        if fixed {
            self.devices_lock.lock();
        }
        let info = self.infos.get(hash).cloned();
        if fixed {
            self.devices_lock.unlock();
        }
        // Go would go on with a nil device and crash on its lock.
        info.expect("the test deletes a device the set has")
    }

    fn delete_device_info(&self, info: &DevInfo<B>) {
        self.remove_device_and_wait(info.name());
    }

    /// Removes the device and waits for it to go, without the global lock meanwhile.
    fn remove_device_and_wait(&self, _devname: &str) {
        self.mu.unlock();
        time::sleep::<B>(Duration::from_nanos(300));
        self.mu.lock();
    }
}

impl Scenario for Moby4951 {
    const NAME: &'static str = "goker::moby_4951";
    // Unbounded, the fix ran past 60 s (two sleeps: timers widen loom's exploration); at 2
    // preemptions it passes in 781 schedules. The bug needs no preemption: each switch it needs comes at a blocking step (the sleep, a lock).
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "both deletions of the device finish";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let ds = Arc::new(DeviceSet::<B>::new());
        for g in 0..2 {
            let ds = Arc::clone(&ds);
            drop(B::spawn(&format!("delete-device-{g}"), move || {
                ds.delete_device("info1", fixed)
            }));
        }
    }
}

impl Mistake for Moby4951 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    // mutex#1 is the global lock (each deletion takes it first), mutex#2 the device's.
    const TRACE_SHOWS: &'static [&'static str] = &[
        "lock mutex#2",
        "unlock mutex#1",
        "sleep",
        "lock mutex#1 (never returned)",
    ];
}

impl Kernel for Moby4951 {
    const GOKER: Goker = Goker {
        project: "moby",
        id: 4951,
        class: Class::Blocking,
        kind: "Resource Deadlock",
        subtype: "AB-BA deadlock",
    };
}
