//! A send with no receiver on an unbuffered channel: waiting for the senders before reading.
//!
//! Go:
//!
//! ```go
//! results := make(chan int) // unbuffered
//! for _, j := range jobs { wg.Add(1); go func(j int) { defer wg.Done(); results <- do(j) }(j) }
//! wg.Wait()                 // every worker is stuck in its send: nobody receives yet
//! close(results)
//! for r := range results { … }
//! ```
//!
//! `fatal error: all goroutines are asleep - deadlock!`. Correct: a buffer for every result (or
//! receive while the workers run, closing from a goroutine after `wg.Wait()`).

use super::{broken_instances, zoo_entry, Mistake, Variant};
use crate::harness::{FailureKind, Scenario};
use crate::invariant;
use patterns::{chan, Backend, WaitGroup};

zoo_entry! {
    /// Workers each send one result; the caller collects them all after waiting for the workers.
    pub struct SendWithoutReceiver {
        /// Worker threads, one result each.
        pub workers: usize,
    }
}

impl Scenario for SendWithoutReceiver {
    const NAME: &'static str = "zoo::send_without_receiver";
    // Unbounded, the correct variant takes 805,400 schedules / 67 s.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "every result is received; nobody blocks forever";
    broken_instances! {
        small: { workers: 2 },
        large: { workers: 5 },
    }
    fn run<B: Backend>(&self) {
        let capacity = match self.variant {
            Variant::Correct => self.workers,
            Variant::Broken => 0,
        };
        let (results_tx, results) = chan::bounded_in::<B, usize>(capacity);
        let wg = WaitGroup::<B>::new_in();
        let workers: Vec<_> = (0..self.workers)
            .map(|w| {
                wg.add(1);
                let (results_tx, wg) = (results_tx.clone(), wg.clone());
                B::spawn(&format!("worker-{w}"), move || {
                    results_tx.send(w * w).expect("the caller receives");
                    wg.done();
                })
            })
            .collect();
        drop(results_tx);
        wg.wait();
        let mut got: Vec<usize> = results.iter().collect();
        got.sort_unstable();
        let expected: Vec<usize> = (0..self.workers).map(|w| w * w).collect();
        invariant!(got == expected, "results {got:?}, expected {expected:?}");
        for worker in workers {
            B::join(worker).expect("worker panicked");
        }
    }
}

impl Mistake for SendWithoutReceiver {
    const CAUGHT_AS: FailureKind = FailureKind::Deadlock;
    const TRACE_SHOWS: &'static [&'static str] = &[
        "send chan (never returned)",
        "no other thread received from it in this schedule",
    ];
    const DETERMINISTIC: bool = true;
}
