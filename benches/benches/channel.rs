//! The kit's channel against crossbeam-channel and std's `sync_channel`: throughput of N messages
//! from P producers to C consumers, by capacity (0 is a rendezvous).
//!
//! Group = `channel/{P}x{C}`, function = implementation, value = capacity, so every
//! implementation is measured beside the others in the same run.

// criterion_group! and criterion_main! generate public functions without docs.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::thread;

/// Messages per iteration.
const MESSAGES: usize = 20_000;

fn kit(producers: usize, consumers: usize, capacity: usize) {
    let (tx, rx) = patterns::chan::bounded::<usize>(capacity);
    thread::scope(|s| {
        for _ in 0..producers {
            let tx = tx.clone();
            s.spawn(move || (0..MESSAGES / producers).for_each(|i| tx.send(i).unwrap()));
        }
        drop(tx);
        for _ in 0..consumers {
            let rx = rx.clone();
            s.spawn(move || rx.iter().count());
        }
    });
}

fn crossbeam(producers: usize, consumers: usize, capacity: usize) {
    let (tx, rx) = crossbeam_channel::bounded::<usize>(capacity);
    thread::scope(|s| {
        for _ in 0..producers {
            let tx = tx.clone();
            s.spawn(move || (0..MESSAGES / producers).for_each(|i| tx.send(i).unwrap()));
        }
        drop(tx);
        for _ in 0..consumers {
            let rx = rx.clone();
            s.spawn(move || rx.iter().count());
        }
    });
}

fn std_sync_channel(producers: usize, capacity: usize) {
    let (tx, rx) = std::sync::mpsc::sync_channel::<usize>(capacity);
    thread::scope(|s| {
        for _ in 0..producers {
            let tx = tx.clone();
            s.spawn(move || (0..MESSAGES / producers).for_each(|i| tx.send(i).unwrap()));
        }
        drop(tx);
        s.spawn(move || rx.iter().count());
    });
}

fn channel(c: &mut Criterion) {
    for (producers, consumers) in [(1, 1), (2, 2), (4, 4)] {
        let mut group = c.benchmark_group(format!("channel/{producers}x{consumers}"));
        group.throughput(Throughput::Elements(MESSAGES as u64));
        for capacity in [0, 1, 64, 1024] {
            group.bench_with_input(BenchmarkId::new("kit", capacity), &capacity, |b, &cap| {
                b.iter(|| kit(producers, consumers, cap))
            });
            group.bench_with_input(
                BenchmarkId::new("crossbeam", capacity),
                &capacity,
                |b, &cap| b.iter(|| crossbeam(producers, consumers, cap)),
            );
            if consumers == 1 {
                group.bench_with_input(BenchmarkId::new("std", capacity), &capacity, |b, &cap| {
                    b.iter(|| std_sync_channel(producers, cap))
                });
            }
        }
        group.finish();
    }
}

criterion_group!(benches, channel);
criterion_main!(benches);
