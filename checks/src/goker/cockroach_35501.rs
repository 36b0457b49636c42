//! GoKer `cockroach_35501` (cockroach PR #35501): `validateChecks` starts a goroutine per check
//! constraint whose closure reads the `for … range` loop variable, which the loop goes on
//! overwriting with the next check.
//!
//! Ports `gobench/goker/nonblocking/cockroach/35501/cockroach35501_test.go` (GoBench:
//! go-specific, anonymous function). The test runs the schema changer's `runBackfill` on a
//! goroutine and waits for it. `runBackfill` makes ten check constraints and `validateChecks`
//! ranges over them with a loop variable `c`, starting for each a goroutine that passes `&c.Name`
//! to `validateCheckInTxn`, which reads it; nobody waits for these goroutines. Before Go 1.22 a
//! range loop has one `c` for all its iterations, so the next iteration's assignment to `c`
//! races with the read of the goroutine started in the iteration before: a data race, which the
//! race detector reports (`c` is a `RaceCell` here, written by the loop each iteration and read
//! by the goroutines). Fix (the upstream fix): each goroutine reads its own copy of the check,
//! made in its iteration before the goroutine starts. The small instance, for loom (which counts
//! every thread: the test, `runBackfill`'s goroutine and one per check), ranges over two checks
//! instead of ten.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{Backend, RaceCell, WaitGroup};
use std::sync::Arc;

zoo_entry! {
    /// A schema change validates its check constraints, one goroutine each.
    pub struct Cockroach35501 {
        /// Check constraints to validate (the kernel has ten).
        pub checks: usize,
    }
}

#[derive(Clone, Debug, Default)]
struct ConstraintToValidate {
    name: String,
}

#[derive(Clone, Copy, Debug, Default)]
struct TableDescriptor;

struct ImmutableTableDescriptor {
    table: TableDescriptor,
}

struct MutableTableDescriptor {
    _table: TableDescriptor,
}

impl ImmutableTableDescriptor {
    fn new(table: TableDescriptor) -> Self {
        Self { table }
    }

    fn make_first_mutation_public(&self) -> MutableTableDescriptor {
        MutableTableDescriptor { _table: self.table }
    }
}

impl MutableTableDescriptor {
    fn find_check_by_name(&self, _name: &str) {}
}

fn get_table_desc_from_id() -> TableDescriptor {
    TableDescriptor
}

/// Reads the check's name through the pointer it was given (Go's `*checkName`).
fn validate_check_in_txn<B: Backend>(
    table_desc: &MutableTableDescriptor,
    check: &RaceCell<ConstraintToValidate, B>,
) {
    let name = check.read(|c| c.name.clone());
    table_desc.find_check_by_name(&name);
}

fn validate_checks<B: Backend>(checks: &[ConstraintToValidate], fixed: bool) {
    let table_desc = get_table_desc_from_id();
    let desc = Arc::new(ImmutableTableDescriptor::new(table_desc).make_first_mutation_public());
    // The range loop's variable: one for every iteration, as before Go 1.22.
    let c = Arc::new(RaceCell::<ConstraintToValidate, B>::new_in(
        ConstraintToValidate::default(),
    ));
    for (i, check) in checks.iter().enumerate() {
        c.set(check.clone());
        let desc = Arc::clone(&desc);
        let read_by_goroutine = if fixed {
            // The fix: a copy of this iteration's check, made before the goroutine starts.
            Arc::new(RaceCell::<ConstraintToValidate, B>::new_in(c.get()))
        } else {
            Arc::clone(&c)
        };
        // Nobody waits for these goroutines.
        drop(B::spawn(&format!("validate-check-{i}"), move || {
            validate_check_in_txn(&desc, &read_by_goroutine);
        }));
    }
}

fn run_backfill<B: Backend>(checks: usize, fixed: bool) {
    let checks_to_validate: Vec<_> = (0..checks)
        .map(|_| ConstraintToValidate {
            name: "nil string".to_owned(),
        })
        .collect();
    validate_checks::<B>(&checks_to_validate, fixed);
}

impl Scenario for Cockroach35501 {
    const NAME: &'static str = "goker::cockroach_35501";
    const INVARIANT: &'static str =
        "no goroutine's read of its check races with the loop's next assignment";
    broken_instances! {
        small: { checks: 2 },
        large: { checks: 10 },
    }
    fn run<B: Backend>(&self) {
        let (checks, fixed) = (self.checks, self.variant == Variant::Correct);
        let wg = WaitGroup::<B>::new_in();
        wg.add(1);
        let backfill_done = wg.clone();
        drop(B::spawn("run-backfill", move || {
            run_backfill::<B>(checks, fixed);
            backfill_done.done(); // the deferred wg.Done()
        }));
        wg.wait();
    }
}

impl Mistake for Cockroach35501 {
    const CAUGHT_AS: FailureKind = FailureKind::DataRace;
    // The loop's assignment, a goroutine's read, and whichever access of the two comes second.
    const TRACE_SHOWS: &'static [&'static str] = &["write cell", "read cell", "data race"];
}

impl Kernel for Cockroach35501 {
    const GOKER: Goker = Goker {
        project: "cockroach",
        id: 35501,
        class: Class::NonBlocking,
        kind: "Go-Specific",
        subtype: "Anonymous function",
    };
}
