//! Context cancellation: the latency from `cancel` until every one of N blocked waiters has
//! returned, and the cost of `with_cancel` + `cancel`, against tokio-util's `CancellationToken`
//! (what a Rust user would pick: `child_token`, `cancel`, waiting on `cancelled()`, here on plain
//! threads with `futures_executor::block_on`) and against an `AtomicBool` plus a crossbeam "done"
//! channel closed by dropping its sender (the bare minimum, with no parent to link to).
//!
//! Groups `context/cancel_latency` (value = waiters) and `context/with_cancel`.

#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use futures_executor::block_on;
use patterns::Context;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// How long the waiters get to block before the cancel (not measured).
const SETTLE: Duration = Duration::from_micros(300);

/// Starts `waiters` threads running `wait`, lets them block, then times `cancel` plus joining
/// every one of them.
fn cancel_latency(
    waiters: usize,
    wait: impl Fn() + Send + Clone + 'static,
    cancel: impl FnOnce(),
) -> Duration {
    let started = Arc::new(Barrier::new(waiters + 1));
    let threads: Vec<_> = (0..waiters)
        .map(|_| {
            let (started, wait) = (Arc::clone(&started), wait.clone());
            thread::spawn(move || {
                started.wait();
                wait();
            })
        })
        .collect();
    started.wait();
    thread::sleep(SETTLE);
    let begin = Instant::now();
    cancel();
    for thread in threads {
        thread.join().expect("waiter panicked");
    }
    begin.elapsed()
}

fn kit_latency(waiters: usize) -> Duration {
    let (ctx, cancel) = Context::background().with_cancel();
    cancel_latency(
        waiters,
        move || {
            ctx.done().recv();
            assert!(ctx.is_done());
        },
        move || cancel.cancel(),
    )
}

fn token_latency(waiters: usize) -> Duration {
    let token = CancellationToken::new();
    let cancel = token.clone();
    cancel_latency(
        waiters,
        move || {
            block_on(token.cancelled());
            assert!(token.is_cancelled());
        },
        move || cancel.cancel(),
    )
}

fn atomic_crossbeam_latency(waiters: usize) -> Duration {
    let cancelled = Arc::new(AtomicBool::new(false));
    let (cancel, done) = crossbeam_channel::bounded::<()>(0);
    let flag = Arc::clone(&cancelled);
    cancel_latency(
        waiters,
        move || {
            let _ = done.recv();
            // Acquire: pairs with the Release store before the sender is dropped.
            assert!(flag.load(Ordering::Acquire));
        },
        move || {
            cancelled.store(true, Ordering::Release);
            drop(cancel);
        },
    )
}

fn context(c: &mut Criterion) {
    let mut group = c.benchmark_group("context/cancel_latency");
    // Each iteration also spawns and settles its waiters, outside the measured time: keep the
    // measured budget small so the wall time stays in seconds.
    group
        .warm_up_time(Duration::from_millis(100))
        .measurement_time(Duration::from_millis(200))
        .sample_size(10);
    for waiters in [1, 4, 16] {
        group.throughput(Throughput::Elements(waiters as u64));
        group.bench_with_input(BenchmarkId::new("kit", waiters), &waiters, |b, &n| {
            b.iter_custom(|iters| (0..iters).map(|_| kit_latency(n)).sum())
        });
        group.bench_with_input(
            BenchmarkId::new("cancellation_token", waiters),
            &waiters,
            |b, &n| b.iter_custom(|iters| (0..iters).map(|_| token_latency(n)).sum()),
        );
        group.bench_with_input(
            BenchmarkId::new("atomic_crossbeam", waiters),
            &waiters,
            |b, &n| b.iter_custom(|iters| (0..iters).map(|_| atomic_crossbeam_latency(n)).sum()),
        );
    }
    group.finish();

    let mut group = c.benchmark_group("context/with_cancel");
    group.throughput(Throughput::Elements(1));
    let (parent, _parent_cancel) = Context::background().with_cancel();
    group.bench_with_input(BenchmarkId::new("kit", 1), &1, |b, _| {
        b.iter(|| {
            let (ctx, cancel) = parent.with_cancel();
            cancel.cancel();
            ctx.done().recv();
        })
    });
    let parent_token = CancellationToken::new();
    group.bench_with_input(BenchmarkId::new("cancellation_token", 1), &1, |b, _| {
        b.iter(|| {
            let child = parent_token.child_token();
            child.cancel();
            block_on(child.cancelled());
        })
    });
    group.bench_with_input(BenchmarkId::new("atomic_crossbeam", 1), &1, |b, _| {
        b.iter(|| {
            let cancelled = Arc::new(AtomicBool::new(false));
            let (cancel, done) = crossbeam_channel::bounded::<()>(0);
            cancelled.store(true, Ordering::Release);
            drop(cancel);
            let _ = done.recv();
            assert!(cancelled.load(Ordering::Acquire));
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = benches::criterion();
    targets = context
}
criterion_main!(benches);
