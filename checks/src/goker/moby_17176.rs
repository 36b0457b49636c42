//! GoKer `moby_17176` (moby PR #17176): `cleanupDeletedDevices` returns early, when there are no
//! deleted devices, still holding the device set's lock, so the next goroutine to lock it blocks
//! forever.
//!
//! Ports `gobench/goker/blocking/moby/17176/moby17176_test.go` (GoBench: resource deadlock,
//! double locking). The test cleans up the deleted devices of a device set that has none, then
//! starts a goroutine that locks the set and sends on an unbuffered `done` channel, and waits for
//! that channel or a 1 ms timeout, whichever comes first, and returns: the goroutine is left
//! blocked on the lock (a leak), on every schedule. Fix (the upstream fix): unlock before the
//! early return. The test's own goroutine would then still block in its send whenever the timeout
//! wins the select, which the real clock makes unlikely and the checkers' virtual clock makes a
//! schedule like any other; so the fix also gives the `done` channel room for its one value.

use super::{never_dropped, Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, RecvArm, Select};
use patterns::{Backend, Mutex};
use std::sync::Arc;
use std::time::Duration;

zoo_entry! {
    /// A device set with no deleted devices is cleaned up, then locked by a goroutine.
    pub struct Moby17176 {}
}

type Error = &'static str;

struct DeviceSet<B: Backend> {
    mu: Mutex<B>,
    nr_deleted_devices: usize,
}

impl<B: Backend> DeviceSet<B> {
    fn cleanup_deleted_devices(&self, fixed: bool) -> Result<(), Error> {
        self.mu.lock();
        if self.nr_deleted_devices == 0 {
            if fixed {
                self.mu.unlock();
            }
            // The kernel returns here without unlocking.
            return Ok(());
        }
        self.mu.unlock();
        Err("Error")
    }
}

fn test_devmapper_lock_released_device_deletion<B: Backend>(fixed: bool) {
    let ds = Arc::new(DeviceSet::<B> {
        mu: Mutex::new_in(),
        nr_deleted_devices: 0,
    });
    let _ = ds.cleanup_deleted_devices(fixed);
    let (done_tx, done_chan) = chan::bounded_in::<B, bool>(usize::from(fixed));
    let devices = Arc::clone(&ds);
    drop(B::spawn("lock-devices", move || {
        devices.mu.lock(); // blocks here
        let _ = done_tx.send(true);
        devices.mu.unlock(); // the deferred Unlock
    }));
    {
        let mut done = RecvArm::new(&done_chan);
        let _ = Select::new()
            .recv(&mut done)
            .timeout(Duration::from_millis(1))
            .wait();
    }
    // The Go test returns and forgets the channel; Go keeps it for the goroutine.
    never_dropped(done_chan);
}

impl Scenario for Moby17176 {
    const NAME: &'static str = "goker::moby_17176";
    const INVARIANT: &'static str = "the goroutine that locks the device set finishes";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        test_devmapper_lock_released_device_deletion::<B>(self.variant == Variant::Correct);
    }
}

impl Mistake for Moby17176 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    const TRACE_SHOWS: &'static [&'static str] = &["lock mutex", "lock mutex (never returned)"];
    const DETERMINISTIC: bool = true;
}

impl Kernel for Moby17176 {
    const GOKER: Goker = Goker {
        project: "moby",
        id: 17176,
        class: Class::Blocking,
        kind: "Resource Deadlock",
        subtype: "Double locking",
    };
}
