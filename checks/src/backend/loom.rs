//! The `Loom` backend: the kit's code under loom's exhaustive (DPOR) schedule exploration.

use super::model::{model_atomic, model_backend, ThreadIndex};
use super::registry::ThreadKey;
use std::cell::Cell;

/// loom's mock of std: every interleaving (up to the run's preemption bound) gets explored.
///
/// Limits to keep in mind: at most 5 threads per execution (main and the timer thread count), no
/// random choice (`choose` is always 0: loom explores interleavings, not `select`'s coin flips),
/// and every spin loop must yield.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Loom;

loom::thread_local! {
    /// This model thread's index in the registry (0: the scenario's main thread).
    static INDEX: Cell<usize> = Cell::new(0);
}

model_backend!(
    Loom,
    loom,
    "loom",
    |_| 0,
    ThreadIndex {
        me: || ThreadKey::Index(INDEX.with(Cell::get)),
        enter: |index| INDEX.with(|me| me.set(index)),
    },
    // loom's condition variable never wakes spuriously and loom has no random choice to explore
    // one with: a wait without its loop is invisible to loom (shuttle sees it).
    || false
);
