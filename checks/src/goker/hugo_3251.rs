//! GoKer `hugo_3251` (hugo PR #3251): `URLLock` locks a URL's mutex while holding the lock of the
//! map of URL mutexes, and `URLUnlock` needs that map lock to release the URL's mutex (AB-BA).
//!
//! Ports `gobench/goker/blocking/hugo/3251/hugo3251_test.go` (GoBench: resource deadlock, AB-BA
//! deadlock). The test runs two rounds; each starts 50 goroutines that fetch a remote resource 10
//! times, sleeping 300 ns after each, and waits for them on a WaitGroup. A fetch locks the URL
//! (`URLLock`: the map's write lock, then the URL's mutex, then the map's unlock) and unlocks it
//! when it returns (`URLUnlock`: the map's read lock, the URL's mutex released, the read
//! unlock). When one goroutine holds the URL's mutex and another, holding the map's write lock,
//! waits for it, the first one's `URLUnlock` waits for the map's read lock: every goroutine ends
//! up blocked, and the test with them in its wait. The small instance (for loom) runs one round
//! of two goroutines that fetch once; the large one is the kernel's. Fix (the upstream fix,
//! hugo commit 79b34c2): `URLLock` releases the map's lock before locking the URL's mutex (the
//! port takes the URL's mutex out of the map under the lock, as upstream's later race fix does).

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{time, Backend, Mutex, RwMutex, WaitGroup};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

zoo_entry! {
    /// Goroutines fetch one remote resource over and over, each locking its URL.
    pub struct Hugo3251 {
        /// Rounds, each with its goroutines and its wait (the kernel has two).
        pub rounds: usize,
        /// Goroutines per round (the kernel has 50).
        pub goroutines: usize,
        /// Fetches per goroutine (the kernel has 10).
        pub fetches: usize,
    }
}

type Error = &'static str;

/// The kernel's global `remoteURLLock`: a `sync.RWMutex` over the map of URL mutexes.
struct RemoteLock<B: Backend> {
    m: RwMutex<HashMap<&'static str, Arc<Mutex<B>>>, B>,
}

impl<B: Backend> RemoteLock<B> {
    fn url_lock(&self, url: &'static str, fixed: bool) {
        let mut m = self.m.write(); // blocks here while a URL mutex waits under it
        let um = Arc::clone(m.entry(url).or_insert_with(|| Arc::new(Mutex::new_in())));
        if fixed {
            drop(m);
            um.lock();
        } else {
            um.lock(); // blocks here, holding the map's lock
            drop(m);
        }
    }

    fn url_unlock(&self, url: &'static str) {
        let m = self.m.read(); // blocks here while another holds the map's lock
        if let Some(um) = m.get(url) {
            um.unlock();
        }
        drop(m); // the deferred RUnlock
    }
}

fn res_get_remote<B: Backend>(
    remote_url_lock: &RemoteLock<B>,
    url: &'static str,
    fixed: bool,
) -> Result<(), Error> {
    remote_url_lock.url_lock(url, fixed);
    remote_url_lock.url_unlock(url); // the deferred URLUnlock
    Ok(())
}

impl Scenario for Hugo3251 {
    const NAME: &'static str = "goker::hugo_3251";
    // At 3 preemptions the fix passes in 84,163 schedules (4 s); at 2 in 4,503, the bug found at
    // #1,180.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "every fetch of the remote resource returns";
    broken_instances! {
        small: { rounds: 1, goroutines: 2, fetches: 1 },
        large: { rounds: 2, goroutines: 50, fetches: 10 },
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let remote_url_lock = Arc::new(RemoteLock::<B> {
            m: RwMutex::new_in(HashMap::new()),
        });
        let url = "http://Foo.Bar/foo_Bar-Foo";
        for _ in 0..self.rounds {
            let wg = WaitGroup::<B>::new_in();
            for gor in 0..self.goroutines {
                wg.add(1);
                let (wg, remote_url_lock) = (wg.clone(), Arc::clone(&remote_url_lock));
                let fetches = self.fetches;
                drop(B::spawn(&format!("get-remote-{gor}"), move || {
                    for _ in 0..fetches {
                        // The kernel formats the error and drops it.
                        let _ = res_get_remote(&remote_url_lock, url, fixed);
                        time::sleep::<B>(Duration::from_nanos(300));
                    }
                    wg.done(); // the deferred Done
                }));
            }
            wg.wait(); // blocks here
        }
    }
}

impl Mistake for Hugo3251 {
    const CAUGHT_AS: FailureKind = FailureKind::Deadlock;
    // One goroutine holds the URL's mutex; its read lock of the map never returns.
    const TRACE_SHOWS: &'static [&'static str] =
        &["lock mutex", "read lock rwmutex (never returned)"];
}

impl Kernel for Hugo3251 {
    const GOKER: Goker = Goker {
        project: "hugo",
        id: 3251,
        class: Class::Blocking,
        kind: "Resource Deadlock",
        subtype: "AB-BA deadlock",
    };
}
