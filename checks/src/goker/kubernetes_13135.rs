//! GoKer `kubernetes_13135` (kubernetes PR #13135): the cacher's `startCaching` takes the cacher's
//! lock and then the watch cache's (in `Replace`), while an event takes the watch cache's lock and
//! then the cacher's (in the cacher's `processEvent`): once caching restarts, an event in between
//! deadlocks them (AB-BA).
//!
//! Ports `gobench/goker/blocking/kubernetes/13135/kubernetes13135_test.go` (GoBench: resource
//! deadlock, AB-BA deadlock). The test makes a cacher, which runs `startCaching` in a loop on a
//! goroutine until a stop channel closes and waits for the first `Replace`; then it adds an event
//! to the watch cache on a goroutine, closes the stop channel on another, and returns. When the
//! loop starts caching again and the event comes in between its two locks, both goroutines are
//! left blocked (a leak). Fix (the upstream fix): `startCaching` holds a lock of its own
//! (`usable`), released by the replace callback, and no longer the lock `processEvent` takes.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, TryRecvError};
use patterns::{time, Backend, Mutex, Once, Receiver, RwMutex, WaitGroup};
use std::sync::Arc;
use std::time::Duration;

zoo_entry! {
    /// A cacher is made; then its watch cache gets an event while the stop channel closes.
    pub struct Kubernetes13135 {}
}

type Error = &'static str;

type Callback = Box<dyn Fn() + Send + Sync>;

/// `wait.Until`: runs `f` every `period` until `stop` is closed.
fn until<B: Backend>(f: impl Fn(), period: Duration, stop: &Receiver<(), B>) {
    loop {
        // The kernel's select with a default: a receive that does not wait.
        match stop.try_recv() {
            Ok(()) | Err(TryRecvError::Closed) => return,
            Err(TryRecvError::Empty) => {}
        }
        f();
        // A period of 0: returns at once, as in Go.
        time::sleep::<B>(period);
        // Go's scheduler preempts a spinning goroutine; the model checkers need the yield.
        B::yield_now();
    }
}

#[derive(Default)]
struct Callbacks {
    on_replace: Option<Callback>,
    on_event: Option<Callback>,
}

/// The kernel's `WatchCache`, which embeds a `sync.RWMutex` and only ever write-locks it.
struct WatchCache<B: Backend> {
    callbacks: RwMutex<Callbacks, B>,
}

impl<B: Backend> WatchCache<B> {
    fn set_on_event(&self, on_event: Callback) {
        self.callbacks.write().on_event = Some(on_event);
    }

    fn set_on_replace(&self, on_replace: Callback) {
        self.callbacks.write().on_replace = Some(on_replace);
    }

    fn process_event(&self) {
        let callbacks = self.callbacks.write(); // lock B
        if let Some(on_event) = &callbacks.on_event {
            on_event();
        }
    }

    fn add(&self) {
        self.process_event();
    }

    fn replace(&self) {
        let callbacks = self.callbacks.write(); // lock B
        if let Some(on_replace) = &callbacks.on_replace {
            on_replace();
        }
    }
}

struct Reflector<B: Backend> {
    store: Arc<WatchCache<B>>,
}

impl<B: Backend> Reflector<B> {
    fn list_and_watch(&self, _stop: &Receiver<(), B>) -> Result<(), Error> {
        self.sync_with();
        Ok(())
    }

    fn sync_with(&self) {
        self.store.replace();
    }
}

/// What of the cacher its watch cache's callbacks reach (Go's callbacks hold the whole cacher;
/// holding only this part keeps the port free of a reference cycle).
struct CacherLocks<B: Backend> {
    /// The lock the kernel's cacher embeds.
    mu: Mutex<B>,
    /// The fix's lock, held while caching starts.
    usable: Mutex<B>,
    initialized: WaitGroup<B>,
    init_once: Once<B>,
    fixed: bool,
}

impl<B: Backend> CacherLocks<B> {
    fn process_event(&self) {
        self.mu.lock(); // lock A
        self.mu.unlock();
    }

    /// The lock `startCaching` takes and the replace callback releases.
    fn caching_lock(&self) -> &Mutex<B> {
        if self.fixed {
            &self.usable
        } else {
            &self.mu
        }
    }
}

struct Cacher<B: Backend> {
    locks: Arc<CacherLocks<B>>,
    watch_cache: Arc<WatchCache<B>>,
    reflector: Reflector<B>,
}

impl<B: Backend> Cacher<B> {
    fn start_caching(&self, stop: &Receiver<(), B>) {
        // Released by the replace callback, not here.
        self.locks.caching_lock().lock(); // lock A
        while self.reflector.list_and_watch(stop).is_err() {}
    }
}

fn new_cacher<B: Backend>(stop: Receiver<(), B>, fixed: bool) -> Arc<Cacher<B>> {
    let watch_cache = Arc::new(WatchCache {
        callbacks: RwMutex::new_in(Callbacks::default()),
    });
    let cacher = Arc::new(Cacher {
        locks: Arc::new(CacherLocks {
            mu: Mutex::new_in(),
            usable: Mutex::new_in(),
            initialized: WaitGroup::new_in(),
            init_once: Once::new_in(),
            fixed,
        }),
        watch_cache: Arc::clone(&watch_cache),
        reflector: Reflector { store: watch_cache },
    });
    cacher.locks.initialized.add(1);
    let locks = Arc::clone(&cacher.locks);
    cacher.watch_cache.set_on_replace(Box::new(move || {
        locks.init_once.call(|| locks.initialized.done());
        locks.caching_lock().unlock();
    }));
    let locks = Arc::clone(&cacher.locks);
    cacher
        .watch_cache
        .set_on_event(Box::new(move || locks.process_event()));
    let caching = Arc::clone(&cacher);
    drop(B::spawn("until", move || {
        until::<B>(|| caching.start_caching(&stop), Duration::ZERO, &stop)
    }));
    cacher.locks.initialized.wait();
    cacher
}

impl Scenario for Kubernetes13135 {
    const NAME: &'static str = "goker::kubernetes_13135";
    // Unbounded, the fix's polling loop ran loom past its 255 preemptions per schedule (loom's
    // own overflow panic at schedule #166,137, 45 s); at 2 it passes in 634 schedules. The bug
    // needs one preemption (the event's goroutine, holding the watch cache's lock, preempted
    // before it takes the cacher's).
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "the caching loop and the event's goroutine finish";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let (stop_tx, stop) = chan::bounded_in::<B, ()>(0);
        let c = new_cacher(stop, self.variant == Variant::Correct);
        let watch_cache = Arc::clone(&c.watch_cache);
        drop(B::spawn("add", move || watch_cache.add()));
        drop(B::spawn("close-stop", move || {
            stop_tx.close().expect("closed once")
        }));
    }
}

impl Mistake for Kubernetes13135 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    // The cacher's lock (mutex), then the watch cache's (rwmutex), by the caching loop.
    const TRACE_SHOWS: &'static [&'static str] =
        &["lock mutex", "lock rwmutex", "(never returned)"];
}

impl Kernel for Kubernetes13135 {
    const GOKER: Goker = Goker {
        project: "kubernetes",
        id: 13135,
        class: Class::Blocking,
        kind: "Resource Deadlock",
        subtype: "AB-BA deadlock",
    };
}
