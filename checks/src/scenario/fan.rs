//! Scenarios of fan-out and fan-in.

use crate::harness::Scenario;
use crate::invariant;
use crate::support::sorted;
use patterns::{chan, Backend, Context};
use patterns::{fan, or_done};
use serde::{Deserialize, Serialize};

/// Merging several inputs: the output is exactly the union of the inputs, each input's order is
/// kept, and the output closes (ending the consumer's loop) once every input has closed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeKeepsEveryValueInInputOrder {
    /// Input channels.
    pub inputs: usize,
    /// Values per input.
    pub per_input: usize,
    /// Whether each input has its own producer thread (else inputs are filled, then closed).
    pub live_producers: bool,
}

impl Scenario for MergeKeepsEveryValueInInputOrder {
    const NAME: &'static str = "fan::merge_keeps_every_value_in_input_order";
    // Bounded, as exhaustive exploration does not finish within 30 s: 700,000 schedules in 41 s
    // unfinished (2026-11-30). A hand-over costs loom 3-6 branch points, more through a select
    // (`cargo xtask cost`), and three or four threads each make several here. Bound 2: 6,687
    // schedules, 0.4 s.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    fn small() -> Self {
        Self {
            inputs: 2,
            per_input: 2,
            live_producers: false,
        }
    }
    fn large() -> Self {
        Self {
            inputs: 4,
            per_input: 20,
            live_producers: true,
        }
    }
    fn run<B: Backend>(&self) {
        let ctx = Context::<B>::background_in();
        let mut inputs = Vec::new();
        for input in 0..self.inputs {
            let (tx, rx) = chan::bounded_in::<B, usize>(self.per_input);
            let values: Vec<usize> = (0..self.per_input).map(|i| input * 1000 + i).collect();
            if self.live_producers {
                drop(B::spawn(&format!("producer-{input}"), move || {
                    values
                        .into_iter()
                        .for_each(|v| tx.send(v).expect("merge reads every input"))
                }));
            } else {
                values
                    .into_iter()
                    .for_each(|v| tx.send(v).expect("room for every value"));
            }
            inputs.push(rx);
        }
        let merged: Vec<usize> = fan::merge(&ctx, inputs).iter().collect();
        for input in 0..self.inputs {
            let mine: Vec<usize> = merged
                .iter()
                .copied()
                .filter(|v| v / 1000 == input)
                .collect();
            let sent: Vec<usize> = (0..self.per_input).map(|i| input * 1000 + i).collect();
            invariant!(mine == sent, "the merge must keep each input's order: input {input} sent {sent:?}, merged {mine:?}");
        }
        invariant!(
            merged.len() == self.inputs * self.per_input,
            "the merge must carry every value of every input: merged {} values of {}",
            merged.len(),
            self.inputs * self.per_input
        );
    }
}

/// A consumer that stops early and cancels: every producer and forwarder exits — none is left
/// blocked (the leak check sees to it) — and what it did receive is distinct and genuine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarlyStopLeavesNoThreadBlocked {
    /// Input channels, each with a producer that would send forever.
    pub inputs: usize,
    /// Values the consumer takes before it cancels.
    pub take: usize,
}

impl Scenario for EarlyStopLeavesNoThreadBlocked {
    const NAME: &'static str = "fan::early_stop_leaves_no_thread_blocked";
    // Bounded, as exhaustive exploration does not finish within 30 s: 700,000 schedules in 42 s
    // unfinished (2026-11-30). A hand-over costs loom 3-6 branch points, more through a select
    // (`cargo xtask cost`), and three or four threads each make several here. Bound 2: 5,681
    // schedules, 0.3 s.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    fn small() -> Self {
        Self { inputs: 1, take: 1 }
    }
    fn large() -> Self {
        Self {
            inputs: 4,
            take: 10,
        }
    }
    fn run<B: Backend>(&self) {
        let (ctx, cancel) = Context::<B>::background_in().with_cancel();
        let inputs = (0..self.inputs)
            .map(|input| {
                let (tx, rx) = chan::bounded_in::<B, usize>(0);
                let ctx = ctx.clone();
                drop(B::spawn(&format!("producer-{input}"), move || {
                    let mut next = input * 1000;
                    while or_done::send(&ctx, &tx, next).is_ok() {
                        next += 1;
                    }
                }));
                rx
            })
            .collect();
        let merged = fan::merge(&ctx, inputs);
        let taken: Vec<usize> = merged.iter().take(self.take).collect();
        cancel.cancel();
        drop(merged);
        invariant!(
            taken.len() == self.take,
            "the merge closed early: {taken:?}"
        );
        invariant!(
            sorted(&taken).windows(2).all(|w| w[0] != w[1]),
            "a value arrived twice: {taken:?}"
        );
    }
}

/// Fanning one input out over several workers: each value is processed exactly once, and the
/// merged output closes once the input is drained.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FanOutProcessesEachValueOnce {
    /// Worker threads.
    pub workers: usize,
    /// Values in the input.
    pub values: usize,
}

impl Scenario for FanOutProcessesEachValueOnce {
    const NAME: &'static str = "fan::fan_out_processes_each_value_once";
    // Bounded, as exhaustive exploration does not finish within 30 s: 700,000 schedules in 38 s
    // unfinished (2026-11-30). A hand-over costs loom 3-6 branch points, more through a select
    // (`cargo xtask cost`), and three or four threads each make several here. Bound 3: 25,136
    // schedules, 1.4 s.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(3);
    fn small() -> Self {
        Self {
            workers: 2,
            values: 2,
        }
    }
    fn large() -> Self {
        Self {
            workers: 4,
            values: 40,
        }
    }
    fn run<B: Backend>(&self) {
        let ctx = Context::<B>::background_in();
        let (tx, rx) = chan::bounded_in::<B, usize>(self.values);
        (0..self.values).for_each(|v| tx.send(v).expect("room for every value"));
        drop(tx);
        let out: Vec<usize> = fan::fan_out(&ctx, rx, self.workers, |v| v * 3)
            .iter()
            .collect();
        let expected: Vec<usize> = (0..self.values).map(|v| v * 3).collect();
        invariant!(
            sorted(&out) == expected,
            "fan-out must process each value exactly once: produced {out:?}"
        );
    }
}
