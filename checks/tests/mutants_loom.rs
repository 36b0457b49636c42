//! The mutation run's quick loom budget (docs/mutants.md): every scenario's small instance and
//! both variants of every zoo entry under loom, bounded to at most `QUICK_BOUND` preemptions (or
//! the scenario's own lower bound) and `QUICK_SCHEDULES` schedules. `loom.rs` holds the full
//! budget; this one keeps a mutant's test run to seconds.

use checks::catalog::Size;
use checks::harness::Checker;

#[path = "common/quick.rs"]
mod quick;

/// loom's preemption bound for the quick budget: a lost wake-up or a lost update needs one or two.
const QUICK_BOUND: usize = 2;
/// At most this many schedules an instance: two of the 95 explore more at bound 2 (138,627 and
/// 67,742 schedules, 7.5 s and 4.8 s), every other one fewer than 23,000.
const QUICK_SCHEDULES: usize = 25_000;

fn loom(bound: Option<usize>) -> Vec<Checker> {
    vec![Checker::Loom {
        preemption_bound: Some(bound.map_or(QUICK_BOUND, |own| own.min(QUICK_BOUND))),
        max_schedules: Some(QUICK_SCHEDULES),
        max_time: None,
    }]
}

fn scenario(name: &str) {
    quick::scenario_passes(name, Size::Small, loom);
}

fn zoo_entry(name: &str) {
    quick::zoo_entry_caught(name, Size::Small, loom);
}
