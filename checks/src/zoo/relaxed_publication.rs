//! Relaxed publication: data handed over through a `Relaxed` flag, no happens-before edge.
//!
//! Go (where `sync/atomic` is sequentially consistent, the mistake is a plain variable as the
//! flag, which the race detector reports):
//!
//! ```go
//! data = 42
//! ready = true             // plain write: no happens-before edge to the reader
//! …
//! for !ready {}            // plain read
//! use(data)                // may see 0
//! ```
//!
//! In Rust the same mistake is `Ordering::Relaxed` on the flag. Correct: `Release` on the store,
//! `Acquire` on the load (or any of the kit's primitives, each a happens-before edge: see the
//! `memory_model::*` scenarios).
//!
//! Only loom can see it: it explores weak-memory outcomes, in which the reader sees the flag set
//! and the data not yet. shuttle's atomics are sequentially consistent, and x86 keeps stores in
//! order, so shuttle and real threads there miss it: the detection matrix shows that honestly.

use super::{broken_instances, zoo_entry, Mistake, Variant};
use crate::harness::{CheckerKind, FailureKind, Scenario};
use crate::invariant;
use patterns::{Atomic, Backend};
use std::sync::atomic::Ordering;
use std::sync::Arc;

zoo_entry! {
    /// A writer publishes a value and raises a flag; a reader that sees the flag reads the value.
    pub struct RelaxedPublication {}
}

impl Scenario for RelaxedPublication {
    const NAME: &'static str = "zoo::relaxed_publication";
    const INVARIANT: &'static str = "a reader that sees the flag sees the data published before it";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let (store, load) = match self.variant {
            Variant::Correct => (Ordering::Release, Ordering::Acquire),
            Variant::Broken => (Ordering::Relaxed, Ordering::Relaxed),
        };
        let data = Arc::new(B::AtomicUsize::new(0));
        let ready = Arc::new(B::AtomicBool::new(false));
        let (writer_data, writer_ready) = (Arc::clone(&data), Arc::clone(&ready));
        let writer = B::spawn("writer", move || {
            writer_data.store(42, Ordering::Relaxed);
            writer_ready.store(true, store);
        });
        // One look, no spin: whenever the flag is seen set, the data must be there.
        if ready.load(load) {
            let value = data.load(Ordering::Relaxed);
            invariant!(
                value == 42,
                "the flag was seen set but the data read {value}: the flag's store and load \
                 need Release and Acquire"
            );
        }
        B::join(writer).expect("writer panicked");
    }
}

impl Mistake for RelaxedPublication {
    const CAUGHT_AS: FailureKind = FailureKind::Assertion;
    const TRACE_SHOWS: &'static [&'static str] = &[
        "store atomic#1 ← 42",
        "store atomic#2 ← true",
        "load atomic#2 → true",
        "load atomic#1 → 0",
    ];
    const MISSED_BY: &'static [CheckerKind] = &[
        CheckerKind::ShuttleRandom,
        CheckerKind::ShuttlePct,
        CheckerKind::ShuttleUrw,
        CheckerKind::ShuttlePos,
        CheckerKind::ShuttlePortfolio,
        CheckerKind::ShuttleDfs,
    ];
}
