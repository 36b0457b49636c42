//! GoKer `kubernetes_88331` (kubernetes PR #88331): the scheduling queue's background flush pops
//! its backoff heap under the queue's lock while the test reads the heap's length with no lock: a
//! data race.
//!
//! Ports `gobench/goker/nonblocking/kubernetes/88331/kubernetes88331_test.go` (GoBench:
//! traditional, data race). The test starts a goroutine and waits only for its first step, a
//! `Done`; the goroutine creates and runs a priority queue, whose `Run` starts `Until` on a
//! goroutine of its own: `Until` (through `JitterUntil` and `BackoffUntil`, which only pass the
//! call on) polls the queue's stop channel, calls `flushBackoffQCompleted`, which locks the queue
//! and pops the backoff heap (reslicing its `queue` slice), then waits for the stop channel.
//! Meanwhile the test's goroutine reads the backoff heap's `Len`, the length of the same slice,
//! without the queue's lock: nothing orders the read with the pop, and Go's race detector reports
//! them. The port keeps the slice in a `RaceCell` (the reslice is a write, `len` a read). Fix (the
//! upstream fix, GoReal's fixed commit): the test read-locks the queue around its reads of the
//! queue's heaps. The kernel's queue also has an `activeQ` heap, never used, left out.
//!
//! Deviation: Go's queue keeps its stop channel and nobody closes it, so the `Until` goroutine
//! stays blocked after the test returns, in the bug and in the fix alike; Go's test does not look
//! for it, but the harness reports it as a leak. The port's queue holds the channel's sending side
//! and `Until` only the receiving side, so the kit closes the channel when the test's goroutine
//! drops the queue, after its read: that orders nothing between the read and the pop; only on a
//! schedule where `Until` first polls the channel after the close does the flush not run at all.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, TryRecvError};
use patterns::{Backend, RaceCell, Receiver, RwMutex, Sender, WaitGroup};
use std::sync::Arc;

zoo_entry! {
    /// A test reads a priority queue's backoff heap while the queue's flush runs.
    pub struct Kubernetes88331 {}
}

struct Data<B: Backend> {
    /// `queue`, a plain slice (of empty structs).
    queue: RaceCell<Vec<()>, B>,
}

/// Go's `heap.Interface`, as far as the kernel uses it.
trait Interface {
    fn pop(&self);
}

impl<B: Backend> Interface for Data<B> {
    fn pop(&self) {
        // h.queue = h.queue[0 : len(h.queue)-1]
        self.queue
            .update(|queue| queue.pop().expect("slice bounds out of range"));
    }
}

/// `heap.Pop(h)`.
fn pop(h: &dyn Interface) {
    h.pop();
}

struct Heap<B: Backend> {
    data: Data<B>,
}

impl<B: Backend> Heap<B> {
    fn pop(&self) {
        pop(&self.data);
    }

    fn len(&self) -> usize {
        self.data.queue.read(Vec::len)
    }
}

fn new_with_recorder<B: Backend>() -> Heap<B> {
    Heap {
        data: Data {
            queue: RaceCell::new_in(vec![(), ()]),
        },
    }
}

/// What the flush shares with the test: the queue without its stop channel.
struct Queues<B: Backend> {
    /// `p.lock`.
    lock: RwMutex<(), B>,
    pod_backoff_q: Heap<B>,
}

impl<B: Backend> Queues<B> {
    fn flush_backoff_q_completed(&self) {
        let _locked = self.lock.write(); // released at the end: the deferred Unlock
        self.pod_backoff_q.pop();
    }
}

struct PriorityQueue<B: Backend> {
    /// `p.stop`: the sending side, which nobody closes (see the header).
    _stop: Sender<(), B>,
    stop_ch: Receiver<(), B>,
    queues: Arc<Queues<B>>,
}

impl<B: Backend> PriorityQueue<B> {
    fn run(&self) {
        let (queues, stop_ch) = (Arc::clone(&self.queues), self.stop_ch.clone());
        drop(B::spawn("until", move || {
            until(|| queues.flush_backoff_q_completed(), &stop_ch);
        }));
    }
}

fn new_priority_queue<B: Backend>() -> PriorityQueue<B> {
    let (stop, stop_ch) = chan::bounded_in::<B, ()>(0);
    PriorityQueue {
        _stop: stop,
        stop_ch,
        queues: Arc::new(Queues {
            lock: RwMutex::new_in(()),
            pod_backoff_q: new_with_recorder(),
        }),
    }
}

fn create_and_run_priority_queue<B: Backend>() -> PriorityQueue<B> {
    let q = new_priority_queue();
    q.run();
    q
}

fn backoff_until<B: Backend>(f: impl Fn(), stop_ch: &Receiver<(), B>) {
    // The kernel's select with a default: nothing is ever sent on `stop`.
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

impl Scenario for Kubernetes88331 {
    const NAME: &'static str = "goker::kubernetes_88331";
    // Unbounded, the fix ran past 90 s; a data race shows on any schedule that makes both accesses,
    // whatever its preemptions, so a bound of 2 loses little.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "the test's read of the backoff heap races with no pop";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let wg = WaitGroup::<B>::new_in();
        wg.add(1);
        let done = wg.clone();
        drop(B::spawn("test", move || {
            done.done();
            let p = create_and_run_priority_queue::<B>();
            // The fix's RLock around the read.
            let read_locked = fixed.then(|| p.queues.lock.read());
            let _ = p.queues.pod_backoff_q.len();
            drop(read_locked);
        }));
        wg.wait();
    }
}

impl Mistake for Kubernetes88331 {
    const CAUGHT_AS: FailureKind = FailureKind::DataRace;
    const TRACE_SHOWS: &'static [&'static str] = &["write cell", "data race"];
}

impl Kernel for Kubernetes88331 {
    const GOKER: Goker = Goker {
        project: "kubernetes",
        id: 88331,
        class: Class::NonBlocking,
        kind: "Traditional",
        subtype: "Data race",
    };
}
