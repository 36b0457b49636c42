//! The `Loom` backend: the kit's code under loom's exhaustive (DPOR) schedule exploration.

use super::model::{model_atomic, model_backend};

/// loom's mock of std: every interleaving (up to the run's preemption bound) gets explored.
///
/// Limits to keep in mind: at most 5 threads per execution (main and the timer thread count), no
/// random choice (`choose` is always 0: loom explores interleavings, not `select`'s coin flips),
/// and every spin loop must yield.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Loom;

model_backend!(Loom, loom, "loom", |_| 0);
