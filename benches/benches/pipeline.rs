//! A 3-stage pipeline: the kit's `pipeline::generate` and `pipeline::stage` against the same
//! pipeline by hand with crossbeam channels (every send a select with a done channel, as the
//! cancellable Go original).
//!
//! Group `pipeline/3_stages`, function = implementation, value = items.

#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use crossbeam_channel::{select, Receiver};
use patterns::{pipeline, Context};
use std::thread;

/// Capacity of every channel between stages.
const CAPACITY: usize = 64;

fn expected(items: u64) -> u64 {
    (0..items)
        .map(|x| (x + 1) * 2 - 1)
        .fold(0, u64::wrapping_add)
}

fn kit(items: u64) -> u64 {
    let ctx = Context::background();
    let numbers = pipeline::generate(&ctx, CAPACITY, 0..items);
    let plus_one = pipeline::stage(&ctx, CAPACITY, numbers, |x: u64| x + 1);
    let doubled = pipeline::stage(&ctx, CAPACITY, plus_one, |x: u64| x * 2);
    let minus_one = pipeline::stage(&ctx, CAPACITY, doubled, |x: u64| x - 1);
    minus_one.iter().fold(0, u64::wrapping_add)
}

fn crossbeam(items: u64) -> u64 {
    let (_cancel, done) = crossbeam_channel::bounded::<()>(0);
    thread::scope(|s| {
        let stage = |input: Receiver<u64>, f: fn(u64) -> u64| {
            let (tx, rx) = crossbeam_channel::bounded(CAPACITY);
            let done = done.clone();
            s.spawn(move || {
                for v in input {
                    select! {
                        send(tx, f(v)) -> sent => if sent.is_err() { return },
                        recv(done) -> _ => return,
                    }
                }
            });
            rx
        };
        let (numbers_tx, numbers) = crossbeam_channel::bounded(CAPACITY);
        let generator_done = done.clone();
        s.spawn(move || {
            for v in 0..items {
                select! {
                    send(numbers_tx, v) -> sent => if sent.is_err() { return },
                    recv(generator_done) -> _ => return,
                }
            }
        });
        let plus_one = stage(numbers, |x| x + 1);
        let doubled = stage(plus_one, |x| x * 2);
        let minus_one = stage(doubled, |x| x - 1);
        minus_one.iter().fold(0, u64::wrapping_add)
    })
}

fn pipeline(c: &mut Criterion) {
    let mut group = c.benchmark_group("pipeline/3_stages");
    let quick = std::env::var_os("BENCH_QUICK").is_some_and(|v| v != "0");
    let sizes: &[u64] = if quick {
        &[100_000]
    } else {
        &[100_000, 1_000_000]
    };
    for &items in sizes {
        group.throughput(Throughput::Elements(items));
        let want = expected(items);
        group.bench_with_input(BenchmarkId::new("kit", items), &items, |b, &n| {
            b.iter(|| assert_eq!(kit(n), want))
        });
        group.bench_with_input(BenchmarkId::new("crossbeam", items), &items, |b, &n| {
            b.iter(|| assert_eq!(crossbeam(n), want))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = benches::criterion().sample_size(10);
    targets = pipeline
}
criterion_main!(benches);
