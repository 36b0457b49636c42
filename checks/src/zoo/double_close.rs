//! Double close: every producer closes the shared channel when it is done.
//!
//! Go: each producer runs `defer close(out)`; the second close panics with `close of closed
//! channel` (and a send after the first close panics too). The kit returns `CloseError` and
//! `SendError::Closed`, and a producer that asserts its close succeeded panics, as Go does.
//! Correct: producers signal a WaitGroup; one closer waits for all of them, then closes once.

use super::{broken_instances, zoo_entry, Mistake, Variant};
use crate::harness::{FailureKind, Scenario};
use crate::invariant;
use patterns::{chan, Backend, WaitGroup};

zoo_entry! {
    /// Producers share one output channel; the consumer sees every value, then the close.
    pub struct DoubleClose {
        /// Producer threads.
        pub producers: usize,
        /// Values per producer.
        pub values: usize,
    }
}

impl Scenario for DoubleClose {
    const NAME: &'static str = "zoo::double_close";
    // The correct variant's four threads over a shared channel: unbounded loom runs for minutes.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "a channel is closed once, after its last send";
    broken_instances! {
        small: { producers: 2, values: 1 },
        large: { producers: 4, values: 5 },
    }
    fn run<B: Backend>(&self) {
        let (out, merged) = chan::bounded_in::<B, usize>(1);
        let wg = WaitGroup::<B>::new_in();
        wg.add(self.producers as i64);
        let (values, variant) = (self.values, self.variant);
        let mut threads: Vec<_> = (0..self.producers)
            .map(|p| {
                let (out, wg) = (out.clone(), wg.clone());
                B::spawn(&format!("producer-{p}"), move || {
                    for i in 0..values {
                        if let Err(refused) = out.send(p * values + i) {
                            panic!("{refused}");
                        }
                    }
                    match variant {
                        Variant::Correct => wg.done(),
                        Variant::Broken => out.close().unwrap_or_else(|e| panic!("{e}")),
                    }
                })
            })
            .collect();
        if variant == Variant::Correct {
            let out = out.clone();
            threads.push(B::spawn("closer", move || {
                wg.wait();
                out.close().expect("the only closer closes once");
            }));
        }
        drop(out);
        let received = merged.iter().count();
        for thread in threads {
            B::join(thread).expect("producer panicked");
        }
        let sent = self.producers * self.values;
        invariant!(received == sent, "received {received} of {sent} values");
    }
}

impl Mistake for DoubleClose {
    const CAUGHT_AS: FailureKind = FailureKind::Panic;
    const TRACE_SHOWS: &'static [&'static str] = &[
        "close chan",
        "send chan → closed",
        "send on a closed channel",
    ];
    const DETERMINISTIC: bool = true;
}
