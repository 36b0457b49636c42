//! GoKer `etcd_9446` (etcd PR #9446): resetting a read transaction deletes from its read
//! buffer's bucket map while a concurrent range looks a key up in the same map, with no lock
//! between them (a data race on the map).
//!
//! Ports `gobench/goker/nonblocking/etcd/9446/etcd9446_test.go` (GoBench: traditional, data race).
//! The test starts a goroutine and waits on a WaitGroup for it and the two goroutines it starts.
//! That goroutine makes a read transaction whose read buffer holds the bucket map, puts key "1"
//! in it, and starts one goroutine that resets the transaction (`reset` ranges over the map, a
//! read, and deletes each key, a write) and one that ranges over it (`UnsafeRange` looks key "1"
//! up, a read). Nothing orders the reset's delete and the range's lookup: Go's race detector
//! reports the delete racing with the lookup, whichever runs first, so every schedule of the
//! model checkers that makes both accesses fails. The map is one `RaceCell` (a Go map races as a
//! whole: a lookup or a range is a read, a delete a write). Fix (the upstream fix, "defrag to
//! block concurrent read requests while resetting tx"): the read transaction's `RWMutex` is held
//! for writing around the reset and for reading around the range.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{Backend, RaceCell, RwMutex, WaitGroup};
use std::collections::HashMap;
use std::sync::Arc;

zoo_entry! {
    /// A read transaction is reset while a range reads its buffer.
    pub struct Etcd9446 {}
}

/// The kernel's `txBuffer`: the bucket map, plain shared data.
struct TxBuffer<B: Backend> {
    buckets: RaceCell<HashMap<&'static str, ()>, B>,
}

impl<B: Backend> TxBuffer<B> {
    fn reset(&self) {
        // Go's `for k := range m { delete(m, k) }`: the range reads the map, each delete writes it.
        let keys: Vec<&'static str> = self.buckets.read(|m| m.keys().copied().collect());
        for k in keys {
            self.buckets.update(|m| m.remove(k));
        }
    }
}

/// The kernel's `txReadBuffer`, which embeds the `txBuffer`.
struct TxReadBuffer<B: Backend> {
    tx_buffer: TxBuffer<B>,
}

impl<B: Backend> TxReadBuffer<B> {
    fn range(&self) {
        let _ = self.tx_buffer.buckets.read(|m| m.get("1").copied());
    }
}

struct ReadTx<B: Backend> {
    buf: TxReadBuffer<B>,
    /// The fix's `mu`: the read transaction's lock (the kernel has none).
    mu: RwMutex<(), B>,
}

impl<B: Backend> ReadTx<B> {
    fn reset(&self) {
        self.buf.tx_buffer.reset();
    }

    fn unsafe_range(&self) {
        self.buf.range();
    }
}

impl Scenario for Etcd9446 {
    const NAME: &'static str = "goker::etcd_9446";
    // Unbounded, the fix passes in 120,448 schedules (6 s); a data race shows on any schedule that
    // makes both accesses, whatever its preemptions, so a bound of 2 loses little.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "the reset and the range of the read buffer never race";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let wg = WaitGroup::<B>::new_in();
        wg.add(3);
        let done = wg.clone();
        drop(B::spawn("txn", move || {
            let txn = Arc::new(ReadTx::<B> {
                buf: TxReadBuffer {
                    tx_buffer: TxBuffer {
                        buckets: RaceCell::new_in(HashMap::new()),
                    },
                },
                mu: RwMutex::new_in(()),
            });
            txn.buf.tx_buffer.buckets.update(|m| m.insert("1", ()));
            let (resetting, reset_done) = (Arc::clone(&txn), done.clone());
            drop(B::spawn("reset", move || {
                if fixed {
                    let _locked = resetting.mu.write();
                    resetting.reset();
                } else {
                    resetting.reset();
                }
                reset_done.done();
            }));
            let (ranging, range_done) = (Arc::clone(&txn), done.clone());
            drop(B::spawn("unsafe-range", move || {
                if fixed {
                    let _locked = ranging.mu.read();
                    ranging.unsafe_range();
                } else {
                    ranging.unsafe_range();
                }
                range_done.done();
            }));
            done.done();
        }));
        wg.wait();
    }
}

impl Mistake for Etcd9446 {
    const CAUGHT_AS: FailureKind = FailureKind::DataRace;
    const TRACE_SHOWS: &'static [&'static str] = &["read cell", "write cell", "data race"];
}

impl Kernel for Etcd9446 {
    const GOKER: Goker = Goker {
        project: "etcd",
        id: 9446,
        class: Class::NonBlocking,
        kind: "Traditional",
        subtype: "Data race",
    };
}
