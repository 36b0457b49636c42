//! GoKer `serving_6472` (knative serving PR #6472): `IsReady` adds to its ingress state's pending
//! count after it has queued the state's work item, so a prober worker that already took the item
//! decrements the count at the same time: a data race.
//!
//! Ports `gobench/goker/nonblocking/serving/6472/serving6472_test.go` (GoBench: traditional, data
//! race). The test makes a prober whose work queue (a slice guarded by its condition's lock)
//! holds one work item, starts it (two workers, each taking one item off the queue, if any, and
//! decrementing the item's ingress state's `pendingCount` with `atomic.AddInt32`, plus a
//! goroutine that closes the returned channel once both workers are done), calls `IsReady`, sleeps
//! 1 ms, and in its deferred function closes its `done` channel and waits for that channel.
//! `IsReady` makes a new ingress state, groups one work item for it by IP (a map with one key),
//! queues the item, and only then adds the number of IPs to the state's `pendingCount` with a
//! plain `+=`. When a worker takes that item after `IsReady` queued it, the queue's lock orders
//! the queueing before the worker's decrement, but nothing orders the `+=` after it: a plain
//! access against an atomic one of the same variable, a data race, which the race detector
//! reports whichever runs first (the count is a `RaceCell` here). The kit's `RaceCell` knows no
//! atomic access, so the worker's `atomic.AddInt32` is a write of the cell; no run has two atomic
//! accesses of one state (each item has its own, and only one worker takes it), so this reports
//! nothing the race detector would not. Fix (the upstream fix): `IsReady` sets `pendingCount` to
//! the number of IPs before it queues any work item. The kernel's delaying and rate-limiting
//! queue layers only forward to the queue and are left out; so is its commented-out goroutine.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{chan, time, Backend, Cond, Mutex, RaceCell, Receiver, WaitGroup};
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

zoo_entry! {
    /// A prober's two workers take work items off its queue while `IsReady` queues one more.
    pub struct Serving6472 {}
}

struct IngressState<B: Backend> {
    /// Plain shared data: `updateStates` decrements it atomically, the bug's `IsReady` adds to it
    /// without.
    pending_count: RaceCell<i32, B>,
}

impl<B: Backend> IngressState<B> {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            pending_count: RaceCell::new_in(0),
        })
    }
}

struct WorkItem<B: Backend> {
    ingress_state: Arc<IngressState<B>>,
}

/// The work queue (client-go's `workqueue.Type`, trimmed): a slice guarded by its condition's
/// lock.
struct Queue<B: Backend> {
    /// Guarded by `cond`'s lock.
    queue: RaceCell<VecDeque<Arc<WorkItem<B>>>, B>,
    cond: Cond<B>,
}

impl<B: Backend> Queue<B> {
    fn new() -> Self {
        Self {
            queue: RaceCell::new_in(VecDeque::new()),
            cond: Cond::new(Arc::new(Mutex::new_in())),
        }
    }

    /// The oldest item, or `None` (Go's nil) if the queue is empty.
    fn get(&self) -> Option<Arc<WorkItem<B>>> {
        self.cond.locker().lock();
        let item = self.queue.update(VecDeque::pop_front);
        self.cond.locker().unlock(); // the deferred unlock
        item
    }

    fn add(&self, item: Arc<WorkItem<B>>) {
        self.cond.locker().lock();
        self.queue.update(|queue| queue.push_back(item));
        self.cond.locker().unlock(); // the deferred unlock
    }
}

struct Prober<B: Backend> {
    work_queue: Queue<B>,
}

impl<B: Backend> Prober<B> {
    fn is_ready(&self, fixed: bool) {
        let mut work_items: BTreeMap<&str, Vec<Arc<WorkItem<B>>>> = BTreeMap::new();
        let ingress_state = IngressState::<B>::new();
        let wi = Arc::new(WorkItem {
            ingress_state: Arc::clone(&ingress_state),
        });
        work_items.entry("0").or_default().push(wi);
        let ips = i32::try_from(work_items.len()).expect("a handful of IPs");
        if fixed {
            // The fix: the count is set before any of its work items is queued.
            ingress_state.pending_count.set(ips);
        }
        for ip_work_items in work_items.values() {
            for wi in ip_work_items {
                self.work_queue.add(Arc::clone(wi));
            }
        }
        if !fixed {
            // races with a worker's decrement of the item it took
            ingress_state.pending_count.update(|count| *count += ips);
        }
    }

    fn process_work_item(&self) {
        let Some(item) = self.work_queue.get() else {
            return;
        };
        self.update_states(&item.ingress_state);
    }

    fn update_states(&self, ingress_state: &IngressState<B>) {
        // Go's `atomic.AddInt32(&pendingCount, -1) == 0`, whose branch is empty.
        let _all_probed = ingress_state.pending_count.update(|count| {
            *count -= 1;
            *count == 0
        });
    }

    fn start(self: &Arc<Self>) -> Receiver<(), B> {
        let wg = WaitGroup::<B>::new_in();
        for i in 0..2 {
            wg.add(1);
            let (m, worker_done) = (Arc::clone(self), wg.clone());
            drop(B::spawn(&format!("process-work-item-{i}"), move || {
                m.process_work_item();
                worker_done.done(); // the deferred wg.Done()
            }));
        }
        let (ch_tx, ch) = chan::bounded_in::<B, ()>(0);
        drop(B::spawn("close-when-done", move || {
            wg.wait();
            ch_tx.close().expect("closed once");
        }));
        ch
    }
}

fn new_prober<B: Backend>() -> Prober<B> {
    let work_queue = Queue::new();
    work_queue.add(Arc::new(WorkItem {
        ingress_state: IngressState::new(),
    }));
    Prober { work_queue }
}

impl Scenario for Serving6472 {
    const NAME: &'static str = "goker::serving_6472";
    // Unbounded, the fix ran past 90 s; a data race shows on any schedule that makes both accesses,
    // whatever its preemptions, so a bound of 2 loses little.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str =
        "IsReady's update of the pending count does not race with a worker's decrement";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let prober = Arc::new(new_prober::<B>());
        let (done_tx, _done) = chan::bounded_in::<B, ()>(0);
        let cancelled = prober.start();
        prober.is_ready(fixed);
        time::sleep::<B>(Duration::from_millis(1));
        // The deferred function.
        done_tx.close().expect("closed once");
        cancelled.recv();
    }
}

impl Mistake for Serving6472 {
    const CAUGHT_AS: FailureKind = FailureKind::DataRace;
    // IsReady's `+=` and the worker's decrement, in either order: the second one is the race.
    const TRACE_SHOWS: &'static [&'static str] = &["write cell", "write cell", "data race"];
}

impl Kernel for Serving6472 {
    const GOKER: Goker = Goker {
        project: "serving",
        id: 6472,
        class: Class::NonBlocking,
        kind: "Traditional",
        subtype: "Data race",
    };
}
