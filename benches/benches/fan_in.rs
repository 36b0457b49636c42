//! Fan-in: the kit's `fan::merge` of 4 producers against the same merge by hand with crossbeam
//! channels and scoped threads (a forwarder per input, cancellable through a done channel).
//!
//! Group `fan_in/merge`, function = implementation, value = producers.

#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use crossbeam_channel::select;
use patterns::{chan, fan, Context};
use std::thread;

/// Values per iteration, over all producers.
const VALUES: u64 = 100_000;
/// Capacity of each producer's channel (the merged output is unbuffered, as in the pattern).
const INPUT_CAPACITY: usize = 64;

fn kit(producers: u64) -> u64 {
    let ctx = Context::background();
    let per = VALUES / producers;
    thread::scope(|s| {
        let inputs = (0..producers)
            .map(|_| {
                let (tx, rx) = chan::bounded::<u64>(INPUT_CAPACITY);
                s.spawn(move || (0..per).for_each(|v| tx.send(v).expect("merge reads")));
                rx
            })
            .collect();
        fan::merge(&ctx, inputs).iter().fold(0, u64::wrapping_add)
    })
}

fn crossbeam(producers: u64) -> u64 {
    let per = VALUES / producers;
    let (_cancel, done) = crossbeam_channel::bounded::<()>(0);
    let (out_tx, out_rx) = crossbeam_channel::bounded::<u64>(0);
    thread::scope(|s| {
        for _ in 0..producers {
            let (tx, rx) = crossbeam_channel::bounded::<u64>(INPUT_CAPACITY);
            s.spawn(move || (0..per).for_each(|v| tx.send(v).expect("merge reads")));
            let (out_tx, done) = (out_tx.clone(), done.clone());
            s.spawn(move || {
                for v in rx {
                    select! {
                        send(out_tx, v) -> sent => if sent.is_err() { return },
                        recv(done) -> _ => return,
                    }
                }
            });
        }
        drop(out_tx);
        out_rx.iter().fold(0, u64::wrapping_add)
    })
}

fn fan_in(c: &mut Criterion) {
    let mut group = c.benchmark_group("fan_in/merge");
    group.throughput(Throughput::Elements(VALUES));
    let producers = 4;
    let expected = producers * (0..VALUES / producers).sum::<u64>();
    group.bench_with_input(BenchmarkId::new("kit", producers), &producers, |b, &p| {
        b.iter(|| assert_eq!(kit(p), expected))
    });
    group.bench_with_input(
        BenchmarkId::new("crossbeam", producers),
        &producers,
        |b, &p| b.iter(|| assert_eq!(crossbeam(p), expected)),
    );
    group.finish();
}

criterion_group! {
    name = benches;
    config = benches::criterion();
    targets = fan_in
}
criterion_main!(benches);
