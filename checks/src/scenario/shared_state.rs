//! Scenarios of the shared-state pattern: a cache, a registry and metrics.

use crate::harness::Scenario;
use crate::invariant;
use patterns::shared_state::{Cache, Metrics, Registry};
use patterns::{Atomic, AtomicInt, Backend};
use serde::{Deserialize, Serialize};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// Threads ask a cache for overlapping keys at once: each key is computed exactly once, and
/// every caller gets that computation's value.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CacheComputesEachKeyOnce {
    /// Threads asking.
    pub threads: usize,
    /// Distinct keys they ask for (each thread asks for every key).
    pub keys: usize,
}

impl Scenario for CacheComputesEachKeyOnce {
    const NAME: &'static str = "shared_state::cache_computes_each_key_once";
    // loom, exhaustive: 1,089 schedules, 0.2 s.
    fn small() -> Self {
        Self {
            threads: 2,
            keys: 1,
        }
    }
    fn large() -> Self {
        Self {
            threads: 4,
            keys: 3,
        }
    }
    fn run<B: Backend>(&self) {
        let cache = Arc::new(Cache::<usize, usize, B>::new_in());
        let computed: Arc<Vec<B::AtomicUsize>> =
            Arc::new((0..self.keys).map(|_| B::AtomicUsize::new(0)).collect());
        let keys = self.keys;
        let threads: Vec<_> = (0..self.threads)
            .map(|t| {
                let (cache, computed) = (Arc::clone(&cache), Arc::clone(&computed));
                B::spawn(&format!("caller-{t}"), move || {
                    (0..keys)
                        .map(|k| {
                            // Threads start at different keys, so they meet on each one.
                            let key = (k + t) % keys;
                            cache.get_or_compute(key, |&key| {
                                computed[key].fetch_add(1, Ordering::Relaxed);
                                key * 10
                            })
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for (t, thread) in threads.into_iter().enumerate() {
            let got = B::join(thread).expect("caller panicked");
            for (k, value) in got.into_iter().enumerate() {
                let key = (k + t) % keys;
                invariant!(
                    value == key * 10,
                    "every caller must get the computed value: key {key} gave {value}"
                );
            }
        }
        for (key, count) in computed.iter().enumerate() {
            let count = count.load(Ordering::Relaxed);
            invariant!(
                count == 1,
                "each key must be computed exactly once: key {key} was computed {count} times"
            );
        }
    }
}

/// Writers move an amount between two entries, removing and re-adding entries, while readers
/// iterate: every iteration sees one consistent state (the entries always sum to the total).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RegistryIterationIsConsistent {
    /// Writer threads.
    pub writers: usize,
    /// Reader threads.
    pub readers: usize,
    /// Updates per writer and iterations per reader.
    pub rounds: usize,
}

impl Scenario for RegistryIterationIsConsistent {
    const NAME: &'static str = "shared_state::registry_iteration_is_consistent";
    fn small() -> Self {
        Self {
            writers: 1,
            readers: 1,
            rounds: 2,
        }
    }
    fn large() -> Self {
        Self {
            writers: 2,
            readers: 3,
            rounds: 5,
        }
    }
    fn run<B: Backend>(&self) {
        const TOTAL: i64 = 100;
        let registry = Arc::new(Registry::<&'static str, i64, B>::new_in());
        registry.insert("a", TOTAL);
        let rounds = self.rounds;
        let mut threads = Vec::new();
        for w in 0..self.writers {
            let registry = Arc::clone(&registry);
            threads.push(B::spawn(&format!("writer-{w}"), move || {
                for _ in 0..rounds {
                    // Move everything from one entry to the other, the old entry removed: one
                    // update under one lock.
                    registry.update(|entries| {
                        let (from, to) = if entries.contains_key("a") {
                            ("a", "b")
                        } else {
                            ("b", "a")
                        };
                        let amount = entries.remove(from).unwrap_or(0);
                        *entries.entry(to).or_insert(0) += amount;
                    });
                }
            }));
        }
        for r in 0..self.readers {
            let registry = Arc::clone(&registry);
            threads.push(B::spawn(&format!("reader-{r}"), move || {
                for _ in 0..rounds {
                    let snapshot = registry.snapshot();
                    let sum: i64 = snapshot.iter().map(|(_, value)| value).sum();
                    invariant!(
                        sum == TOTAL && snapshot.len() == 1,
                        "an iteration must see one consistent state: {snapshot:?}"
                    );
                }
            }));
        }
        for thread in threads {
            B::join(thread).expect("a registry thread panicked");
        }
    }
}

/// Threads record outcomes into shared metrics at once: once they are joined, every event is
/// counted once, in its outcome and in exactly one latency bucket.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MetricsCountEveryEvent {
    /// Recording threads.
    pub threads: usize,
    /// Events per thread.
    pub events: usize,
}

impl Scenario for MetricsCountEveryEvent {
    const NAME: &'static str = "shared_state::metrics_count_every_event";
    fn small() -> Self {
        Self {
            threads: 2,
            events: 2,
        }
    }
    fn large() -> Self {
        Self {
            threads: 4,
            events: 25,
        }
    }
    fn run<B: Backend>(&self) {
        let metrics = Arc::new(Metrics::<B>::new_in());
        let events = self.events;
        let threads: Vec<_> = (0..self.threads)
            .map(|t| {
                let metrics = Arc::clone(&metrics);
                B::spawn(&format!("recorder-{t}"), move || {
                    for e in 0..events {
                        metrics.record(e % 2 == 0, Duration::from_micros(50 * e as u64));
                    }
                })
            })
            .collect();
        for thread in threads {
            B::join(thread).expect("recorder panicked");
        }
        let snapshot = metrics.snapshot();
        let total = self.threads * self.events;
        let succeeded = self.threads * self.events.div_ceil(2);
        invariant!(
            snapshot.succeeded == succeeded && snapshot.failed == total - succeeded,
            "every event must be counted once in its outcome: {snapshot:?} for {total} events"
        );
        let bucketed: usize = snapshot.buckets.iter().sum();
        invariant!(
            bucketed == total,
            "every event must land in exactly one latency bucket: {bucketed} of {total}"
        );
    }
}
