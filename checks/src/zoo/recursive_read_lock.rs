//! A recursive read lock: a reader locks again while a writer waits, and Go's writer preference
//! makes the second read wait for the writer, which waits for the first read.
//!
//! Go (`sync.RWMutex`: "recursive read locking is prohibited"):
//!
//! ```go
//! func (c *Cache) Get(k string) string {
//!     c.mu.RLock(); defer c.mu.RUnlock()
//!     return c.lookup(k)      // lookup takes c.mu.RLock() again
//! }
//! ```
//!
//! Correct: take the read lock once and call helpers that expect it held.

use super::{broken_instances, zoo_entry, Mistake, Variant};
use crate::harness::{FailureKind, Scenario};
use crate::invariant;
use patterns::{Backend, RwMutex};
use std::sync::Arc;

zoo_entry! {
    /// A reader looks a value up twice while a writer updates it: everyone finishes.
    pub struct RecursiveReadLock {}
}

impl Scenario for RecursiveReadLock {
    const NAME: &'static str = "zoo::recursive_read_lock";
    const INVARIANT: &'static str = "the reader and the writer both finish";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let value = Arc::new(RwMutex::<u32, B>::new_in(1));
        let writer_value = Arc::clone(&value);
        let writer = B::spawn("writer", move || *writer_value.write() += 1);
        let outer = value.read();
        let inner = match self.variant {
            // Waits behind the writer if it is already waiting, which waits for `outer`.
            Variant::Broken => *value.read(),
            Variant::Correct => *outer,
        };
        invariant!(inner == *outer, "one read lock sees one value");
        drop(outer);
        B::join(writer).expect("writer panicked");
        invariant!(*value.read() == 2, "the write must land");
    }
}

impl Mistake for RecursiveReadLock {
    const CAUGHT_AS: FailureKind = FailureKind::Deadlock;
    const TRACE_SHOWS: &'static [&'static str] = &[
        "read lock rwmutex",
        "lock rwmutex (never returned)",
        "read lock rwmutex (never returned)",
        "a waiting writer holds back every new reader",
        "a wait-for cycle",
    ];
}
