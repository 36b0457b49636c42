//! Shared state: the course's other half, where a lock or an atomic is simpler and more correct
//! than a channel. Three pieces, each written once over the backend:
//!
//! * [`Cache`]: a read-mostly cache behind an [`RwMutex`] whose `get_or_compute` computes each key
//!   once however many threads ask at once (Go's `singleflight`): no check-then-act.
//! * [`Registry`]: entries added and removed while others iterate; every iteration sees one
//!   consistent state of the registry.
//! * [`Metrics`]: success and failure counters and latency buckets in atomics, as a worker pool's
//!   metrics.
//!
//! ```
//! use patterns::shared_state::{Cache, Metrics, Registry};
//! use std::time::Duration;
//!
//! let cache = Cache::new();
//! assert_eq!(cache.get_or_compute("answer", |_| 42), 42);
//! assert_eq!(cache.get_or_compute("answer", |_| unreachable!("computed once")), 42);
//!
//! let registry = Registry::new();
//! registry.insert("worker-1", 8080);
//! assert_eq!(registry.snapshot(), vec![("worker-1", 8080)]);
//!
//! let metrics = Metrics::new();
//! metrics.record(true, Duration::from_micros(150));
//! assert_eq!(metrics.snapshot().succeeded, 1);
//! ```

use crate::backend::{Atomic, AtomicInt, Backend, Std};
use crate::rw_mutex::RwMutex;
use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// A key's entry in a [`Cache`]: computed, or being computed by one thread while others wait.
struct Entry<V: Send, B: Backend> {
    /// `None` while the computing thread works; the value once it is done.
    value: B::Mutex<Computing<V>>,
    /// Waiters for the value sleep here.
    computed: B::Condvar,
}

/// What an entry's lock protects.
enum Computing<V> {
    /// One thread is computing the value.
    Pending,
    /// The value.
    Ready(V),
    /// The computing thread panicked: waiters retry (one of them computes again).
    Abandoned,
}

/// A read-mostly cache whose values are computed on first use, each key once.
pub struct Cache<K, V: Send, B: Backend = Std> {
    entries: RwMutex<HashMap<K, Arc<Entry<V, B>>>, B>,
}

impl<K: Eq + Hash + Clone, V: Clone + Send> Cache<K, V, Std> {
    /// An empty cache on [`Std`].
    pub fn new() -> Self {
        Self::new_in()
    }
}

impl<K: Eq + Hash + Clone, V: Clone + Send> Default for Cache<K, V, Std> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: Eq + Hash + Clone, V: Clone + Send, B: Backend> Cache<K, V, B> {
    /// An empty cache on backend `B`.
    pub fn new_in() -> Self {
        Self {
            entries: RwMutex::new_in(HashMap::new()),
        }
    }

    /// The value of `key`, computing it with `compute` if no thread has yet. However many threads
    /// ask for a missing key at once, exactly one computes it (outside every lock) and the others
    /// wait for its value. If that computation panics, the panic reaches its caller and one of the
    /// waiters computes the value instead.
    #[track_caller]
    pub fn get_or_compute(&self, key: K, compute: impl FnOnce(&K) -> V) -> V {
        let mut compute = Some(compute);
        loop {
            // The common case: computed already, and readers share the lock.
            let found = self.entries.read().get(&key).cloned();
            let (entry, mine) = match found {
                Some(entry) => (entry, false),
                None => {
                    let mut entries = self.entries.write();
                    // Checked again under the write lock: another thread may have inserted it
                    // between our read and write locks (the check-then-act mistake otherwise).
                    match entries.get(&key) {
                        Some(entry) => (Arc::clone(entry), false),
                        None => {
                            let entry = Arc::new(Entry {
                                value: B::mutex(Computing::Pending),
                                computed: B::condvar(),
                            });
                            entries.insert(key.clone(), Arc::clone(&entry));
                            (entry, true)
                        }
                    }
                }
            };
            if mine {
                let compute = compute.take().expect("a thread computes at most once");
                return self.compute(&key, &entry, compute);
            }
            let mut state = B::lock(&entry.value);
            loop {
                match &*state {
                    Computing::Ready(value) => return value.clone(),
                    Computing::Abandoned => break,
                    Computing::Pending => state = B::wait(&entry.computed, state),
                }
            }
        }
    }

