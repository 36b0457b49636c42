//! Explaining a failure: shrinking it to its smallest instance and schedule, replaying that with
//! the recorder on for its trace, and the replay file that runs it again.

pub(crate) mod minimal;
pub mod replay;
pub(crate) mod shrink;
