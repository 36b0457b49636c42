//! Classifying a failed schedule: its kind (assertion, deadlock, leak, livelock, panic), its
//! threads, and the message that says what went wrong; and telling two failures apart.

use super::scenario::INVARIANT_PREFIX;
use super::verdict::{FailureKind, FailureReport, ReplayHandle, ThreadReport};
use crate::backend::registry::{Registry, ThreadSnapshot, ThreadState};

/// Sorts a failed schedule into a [`FailureKind`] and a readable report of its threads.
pub(crate) fn classify(
    message: String,
    registry: Option<&Registry>,
    schedule: usize,
    handle: ReplayHandle,
) -> FailureReport {
    let snapshot = registry.map(Registry::snapshot).unwrap_or_default();
    let in_leak_check = registry.is_some_and(Registry::in_leak_check);
    let deadlock = message.starts_with("deadlock") || message.contains("deadlock! blocked tasks");
    let livelock =
        message.contains("maximum number of branches") || message.contains("max_steps bound");
    // A thread spinning past the step bound is a livelock wherever it spins; a thread blocked
    // forever in the leak check is a thread the scenario left behind.
    let kind = if livelock {
        FailureKind::Livelock
    } else if deadlock && in_leak_check {
        FailureKind::Leak
    } else if deadlock {
        FailureKind::Deadlock
    } else if message.starts_with("data race") {
        FailureKind::DataRace
    } else if message.starts_with(INVARIANT_PREFIX) || message.starts_with("assertion") {
        FailureKind::Assertion
    } else {
        FailureKind::Panic
    };
    let message = match kind {
        FailureKind::Leak => leak_message(&leaked_threads(&snapshot)),
        FailureKind::Livelock => livelock_message(&snapshot, &message),
        FailureKind::Deadlock => format!(
            "every thread is blocked, the scenario's main thread included\nchecker: {message}"
        ),
        _ => message,
    };
    FailureReport {
        kind,
        message,
        schedule,
        threads: snapshot.iter().map(ThreadReport::from_snapshot).collect(),
        handle,
        replay_file: None,
        minimal: None,
    }
}

/// The threads a finished scenario left behind: neither its main thread, nor the timer, nor done.
pub(crate) fn leaked_threads(snapshot: &[ThreadSnapshot]) -> Vec<ThreadSnapshot> {
    snapshot
        .iter()
        .skip(1)
        .filter(|t| !t.service && t.state != ThreadState::Finished)
        .cloned()
        .collect()
}

/// The message of a livelock: which threads were still running (not blocked, not finished) when
/// the checker gave up on them (a model's step bound, the leak grace of real threads).
pub(crate) fn livelock_message(snapshot: &[ThreadSnapshot], checker: &str) -> String {
    let spinning: Vec<String> = snapshot
        .iter()
        .filter(|t| !t.service && t.state == ThreadState::Running)
        .map(|t| format!("'{}'", t.name))
        .collect();
    format!(
        "{} kept running and never blocked: a spin or retry loop that never ends (a livelock)\n\
         checker: {checker}",
        if spinning.is_empty() {
            "no thread".to_owned()
        } else {
            spinning.join(", ")
        }
    )
}

/// The message of a leak: which threads the scenario left blocked forever, and where.
pub(crate) fn leak_message(leaked: &[ThreadSnapshot]) -> String {
    let names: Vec<String> = leaked
        .iter()
        .map(|t| format!("'{}' ({})", t.name, ThreadReport::from_snapshot(t).state))
        .collect();
    format!(
        "the scenario returned but left {} thread(s) blocked forever: {}",
        names.len(),
        names.join(", ")
    )
}

/// How a replay failed: its kind, and for a panic its message's first line (another panic is
/// another bug).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) kind: FailureKind,
    /// For an assertion or a panic: the message's first line with its numbers blanked out
    /// (`counter is #, expected #`), which a smaller instance changes and another bug does not
    /// share.
    message: Option<String>,
}

impl Failure {
    /// The failure a report describes.
    pub(crate) fn of_report(report: &FailureReport) -> Self {
        let first_line = report.message.lines().next().unwrap_or("");
        Self {
            kind: report.kind,
            message: matches!(report.kind, FailureKind::Assertion | FailureKind::Panic)
                .then(|| without_numbers(first_line)),
        }
    }

    /// The failure a checker's panic `message` stands for, in the run `registry` describes.
    pub(crate) fn of(message: String, registry: Option<&Registry>) -> Self {
        Self::of_report(&classify(message, registry, 1, ReplayHandle::None))
    }
}

/// `text` with each run of digits replaced by `#`.
fn without_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if !c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('#') {
            out.push('#');
        }
    }
    out
}
