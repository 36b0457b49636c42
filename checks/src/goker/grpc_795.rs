//! GoKer `grpc_795` (grpc-go PR #795): `GracefulStop` returns still holding the server's lock, so
//! the next `GracefulStop` blocks locking it.
//!
//! Ports `gobench/goker/blocking/grpc/795/grpc795_test.go` (GoBench: resource deadlock, double
//! locking). The test starts a server, whose `Serve` goroutine locks and unlocks the same lock,
//! and calls `GracefulStop` three times: the second call blocks (and `Serve` with it, when it
//! comes late), so the whole program blocks. The README names the missing `Unlock` at the end of
//! `GracefulStop`; the kernel's early return for a server already draining locks the lock again
//! instead of releasing it. The port's fix releases the lock on both ways out, as a deferred
//! `Unlock` would.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{Atomic, Backend, Mutex};
use std::sync::atomic::Ordering;
use std::sync::Arc;

zoo_entry! {
    /// A server started by a test is gracefully stopped three times.
    pub struct Grpc795 {}
}

struct Server<B: Backend> {
    mu: Mutex<B>,
    /// Read and written under `mu` only, hence relaxed.
    drain: B::AtomicBool,
}

impl<B: Backend> Server<B> {
    fn new() -> Self {
        Self {
            mu: Mutex::new_in(),
            drain: B::AtomicBool::new(false),
        }
    }

    fn graceful_stop(&self, fixed: bool) {
        self.mu.lock(); // the second call blocks here
        if self.drain.load(Ordering::Relaxed) {
            if fixed {
                self.mu.unlock();
            } else {
                self.mu.lock(); // the kernel locks again where it should release
            }
            return;
        }
        self.drain.store(true, Ordering::Relaxed);
        if fixed {
            self.mu.unlock(); // the kernel returns without it
        }
    }

    fn serve(&self) {
        self.mu.lock();
        self.mu.unlock();
    }
}

struct Test<B: Backend> {
    srv: Option<Arc<Server<B>>>,
}

impl<B: Backend> Test<B> {
    fn start_server(&mut self) {
        let s = Arc::new(Server::<B>::new());
        self.srv = Some(Arc::clone(&s));
        drop(B::spawn("serve", move || s.serve()));
    }
}

impl Scenario for Grpc795 {
    const NAME: &'static str = "goker::grpc_795";
    const INVARIANT: &'static str = "three graceful stops return";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let mut te = Test::<B> { srv: None };
        te.start_server();
        let srv = te.srv.as_ref().expect("started");
        for _ in 0..3 {
            srv.graceful_stop(self.variant == Variant::Correct);
        }
    }
}

impl Mistake for Grpc795 {
    const CAUGHT_AS: FailureKind = FailureKind::Deadlock;
    const TRACE_SHOWS: &'static [&'static str] = &["lock mutex", "lock mutex", "(never returned)"];
    const DETERMINISTIC: bool = true;
}

impl Kernel for Grpc795 {
    const GOKER: Goker = Goker {
        project: "grpc",
        id: 795,
        class: Class::Blocking,
        kind: "Resource Deadlock",
        subtype: "Double locking",
    };
}
