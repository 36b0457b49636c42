//! The mutation run's quick shuttle budget (docs/mutants.md): every scenario's large instance and
//! both variants of every zoo entry under shuttle's PCT and random schedulers, `SCHEDULES` each
//! from a fixed seed. `shuttle.rs` holds the full budget; this one keeps a mutant's test run to
//! seconds.

use checks::catalog::Size;
use checks::harness::Checker;

#[path = "common/quick.rs"]
mod quick;

/// Schedules per scheduler.
const SCHEDULES: usize = 500;
const SEED: u64 = 0x5eed;

fn shuttle(_: Option<usize>) -> Vec<Checker> {
    vec![
        Checker::pct(SCHEDULES, 3, SEED),
        Checker::random(SCHEDULES, SEED),
    ]
}

fn scenario(name: &str) {
    quick::scenario_passes(name, Size::Large, shuttle);
}

fn zoo_entry(name: &str) {
    quick::zoo_entry_caught(name, Size::Large, shuttle);
}
