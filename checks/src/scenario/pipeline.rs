//! Scenarios of the pipeline.

use crate::harness::Scenario;
use crate::invariant;
use patterns::{pipeline, Backend, Context};
use serde::{Deserialize, Serialize};

/// generate → +1 → ×2 → …: the output is the composition of the stages applied to every value, in
/// order, and it closes after the last value (close propagates).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputIsCompositionInOrder {
    /// Values generated.
    pub values: usize,
    /// Transform stages after the generator (alternately +1 and ×2).
    pub stages: usize,
    /// Capacity of every channel between stages.
    pub capacity: usize,
}

fn apply(stages: usize, value: usize) -> usize {
    (0..stages).fold(value, |v, s| if s % 2 == 0 { v + 1 } else { v * 2 })
}

impl Scenario for OutputIsCompositionInOrder {
    const NAME: &'static str = "pipeline::output_is_composition_in_order";
    // Bounded, as exhaustive exploration does not finish within 30 s: 700,000 schedules in 40 s
    // unfinished (2026-11-30). A hand-over costs loom 3-6 branch points, more through a select
    // (`cargo xtask cost`), and three or four threads each make several here. Bound 3: 39,360
    // schedules, 2.2 s.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(3);
    fn small() -> Self {
        Self {
            values: 2,
            stages: 1,
            capacity: 0,
        }
    }
    fn large() -> Self {
        Self {
            values: 50,
            stages: 4,
            capacity: 1,
        }
    }
    fn run<B: Backend>(&self) {
        let ctx = Context::<B>::background_in();
        let mut stream = pipeline::generate(&ctx, self.capacity, 0..self.values);
        for s in 0..self.stages {
            stream = pipeline::stage(&ctx, self.capacity, stream, move |v: usize| {
                if s % 2 == 0 {
                    v + 1
                } else {
                    v * 2
                }
            });
        }
        let out: Vec<usize> = stream.iter().collect();
        let expected: Vec<usize> = (0..self.values).map(|v| apply(self.stages, v)).collect();
        invariant!(
            out == expected,
            "the output must be the stages composed, in order: got {out:?}, expected {expected:?}"
        );
    }
}

/// The sink stops after a few values — by cancelling the context, or by dropping its input —
/// and every stage upstream exits: no thread is left blocked (the leak check sees to it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownstreamStopEndsEveryStage {
    /// Transform stages after the generator.
    pub stages: usize,
    /// Values the sink takes before it stops.
    pub take: usize,
    /// Stop by cancelling (else by dropping the sink's input).
    pub by_cancel: bool,
}

impl Scenario for DownstreamStopEndsEveryStage {
    const NAME: &'static str = "pipeline::downstream_stop_ends_every_stage";
    // Bounded, as exhaustive exploration does not finish within 30 s: 700,000 schedules in 40 s
    // unfinished (2026-11-30). A hand-over costs loom 3-6 branch points, more through a select
    // (`cargo xtask cost`), and three or four threads each make several here. Bound 2: 4,322
    // schedules, 0.2 s.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    fn small() -> Self {
        Self {
            stages: 1,
            take: 1,
            by_cancel: false,
        }
    }
    fn large() -> Self {
        Self {
            stages: 5,
            take: 7,
            by_cancel: true,
        }
    }
    fn run<B: Backend>(&self) {
        let (ctx, cancel) = Context::<B>::background_in().with_cancel();
        // An endless generator: only the stop can end it.
        let mut stream = pipeline::generate(&ctx, 0, 0..);
        for _ in 0..self.stages {
            stream = pipeline::stage(&ctx, 0, stream, |v: usize| v);
        }
        let taken: Vec<usize> = stream.iter().take(self.take).collect();
        if self.by_cancel {
            cancel.cancel();
        }
        drop(stream);
        invariant!(
            taken == (0..self.take).collect::<Vec<_>>(),
            "a stop downstream must end every stage; the sink got {taken:?}"
        );
    }
}
