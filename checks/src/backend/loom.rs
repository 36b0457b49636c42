//! The `Loom` backend: the kit's code under loom's exhaustive (DPOR) schedule exploration.

use super::model::{model_atomic, model_backend, ThreadIndex};
use super::registry::ThreadKey;
use std::cell::Cell;

/// loom's mock of std: every interleaving (up to the run's preemption bound) gets explored.
///
/// Limits to keep in mind: at most 5 threads per execution (main and the timer thread count), no
/// random choice (`choose` is always 0: loom explores interleavings, not `select`'s coin flips),
/// and every spin loop must yield. Inputs (`Backend::input`) are explored: the loom runner
/// explores the schedules once per combination of input values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Loom;

loom::thread_local! {
    /// This model thread's index in the registry (0: the scenario's main thread).
    static INDEX: Cell<usize> = Cell::new(0);
}

/// The inputs of one loom exploration: the values `Backend::input` returns, by the order of the
/// draws in an execution, and the most alternatives each draw was asked for in any execution.
///
/// loom runs every model thread of an exploration on the OS thread that called it, and replays a
/// schedule by re-running the execution, so the values must be fixed for a whole exploration:
/// the runner sets a script, loom explores every schedule with it, and the arities seen name the
/// next script to try (see `next_script`).
pub(crate) mod inputs {
    use std::cell::RefCell;

    #[derive(Default)]
    pub(super) struct Inputs {
        /// The value of each draw, by position; a draw past the script's end is 0.
        pub(super) script: Vec<usize>,
        /// The draws made so far in the current execution.
        pub(super) drawn: usize,
        /// The largest `n` of each position's draw, over the exploration's executions.
        pub(super) arities: Vec<usize>,
    }

    std::thread_local! {
        pub(super) static INPUTS: RefCell<Inputs> = RefCell::new(Inputs::default());
    }

    /// Starts an exploration in which the draws return `script`'s values.
    pub(crate) fn begin_exploration(script: &[usize]) {
        INPUTS.with(|inputs| {
            *inputs.borrow_mut() = Inputs {
                script: script.to_vec(),
                ..Inputs::default()
            };
        });
    }

    /// Starts one execution of the exploration: its draws begin again at position 0.
    pub(crate) fn begin_execution() {
        INPUTS.with(|inputs| inputs.borrow_mut().drawn = 0);
    }

    /// Ends an exploration: the largest `n` each position's draw asked for.
    pub(crate) fn end_exploration() -> Vec<usize> {
        INPUTS.with(|inputs| std::mem::take(&mut *inputs.borrow_mut()).arities)
    }

    /// The script after `script` in a depth-first walk of every combination of input values, given
    /// the arities an exploration with `script` saw; `None` when every combination was explored.
    /// The last position that still has a value left moves on to it, and the positions after it
    /// start again at 0 (their arities may differ in the explorations to come).
    pub(crate) fn next_script(script: &[usize], arities: &[usize]) -> Option<Vec<usize>> {
        (0..arities.len()).rev().find_map(|position| {
            let value = script.get(position).copied().unwrap_or(0);
            (value + 1 < arities[position]).then(|| {
                let mut next: Vec<usize> = (0..position)
                    .map(|earlier| script.get(earlier).copied().unwrap_or(0))
                    .collect();
                next.push(value + 1);
                next
            })
        })
    }
}

/// `Backend::input` under loom: the script's value for this draw (0 past its end, and taken
/// modulo `n` where an execution's draw at this position has fewer alternatives).
fn input(n: usize) -> usize {
    assert!(n > 0, "Backend::input(0): no value to draw");
    inputs::INPUTS.with(|inputs| {
        let mut inputs = inputs.borrow_mut();
        let position = inputs.drawn;
        inputs.drawn += 1;
        if inputs.arities.len() <= position {
            inputs.arities.resize(position + 1, 0);
        }
        inputs.arities[position] = inputs.arities[position].max(n);
        inputs.script.get(position).map_or(0, |value| value % n)
    })
}

model_backend!(
    Loom,
    loom,
    "loom",
    |_| 0,
    input,
    ThreadIndex {
        me: || ThreadKey::Index(INDEX.with(Cell::get)),
        enter: |index| INDEX.with(|me| me.set(index)),
    },
    // loom's condition variable never wakes spuriously and loom has no random choice to explore
    // one with: a wait without its loop is invisible to loom (shuttle sees it).
    || false,
    super::race::LoomLog
);

#[cfg(test)]
mod tests {
    use super::inputs::next_script;

    #[test]
    fn scripts_walk_every_combination_once() {
        // Two draws of 2 and 3 values: six scripts, each once, then none.
        let arities = [2, 3];
        let mut script = Vec::new();
        let mut seen = vec![script.clone()];
        while let Some(next) = next_script(&script, &arities) {
            script = next;
            seen.push(script.clone());
        }
        let padded: Vec<Vec<usize>> = seen
            .iter()
            .map(|s| (0..2).map(|i| s.get(i).copied().unwrap_or(0)).collect())
            .collect();
        let mut sorted = padded.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 6, "{padded:?}");
        assert_eq!(padded.len(), 6, "{padded:?}");
    }

    #[test]
    fn no_draw_means_one_exploration() {
        assert_eq!(next_script(&[], &[]), None);
    }
}
