//! Check-then-act on a shared map: the check under one lock, the act under another.
//!
//! Go:
//!
//! ```go
//! mu.Lock(); _, ok := cache[key]; mu.Unlock()
//! if !ok {
//!     v := create(key) // expensive, must happen once
//!     mu.Lock(); cache[key] = v; mu.Unlock()
//! }
//! ```
//!
//! Two goroutines both see the key missing and both create it: one connection too many, one
//! write lost. Correct: check and insert in one critical section (or `sync.Once` per key).

use super::{broken_instances, zoo_entry, Mistake, Variant};
use crate::harness::{FailureKind, Scenario};
use crate::invariant;
use patterns::{Atomic, AtomicInt, Backend};
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

zoo_entry! {
    /// Threads get-or-create the same keys in a shared cache: each key is created exactly once.
    pub struct CheckThenAct {
        /// Threads asking for the keys.
        pub threads: usize,
        /// Distinct keys each thread asks for.
        pub keys: usize,
    }
}

impl Scenario for CheckThenAct {
    const NAME: &'static str = "zoo::check_then_act";
    const INVARIANT: &'static str = "each key is created exactly once";
    broken_instances! {
        small: { threads: 2, keys: 1 },
        large: { threads: 4, keys: 3 },
    }
    fn run<B: Backend>(&self) {
        let cache = Arc::new(B::mutex(BTreeMap::<usize, usize>::new()));
        let created = Arc::new(B::AtomicUsize::new(0));
        let (keys, variant) = (self.keys, self.variant);
        let threads: Vec<_> = (0..self.threads)
            .map(|t| {
                let (cache, created) = (Arc::clone(&cache), Arc::clone(&created));
                B::spawn(&format!("client-{t}"), move || {
                    let create = |key: usize| {
                        created.fetch_add(1, Ordering::SeqCst);
                        key * 10
                    };
                    for key in 0..keys {
                        match variant {
                            Variant::Correct => {
                                // One critical section: no one can insert between check and act.
                                B::lock(&cache).entry(key).or_insert_with(|| create(key));
                            }
                            Variant::Broken => {
                                let present = B::lock(&cache).contains_key(&key);
                                if !present {
                                    let value = create(key);
                                    B::lock(&cache).insert(key, value);
                                }
                            }
                        }
                    }
                })
            })
            .collect();
        for thread in threads {
            B::join(thread).expect("client panicked");
        }
        let creations = created.load(Ordering::SeqCst);
        invariant!(
            creations == self.keys,
            "{creations} creations for {} keys: some key was created twice",
            self.keys
        );
    }
}

impl Mistake for CheckThenAct {
    const CAUGHT_AS: FailureKind = FailureKind::Assertion;
    const TRACE_SHOWS: &'static [&'static str] = &[
        "lock mutex, unlock",
        "lock mutex, unlock",
        "add 1 atomic → was 0",
        "add 1 atomic → was 1",
        "created twice",
    ];
}
