//! The mutation run's quick budget (docs/mutants.md): every catalog scenario, and both variants of
//! every zoo entry, run through the catalog's type-erased entries, so a binary built on this adds
//! no code of its own to compile after a change in the kit. Included by `mutants_loom.rs` and
//! `mutants_shuttle.rs` (one model checker each).

use checks::catalog::{self, Size, ZooEntry};
use checks::harness::Checker;
use checks::zoo::Variant;

/// The scenario `name` passes each checker `checkers` gives for its loom preemption bound.
pub fn scenario_passes(name: &str, size: Size, checkers: impl Fn(Option<usize>) -> Vec<Checker>) {
    let entry = catalog::find(name).unwrap_or_else(|| panic!("{name} is not in the catalog"));
    for checker in checkers(entry.loom_bound) {
        let stats = (entry.run)(size, &checker);
        println!("{stats}");
        stats.assert_pass();
    }
}

/// Under each checker `checkers` gives, the zoo entry `name`'s correct variant passes and its
/// broken variant fails with the kind the entry names (unless the entry says that checker misses
/// it).
pub fn zoo_entry_caught(name: &str, size: Size, checkers: impl Fn(Option<usize>) -> Vec<Checker>) {
    let zoo: ZooEntry = catalog::zoo()
        .into_iter()
        .find(|zoo| zoo.entry.name == name)
        .unwrap_or_else(|| panic!("{name} is not in the zoo"));
    for checker in checkers(zoo.entry.loom_bound) {
        let correct = (zoo.run_variant)(size, Variant::Correct, &checker);
        println!("{correct}");
        correct.assert_pass();
        if !zoo.missed_by.contains(&checker.kind()) {
            let broken = (zoo.run_variant)(size, Variant::Broken, &checker);
            println!("{broken}");
            broken.assert_fails_with(zoo.caught_as);
        }
    }
}

/// One test per scenario: `crate::scenario(name)`, the binary's budget for it.
macro_rules! scenario_tests {
    ($($test:ident => $type:ty,)*) => {
        $(
            #[test]
            fn $test() {
                crate::scenario(<$type as checks::harness::Scenario>::NAME);
            }
        )*
    };
}

/// One test per zoo entry: `crate::zoo_entry(name)`, the binary's budget for it.
macro_rules! zoo_tests {
    ($($test:ident => $type:ty,)*) => {
        mod zoo {
            $(
                #[test]
                fn $test() {
                    crate::zoo_entry(<$type as checks::harness::Scenario>::NAME);
                }
            )*
        }
    };
}

checks::for_each_scenario!(scenario_tests);
checks::for_each_mistake!(zoo_tests);
