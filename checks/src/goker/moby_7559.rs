//! GoKer `moby_7559` (moby PR #7559): when dialling the backend fails, the UDP proxy's loop goes
//! on to its next round without releasing the connection-tracking lock, and that round locks it
//! again.
//!
//! Ports `gobench/goker/blocking/moby/7559/moby7559_test.go` (GoBench: resource deadlock, double
//! locking). The test starts the proxy's `Run` on a goroutine and returns. `Run` makes two
//! rounds, each locking the lock and dialling with no address, which always fails: the second
//! round blocks on the lock (a leak). Fix (the upstream fix, the `Unlock` GoKer marks missing):
//! unlock before going on to the next round. The kernel's `Unlock` after the loop is for a round
//! that leaves the loop holding the lock (a dial that succeeds); with the fix a failed last dial
//! leaves it without the lock, so the port unlocks there only if the lock is held, where Go's
//! `Unlock` of an unlocked mutex would panic.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{Backend, Mutex};
use std::sync::Arc;

zoo_entry! {
    /// A UDP proxy runs on a goroutine, with no backend address to dial.
    pub struct Moby7559 {}
}

type Error = &'static str;

/// `net.DialUDP("udp", nil, nil)`: with no remote address it always fails.
fn dial_udp() -> Result<(), Error> {
    Err("dial udp: missing address")
}

struct UdpProxy<B: Backend> {
    conn_track_lock: Mutex<B>,
}

impl<B: Backend> UdpProxy<B> {
    fn run(&self, fixed: bool) {
        let mut held = false;
        for i in 0..2 {
            self.conn_track_lock.lock(); // the second round blocks here
            held = true;
            if dial_udp().is_err() {
                if fixed {
                    self.conn_track_lock.unlock();
                    held = false;
                }
                continue; // the kernel goes on holding the lock
            }
            if i == 0 {
                break;
            }
        }
        if held {
            self.conn_track_lock.unlock();
        }
    }
}

impl Scenario for Moby7559 {
    const NAME: &'static str = "goker::moby_7559";
    const INVARIANT: &'static str = "the proxy's run finishes";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let proxy = Arc::new(UdpProxy::<B> {
            conn_track_lock: Mutex::new_in(),
        });
        drop(B::spawn("proxy-run", move || proxy.run(fixed)));
    }
}

impl Mistake for Moby7559 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    const TRACE_SHOWS: &'static [&'static str] = &["lock mutex", "lock mutex", "(never returned)"];
    const DETERMINISTIC: bool = true;
}

impl Kernel for Moby7559 {
    const GOKER: Goker = Goker {
        project: "moby",
        id: 7559,
        class: Class::Blocking,
        kind: "Resource Deadlock",
        subtype: "Double locking",
    };
}
