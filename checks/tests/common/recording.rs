//! Recording is off while exploring (ARCHITECTURE.md, invariant 15): a scenario that loses an
//! update on some schedules notes, in every execution, whether the recorder is on. Included by the
//! loom and the shuttle test binaries (one checker each).

use checks::harness::{check, Checker, FailureKind, Scenario};
use checks::invariant;
use patterns::{Atomic, Backend};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Executions that ran with the recorder on, and with it off.
static RECORDED: AtomicUsize = AtomicUsize::new(0);
static UNRECORDED: AtomicUsize = AtomicUsize::new(0);

/// Two threads increment a counter with a load and a store: an update is lost on some schedules.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NotesRecording;

impl Scenario for NotesRecording {
    const NAME: &'static str = "harness::notes_recording";
    fn small() -> Self {
        Self
    }
    fn large() -> Self {
        Self
    }
    fn run<B: Backend>(&self) {
        let executions = if B::recording() {
            &RECORDED
        } else {
            &UNRECORDED
        };
        executions.fetch_add(1, Ordering::Relaxed);
        let counter = Arc::new(B::AtomicUsize::new(0));
        let other = {
            let counter = Arc::clone(&counter);
            B::spawn("other", move || {
                let seen = counter.load(Ordering::SeqCst);
                counter.store(seen + 1, Ordering::SeqCst);
            })
        };
        let seen = counter.load(Ordering::SeqCst);
        counter.store(seen + 1, Ordering::SeqCst);
        B::join(other).expect("no panic");
        let total = counter.load(Ordering::SeqCst);
        invariant!(total == 2, "lost an update: {total}");
    }
}

/// Explores `NotesRecording` under `checker`, which finds the lost update, and checks that only
/// the one traced replay of the minimal failure ran with the recorder on.
pub fn recording_is_off_while_exploring(checker: &Checker) {
    let stats = check(&NotesRecording, checker);
    let report = stats.assert_fails_with(FailureKind::Assertion);
    assert!(report.minimal.is_some(), "the failure was traced:\n{stats}");
    let (recorded, unrecorded) = (
        RECORDED.load(Ordering::Relaxed),
        UNRECORDED.load(Ordering::Relaxed),
    );
    assert!(
        unrecorded >= 2,
        "explored {unrecorded} schedules unrecorded"
    );
    assert_eq!(
        recorded, 1,
        "{recorded} executions ran with the recorder on ({unrecorded} off): only the traced replay \
         may"
    );
}
