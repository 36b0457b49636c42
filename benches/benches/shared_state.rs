//! Shared state: when the reader-writer lock pays, and a shared counter three ways.
//!
//! * Group `shared_state/rw_lock`: `threads` threads each do 1,000 operations on a 64-entry table,
//!   a share of them reads (value `{threads}t-{reads}%`), with the kit's `RwMutex` (`kit`), the kit's
//!   mutex (the `Std` backend's), std's `RwLock` and std's `Mutex`. The course: "do not assume
//!   RWMutex is always faster".
//! * Group `shared_state/counter`: `threads` threads each count 10,000 events: the kit's
//!   `Metrics` (two atomic adds an event), the kit's mutex, a bare atomic, and a manager thread fed
//!   by a kit channel.
//!
//! The Go originals are `benches/go/shared_state.go`.

#![allow(missing_docs)]

use benches::spin;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use patterns::shared_state::Metrics;
use patterns::{chan, Backend, RwMutex, Std};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, RwLock};
use std::thread;
use std::time::Duration;

const OPS: usize = 1_000;
const ENTRIES: usize = 64;
/// xorshift64 rounds of work inside each critical section.
const WORK: u32 = 20;
const EVENTS: usize = 10_000;

/// Runs `threads` threads of `OPS` operations; operation `i` reads when `i % 100 < reads`.
fn run_table(
    threads: usize,
    reads: usize,
    read: impl Fn(usize) + Sync,
    write: impl Fn(usize) + Sync,
) {
    thread::scope(|s| {
        for t in 0..threads {
            let (read, write) = (&read, &write);
            s.spawn(move || {
                for i in 0..OPS {
                    let slot = (i * 7 + t) % ENTRIES;
                    if (i * 37 + t) % 100 < reads {
                        read(slot);
                    } else {
                        write(slot);
                    }
                }
            });
        }
    });
}

fn rw_lock(c: &mut Criterion) {
    let mut group = c.benchmark_group("shared_state/rw_lock");
    for threads in [1, 2, 4] {
        for reads in [50, 90, 99] {
            group.throughput(Throughput::Elements((threads * OPS) as u64));
            let value = format!("{threads}t-{reads}%");
            group.bench_with_input(BenchmarkId::new("kit", &value), &(), |b, ()| {
                let table = RwMutex::new(vec![1u64; ENTRIES]);
                b.iter(|| {
                    run_table(
                        threads,
                        reads,
                        |slot| {
                            spin(table.read()[slot], WORK);
                        },
                        |slot| {
                            let mut table = table.write();
                            table[slot] = spin(table[slot], WORK);
                        },
                    )
                })
            });
            group.bench_with_input(BenchmarkId::new("kit_mutex", &value), &(), |b, ()| {
                let table = Std::mutex(vec![1u64; ENTRIES]);
                b.iter(|| {
                    run_table(
                        threads,
                        reads,
                        |slot| {
                            spin(Std::lock(&table)[slot], WORK);
                        },
                        |slot| {
                            let mut table = Std::lock(&table);
                            table[slot] = spin(table[slot], WORK);
                        },
                    )
                })
            });
            group.bench_with_input(BenchmarkId::new("std_rwlock", &value), &(), |b, ()| {
                let table = RwLock::new(vec![1u64; ENTRIES]);
                b.iter(|| {
                    run_table(
                        threads,
                        reads,
                        |slot| {
                            spin(table.read().expect("no panics")[slot], WORK);
                        },
                        |slot| {
                            let mut table = table.write().expect("no panics");
                            table[slot] = spin(table[slot], WORK);
                        },
                    )
                })
            });
            group.bench_with_input(BenchmarkId::new("std_mutex", &value), &(), |b, ()| {
                let table = Mutex::new(vec![1u64; ENTRIES]);
                b.iter(|| {
                    run_table(
                        threads,
                        reads,
                        |slot| {
                            spin(table.lock().expect("no panics")[slot], WORK);
                        },
                        |slot| {
                            let mut table = table.lock().expect("no panics");
                            table[slot] = spin(table[slot], WORK);
                        },
                    )
                })
            });
        }
    }
    group.finish();
}

/// Runs `threads` threads each counting `EVENTS` events with `count`.
fn run_counter(threads: usize, count: impl Fn() + Sync) {
    thread::scope(|s| {
        for _ in 0..threads {
            let count = &count;
            s.spawn(move || (0..EVENTS).for_each(|_| count()));
        }
    });
}

fn counter(c: &mut Criterion) {
    let mut group = c.benchmark_group("shared_state/counter");
    for threads in [1, 2, 4] {
        group.throughput(Throughput::Elements((threads * EVENTS) as u64));
        group.bench_with_input(BenchmarkId::new("kit", threads), &threads, |b, &t| {
            b.iter(|| {
                let metrics = Metrics::new();
                run_counter(t, || metrics.record(true, Duration::ZERO));
                assert_eq!(metrics.snapshot().succeeded, t * EVENTS);
            })
        });
        group.bench_with_input(BenchmarkId::new("kit_mutex", threads), &threads, |b, &t| {
            b.iter(|| {
                let counter = Std::mutex(0usize);
                run_counter(t, || *Std::lock(&counter) += 1);
                assert_eq!(*Std::lock(&counter), t * EVENTS);
            })
        });
        group.bench_with_input(BenchmarkId::new("atomic", threads), &threads, |b, &t| {
            b.iter(|| {
                let counter = AtomicUsize::new(0);
                // Relaxed: only the count matters, read after the threads are joined.
                run_counter(t, || {
                    counter.fetch_add(1, Ordering::Relaxed);
                });
                assert_eq!(counter.load(Ordering::Relaxed), t * EVENTS);
            })
        });
        group.bench_with_input(
            BenchmarkId::new("kit_manager", threads),
            &threads,
            |b, &t| {
                b.iter(|| {
                    let (inc, incs) = chan::bounded::<()>(64);
                    let manager = thread::spawn(move || incs.iter().count());
                    run_counter(t, || inc.send(()).expect("the manager is alive"));
                    drop(inc);
                    // The manager drains the channel before it returns: nothing is lost.
                    assert_eq!(manager.join().expect("manager panicked"), t * EVENTS);
                })
            },
        );
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = benches::criterion();
    targets = rw_lock, counter
}
criterion_main!(benches);
