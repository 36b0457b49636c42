//! GoKer `kubernetes_81148` (kubernetes PR #81148): the test backdates a pod's timestamp in the
//! scheduling queue's unschedulable map without the queue's lock, while the queue's background
//! flush reads that timestamp under the lock: a data race.
//!
//! Ports `gobench/goker/nonblocking/kubernetes/81148/kubernetes81148_test.go` (GoBench:
//! traditional, data race). The test starts a goroutine, waits for it, and closes the stop
//! channel. The goroutine makes a priority queue, whose `run` starts `Until` on a goroutine of
//! its own: `Until` (through `JitterUntil` and `BackoffUntil`, which only pass the call on) polls
//! the stop channel, calls `flushUnschedulableQLeftover`, which locks the queue and reads the
//! timestamp of every pod in its unschedulable map, then waits for the stop channel. Meanwhile the
//! goroutine adds a pod to the unschedulable map under the queue's lock (its info stamped with
//! the time), then, with no lock, looks the pod up and sets its timestamp a minute back. When the
//! flush finds the pod, its read of the timestamp and the test's write are ordered by nothing
//! (the lock orders the flush after the add, not after the later write): Go's race detector
//! reports them, and the port's `RaceCell` (the timestamp; the map is one too, a plain map whose
//! accesses here are all ordered or reads) fails the run as a data race. A flush that runs before
//! the add finds the map empty and reads no timestamp. Fix (the upstream fix, GoReal's fixed
//! commit): the test makes the pod's info, backdates it, and only then adds it under the lock,
//! so the lock orders the write before any read.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, TryRecvError};
use patterns::{Backend, RaceCell, Receiver, RwMutex, WaitGroup};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

zoo_entry! {
    /// A test backdates a pod in a priority queue whose flush runs in the background.
    pub struct Kubernetes81148 {}
}

const UNSCHEDULABLE_Q_TIME_INTERVAL: Duration = Duration::from_secs(60);

type Pod = String;

struct PodInfo<B: Backend> {
    pod: Pod,
    /// `Timestamp`, a plain field of the info the map points to.
    timestamp: RaceCell<Duration, B>,
}

struct UnschedulablePodsMap<B: Backend> {
    /// `podInfoMap`, a plain map of pointers to infos.
    pod_info_map: RaceCell<HashMap<String, Arc<PodInfo<B>>>, B>,
    key_func: fn(&Pod) -> String,
}

impl<B: Backend> UnschedulablePodsMap<B> {
    fn add_or_update(&self, p_info: PodInfo<B>) {
        let pod_id = (self.key_func)(&p_info.pod);
        self.pod_info_map
            .update(|m| m.insert(pod_id, Arc::new(p_info)));
    }
}

fn get_pod_full_name(pod: &Pod) -> String {
    pod.clone()
}

fn new_unschedulable_pods_map<B: Backend>() -> UnschedulablePodsMap<B> {
    UnschedulablePodsMap {
        pod_info_map: RaceCell::new_in(HashMap::new()),
        key_func: get_pod_full_name,
    }
}

struct PriorityQueue<B: Backend> {
    stop: Receiver<(), B>,
    /// `p.lock`, a `sync.RWMutex` only ever write-locked here.
    lock: RwMutex<(), B>,
    unschedulable_q: UnschedulablePodsMap<B>,
}

impl<B: Backend> PriorityQueue<B> {
    fn flush_unschedulable_q_leftover(&self) {
        let _locked = self.lock.write(); // released at the end: the deferred Unlock
        let leftover: Vec<Arc<PodInfo<B>>> = self
            .unschedulable_q
            .pod_info_map
            .read(|m| m.values().cloned().collect());
        for p_info in leftover {
            let _ = p_info.timestamp.get(); // the bug's read
        }
    }

    fn run(self: &Arc<Self>) {
        let p = Arc::clone(self);
        drop(B::spawn("until", move || {
            until(|| p.flush_unschedulable_q_leftover(), &p.stop);
        }));
    }

