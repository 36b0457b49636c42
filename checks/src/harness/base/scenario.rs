//! What a scenario is: one property of one pattern, its instances, and how it states its invariant.

use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt::Debug;

/// One property of one pattern, written once, run by every checker.
///
/// `run` builds the pattern on backend `B`, drives a workload, and asserts the invariant (with
/// [`invariant!`](crate::invariant!)). The struct's fields are the instance's size, so loom gets [`Scenario::small`]
/// and shuttle and real threads get [`Scenario::large`]; they are serialized into replay files.
pub trait Scenario: Clone + Debug + Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The scenario's name, `pattern::property`, stating the property.
    const NAME: &'static str;
    /// The invariant `run` asserts, in words, for failure reports; empty where the name's
    /// property part says it (see [`invariant_of`]).
    const INVARIANT: &'static str = "";
    /// loom's preemption bound for [`Scenario::small`]: `None` where exhaustive exploration
    /// finishes in a few seconds; otherwise the bound, with its cost written beside it.
    const LOOM_PREEMPTION_BOUND: Option<usize> = None;
    /// An instance small enough for loom (at most 5 threads including main and the timer).
    fn small() -> Self;
    /// An instance for shuttle and real threads.
    fn large() -> Self;
    /// Runs the workload on `B` and asserts the invariant.
    fn run<B: patterns::Backend>(&self);
}

/// Asserts a scenario invariant; the harness reports a violation as an `Assertion` failure.
///
/// ```should_panic
/// checks::invariant!(1 + 1 == 3, "arithmetic broke: {}", 1 + 1);
/// ```
#[macro_export]
macro_rules! invariant {
    ($cond:expr, $($message:tt)+) => {
        if !$cond {
            panic!("{}{}", $crate::harness::INVARIANT_PREFIX, format!($($message)+));
        }
    };
}

/// The invariant of scenario `S` in words: its `INVARIANT`, or else its name's property part
/// (`chan::every_value_received_once` → "every value received once").
pub fn invariant_of<S: Scenario>() -> String {
    if S::INVARIANT.is_empty() {
        S::NAME
            .rsplit("::")
            .next()
            .unwrap_or(S::NAME)
            .replace('_', " ")
    } else {
        S::INVARIANT.to_owned()
    }
}

/// How an [`invariant!`](crate::invariant!) panic message starts.
pub const INVARIANT_PREFIX: &str = "invariant violated: ";
