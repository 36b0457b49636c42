//! A user's own code, written once against the kit's backend: workers sum the values they take
//! from a channel into a total behind a mutex, and a `WaitGroup` says when they are done.

#![forbid(unsafe_code)]

use patterns::{chan, Backend, WaitGroup};
use std::sync::Arc;

/// Sums `values` with `workers` threads: each takes values from a channel until it closes and adds
/// them to a shared total; the caller waits for every worker on a `WaitGroup`.
pub fn sum<B: Backend>(values: &[u64], workers: usize) -> u64 {
    run::<B>(values, workers, false)
}

/// The same with the course's lost update: a worker reads the total, then writes it back plus its
/// value, under two separate locks.
pub fn sum_racy<B: Backend>(values: &[u64], workers: usize) -> u64 {
    run::<B>(values, workers, true)
}

fn run<B: Backend>(values: &[u64], workers: usize, racy: bool) -> u64 {
    let (tx, rx) = chan::bounded_in::<B, u64>(values.len());
    for &value in values {
        tx.send(value).expect("the channel is open and has room");
    }
    drop(tx);
    let total = Arc::new(B::mutex(0u64));
    // Clones share one counter, as a `*sync.WaitGroup` does.
    let done = WaitGroup::<B>::new_in();
    done.add(workers as i64);
    for w in 0..workers {
        let (rx, total, done) = (rx.clone(), Arc::clone(&total), done.clone());
        // Detached: the WaitGroup, not a join, says when every worker is done.
        let _worker = B::spawn(&format!("worker-{w}"), move || {
            while let Some(value) = rx.recv() {
                if racy {
                    let seen = *B::lock(&total);
                    *B::lock(&total) = seen + value;
                } else {
                    *B::lock(&total) += value;
                }
            }
            done.done();
        });
    }
    done.wait();
    let sum = *B::lock(&total);
    sum
}
