//! The harness's own speed under loom: schedules per second for each pattern's main scenario
//! (small instance, the scenario's loom bound), and the harness's overhead against the very same
//! body written directly against `loom::model`.
//!
//! Groups `harness/loom_schedules` (function = `loom`, value = scenario; throughput = schedules)
//! and `harness/loom_overhead` (functions `direct` and `harness`, value = instance).

#![allow(missing_docs)]

use benches::harness::{self, MAIN_SCENARIOS};
use checks::harness::{check, loom_builder, Checker};
use checks::zoo::{lost_update::LostUpdate, Variant};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use loom::sync::atomic::AtomicUsize;
use std::sync::atomic::{self, Ordering};
use std::sync::Arc;

/// The overhead instance: correct increments, exhaustive under loom.
const COUNTER: LostUpdate = LostUpdate {
    threads: 3,
    increments: 1,
    variant: Variant::Correct,
};

/// `COUNTER`'s body written straight against loom, no harness, from the harness's own builder
/// settings (std's `Arc`, as the harness uses, since loom's own `Arc` multiplies the schedules).
/// Returns the number of schedules explored.
fn direct() -> usize {
    let builder = loom_builder(None);
    let schedules = Arc::new(atomic::AtomicUsize::new(0));
    let count = Arc::clone(&schedules);
    builder.check(move || {
        count.fetch_add(1, Ordering::Relaxed);
        let counter = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..COUNTER.threads)
            .map(|_| {
                let counter = Arc::clone(&counter);
                loom::thread::spawn(move || {
                    for _ in 0..COUNTER.increments {
                        counter.fetch_add(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().expect("incrementer panicked");
        }
        assert_eq!(
            counter.load(Ordering::SeqCst),
            COUNTER.threads * COUNTER.increments
        );
    });
    schedules.load(Ordering::Relaxed)
}

fn harness_loom(c: &mut Criterion) {
    let mut group = c.benchmark_group("harness/loom_schedules");
    for name in MAIN_SCENARIOS {
        harness::bench_schedules(&mut group, "loom", name, harness::loom_checker);
    }
    group.finish();

    let mut group = c.benchmark_group("harness/loom_overhead");
    let schedules = check(&COUNTER, &Checker::loom_exhaustive()).schedules;
    // Both sides must explore the same space, or the times do not compare.
    assert_eq!(
        direct(),
        schedules,
        "the direct loom run explored a different number of schedules than the harness"
    );
    group.throughput(Throughput::Elements(schedules as u64));
    group.bench_function(BenchmarkId::new("direct", "counter_3x1"), |b| {
        b.iter(direct)
    });
    group.bench_function(BenchmarkId::new("harness", "counter_3x1"), |b| {
        b.iter(|| check(&COUNTER, &Checker::loom_exhaustive()).assert_pass())
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = benches::criterion().sample_size(10);
    targets = harness_loom
}
criterion_main!(benches);
