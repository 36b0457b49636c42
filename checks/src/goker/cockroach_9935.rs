//! GoKer `cockroach_9935` (cockroach PR #9935): when creating the log file fails,
//! `outputLogEntry` calls `exit` while holding the logging lock, and `exit` locks it again.
//!
//! Ports `gobench/goker/blocking/cockroach/9935/cockroach9935_test.go` (GoBench: resource
//! deadlock, double locking). The test starts one goroutine that writes a log entry and returns;
//! the file creation fails when `rand.Intn(8) % 4 > 0` (6 values of 8), here a choice the checker
//! explores. Fix (the kernel's header): release the lock before locking it the second time.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{Backend, Mutex};
use std::sync::Arc;

zoo_entry! {
    /// One goroutine writes a log entry, whose file may fail to open.
    pub struct Cockroach9935 {}
}

struct Logging<B: Backend> {
    mu: Mutex<B>,
}

impl<B: Backend> Logging<B> {
    fn output_log_entry(&self, fixed: bool) {
        self.mu.lock();
        if self.create_file().is_err() {
            if fixed {
                self.mu.unlock();
                self.exit();
                return;
            }
            self.exit();
        }
        self.mu.unlock();
    }

    fn create_file(&self) -> Result<(), ()> {
        if B::input(8) % 4 > 0 {
            return Err(());
        }
        Ok(())
    }

    fn exit(&self) {
        self.mu.lock();
        self.mu.unlock();
    }
}

impl Scenario for Cockroach9935 {
    const NAME: &'static str = "goker::cockroach_9935";
    const INVARIANT: &'static str = "the logging goroutine finishes";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let l = Arc::new(Logging::<B> {
            mu: Mutex::new_in(),
        });
        drop(B::spawn("output-log-entry", move || {
            l.output_log_entry(fixed)
        }));
    }
}

impl Mistake for Cockroach9935 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    const TRACE_SHOWS: &'static [&'static str] = &["lock mutex", "lock mutex (never returned)"];
}

impl Kernel for Cockroach9935 {
    const GOKER: Goker = Goker {
        project: "cockroach",
        id: 9935,
        class: Class::Blocking,
        kind: "Resource Deadlock",
        subtype: "Double locking",
    };
}
