//! GoKer `moby_30408` (moby PR #30408): `waitActive` waits on the plugin's condition until the
//! plugin has a manifest; a plugin whose activation failed never gets one, and nobody signals.
//!
//! Ports `gobench/goker/blocking/moby/30408/moby30408_test.go` (GoBench: communication deadlock,
//! condition variable). The test waits for a plugin whose activation failed, through a goroutine
//! that closes a channel once `waitActive` returns: the whole program blocks. Neither the kernel
//! nor its README states the fix; upstream moby's `waitActive` stops waiting once activation has
//! failed (`for !p.activated() && p.activateErr == nil`), which the port's fix does.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{chan, Backend, Cond, Mutex};
use std::sync::Arc;

zoo_entry! {
    /// The test waits for a plugin whose activation failed.
    pub struct Moby30408 {}
}

type Error = &'static str;

struct Plugin<B: Backend> {
    activate_wait: Cond<B>,
    /// Written before the plugin is shared; read under `activate_wait`'s lock.
    activate_err: Option<Error>,
    manifest: Option<Vec<String>>,
}

impl<B: Backend> Plugin<B> {
    fn wait_active(&self, fixed: bool) -> Option<Error> {
        self.activate_wait.locker().lock();
        while !self.activated() && (!fixed || self.activate_err.is_none()) {
            self.activate_wait.wait();
        }
        self.activate_wait.locker().unlock();
        self.activate_err
    }

    fn activated(&self) -> bool {
        self.manifest.is_some()
    }
}

fn test_active<B: Backend>(p: &Arc<Plugin<B>>, fixed: bool) {
    let (done_tx, done) = chan::bounded_in::<B, ()>(0);
    let p = Arc::clone(p);
    drop(B::spawn("wait-active", move || {
        p.wait_active(fixed);
        done_tx.close().expect("closed once");
    }));
    done.recv();
}

impl Scenario for Moby30408 {
    const NAME: &'static str = "goker::moby_30408";
    const INVARIANT: &'static str = "waiting for a plugin whose activation failed returns";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let p = Arc::new(Plugin::<B> {
            activate_wait: Cond::new(Arc::new(Mutex::new_in())),
            activate_err: Some("some junk happened"),
            manifest: None,
        });
        test_active(&p, self.variant == Variant::Correct);
    }
}

impl Mistake for Moby30408 {
    const CAUGHT_AS: FailureKind = FailureKind::Deadlock;
    const TRACE_SHOWS: &'static [&'static str] = &["wait cond (never returned)"];
    const DETERMINISTIC: bool = true;
}

impl Kernel for Moby30408 {
    const GOKER: Goker = Goker {
        project: "moby",
        id: 30408,
        class: Class::Blocking,
        kind: "Communication Deadlock",
        subtype: "Condition Variable",
    };
}
