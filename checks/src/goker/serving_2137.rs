//! GoKer `serving_2137` (knative serving PR #2137): the breaker test's second request can take the
//! breaker's only active slot before the first, and then blocks on its own request lock, which
//! the test releases only after the first request, stuck waiting for that slot, has finished.
//!
//! Ports `gobench/goker/blocking/serving/2137/serving2137_test.go` (GoBench: mixed deadlock,
//! channel & lock). The test makes a breaker with a pending queue of two and an active queue of
//! one (buffered channels of tokens), makes two concurrent requests, and unlocks them in order.
//! Each request locks its own mutex and starts a goroutine that, once running, calls the
//! breaker's `Maybe` with a thunk that locks that mutex (and so waits until the test unlocks it),
//! then reports whether the breaker accepted it on a channel with a buffer of one; the test
//! unlocks each request and waits for its report. When the second request's goroutine takes the
//! active slot first, it blocks on its lock, the first one's blocks on the full active queue, and
//! the test waits for the first one's report: the whole program blocks. Fix (the upstream fix,
//! in the test): `concurrentRequest` drops its `runtime.Gosched` and returns only once its
//! request holds an active slot, waits in the pending queue, or is rejected, which it tells by
//! polling the queues' lengths. Upstream polls every millisecond and panics after 100 ms; under
//! the checkers' virtual clock that limit can pass before the request's goroutine runs at all,
//! so the port polls with a yield and no limit, as a polling loop must for the model checkers.

use super::{Class, Goker, Kernel};
use crate::harness::{CheckerKind, FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, Select, Selected, SendArm};
use patterns::{Backend, Mutex, Receiver, Sender, WaitGroup};
use std::sync::Arc;

zoo_entry! {
    /// Two concurrent requests go through a breaker with one active slot.
    pub struct Serving2137 {}
}

#[derive(Clone, Copy, Debug)]
struct Token;

/// The breaker's two queues, both ends of each (Go's channels).
struct Breaker<B: Backend> {
    pending_tx: Sender<Token, B>,
    pending_requests: Receiver<Token, B>,
    active_tx: Sender<Token, B>,
    active_requests: Receiver<Token, B>,
}

impl<B: Backend> Breaker<B> {
    fn new(queue_depth: usize, max_concurrency: usize) -> Self {
        let (pending_tx, pending_requests) = chan::bounded_in(queue_depth + max_concurrency);
        let (active_tx, active_requests) = chan::bounded_in(max_concurrency);
        Self {
            pending_tx,
            pending_requests,
            active_tx,
            active_requests,
        }
    }

    fn maybe(&self, thunk: impl FnOnce()) -> bool {
        let queued = {
            let mut pending = SendArm::new(&self.pending_tx, Token);
            Select::new().send(&mut pending).or_default().wait()
        };
        if queued == Selected::Default {
            // The pending queue is full: the request fails.
            return false;
        }
        // Waits for a place in the active queue.
        let _ = self.active_tx.send(Token); // blocks here while the other request holds it
        thunk();
        // The deferred release of both queues.
        self.active_requests.recv();
        self.pending_requests.recv();
        true
    }

    fn concurrent_request(self: &Arc<Self>, n: usize, fixed: bool) -> Request<B> {
        if !fixed {
            // The kernel's `runtime.Gosched`, which the fix removes.
            B::yield_now();
        }
        let (accepted_tx, accepted) = chan::bounded_in(1);
        let r = Request {
            lock: Arc::new(Mutex::new_in()),
            accepted_tx,
            accepted,
        };
        r.lock.lock();
        // The fix's deferred wait, its queue and length taken now, as Go evaluates a deferred
        // call's arguments.
        let expected = fixed.then(|| self.expected_outcome());
        let start = WaitGroup::<B>::new_in();
        start.add(1);
        let (b, lock, accepted_tx, started) = (
            Arc::clone(self),
            Arc::clone(&r.lock),
            r.accepted_tx.clone(),
            start.clone(),
        );
        drop(B::spawn(&format!("request-{n}"), move || {
            started.done();
            let ok = b.maybe(|| {
                lock.lock(); // blocks here until the test unlocks the request
                lock.unlock();
            });
            let _ = accepted_tx.send(ok);
        }));
        start.wait();
        match expected {
            Some(Expected::Performed(size)) => wait_for_queue(&self.active_tx, size),
            Some(Expected::Queued(size)) => wait_for_queue(&self.pending_tx, size),
            Some(Expected::Rejected) => r.wait(),
            None => {}
        }
        r
    }

    /// The fix's expectation of a new request, from the queues' lengths.
    fn expected_outcome(&self) -> Expected {
        if self.active_tx.len() < self.active_tx.capacity() {
            Expected::Performed(self.active_tx.len() + 1)
        } else if self.pending_tx.len() < self.pending_tx.capacity() {
            Expected::Queued(self.pending_tx.len() + 1)
        } else {
            Expected::Rejected
        }
    }

    fn concurrent_requests(self: &Arc<Self>, n: usize, fixed: bool) -> Vec<Request<B>> {
        (0..n).map(|i| self.concurrent_request(i, fixed)).collect()
    }
}

/// What the fix expects of a new request: the length its queue reaches, or a rejection.
enum Expected {
    Performed(usize),
    Queued(usize),
    Rejected,
}

/// The fix's `waitForQueue`: polls until `queue` holds `size` tokens.
fn wait_for_queue<B: Backend>(queue: &Sender<Token, B>, size: usize) {
    while queue.len() != size {
        B::yield_now();
    }
}

struct Request<B: Backend> {
    lock: Arc<Mutex<B>>,
    /// The report channel (a buffer of one), both ends.
    accepted_tx: Sender<bool, B>,
    accepted: Receiver<bool, B>,
}

impl<B: Backend> Request<B> {
    /// Waits for the request's report and puts it back for the next reader (the fix names it
    /// `wait`; the kernel's `unlock` does the same inline).
    fn wait(&self) {
        // Never closed: a closed channel would give Go's zero value.
        let ok = self.accepted.recv().unwrap_or_default();
        let _ = self.accepted_tx.send(ok);
    }
}

fn unlock<B: Backend>(req: &Request<B>) {
    req.lock.unlock();
    req.wait(); // blocks here, for the first request
}

fn unlock_all<B: Backend>(requests: &[Request<B>]) {
    for lc in requests {
        unlock(lc);
    }
}

impl Scenario for Serving2137 {
    const NAME: &'static str = "goker::serving_2137";
    // The fix's polling loops need a bound, as kubernetes_13135's does. The bug needs three
    // preemptions here (loom's 2 miss it in 452 schedules): at 3 it fails at schedule #4,424 and
    // the fix passes in 6,172.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(3);
    const INVARIANT: &'static str = "both requests are accepted and the test returns";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let b = Arc::new(Breaker::<B>::new(1, 1));
        let locks = b.concurrent_requests(2, fixed);
        unlock_all(&locks);
    }
}

impl Mistake for Serving2137 {
    const CAUGHT_AS: FailureKind = FailureKind::Deadlock;
    const TRACE_SHOWS: &'static [&'static str] = &["select", "send chan", "(never returned)"];
    // shuttle's random walk needs 961 schedules (seed 24301), past the tests' 300; PCT finds it
    // at schedule #5.
    const MISSED_BY: &'static [CheckerKind] = &[CheckerKind::ShuttleRandom];
}

impl Kernel for Serving2137 {
    const GOKER: Goker = Goker {
        project: "serving",
        id: 2137,
        class: Class::Blocking,
        kind: "Mixed Deadlock",
        subtype: "Channel & Lock",
    };
}