    fn new_pod_info(&self, pod: Pod) -> PodInfo<B> {
        PodInfo {
            pod,
            timestamp: RaceCell::new_in(B::now()),
        }
    }
}

fn new_priority_queue_with_clock<B: Backend>(stop: Receiver<(), B>) -> Arc<PriorityQueue<B>> {
    let pq = Arc::new(PriorityQueue {
        stop,
        lock: RwMutex::new_in(()),
        unschedulable_q: new_unschedulable_pods_map(),
    });
    pq.run();
    pq
}

fn new_priority_queue<B: Backend>(stop: Receiver<(), B>) -> Arc<PriorityQueue<B>> {
    new_priority_queue_with_clock(stop)
}

fn backoff_until<B: Backend>(f: impl Fn(), stop_ch: &Receiver<(), B>) {
    // The kernel's select with a default: nothing is ever sent on `stop`, it is only closed.
    match stop_ch.try_recv() {
        Ok(()) | Err(TryRecvError::Closed) => return,
        Err(TryRecvError::Empty) => {}
    }
    f();
    // A select of the one case `<-stopCh`, which returns: Go's `for` never comes round again.
    let _ = stop_ch.recv();
}

fn jitter_until<B: Backend>(f: impl Fn(), stop_ch: &Receiver<(), B>) {
    backoff_until(f, stop_ch);
}

fn until<B: Backend>(f: impl Fn(), stop_ch: &Receiver<(), B>) {
    jitter_until(f, stop_ch);
}

/// The kernel's helper: the pod's info is made, and stamped now, under the queue's lock.
fn add_or_update_unschedulable_pod<B: Backend>(p: &PriorityQueue<B>, pod: Pod) {
    let _locked = p.lock.write(); // released at the end: the deferred Unlock
    p.unschedulable_q.add_or_update(p.new_pod_info(pod));
}

/// The fix's helper: adds an info the test has made (and backdated) already.
fn add_or_update_unschedulable_pod_info<B: Backend>(p: &PriorityQueue<B>, p_info: PodInfo<B>) {
    let _locked = p.lock.write(); // released at the end: the deferred Unlock
    p.unschedulable_q.add_or_update(p_info);
}

impl Scenario for Kubernetes81148 {
    const NAME: &'static str = "goker::kubernetes_81148";
    // Unbounded, the fix ran past 90 s; a data race shows on any schedule that makes both accesses,
    // whatever its preemptions, so a bound of 2 loses little.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "the test's write of the pod's timestamp races with no read";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let (stop_tx, stop) = chan::bounded_in::<B, ()>(0);
        let wg = WaitGroup::<B>::new_in();
        wg.add(1);
        let done = wg.clone();
        drop(B::spawn("test", move || {
            let q = new_priority_queue::<B>(stop);
            let high_pod: Pod = "1".to_owned();
            let backdated = B::now().saturating_sub(UNSCHEDULABLE_Q_TIME_INTERVAL);
            if fixed {
                let high_pod_info = q.new_pod_info(high_pod);
                high_pod_info.timestamp.set(backdated);
                add_or_update_unschedulable_pod_info(&q, high_pod_info);
            } else {
                add_or_update_unschedulable_pod(&q, high_pod.clone());
                // No lock: the lookup reads the map, the assignment writes the timestamp.
                let p_info = q
                    .unschedulable_q
                    .pod_info_map
                    .read(|m| Arc::clone(&m[&get_pod_full_name(&high_pod)]));
                p_info.timestamp.set(backdated);
            }
            done.done(); // the deferred Done
        }));
        wg.wait();
        stop_tx.close().expect("closed once");
    }
}

impl Mistake for Kubernetes81148 {
    const CAUGHT_AS: FailureKind = FailureKind::DataRace;
    const TRACE_SHOWS: &'static [&'static str] = &["read cell", "write cell", "data race"];
}

impl Kernel for Kubernetes81148 {
    const GOKER: Goker = Goker {
        project: "kubernetes",
        id: 81148,
        class: Class::NonBlocking,
        kind: "Traditional",
        subtype: "Data race",
    };
}
