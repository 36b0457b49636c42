//! The harness's own speed under shuttle: schedules per second for each pattern's main scenario
//! (large instance, random scheduler), and the harness's overhead against the very same body
//! written directly against `shuttle::check_random`.
//!
//! Groups `harness/shuttle_schedules` (function = `shuttle_random`, value = scenario; throughput
//! = schedules) and `harness/shuttle_overhead` (functions `direct` and `harness`).

#![allow(missing_docs)]

use benches::harness::{self, MAIN_SCENARIOS, SHUTTLE_SCHEDULES};
use checks::harness::check;
use checks::zoo::{lost_update::LostUpdate, Variant};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use shuttle::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// The overhead instance: correct increments.
const COUNTER: LostUpdate = LostUpdate {
    threads: 4,
    increments: 5,
    variant: Variant::Correct,
};

/// `COUNTER`'s body written straight against shuttle, no harness.
fn direct() {
    shuttle::check_random(
        || {
            let counter = Arc::new(AtomicUsize::new(0));
            let threads: Vec<_> = (0..COUNTER.threads)
                .map(|_| {
                    let counter = Arc::clone(&counter);
                    shuttle::thread::spawn(move || {
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
        },
        SHUTTLE_SCHEDULES,
    );
}

fn harness_shuttle(c: &mut Criterion) {
    let mut group = c.benchmark_group("harness/shuttle_schedules");
    for name in MAIN_SCENARIOS {
        harness::bench_schedules(&mut group, "shuttle_random", name, harness::shuttle_checker);
    }
    group.finish();

    let mut group = c.benchmark_group("harness/shuttle_overhead");
    group.throughput(Throughput::Elements(SHUTTLE_SCHEDULES as u64));
    let checker = harness::shuttle_checker(None);
    group.bench_function(BenchmarkId::new("direct", "counter_4x5"), |b| {
        b.iter(direct)
    });
    group.bench_function(BenchmarkId::new("harness", "counter_4x5"), |b| {
        b.iter(|| check(&COUNTER, &checker).assert_pass())
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = benches::criterion().sample_size(10);
    targets = harness_shuttle
}
criterion_main!(benches);
