//! The bug zoo: the course's common mistakes, each a small broken variant beside the correct
//! code, behind the same scenario. The harness must catch the broken variant with the right
//! failure kind, and the correct one must pass the very same scenario and budget.

pub mod forgotten_close;
pub mod lock_order;
pub mod lost_update;
pub mod wait_group_misuse;

use crate::harness::{FailureKind, Scenario};
use serde::{Deserialize, Serialize};

/// Which version of the code a zoo scenario runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Variant {
    /// The course's correct code.
    Correct,
    /// The mistake.
    Broken,
}

/// A zoo entry: a scenario whose instance chooses the correct or the broken code.
pub trait Mistake: Scenario {
    /// How the harness must report the broken variant.
    const CAUGHT_AS: FailureKind;
    /// The same instance, running `variant`.
    fn with_variant(self, variant: Variant) -> Self;
}
