//! The harness's backends: loom and shuttle models, and `Real` threads with thread tracking;
//! beside them what every backend shares: the thread registry and tracking, the recorder of a
//! traced execution, unwinding out of an abandoned one, and `Harnessed`.
//!
//! All three track every thread a scenario spawns in a [`registry::Registry`], so the harness can
//! tell a leaked thread (blocked forever after the scenario returned) from a deadlock, and name
//! the line each stuck thread is blocked at.

mod harnessed;
pub(crate) mod loom;
pub(crate) mod model;
pub(crate) mod next_op;
mod race;
mod real;
pub(crate) mod recorder;
pub mod registry;
mod shuttle;
pub(crate) mod tracking;
pub(crate) mod unwind;

pub use self::harnessed::Harnessed;
pub use self::loom::Loom;
pub use self::real::Real;
pub use self::shuttle::Shuttle;
pub use model::ModelAtomic;
pub use tracking::TrackedJoin;
