//! Bounded concurrency: 1,000 tasks on 4 threads, at most k holding a permit at once, with the
//! kit's `Semaphore` against a Mutex+Condvar counting semaphore and a crossbeam channel of tokens.
//!
//! Group `semaphore/limit`, function = implementation, value = k.

#![allow(missing_docs)]

use benches::{spin, PERMIT_ROUNDS};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use patterns::Semaphore;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::thread;

const TASKS: usize = 1_000;
const THREADS: usize = 4;

/// Runs the tasks on `THREADS` threads, each task inside `limited`, and checks the bound.
fn run_tasks(k: usize, limited: impl Fn(&dyn Fn()) + Sync) {
    let holders = AtomicUsize::new(0);
    let task = |i: usize| {
        // Relaxed: a sanity count, read by the same thread that bumped it.
        let now = holders.fetch_add(1, Ordering::Relaxed) + 1;
        assert!(now <= k, "{now} holders with k = {k}");
        spin(i as u64, PERMIT_ROUNDS);
        holders.fetch_sub(1, Ordering::Relaxed);
    };
    thread::scope(|s| {
        for t in 0..THREADS {
            let (task, limited) = (&task, &limited);
            s.spawn(move || {
                for i in (t..TASKS).step_by(THREADS) {
                    limited(&|| task(i));
                }
            });
        }
    });
}

/// The counting semaphore a user writes by hand.
struct CondvarSemaphore {
    available: Mutex<usize>,
    freed: Condvar,
}

impl CondvarSemaphore {
    fn acquire(&self) {
        let mut available = self.available.lock().expect("no panics while held");
        while *available == 0 {
            available = self.freed.wait(available).expect("no panics while held");
        }
        *available -= 1;
    }
    fn release(&self) {
        *self.available.lock().expect("no panics while held") += 1;
        self.freed.notify_one();
    }
}

fn semaphore(c: &mut Criterion) {
    let mut group = c.benchmark_group("semaphore/limit");
    group.throughput(Throughput::Elements(TASKS as u64));
    for k in [2, 4] {
        group.bench_with_input(BenchmarkId::new("kit", k), &k, |b, &k| {
            b.iter(|| {
                let semaphore = Semaphore::new(k);
                run_tasks(k, |task| {
                    let _permit = semaphore.acquire();
                    task();
                });
            })
        });
        group.bench_with_input(BenchmarkId::new("mutex_condvar", k), &k, |b, &k| {
            b.iter(|| {
                let semaphore = CondvarSemaphore {
                    available: Mutex::new(k),
                    freed: Condvar::new(),
                };
                run_tasks(k, |task| {
                    semaphore.acquire();
                    task();
                    semaphore.release();
                });
            })
        });
        group.bench_with_input(BenchmarkId::new("crossbeam_tokens", k), &k, |b, &k| {
            b.iter(|| {
                let (acquire, release) = crossbeam_channel::bounded::<()>(k);
                run_tasks(k, |task| {
                    acquire.send(()).expect("tokens are returned");
                    task();
                    release.recv().expect("a token is held");
                });
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = benches::criterion();
    targets = semaphore
}
criterion_main!(benches);
