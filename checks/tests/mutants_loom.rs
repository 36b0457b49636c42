//! The mutation run's quick loom budget (docs/mutants.md): every scenario's small instance and
//! both variants of every zoo entry under loom, bounded to at most `QUICK_BOUND` preemptions (or
//! the scenario's own lower bound). `loom.rs` holds the full budget; this one keeps a mutant's
//! test run to seconds.

use checks::catalog::Size;
use checks::harness::Checker;

#[path = "common/quick.rs"]
mod quick;

/// loom's preemption bound for the quick budget: a lost wake-up or a lost update needs one or two.
const QUICK_BOUND: usize = 2;

fn loom(bound: Option<usize>) -> Vec<Checker> {
    vec![Checker::loom_bounded(
        bound.map_or(QUICK_BOUND, |own| own.min(QUICK_BOUND)),
    )]
}

fn scenario(name: &str) {
    quick::scenario_passes(name, Size::Small, loom);
}

fn zoo_entry(name: &str) {
    quick::zoo_entry_caught(name, Size::Small, loom);
}
