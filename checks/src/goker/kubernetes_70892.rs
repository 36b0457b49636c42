//! GoKer `kubernetes_70892` (kubernetes PR #70892): the scheduler's per-node closure, run by
//! parallel workers, checks and overwrites every priority function's result list, so two workers
//! read and write the same list with no lock: a data race.
//!
//! Ports `gobench/goker/nonblocking/kubernetes/70892/kubernetes70892_test.go` (GoBench:
//! go-specific, anonymous function). The test makes one result list of two entries for each of
//! three priority configurations and hands `ParallelizeUntil` (two workers, two pieces, a
//! background context) the closure `processNode`, which captures the results: for every
//! configuration it reads the list's first entry and, while it is not 4, replaces the list with a
//! new one, `{7, 8, 9}` (the old-style priority function, meant to run once, here run by every
//! node). `ParallelizeUntil` queues the pieces on a buffered channel it closes, starts the workers
//! (each takes pieces until the channel is drained, skipping the work once the context's done
//! channel is closed: a select with a default) and waits for them on a WaitGroup. When each
//! worker takes one piece, the two run the closure at once, and one's read or write of a result
//! list is ordered with the other's write by nothing: Go's race detector reports them. The port
//! keeps each result list (`results[i]`) in a `RaceCell`; a worker that takes both pieces races
//! with nobody.
//!
//! Fix (the upstream fix, GoReal's fixed commit): the old-style priority functions run in a pass
//! of their own before the per-node one, `ParallelizeUntil` over the configurations, each piece
//! writing only its own configuration's list; the per-node pass then skips old-style functions.
//! Every priority function of the kernel is old-style, so that per-node pass does nothing, and the
//! port leaves it out (it would only start two more threads).

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, RecvArm, Select, Selected};
use patterns::{Backend, Context, RaceCell, WaitGroup};
use std::sync::Arc;

zoo_entry! {
    /// Two workers score nodes with a closure over every priority function's results.
    pub struct Kubernetes70892 {}
}

/// `HostPriorityList`: a priority function's scores.
type HostPriorityList = Vec<i32>;

/// `DoWorkPieceFunc`.
type DoWorkPieceFunc = Arc<dyn Fn(usize) + Send + Sync>;

fn parallelize_until<B: Backend>(
    ctx: &Context<B>,
    mut workers: usize,
    pieces: usize,
    do_work_piece: DoWorkPieceFunc,
) {
    // Go checks for a nil context first; the kernel always passes one.
    let stop = ctx.done().clone();

    let (to_process_tx, to_process) = chan::bounded_in::<B, usize>(pieces);
    for i in 0..pieces {
        to_process_tx
            .send(i)
            .expect("the buffer has room for every piece");
    }
    to_process_tx.close().expect("closed once");

    if pieces < workers {
        workers = pieces;
    }

    let wg = WaitGroup::<B>::new_in();
    wg.add(workers as i64);
    for w in 0..workers {
        let (wg, to_process, stop) = (wg.clone(), to_process.clone(), stop.clone());
        let do_work_piece = Arc::clone(&do_work_piece);
        drop(B::spawn(&format!("parallelize-worker-{w}"), move || {
            for piece in &to_process {
                let mut stopped = RecvArm::new(&stop);
                if Select::new().recv(&mut stopped).or_default().wait() == Selected::Arm(0) {
                    break; // Go returns, running the deferred Done
                }
                do_work_piece(piece);
            }
            wg.done(); // the deferred Done
        }));
    }
    wg.wait();
}

impl Scenario for Kubernetes70892 {
    const NAME: &'static str = "goker::kubernetes_70892";
    // Unbounded, the fix ran past 90 s; a data race shows on any schedule that makes both accesses,
    // whatever its preemptions, so a bound of 2 loses little.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "no two workers' accesses of a result list race";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let priority_configs: Arc<Vec<i32>> = Arc::new(vec![1, 2, 3]);
        // Each list made with its two entries at once (Go makes the slice of lists, then assigns
        // each list, all before any worker starts).
        let results: Arc<Vec<RaceCell<HostPriorityList, B>>> = Arc::new(
            priority_configs
                .iter()
                .map(|_| RaceCell::new_in(vec![0; 2]))
                .collect(),
        );
        let ctx = Context::<B>::background_in();

        match self.variant {
            Variant::Broken => {
                let (configs, results) = (Arc::clone(&priority_configs), Arc::clone(&results));
                let process_node: DoWorkPieceFunc = Arc::new(move |_index: usize| {
                    for (i, _) in configs.iter().enumerate() {
                        if results[i].read(|list| list[0]) != 4 {
                            results[i].set(vec![7, 8, 9]); // races with the other worker
                        }
                    }
                });
                parallelize_until(&ctx, 2, 2, process_node);
            }
            Variant::Correct => {
                // The old-style functions' own pass: piece `i` writes `results[i]` alone.
                let results = Arc::clone(&results);
                let run_function: DoWorkPieceFunc = Arc::new(move |i: usize| {
                    results[i].set(vec![7, 8, 9]);
                });
                parallelize_until(&ctx, 2, priority_configs.len(), run_function);
            }
        }
    }
}

impl Mistake for Kubernetes70892 {
    const CAUGHT_AS: FailureKind = FailureKind::DataRace;
    const TRACE_SHOWS: &'static [&'static str] = &["read cell", "write cell", "data race"];
}

impl Kernel for Kubernetes70892 {
    const GOKER: Goker = Goker {
        project: "kubernetes",
        id: 70892,
        class: Class::NonBlocking,
        kind: "Go-Specific",
        subtype: "Anonymous function",
    };
}
