//! GoKer `kubernetes_81091` (kubernetes PR #81091): the scheduler runs its filter plugins on
//! several nodes in parallel, and the test's fake filter plugin counts its calls in a plain
//! integer that the parallel workers increment with no lock: a data race.
//!
//! Ports `gobench/goker/nonblocking/kubernetes/81091/kubernetes81091_test.go` (GoBench:
//! traditional, data race). The test starts a goroutine and waits for it; the goroutine makes a
//! framework holding one `FakeFilterPlugin` and a generic scheduler over it, and schedules:
//! `findNodesThatFit` runs `ParallelizeUntil` with two workers over two pieces (nodes). That fills
//! a channel of two slots with the pieces, closes it, starts two workers that each take pieces
//! from it until it is drained, and waits for them on a WaitGroup. For each piece a worker runs
//! the framework's filter plugins, and the fake plugin's `Filter` increments `numFilterCalled`.
//! When each worker takes one piece, the two increments are ordered by nothing (each worker's
//! receive is ordered after the sends, not after the other worker's increment): Go's race
//! detector reports the read and write of the counter, and the port's `RaceCell` fails the run
//! as a data race. When one worker takes both pieces, the increments are on one goroutine and
//! nothing races. Fix (the upstream fix, GoReal's fixed commit): the counter is an `int32`
//! incremented with `atomic.AddInt32`. The kernel's `stop` channel is nil, so the worker's select
//! on it always takes its default; the port calls the work directly.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{chan, Atomic, AtomicInt, Backend, RaceCell, WaitGroup};
use std::sync::atomic::Ordering;
use std::sync::Arc;

zoo_entry! {
    /// A scheduler runs its fake filter plugin on two nodes in parallel.
    pub struct Kubernetes81091 {}
}

/// `numFilterCalled`: a plain `int` in the bug, an `int32` under `atomic.AddInt32` in the fix.
enum FilterCount<B: Backend> {
    Plain(RaceCell<usize, B>),
    Atomic(B::AtomicUsize),
}

struct FakeFilterPlugin<B: Backend> {
    num_filter_called: FilterCount<B>,
}

/// Go's `FilterPlugin` interface.
trait FilterPlugin: Send + Sync {
    fn filter(&self);
}

impl<B: Backend> FilterPlugin for FakeFilterPlugin<B> {
    fn filter(&self) {
        match &self.num_filter_called {
            FilterCount::Plain(count) => count.update(|n| *n += 1), // fp.numFilterCalled++
            FilterCount::Atomic(count) => {
                count.fetch_add(1, Ordering::SeqCst);
            }
        }
    }
}

struct Framework {
    filter_plugins: Vec<Box<dyn FilterPlugin>>,
}

impl Framework {
    fn run_filter_plugins(&self) {
        for pl in &self.filter_plugins {
            pl.filter();
        }
    }
}

fn new_framework<B: Backend>(fixed: bool) -> Framework {
    let num_filter_called = if fixed {
        FilterCount::Atomic(B::AtomicUsize::new(0))
    } else {
        FilterCount::Plain(RaceCell::new_in(0))
    };
    let plugin: Box<dyn FilterPlugin> = Box::new(FakeFilterPlugin::<B> { num_filter_called });
    Framework {
        filter_plugins: vec![plugin],
    }
}

struct GenericScheduler {
    framework: Framework,
}

impl GenericScheduler {
    fn find_nodes_that_fit<B: Backend>(self: &Arc<Self>) {
        let g = Arc::clone(self);
        let check_node: DoWorkPieceFunc =
            Arc::new(move |_i: usize| g.framework.run_filter_plugins());
        parallelize_until::<B>(2, 2, check_node);
    }

    fn schedule<B: Backend>(self: &Arc<Self>) {
        self.find_nodes_that_fit::<B>();
    }
}

fn new_generic_scheduler(framework: Framework) -> Arc<GenericScheduler> {
    Arc::new(GenericScheduler { framework })
}

type DoWorkPieceFunc = Arc<dyn Fn(usize) + Send + Sync>;

fn parallelize_until<B: Backend>(workers: usize, pieces: usize, do_work_piece: DoWorkPieceFunc) {
    let (to_process_tx, to_process) = chan::bounded_in::<B, usize>(pieces);
    for i in 0..pieces {
        to_process_tx
            .send(i)
            .expect("the channel has a slot for every piece");
    }
    to_process_tx.close().expect("closed once");

    let workers = workers.min(pieces);

    let wg = WaitGroup::<B>::new_in();
    wg.add(workers as i64);
    for w in 0..workers {
        let (wg, to_process, do_work_piece) =
            (wg.clone(), to_process.clone(), Arc::clone(&do_work_piece));
        drop(B::spawn(&format!("worker-{w}"), move || {
            for piece in &to_process {
                // The kernel's select on its nil `stop` channel, never ready: the default.
                do_work_piece(piece);
            }
            wg.done(); // the deferred Done
        }));
    }
    wg.wait();
}

impl Scenario for Kubernetes81091 {
    const NAME: &'static str = "goker::kubernetes_81091";
    // Four threads, each worker's receives each a few steps: the bug needs one preemption, in a
    // worker between its first receive and its second.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "no two increments of the filter plugin's call count race";
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
            let filter_framework = new_framework::<B>(fixed);
            let scheduler = new_generic_scheduler(filter_framework);
            scheduler.schedule::<B>();
            done.done(); // the deferred Done
        }));
        wg.wait();
    }
}

impl Mistake for Kubernetes81091 {
    const CAUGHT_AS: FailureKind = FailureKind::DataRace;
    const TRACE_SHOWS: &'static [&'static str] = &["write cell", "write cell", "data race"];
}

impl Kernel for Kubernetes81091 {
    const GOKER: Goker = Goker {
        project: "kubernetes",
        id: 81091,
        class: Class::NonBlocking,
        kind: "Traditional",
        subtype: "Data race",
    };
}
