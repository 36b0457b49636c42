//! The user's scenario, shared by the loom and the shuttle tests.

use checks::harness::Scenario;
use checks::invariant;
use patterns::Backend;
use serde::{Deserialize, Serialize};

/// Every value the workers take ends up in the total.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SumIsComplete {
    pub workers: usize,
    pub values: u64,
    /// The lost-update version instead of the correct one.
    pub racy: bool,
}

impl Scenario for SumIsComplete {
    const NAME: &'static str = "user::sum_is_complete";
    fn small() -> Self {
        Self {
            workers: 2,
            values: 2,
            racy: false,
        }
    }
    fn large() -> Self {
        Self {
            workers: 4,
            values: 20,
            racy: false,
        }
    }
    fn run<B: Backend>(&self) {
        let values: Vec<u64> = (1..=self.values).collect();
        let expected: u64 = values.iter().sum();
        let total = if self.racy {
            user_crate::sum_racy::<B>(&values, self.workers)
        } else {
            user_crate::sum::<B>(&values, self.workers)
        };
        invariant!(
            total == expected,
            "the total is {total}, the values sum to {expected}"
        );
    }
}
