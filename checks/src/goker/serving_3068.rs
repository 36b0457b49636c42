//! GoKer `serving_3068` (knative serving PR #3068): the worker pool's `Wait` closes the work
//! channel at once, while a goroutine is still handing the pool work with `Go`, whose send on the
//! closed channel panics.
//!
//! Ports `gobench/goker/nonblocking/serving/3068/serving3068_test.go` (GoBench: go-specific,
//! misuse channel). The test makes a pool of one worker over a work channel with a buffer of
//! five (the worker runs each function it receives, then marks it done on the pool's WaitGroup),
//! and starts a goroutine that, five times, hands the pool a function (`Go`: add one to the
//! WaitGroup, send the function) that atomically counts its run, sleeps 10 ms and marks the item
//! done on the test's WaitGroup; meanwhile the test calls the pool's `Wait`, which, once, closes
//! the work channel and starts a goroutine waiting on the pool's WaitGroup, and then waits for
//! the goroutine's items. Any `Go` after the close sends on a closed channel: Go panics ("send on
//! closed channel", GoBench's report), here the send's `expect`. Schedules where every item is
//! handed over before the close pass. Fix (the upstream resolution): serving PR #3068 added a guard (a
//! done channel, closed by `Wait`, that `Go` checks before it sends), but a close can still fall
//! between the check and the send; serving PR #3262 removed that guard as a false safeguard and made it
//! the pool's contract that every `Go` returns before `Wait` is called. The port's test follows
//! it: it waits for its goroutine's items before calling `Wait`. The test's last check (an error
//! if all the items ran, read without the atomic) is left out: it holds only on real time, the
//! goroutine's 10 ms sleeps keeping it behind the close, where the models' virtual clock lets the
//! goroutine finish first, and under the fix every item runs (serving PR #3262 also dropped a pool test
//! that called `Go` and `Wait` concurrently). The small instance hands over two items instead of
//! five (five threads: the test, the worker, the goroutine, the pool's waiting goroutine and the
//! timer thread).

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{chan, time, Atomic, AtomicInt, Backend, Once, Sender, WaitGroup};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

zoo_entry! {
    /// A goroutine hands a pool of one worker its work while the test waits on the pool.
    pub struct Serving3068 {
        /// Items the test's goroutine hands the pool (the kernel has five).
        pub items: usize,
    }
}

/// A function the pool runs.
type Work = Box<dyn FnOnce() + Send>;

/// The pool's workers and the work channel's buffer, as the test makes the pool.
const WORKERS: usize = 1;
const CAPACITY: usize = 5;

/// The kernel's `impl` of the pool's `Interface`.
struct Pool<B: Backend> {
    wg: WaitGroup<B>,
    work_ch: Sender<Work, B>,
    once: Once<B>,
}

fn new_with_capacity<B: Backend>(workers: usize, capacity: usize) -> Arc<Pool<B>> {
    let (work_ch, work) = chan::bounded_in::<B, Work>(capacity);
    let pool = Arc::new(Pool {
        wg: WaitGroup::new_in(),
        work_ch,
        once: Once::new_in(),
    });
    for idx in 0..workers {
        let (wg, work) = (pool.wg.clone(), work.clone());
        drop(B::spawn(&format!("worker-{idx}"), move || {
            for w in &work {
                w();
                wg.done(); // deferred
            }
        }));
    }
    pool
}

impl<B: Backend> Pool<B> {
    fn go(&self, w: Work) {
        self.wg.add(1);
        self.work_ch.send(w).expect("send on closed channel");
    }

    fn wait(&self) {
        self.once.call(|| {
            self.work_ch.close().expect("closed once");
            let wg = self.wg.clone();
            drop(B::spawn("pool-wait", move || wg.wait()));
        });
    }
}

impl Scenario for Serving3068 {
    const NAME: &'static str = "goker::serving_3068";
    // Bounded like the other kernels with timers (`kubernetes_5316`), before any measurement of
    // this one.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "no work is sent on the closed work channel";
    broken_instances! {
        small: { items: 2 },
        large: { items: 5 },
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let p = new_with_capacity::<B>(WORKERS, CAPACITY);
        let wg = WaitGroup::<B>::new_in();
        let cnt_executed = Arc::new(B::AtomicUsize::new(0));
        let n = self.items;
        wg.add(n as i64);
        let (pool, done) = (Arc::clone(&p), wg.clone());
        drop(B::spawn("producer", move || {
            for _ in 0..n {
                let cnt_executed = Arc::clone(&cnt_executed);
                pool.go(Box::new(move || {
                    cnt_executed.fetch_add(1, Ordering::SeqCst);
                }));
                time::sleep::<B>(Duration::from_millis(10));
                done.done();
            }
        }));
        if fixed {
            // Every `Go` has returned before `Wait`.
            wg.wait();
            p.wait();
        } else {
            p.wait();
            wg.wait();
        }
    }
}

impl Mistake for Serving3068 {
    const CAUGHT_AS: FailureKind = FailureKind::Panic;
    // The close runs inside the `Once`, whose step the trace shows.
    const TRACE_SHOWS: &'static [&'static str] =
        &["once", "send chan → closed", "send on closed channel"];
}

impl Kernel for Serving3068 {
    const GOKER: Goker = Goker {
        project: "serving",
        id: 3068,
        class: Class::NonBlocking,
        kind: "Go-Specific",
        subtype: "Misuse channel",
    };
}
