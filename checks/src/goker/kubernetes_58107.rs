//! GoKer `kubernetes_58107` (kubernetes PR #58107): the resource quota controller's workers wait
//! for work on their queues while holding the worker lock's read lock, so `Sync`'s write lock
//! waits for an idle worker, and a worker arriving meanwhile waits behind it until the signals
//! its queue gets have come and gone.
//!
//! Ports `gobench/goker/blocking/kubernetes/58107/kubernetes58107_test.go` (GoBench: resource
//! deadlock, RWR deadlock). The test starts the controller's `Run` on a goroutine (which starts
//! one worker per queue, G1 and G2, each taking one item and returning), `Sync` on another (G3:
//! 100,000 rounds of write-locking the worker lock around a 1 ns sleep), and signals both queues
//! 100,000 times itself before it returns. A worker read-locks the worker lock and then waits on
//! its queue's condition, which is all the kernel's queue is: a signal is not remembered, so a
//! worker that waits after its queue's last signal waits forever, holding the read lock; `Sync`
//! then waits for the write lock forever, and the other worker, if it has not read-locked yet,
//! waits behind `Sync` (a leak). A worker held back by `Sync`'s waiting write lock while the
//! signals go by is how the read lock makes the worker miss them. The small instance, for loom,
//! runs one round of each loop and skips `Sync`'s sleep (a sleep needs the timer thread, which
//! would be a sixth thread); the large instance runs ten rounds of each, with the sleep.
//!
//! Fix: the upstream fix (the kernel's header), a worker takes its item from the queue before it
//! read-locks the worker lock, so `Sync` never waits for an idle worker. With the kernel's queue
//! that alone still loses every signal sent before a worker waits (a worker that starts after
//! the test's last signal waits forever whatever it locks); the queue the upstream code uses
//! keeps its items, `Put` adding one under the condition's lock and `Get` waiting only while
//! there is none. The port's fix does both, so that it passes on every schedule.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{time, Atomic, AtomicInt, Backend, Cond, Mutex, RwMutex};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

zoo_entry! {
    /// A resource quota controller's two workers wait on their queues while its sync takes the
    /// worker lock and the test signals the queues.
    pub struct Kubernetes58107 {
        /// Rounds of `Sync`'s loop (the kernel has 100,000).
        pub syncs: usize,
        /// Rounds of the test's signalling loop (the kernel has 100,000).
        pub signals: usize,
        /// Nanoseconds `Sync` sleeps holding the write lock (the kernel's 1; 0 skips the sleep).
        pub sleep_nanos: u64,
    }
}

/// The kernel's queue (`Type`): only a condition variable.
struct Type<B: Backend> {
    cond: Cond<B>,
    /// The fix's items, which the queue the upstream code uses keeps and the kernel's does not.
    /// Relaxed: read and written under the condition's lock.
    items: B::AtomicUsize,
    /// Whether the fix runs.
    fixed: bool,
}

impl<B: Backend> Type<B> {
    fn new(fixed: bool) -> Self {
        Self {
            cond: Cond::new(Arc::new(Mutex::new_in())),
            items: B::AtomicUsize::new(0),
            fixed,
        }
    }

    fn get(&self) {
        self.cond.locker().lock();
        if self.fixed {
            while self.items.load(Ordering::Relaxed) == 0 {
                self.cond.wait();
            }
            self.items.fetch_sub(1, Ordering::Relaxed);
        } else {
            self.cond.wait(); // blocks here once the queue's last signal has gone by
        }
        self.cond.locker().unlock(); // the deferred unlock
    }

    fn put(&self) {
        if self.fixed {
            self.cond.locker().lock();
            self.items.fetch_add(1, Ordering::Relaxed);
            self.cond.signal();
            self.cond.locker().unlock();
        } else {
            self.cond.signal();
        }
    }
}

struct ResourceQuotaController<B: Backend> {
    worker_lock: RwMutex<(), B>,
    queue: Type<B>,
    missing_usage_queue: Type<B>,
    /// Whether the fix runs.
    fixed: bool,
}

impl<B: Backend> ResourceQuotaController<B> {
    /// The function `worker` returns, run.
    fn worker(&self, queue: &Type<B>) {
        loop {
            if self.work_func(queue) {
                return;
            }
        }
    }

    fn work_func(&self, queue: &Type<B>) -> bool {
        if self.fixed {
            queue.get();
            let _held = self.worker_lock.read();
            return true;
        }
        let _held = self.worker_lock.read(); // blocks here while Sync waits to write
        queue.get(); // waits holding the read lock
        true
    }

    fn run(self: &Arc<Self>) {
        let rq = Arc::clone(self);
        drop(B::spawn("worker-G1", move || rq.worker(&rq.queue)));
        let rq = Arc::clone(self);
        drop(B::spawn("worker-G2", move || {
            rq.worker(&rq.missing_usage_queue)
        }));
    }

    fn sync(&self, syncs: usize, sleep: Duration) {
        for _ in 0..syncs {
            let held = self.worker_lock.write(); // blocks here while a worker waits
            time::sleep::<B>(sleep);
            drop(held);
        }
    }

    fn helper_signals(&self, signals: usize) {
        for _ in 0..signals {
            self.queue.put();
            self.missing_usage_queue.put();
        }
    }
}

fn start_resource_quota_controller<B: Backend>(
    syncs: usize,
    signals: usize,
    sleep: Duration,
    fixed: bool,
) {
    let resource_quota_controller = Arc::new(ResourceQuotaController::<B> {
        worker_lock: RwMutex::new_in(()),
        queue: Type::new(fixed),
        missing_usage_queue: Type::new(fixed),
        fixed,
    });
    let running = Arc::clone(&resource_quota_controller);
    drop(B::spawn("run", move || running.run()));
    let syncing = Arc::clone(&resource_quota_controller);
    drop(B::spawn("sync-G3", move || syncing.sync(syncs, sleep)));
    resource_quota_controller.helper_signals(signals);
}

impl Scenario for Kubernetes58107 {
    const NAME: &'static str = "goker::kubernetes_58107";
    // Five threads, two conditions and a reader-writer lock: the fix's schedules are many. The
    // bug needs no preemption: the test's signals go by before a worker waits.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "both workers and Sync finish";
    broken_instances! {
        small: { syncs: 1, signals: 1, sleep_nanos: 0 },
        large: { syncs: 10, signals: 10, sleep_nanos: 1 },
    }
    fn run<B: Backend>(&self) {
        start_resource_quota_controller::<B>(
            self.syncs,
            self.signals,
            Duration::from_nanos(self.sleep_nanos),
            self.variant == Variant::Correct,
        );
    }
}

impl Mistake for Kubernetes58107 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    // A worker read-locks, then waits on a condition whose signals have gone by.
    const TRACE_SHOWS: &'static [&'static str] =
        &["read lock rwmutex", "wait cond", "(never returned)"];
}

impl Kernel for Kubernetes58107 {
    const GOKER: Goker = Goker {
        project: "kubernetes",
        id: 58107,
        class: Class::Blocking,
        kind: "Resource Deadlock",
        subtype: "RWR deadlock",
    };
}
