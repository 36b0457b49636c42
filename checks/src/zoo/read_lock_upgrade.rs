//! A read lock "upgraded" to a write lock: the writer waits for every reader, itself included.
//!
//! Go:
//!
//! ```go
//! mu.RLock()
//! if _, ok := cache[key]; !ok {
//!     mu.Lock() // waits for all readers to leave, and this goroutine is one: deadlock
//!     cache[key] = compute(key)
//!     mu.Unlock()
//! }
//! mu.RUnlock()
//! ```
//!
//! Correct: release the read lock, take the write lock, and check again (another writer may have
//! filled the entry in between).

use super::{broken_instances, zoo_entry, Mistake, Variant};
use crate::harness::{FailureKind, Scenario};
use crate::invariant;
use patterns::{Backend, RwMutex};
use std::collections::BTreeMap;
use std::sync::Arc;

zoo_entry! {
    /// Threads look a key up in a cache and fill it if it is missing: each key is computed once.
    pub struct ReadLockUpgrade {
        /// Threads filling the same key.
        pub threads: usize,
    }
}

impl Scenario for ReadLockUpgrade {
    const NAME: &'static str = "zoo::read_lock_upgrade";
    const INVARIANT: &'static str = "the cache is filled once and nobody waits forever";
    broken_instances! {
        small: { threads: 2 },
        large: { threads: 4 },
    }
    fn run<B: Backend>(&self) {
        let cache = Arc::new(RwMutex::<BTreeMap<u32, u32>, B>::new_in(BTreeMap::new()));
        let variant = self.variant;
        let threads: Vec<_> = (0..self.threads)
            .map(|t| {
                let cache = Arc::clone(&cache);
                B::spawn(&format!("filler-{t}"), move || {
                    let read = cache.read();
                    if read.contains_key(&7) {
                        return;
                    }
                    match variant {
                        Variant::Broken => {
                            // The read guard is still alive: the writer waits for it forever.
                            let mut write = cache.write();
                            write.entry(7).or_insert(49);
                            drop(read);
                        }
                        Variant::Correct => {
                            drop(read);
                            cache.write().entry(7).or_insert(49);
                        }
                    }
                })
            })
            .collect();
        for thread in threads {
            B::join(thread).expect("filler panicked");
        }
        invariant!(
            cache.read().get(&7) == Some(&49),
            "the missing entry must be filled"
        );
    }
}

impl Mistake for ReadLockUpgrade {
    const CAUGHT_AS: FailureKind = FailureKind::Deadlock;
    const TRACE_SHOWS: &'static [&'static str] = &[
        "read lock rwmutex",
        "lock rwmutex (never returned)",
        "which it holds itself",
    ];
    const DETERMINISTIC: bool = true;
}
