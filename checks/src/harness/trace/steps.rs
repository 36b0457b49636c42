//! A trace's data: the steps of one failing schedule, each with its thread, text, line and mark.

use serde::{Deserialize, Serialize};

/// The steps of one failing schedule, in the order the checker ran them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trace {
    /// The threads that took a step or stayed blocked, one column each, `main` first.
    pub threads: Vec<String>,
    /// Every step.
    pub steps: Vec<TraceStep>,
    /// The objects the steps name, with the line that created each where it is known.
    pub objects: Vec<String>,
    /// Why the schedule failed, in words.
    pub story: Vec<String>,
}

/// One step of one thread.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceStep {
    /// The column (index into [`Trace::threads`]) of the thread that took it.
    pub thread: usize,
    /// What it did, to what, and how it ended: `send chan#1 → closed`.
    pub text: String,
    /// The source line: `lost_update.rs:57`.
    pub at: String,
    /// What the step means for the failure.
    pub mark: Mark,
}

/// What a step means for the failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mark {
    /// It touches nothing another thread touches.
    Plain,
    /// It touches an object another thread touches too: where the threads interact.
    Shared,
    /// Its thread blocked here and never went on.
    Blocked,
    /// The failing step: the panic or broken invariant.
    Failing,
}

impl Mark {
    /// The symbol a rendered table puts before a marked cell.
    pub(super) fn symbol(self) -> &'static str {
        match self {
            Mark::Plain => "",
            Mark::Shared => "• ",
            Mark::Blocked => "■ ",
            Mark::Failing => "✗ ",
        }
    }
}

/// What the rendered tables say their symbols mean.
pub const LEGEND: &str =
    "✗ the failing step · ■ blocked here forever · • touches an object another thread touches";

/// How a failing execution ended, which decides what its trace marks and tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// A step failed (a broken invariant, a panic): the trace marks it and says why.
    Failed,
    /// Threads stayed blocked (a deadlock, a leak): the trace marks where, and tells who holds
    /// what and waits for what.
    Blocked,
    /// Threads kept running past the checker's bound (a livelock): the trace names them.
    Spinning,
}
