//! A consumer that holds a sender of the channel it ranges over: the channel never closes.
//!
//! Go: `go func() { for v := range ch { … } }()` where the channel is never closed (here: the
//! consumer keeps a sender alive itself, the Rust form of the same mistake). The producer finishes,
//! the caller returns, and the consumer waits for more forever: a goroutine leak.
//! Correct: only producers hold senders, and the last one to finish closes the channel.

use super::{broken_instances, zoo_entry, Mistake, Variant};
use crate::harness::{FailureKind, Scenario};
use crate::invariant;
use patterns::{chan, Atomic, AtomicInt, Backend};
use std::sync::atomic::Ordering;
use std::sync::Arc;

zoo_entry! {
    /// A producer sends values to a detached consumer, which must finish once the producer is done.
    pub struct ConsumerHoldsSender {
        /// Values sent.
        pub values: usize,
    }
}

impl Scenario for ConsumerHoldsSender {
    const NAME: &'static str = "zoo::consumer_holds_sender";
    const INVARIANT: &'static str = "the consumer ends once the producer is done";
    broken_instances! {
        small: { values: 1 },
        large: { values: 10 },
    }
    fn run<B: Backend>(&self) {
        let (tx, rx) = chan::bounded_in::<B, usize>(1);
        let consumed = Arc::new(B::AtomicUsize::new(0));
        let kept_sender = match self.variant {
            Variant::Correct => None,
            Variant::Broken => Some(tx.clone()),
        };
        let counter = Arc::clone(&consumed);
        // Detached: the scenario never joins it, trusting it to end when the channel closes.
        drop(B::spawn("consumer", move || {
            let _kept_sender = kept_sender;
            for _ in &rx {
                counter.fetch_add(1, Ordering::SeqCst);
            }
        }));
        let values = self.values;
        let producer = B::spawn("producer", move || {
            for i in 0..values {
                tx.send(i).expect("the consumer is alive");
            }
        });
        B::join(producer).expect("producer panicked");
        let seen = consumed.load(Ordering::SeqCst);
        invariant!(seen <= values, "consumed {seen} of {values} values");
    }
}

impl Mistake for ConsumerHoldsSender {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    const TRACE_SHOWS: &'static [&'static str] = &[
        "send chan",
        "recv chan → a value",
        "recv chan (never returned)",
        "'producer' (finished)",
        "nothing wakes it",
    ];
    const DETERMINISTIC: bool = true;
}