    /// Runs `compute` for the entry this thread inserted, publishes the value and wakes the
    /// waiters; if `compute` panics, removes the entry and wakes them to retry.
    fn compute(&self, key: &K, entry: &Arc<Entry<V, B>>, compute: impl FnOnce(&K) -> V) -> V {
        /// Abandons the entry unless disarmed: runs when `compute` unwinds.
        struct Abandon<'a, K: Eq + Hash + Clone, V: Clone + Send, B: Backend> {
            cache: &'a Cache<K, V, B>,
            key: &'a K,
            entry: &'a Entry<V, B>,
            armed: bool,
        }
        impl<K: Eq + Hash + Clone, V: Clone + Send, B: Backend> Drop for Abandon<'_, K, V, B> {
            fn drop(&mut self) {
                if !self.armed || B::in_teardown() {
                    return;
                }
                self.cache.entries.write().remove(self.key);
                *B::lock(&self.entry.value) = Computing::Abandoned;
                B::notify_all(&self.entry.computed);
            }
        }
        let mut abandon = Abandon {
            cache: self,
            key,
            entry,
            armed: true,
        };
        let value = compute(key);
        abandon.armed = false;
        // The value is written under the entry's lock that waiters read it under: they see it.
        *B::lock(&entry.value) = Computing::Ready(value.clone());
        B::notify_all(&entry.computed);
        value
    }

    /// How many keys have a value or are being computed.
    pub fn len(&self) -> usize {
        self.entries.read().len()
    }

    /// Whether no key has been asked for yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Entries added and removed while others iterate: every iteration sees the registry as it was at
/// one moment, never an update half applied.
pub struct Registry<K, V, B: Backend = Std> {
    entries: RwMutex<BTreeMap<K, V>, B>,
}

impl<K: Ord + Clone, V: Clone> Registry<K, V, Std> {
    /// An empty registry on [`Std`].
    pub fn new() -> Self {
        Self::new_in()
    }
}

impl<K: Ord + Clone, V: Clone> Default for Registry<K, V, Std> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: Ord + Clone, V: Clone, B: Backend> Registry<K, V, B> {
    /// An empty registry on backend `B`.
    pub fn new_in() -> Self {
        Self {
            entries: RwMutex::new_in(BTreeMap::new()),
        }
    }

    /// Adds or replaces an entry; returns the one it replaced.
    pub fn insert(&self, key: K, value: V) -> Option<V> {
        self.entries.write().insert(key, value)
    }

    /// Removes an entry; returns it.
    pub fn remove(&self, key: &K) -> Option<V> {
        self.entries.write().remove(key)
    }

    /// Applies `update` to the whole registry under one write lock: readers see all of it or
    /// none of it.
    pub fn update<R>(&self, update: impl FnOnce(&mut BTreeMap<K, V>) -> R) -> R {
        update(&mut self.entries.write())
    }

    /// Every entry, in key order, as of one moment.
    pub fn snapshot(&self) -> Vec<(K, V)> {
        self.entries
            .read()
            .iter()
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect()
    }

    /// Calls `visit` on every entry, in key order, as of one moment (under the read lock:
    /// `visit` must not touch the registry).
    pub fn for_each(&self, mut visit: impl FnMut(&K, &V)) {
        for (key, value) in self.entries.read().iter() {
            visit(key, value);
        }
    }
}

/// Upper bounds of the latency buckets, in microseconds; a last bucket takes the rest.
pub const LATENCY_BUCKETS_US: [u64; 4] = [100, 1_000, 10_000, 100_000];

/// Counters of outcomes and a latency histogram, updated with atomics from any thread.
pub struct Metrics<B: Backend = Std> {
    succeeded: B::AtomicUsize,
    failed: B::AtomicUsize,
    buckets: [B::AtomicUsize; LATENCY_BUCKETS_US.len() + 1],
}

/// The counts of a [`Metrics`] at one moment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MetricsSnapshot {
    /// Successful events.
    pub succeeded: usize,
    /// Failed events.
    pub failed: usize,
    /// Events per latency bucket (see [`LATENCY_BUCKETS_US`]; the last counts the rest).
    pub buckets: Vec<usize>,
}

impl Metrics<Std> {
    /// Zeroed metrics on [`Std`].
    pub fn new() -> Self {
        Self::new_in()
    }
}

impl Default for Metrics<Std> {
    fn default() -> Self {
        Self::new()
    }
}

impl<B: Backend> Metrics<B> {
    /// Zeroed metrics on backend `B`.
    pub fn new_in() -> Self {
        Self {
            succeeded: B::AtomicUsize::new(0),
            failed: B::AtomicUsize::new(0),
            buckets: std::array::from_fn(|_| B::AtomicUsize::new(0)),
        }
    }

    /// Records one event. Each counter is one atomic add: nothing is lost to a concurrent
    /// update (the load-then-store of `zoo::lost_update` would lose some).
    pub fn record(&self, succeeded: bool, latency: Duration) {
        // Relaxed: each count only needs its own updates not to be lost; a reader that needs
        // every event counted reads after the recording threads are joined.
        let outcome = if succeeded {
            &self.succeeded
        } else {
            &self.failed
        };
        outcome.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        let bucket = LATENCY_BUCKETS_US
            .iter()
            .position(|&bound| micros <= bound)
            .unwrap_or(LATENCY_BUCKETS_US.len());
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
    }

    /// The counts now. Under concurrent recording the counters are read one at a time, so they
    /// may disagree by the events in flight; once recording threads are joined they are exact.
    pub fn snapshot(&self) -> MetricsSnapshot {
        MetricsSnapshot {
            succeeded: self.succeeded.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
            buckets: self
                .buckets
                .iter()
                .map(|bucket| bucket.load(Ordering::Relaxed))
                .collect(),
        }
    }
}
