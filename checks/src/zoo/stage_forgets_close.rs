//! A pipeline stage that does not forward close: its output never ends.
//!
//! Go:
//!
//! ```go
//! func square(in <-chan int, out chan<- int) {
//!     for v := range in { out <- v * v }
//!     // missing: close(out)
//! }
//! ```
//!
//! The next stage's `for v := range out` waits forever. In Rust the last sender's drop closes a
//! channel, so the mistake bites where the caller made the channel and kept a sender of it (the
//! classic "forgot `drop(tx)`"): the stage's own drop is not the last, only its explicit close
//! would be. Correct: the stage closes its output once its input is drained.

use super::{broken_instances, zoo_entry, Mistake, Variant};
use crate::harness::{FailureKind, Scenario};
use crate::invariant;
use patterns::{chan, Backend};

zoo_entry! {
    /// Numbers through a squaring stage: the consumer receives every square, in order, then the
    /// end.
    pub struct StageForgetsClose {
        /// Values fed to the stage.
        pub values: usize,
    }
}

impl Scenario for StageForgetsClose {
    const NAME: &'static str = "zoo::stage_forgets_close";
    // Unbounded, the correct variant runs for minutes.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "the stage's output ends once its input has";
    broken_instances! {
        small: { values: 2 },
        large: { values: 10 },
    }
    fn run<B: Backend>(&self) {
        let (input_tx, input) = chan::bounded_in::<B, usize>(1);
        // The caller makes the stage's output channel and keeps a sender of it.
        let (output_tx, output) = chan::bounded_in::<B, usize>(1);
        let values = self.values;
        let producer = B::spawn("producer", move || {
            for value in 0..values {
                input_tx.send(value).expect("the stage receives");
            }
        });
        let (out, variant) = (output_tx.clone(), self.variant);
        let stage = B::spawn("square", move || {
            for value in &input {
                out.send(value * value).expect("the consumer receives");
            }
            if variant == Variant::Correct {
                out.close().expect("the stage closes its output once");
            }
        });
        let squares: Vec<usize> = output.iter().collect();
        let expected: Vec<usize> = (0..values).map(|v| v * v).collect();
        invariant!(
            squares == expected,
            "got {squares:?}, expected {expected:?}"
        );
        B::join(producer).expect("producer panicked");
        B::join(stage).expect("stage panicked");
        drop(output_tx);
    }
}

impl Mistake for StageForgetsClose {
    const CAUGHT_AS: FailureKind = FailureKind::Deadlock;
    const TRACE_SHOWS: &'static [&'static str] = &[
        "recv chan#2 (never returned)",
        "drop last sender chan#1",
        "recv chan#1 → closed",
        "'square' (finished)",
    ];
    const DETERMINISTIC: bool = true;
}
