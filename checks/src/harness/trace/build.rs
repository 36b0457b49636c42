//! Building a trace from a recorded execution: one row per step, marked by what it means for the
//! failure, and the story of why it failed.

use super::labels::{short_location, waiting_step, Labels};
use super::steps::{Ending, Mark, Trace, TraceStep};
use super::story::wait_for_story;
use crate::backend::recorder::RawStep;
use crate::backend::registry::{ThreadSnapshot, ThreadState};
use std::collections::HashMap;

impl Trace {
    /// Builds the trace of a failing execution from its recorded steps, its threads' final
    /// states and how it ended.
    pub(crate) fn build(raw: &[RawStep], snapshot: &[ThreadSnapshot], ending: Ending) -> Self {
        let names: Vec<String> = snapshot.iter().map(|t| t.name.clone()).collect();
        let labels = Labels::new(raw, &names);
        let blocked: Vec<usize> = snapshot
            .iter()
            .enumerate()
            .filter(|(_, t)| !t.service && matches!(t.state, ThreadState::Blocked(_)))
            .map(|(index, _)| index)
            .collect();

        // Which threads touch each object: an object of two threads or more is shared.
        let mut users: HashMap<(&str, usize), Vec<usize>> = HashMap::new();
        for step in raw {
            if let Some(object) = step.object.filter(|o| !matches!(o.kind, "select" | "note")) {
                let threads = users.entry((object.kind, object.addr)).or_default();
                if !threads.contains(&step.thread) {
                    threads.push(step.thread);
                }
            }
        }
        let failing = match ending {
            Ending::Failed => raw.iter().rposition(|s| s.op == "panics"),
            _ => None,
        };
        let blocked_steps: Vec<usize> = match ending {
            Ending::Blocked => blocked
                .iter()
                .filter_map(|&t| waiting_step(raw, t))
                .collect(),
            _ => Vec::new(),
        };

        // Columns: every thread of the scenario (one that never took a step says so by its
        // empty column), and the timer if it took one.
        let columns: Vec<usize> = (0..names.len())
            .filter(|&t| !snapshot[t].service || raw.iter().any(|s| s.thread == t))
            .collect();
        let column_of = |thread: usize| columns.iter().position(|&t| t == thread).unwrap_or(0);

        // A lock released at once by the same thread reads as one row.
        let released_at_once = |index: usize| {
            let (Some(lock), Some(unlock)) = (raw.get(index), raw.get(index + 1)) else {
                return false;
            };
            lock.completed
                && lock.op == "lock"
                && unlock.op == "unlock"
                && lock.thread == unlock.thread
                && lock.object.map(|o| o.addr) == unlock.object.map(|o| o.addr)
        };
        let steps = raw
            .iter()
            .enumerate()
            .filter(|(index, _)| !(*index > 0 && released_at_once(index - 1)))
            .map(|(index, step)| {
                let mark = if Some(index) == failing {
                    Mark::Failing
                } else if blocked_steps.contains(&index) {
                    Mark::Blocked
                } else if step.object.is_some_and(|o| {
                    o.kind != "thread" && users.get(&(o.kind, o.addr)).is_some_and(|u| u.len() > 1)
                }) {
                    Mark::Shared
                } else {
                    Mark::Plain
                };
                let mut text = step_text(step, labels.of(step));
                if released_at_once(index) {
                    text.push_str(", unlock");
                }
                TraceStep {
                    thread: column_of(step.thread),
                    text,
                    at: short_location(&step.file, step.line),
                    mark,
                }
            })
            .collect();

        let story = match ending {
            Ending::Failed => failing
                .map(|index| {
                    let step = &raw[index];
                    vec![format!(
                        "'{}' fails at {}: {}",
                        names[step.thread],
                        short_location(&step.file, step.line),
                        step.outcome.as_deref().unwrap_or("a panic")
                    )]
                })
                .unwrap_or_default(),
            Ending::Blocked => wait_for_story(raw, snapshot, &names, &labels, &blocked, &users),
            Ending::Spinning => snapshot
                .iter()
                .filter(|t| !t.service && t.state == ThreadState::Running)
                .map(|t| format!("'{}' never stops running and never blocks", t.name))
                .collect(),
        };

        Self {
            threads: columns.iter().map(|&t| names[t].clone()).collect(),
            steps,
            objects: labels.legend,
            story,
        }
    }
}

/// `op object → outcome` (`store atomic ← 1` for what a step puts in), and `(never returned)`
/// for a step its thread did not get out of.
fn step_text(step: &RawStep, label: Option<&str>) -> String {
    if step.op == "note" {
        return step.outcome.clone().unwrap_or_default();
    }
    let mut text = step.op.to_string();
    if let Some(label) = label {
        text.push(' ');
        text.push_str(label);
    }
    if let Some(outcome) = step.outcome.as_deref().filter(|o| !o.is_empty()) {
        text.push_str(if outcome.starts_with('←') {
            " "
        } else {
            " → "
        });
        text.push_str(outcome);
    }
    if !step.completed {
        text.push_str(" (never returned)");
    }
    text
}
