//! What every zoo entry's and GoKer kernel's minimal trace must show: its `TRACE_SHOWS` steps in
//! order, in at most `MAX_ROWS` steps (a kernel's limit is the trace test's), with why it failed
//! in words and the failing step marked. Included by the trace test binary (shuttle PCT) and the
//! loom one (for the entries only loom sees).

use checks::harness::{FailureKind, MinimalFailure, Stats};
use checks::zoo::Mistake;

/// The most rows a zoo entry's minimal trace may have: a newcomer reads it at a glance.
pub const MAX_ROWS: usize = 15;

/// Where `needles` are found in `text` one after another, or the first that is not.
pub fn in_order<'a>(text: &str, needles: &[&'a str]) -> Result<(), &'a str> {
    let mut from = 0;
    for needle in needles {
        match text[from..].find(needle) {
            Some(at) => from += at + needle.len(),
            None => return Err(needle),
        }
    }
    Ok(())
}

/// Asserts that `stats`, a run of `M`'s broken variant, failed as `M` is caught and that its
/// minimal trace shows the bug in at most `max_steps` steps; returns that minimal failure.
pub fn assert_trace_shows_the_bug<M: Mistake>(stats: &Stats, max_steps: usize) -> &MinimalFailure {
    assert!(
        !M::TRACE_SHOWS.is_empty(),
        "{}: TRACE_SHOWS names no step",
        M::NAME
    );
    let report = stats.assert_fails_with(M::CAUGHT_AS);
    let minimal = report
        .minimal
        .as_ref()
        .unwrap_or_else(|| panic!("{}: a model checker's failure is traced", M::NAME));
    let text = minimal.trace.to_text();
    if let Err(missing) = in_order(&text, M::TRACE_SHOWS) {
        panic!(
            "{}: the trace does not show {missing:?} where expected:\n{text}",
            M::NAME
        );
    }
    // Steps, not rows: a long trace folds into fewer rows, and must not pass for that.
    assert!(
        minimal.trace.steps.len() <= max_steps,
        "{}: {} steps, more than {max_steps}:\n{text}",
        M::NAME,
        minimal.trace.steps.len()
    );
    // Every kind of failure says why in words: the failing step, or who waits for what.
    assert!(
        !minimal.trace.story.is_empty(),
        "{}: no story:\n{text}",
        M::NAME
    );
    let marked = match M::CAUGHT_AS {
        FailureKind::Assertion | FailureKind::Panic | FailureKind::DataRace => text.contains('✗'),
        FailureKind::Deadlock | FailureKind::Leak => text.contains('■'),
        FailureKind::Livelock => true,
    };
    assert!(
        marked,
        "{}: the failing step is not marked:\n{text}",
        M::NAME
    );

    minimal
}
