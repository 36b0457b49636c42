//! The worker pool against a hand-written crossbeam pool, and rayon for CPU-bound jobs: trivial
//! jobs (the pool's own overhead) and ~10 µs jobs (how close to every core's worth of work).
//!
//! Groups `worker_pool/trivial` and `worker_pool/cpu_10us`, function = implementation, value =
//! workers. `worker_pool/cpu_10us_single` is the ceiling's reference: the same jobs in a loop on
//! one thread (ceiling = its throughput × cores). Every pool with a job queue (all but rayon's) has
//! [`QUEUE`] places. The kit pool runs with its defaults, so without per-attempt timing
//! (`Options::timed`), which no baseline has either.

#![allow(missing_docs)]

use benches::{spin, JOB_ROUNDS};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use patterns::worker_pool::{Outcome, WorkerPool};
use rayon::prelude::*;
use std::convert::Infallible;
use std::thread;

const TRIVIAL_JOBS: u64 = 10_000;
/// Job queue capacity of every queued pool here (and of the Go original), so no implementation is
/// held back by a queue shallower than a user would choose. In exploratory runs (not criterion) the
/// CPU-bound kit pool with 2 workers reached 46–74 % of the ceiling with one place per worker and
/// 80–98 % with 256 places; the quick bench measured 61 % (64 places) and 68 % (256 places), with
/// the crossbeam pool beside it at 59 % and 54 %.
const QUEUE: usize = 64;
const CPU_JOBS: u64 = 2_000;

fn trivial(job: u64) -> u64 {
    job * 2
}

fn cpu(job: u64) -> u64 {
    spin(job, JOB_ROUNDS)
}

fn kit(workers: usize, jobs: u64, work: fn(u64) -> u64) -> u64 {
    let pool = WorkerPool::new(workers, QUEUE, move |job: &u64| {
        Ok::<u64, Infallible>(work(*job))
    });
    let results = pool.results();
    for job in 0..jobs {
        pool.submit(job).expect("a live pool takes every job");
    }
    pool.shutdown();
    results
        .iter()
        .map(|outcome| match outcome {
            Outcome::Done { result, .. } => result,
            other => panic!("a job did not succeed: {other:?}"),
        })
        .fold(0, u64::wrapping_add)
}

fn crossbeam(workers: usize, jobs: u64, work: fn(u64) -> u64) -> u64 {
    let (job_tx, job_rx) = crossbeam_channel::bounded::<u64>(QUEUE);
    let (result_tx, result_rx) = crossbeam_channel::unbounded::<u64>();
    thread::scope(|s| {
        for _ in 0..workers {
            let (job_rx, result_tx) = (job_rx.clone(), result_tx.clone());
            s.spawn(move || {
                for job in job_rx {
                    result_tx.send(work(job)).expect("results are read");
                }
            });
        }
        drop(result_tx);
        for job in 0..jobs {
            job_tx.send(job).expect("workers are alive");
        }
        drop(job_tx);
        result_rx.iter().fold(0, u64::wrapping_add)
    })
}

fn worker_pool(c: &mut Criterion) {
    for (name, jobs, work) in [
        ("trivial", TRIVIAL_JOBS, trivial as fn(u64) -> u64),
        ("cpu_10us", CPU_JOBS, cpu),
    ] {
        let expected: u64 = (0..jobs).map(work).fold(0, u64::wrapping_add);
        let mut group = c.benchmark_group(format!("worker_pool/{name}"));
        group.throughput(Throughput::Elements(jobs));
        for workers in [1, 2, 4] {
            group.bench_with_input(BenchmarkId::new("kit", workers), &workers, |b, &w| {
                b.iter(|| assert_eq!(kit(w, jobs, work), expected))
            });
            group.bench_with_input(BenchmarkId::new("crossbeam", workers), &workers, |b, &w| {
                b.iter(|| assert_eq!(crossbeam(w, jobs, work), expected))
            });
            if name == "cpu_10us" {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(workers)
                    .build()
                    .expect("a rayon pool");
                group.bench_with_input(BenchmarkId::new("rayon", workers), &workers, |b, _| {
                    b.iter(|| {
                        let sum = pool.install(|| {
                            (0..jobs)
                                .into_par_iter()
                                .map(work)
                                .reduce(|| 0, u64::wrapping_add)
                        });
                        assert_eq!(sum, expected);
                    })
                });
            }
        }
        group.finish();
    }
    let mut single = c.benchmark_group("worker_pool/cpu_10us_single");
    single.throughput(Throughput::Elements(CPU_JOBS));
    single.bench_with_input(BenchmarkId::new("single_thread", 1), &1, |b, _| {
        b.iter(|| (0..CPU_JOBS).map(cpu).fold(0, u64::wrapping_add))
    });
    single.finish();
}

criterion_group! {
    name = benches;
    config = benches::criterion();
    targets = worker_pool
}
criterion_main!(benches);
