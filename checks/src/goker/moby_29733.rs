//! GoKer `moby_29733` (moby PR #29733): `waitActive` waits on the plugin's condition until the
//! plugin is activated, and nothing in the test ever activates it or signals.
//!
//! Ports `gobench/goker/blocking/moby/29733/moby29733_test.go` (GoBench: communication deadlock,
//! condition variable). The test waits for a plugin, registers a handler (which marks every
//! plugin inactive again) and waits again, each wait through a goroutine that closes a channel
//! once `waitActive` returns: the first wait blocks the whole program. Neither the kernel nor its
//! README states the fix; upstream moby then told an activated plugin by its loaded manifest and
//! had `Handle` reset only whether the handlers ran, not the activation. The port's fix does the
//! same: the plugin is activated when it is stored, and `Handle` leaves that alone.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{chan, Atomic, Backend, Cond, Mutex, RwMutex};
use std::sync::atomic::Ordering;
use std::sync::Arc;

zoo_entry! {
    /// The test waits for a stored plugin, registers a handler, and waits again.
    pub struct Moby29733 {}
}

struct Plugin<B: Backend> {
    /// Relaxed: read under `activate_wait`'s lock, written under the handlers' lock with no
    /// waiter left (as the kernel does).
    activated: B::AtomicBool,
    activate_wait: Cond<B>,
}

impl<B: Backend> Plugin<B> {
    fn wait_active(&self) {
        self.activate_wait.locker().lock();
        while !self.activated.load(Ordering::Relaxed) {
            self.activate_wait.wait();
        }
        self.activate_wait.locker().unlock();
    }
}

/// The kernel's global plugin storage and extension-point handlers.
struct Globals<B: Backend> {
    plugins: Vec<Arc<Plugin<B>>>,
    handlers: RwMutex<(), B>,
}

impl<B: Backend> Globals<B> {
    fn handle(&self, fixed: bool) {
        let _handlers = self.handlers.write();
        // The fix resets only whether the handlers ran, a flag the kernel leaves out.
        if !fixed {
            for p in &self.plugins {
                p.activated.store(false, Ordering::Relaxed);
            }
        }
    }
}

fn test_active<B: Backend>(p: &Arc<Plugin<B>>) {
    let (done_tx, done) = chan::bounded_in::<B, ()>(0);
    let p = Arc::clone(p);
    drop(B::spawn("wait-active", move || {
        p.wait_active();
        done_tx.close().expect("closed once");
    }));
    done.recv();
}

impl Scenario for Moby29733 {
    const NAME: &'static str = "goker::moby_29733";
    const INVARIANT: &'static str = "both waits for the plugin return";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let p = Arc::new(Plugin::<B> {
            activated: B::AtomicBool::new(fixed),
            activate_wait: Cond::new(Arc::new(Mutex::new_in())),
        });
        let globals = Globals::<B> {
            plugins: vec![Arc::clone(&p)],
            handlers: RwMutex::new_in(()),
        };
        test_active(&p);
        globals.handle(fixed);
        test_active(&p);
    }
}

impl Mistake for Moby29733 {
    const CAUGHT_AS: FailureKind = FailureKind::Deadlock;
    const TRACE_SHOWS: &'static [&'static str] = &["wait cond (never returned)"];
    const DETERMINISTIC: bool = true;
}

impl Kernel for Moby29733 {
    const GOKER: Goker = Goker {
        project: "moby",
        id: 29733,
        class: Class::Blocking,
        kind: "Communication Deadlock",
        subtype: "Condition Variable",
    };
}
