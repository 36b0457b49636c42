//! Failure traces: the steps of a failing schedule, one column per thread and one row per step,
//! with why it failed in words (the failing step, or who holds what and waits for what).

use super::FailureKind;
use crate::backend::recorder::RawStep;
use crate::backend::registry::{ThreadSnapshot, ThreadState};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

/// Traces longer than this fold the runs of steps that touch nothing another thread touches.
const FOLD_ABOVE: usize = 30;
/// The shortest run of such steps that is folded into one row.
const FOLD_RUN: usize = 3;
/// The widest a cell of the terminal table gets before it is cut short.
const CELL_WIDTH: usize = 38;

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
    fn symbol(self) -> &'static str {
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

/// One row of a rendered trace: a step, or a run of a thread's steps folded into one.
enum Row {
    Step(usize),
    Folded { thread: usize, steps: usize },
}

/// The label of each object, in order of first appearance: `chan`, or `chan#2` where a trace
/// names several objects of a kind.
struct Labels {
    labels: HashMap<(&'static str, usize), String>,
    legend: Vec<String>,
}

impl Labels {
    fn new(raw: &[RawStep], names: &[String]) -> Self {
        let mut order: Vec<(&'static str, usize, Option<String>)> = Vec::new();
        for step in raw {
            let Some(object) = step.object else { continue };
            if matches!(object.kind, "thread" | "select" | "note") {
                continue;
            }
            if !order
                .iter()
                .any(|(kind, addr, _)| *kind == object.kind && *addr == object.addr)
            {
                let site = object
                    .site
                    .map(|site| short_location(site.file(), site.line()));
                order.push((object.kind, object.addr, site));
            }
        }
        let mut per_kind: HashMap<&str, usize> = HashMap::new();
        for (kind, _, _) in &order {
            *per_kind.entry(kind).or_default() += 1;
        }
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut labels = HashMap::new();
        let mut legend = Vec::new();
        for (kind, addr, site) in order {
            let n = seen.entry(kind).or_default();
            *n += 1;
            let label = if per_kind[kind] == 1 {
                kind.to_owned()
            } else {
                format!("{kind}#{n}")
            };
            if let Some(site) = site {
                legend.push(format!("{label}: created at {site}"));
            }
            labels.insert((kind, addr), label);
        }
        for (index, name) in names.iter().enumerate() {
            labels.insert(("thread", index), format!("'{name}'"));
        }
        Self { labels, legend }
    }

    fn of(&self, step: &RawStep) -> Option<&str> {
        let object = step.object?;
        self.labels
            .get(&(object.kind, object.addr))
            .map(String::as_str)
    }
}

/// `path/to/file.rs:57` → `file.rs:57`.
/// The kit's own files keep their module path (`kit chan/mod.rs:366`), std's say so
/// (`std iterator.rs:2468`, a `for` loop's `next`).
fn short_location(file: &str, line: u32) -> String {
    let name = file.rsplit(['/', '\\']).next().unwrap_or(file);
    if file.starts_with("/rustc/") {
        format!("std {name}:{line}")
    } else if let Some(path) = patterns::trace::kit_source(file) {
        format!("kit {path}:{line}")
    } else {
        format!("{name}:{line}")
    }
}

/// Whether `op` takes or releases a lock: `Some(true)` takes, `Some(false)` releases.
fn lock_effect(op: &str) -> Option<bool> {
    match op {
        "lock" | "read lock" => Some(true),
        "unlock" | "read unlock" => Some(false),
        _ => None,
    }
}

impl Trace {
    /// Builds the trace of a failing execution from its recorded steps and its threads' final
    /// states.
    pub(crate) fn build(raw: &[RawStep], snapshot: &[ThreadSnapshot], kind: FailureKind) -> Self {
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
        let failing = match kind {
            FailureKind::Assertion | FailureKind::Panic => {
                raw.iter().rposition(|s| s.op == "panics")
            }
            _ => None,
        };
        let blocked_steps: Vec<usize> = match kind {
            FailureKind::Deadlock | FailureKind::Leak => blocked
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

        let story = match kind {
            FailureKind::Assertion | FailureKind::Panic => failing
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
            FailureKind::Deadlock | FailureKind::Leak => {
                wait_for_story(raw, snapshot, &names, &labels, &blocked, &users)
            }
            FailureKind::Livelock => snapshot
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

    /// The rows to show: every step, or for a long trace, runs of unshared steps folded.
    fn rows(&self) -> Vec<Row> {
        let mut rows = Vec::new();
        let mut index = 0;
        while index < self.steps.len() {
            let step = &self.steps[index];
            let run = self.steps[index..]
                .iter()
                .take_while(|s| s.thread == step.thread && s.mark == Mark::Plain)
                .count();
            if self.steps.len() > FOLD_ABOVE && run >= FOLD_RUN {
                rows.push(Row::Folded {
                    thread: step.thread,
                    steps: run,
                });
                index += run;
            } else {
                rows.push(Row::Step(index));
                index += 1;
            }
        }
        rows
    }

    /// The number of rows the rendered tables have.
    pub fn row_count(&self) -> usize {
        self.rows().len()
    }

    /// The cells of each row: the step number, the line, and one cell per thread.
    fn table(&self) -> Vec<(String, String, usize, String, Mark)> {
        let mut number = 0;
        self.rows()
            .into_iter()
            .map(|row| match row {
                Row::Step(index) => {
                    number += 1;
                    let step = &self.steps[index];
                    let cell = format!("{}{}", step.mark.symbol(), step.text);
                    (
                        number.to_string(),
                        step.at.clone(),
                        step.thread,
                        cell,
                        step.mark,
                    )
                }
                Row::Folded { thread, steps } => {
                    let first = number + 1;
                    number += steps;
                    (
                        format!("{first}–{number}"),
                        String::new(),
                        thread,
                        format!("… {steps} steps touching nothing shared"),
                        Mark::Plain,
                    )
                }
            })
            .collect()
    }

    /// The trace as a terminal table, then the objects and the story.
    pub fn to_text(&self) -> String {
        let table = self.table();
        let clip = |text: &str| -> String {
            if text.chars().count() > CELL_WIDTH {
                let cut: String = text.chars().take(CELL_WIDTH - 1).collect();
                format!("{cut}…")
            } else {
                text.to_owned()
            }
        };
        let mut widths: Vec<usize> = self.threads.iter().map(|t| t.chars().count()).collect();
        for (_, _, column, cell, _) in &table {
            widths[*column] = widths[*column].max(clip(cell).chars().count());
        }
        let number_width = table.iter().map(|r| r.0.len()).max().unwrap_or(1).max(1);
        let at_width = table.iter().map(|r| r.1.len()).max().unwrap_or(0).max(4);
        let pad = |text: &str, width: usize| {
            let len = text.chars().count();
            format!("{text}{}", " ".repeat(width.saturating_sub(len)))
        };
        let mut out = String::new();
        let mut header = format!("{} | {} ", pad("#", number_width), pad("line", at_width));
        for (column, name) in self.threads.iter().enumerate() {
            let _ = write!(header, "| {} ", pad(name, widths[column]));
        }
        let _ = writeln!(out, "{}", header.trim_end());
        let _ = writeln!(out, "{}", "-".repeat(header.trim_end().chars().count()));
        for (number, at, column, cell, _) in &table {
            let mut line = format!("{} | {} ", pad(number, number_width), pad(at, at_width));
            for (c, width) in widths.iter().enumerate() {
                let text = if c == *column {
                    clip(cell)
                } else {
                    String::new()
                };
                let _ = write!(line, "| {} ", pad(&text, *width));
            }
            let _ = writeln!(out, "{}", line.trim_end());
        }
        let _ = writeln!(out, "{LEGEND}");
        for object in &self.objects {
            let _ = writeln!(out, "{object}");
        }
        for line in &self.story {
            let _ = writeln!(out, "why: {line}");
        }
        out
    }

    /// The trace as a Markdown table, then the objects and the story.
    pub fn to_markdown(&self) -> String {
        let escape = |text: &str| text.replace('|', "\\|").replace('\n', " ");
        let mut out = String::from("| # | line |");
        for name in &self.threads {
            let _ = write!(out, " `{}` |", escape(name));
        }
        out.push_str("\n|---|---|");
        out.push_str(&"---|".repeat(self.threads.len()));
        out.push('\n');
        for (number, at, column, cell, mark) in self.table() {
            let _ = write!(out, "| {number} | {at} |");
            for c in 0..self.threads.len() {
                if c == column {
                    let strong = matches!(mark, Mark::Failing | Mark::Blocked);
                    let cell = escape(&cell);
                    if strong {
                        let _ = write!(out, " **{cell}** |");
                    } else {
                        let _ = write!(out, " {cell} |");
                    }
                } else {
                    out.push_str(" |");
                }
            }
            out.push('\n');
        }
        let _ = writeln!(out, "\n{LEGEND}\n");
        for object in &self.objects {
            let _ = writeln!(out, "* {}", escape(object));
        }
        for line in &self.story {
            let _ = writeln!(out, "* **Why:** {}", escape(line));
        }
        out
    }

    /// The trace as an HTML table (class `trace`, each marked cell classed by its mark), then the
    /// objects and the story.
    pub fn to_html(&self) -> String {
        let mut out = String::from("<table class=\"trace\"><thead><tr><th>#</th><th>line</th>");
        for name in &self.threads {
            let _ = write!(out, "<th>{}</th>", html_escape(name));
        }
        out.push_str("</tr></thead><tbody>");
        for (number, at, column, cell, mark) in self.table() {
            let _ = write!(
                out,
                "<tr><td>{number}</td><td><code>{}</code></td>",
                html_escape(&at)
            );
            for c in 0..self.threads.len() {
                if c == column {
                    let class = match mark {
                        Mark::Plain => "step",
                        Mark::Shared => "step shared",
                        Mark::Blocked => "step blocked",
                        Mark::Failing => "step failing",
                    };
                    let _ = write!(out, "<td class=\"{class}\">{}</td>", html_escape(&cell));
                } else {
                    out.push_str("<td></td>");
                }
            }
            out.push_str("</tr>");
        }
        let _ = write!(
            out,
            "</tbody></table><p class=\"legend\">{}</p>",
            html_escape(LEGEND)
        );
        if !self.objects.is_empty() || !self.story.is_empty() {
            out.push_str("<ul class=\"story\">");
            for object in &self.objects {
                let _ = write!(out, "<li>{}</li>", html_escape(object));
            }
            for line in &self.story {
                let _ = write!(out, "<li><strong>Why:</strong> {}</li>", html_escape(line));
            }
            out.push_str("</ul>");
        }
        out
    }
}

/// The step thread `thread` is blocked in: the one it never returned from (a thread blocked in
/// a call no step stands for has none).
fn waiting_step(raw: &[RawStep], thread: usize) -> Option<usize> {
    raw.iter().position(|s| s.thread == thread && !s.completed)
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

/// Escapes `&`, `<`, `>` and `"` for HTML.
pub fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Who holds what and waits for what, for a deadlock or a leak: one sentence per blocked thread,
/// then the wait-for cycle, if there is one.
fn wait_for_story(
    raw: &[RawStep],
    snapshot: &[ThreadSnapshot],
    names: &[String],
    labels: &Labels,
    blocked: &[usize],
    users: &HashMap<(&str, usize), Vec<usize>>,
) -> Vec<String> {
    let waits: HashMap<usize, usize> = blocked
        .iter()
        .filter_map(|&t| waiting_step(raw, t).map(|i| (t, i)))
        .collect();
    // What each thread holds at the end: locks taken and not released (the step a thread is
    // blocked in took nothing).
    // Ordered, so that a lock several threads hold names the same holder on every run.
    let mut held: BTreeMap<usize, Vec<(usize, usize)>> = BTreeMap::new();
    for (index, step) in raw.iter().enumerate() {
        if waits.get(&step.thread) == Some(&index) {
            continue;
        }
        let (Some(take), Some(object)) = (lock_effect(&step.op), step.object) else {
            continue;
        };
        let holds = held.entry(step.thread).or_default();
        if take {
            holds.push((object.addr, index));
        } else if let Some(at) = holds.iter().rposition(|(addr, _)| *addr == object.addr) {
            holds.remove(at);
        }
    }
    // A thread blocked in a condvar wait released the mutex it waits with: the last it took.
    for (&thread, &index) in &waits {
        let step = &raw[index];
        if step.op == "wait" && step.object.is_some_and(|o| o.kind == "condvar") {
            if let Some(holds) = held.get_mut(&thread) {
                if let Some(at) = holds.iter().rposition(|&(addr, taken)| {
                    taken < index
                        && raw[taken]
                            .object
                            .is_some_and(|o| o.kind == "mutex" && o.addr == addr)
                }) {
                    holds.remove(at);
                }
            }
        }
    }
    let holder_of = |addr: usize, except: usize| {
        held.iter()
            .filter(|(t, _)| **t != except)
            .find(|(_, holds)| holds.iter().any(|(a, _)| *a == addr))
            .map(|(t, _)| *t)
    };

    let mut story = Vec::new();
    let mut waits_for: HashMap<usize, usize> = HashMap::new();
    for &thread in blocked {
        let name = &names[thread];
        let Some(&index) = waits.get(&thread) else {
            story.push(format!("'{name}' is blocked before its first step"));
            continue;
        };
        let step = &raw[index];
        let at = short_location(&step.file, step.line);
        let holds: Vec<String> = held
            .get(&thread)
            .map(|holds| {
                holds
                    .iter()
                    .map(|&(_, i)| {
                        let taken = &raw[i];
                        format!(
                            "{} (line {})",
                            labels.of(taken).unwrap_or("a lock"),
                            taken.line
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut sentence = format!("'{name}'");
        if !holds.is_empty() {
            let _ = write!(sentence, " holds {},", holds.join(" and "));
        }
        let what = match labels.of(step) {
            Some(label) => format!("{} {label}", step.op),
            None => step.op.to_string(),
        };
        let _ = write!(sentence, " waits in `{what}` at {at}");
        match step.object {
            Some(object) if lock_effect(&step.op) == Some(true) => {
                let holds_it_itself = held
                    .get(&thread)
                    .is_some_and(|holds| holds.iter().any(|(a, _)| *a == object.addr));
                // A writer that waits holds back every new reader (Go's RWMutex, and ours).
                let writer_waiting = blocked.iter().copied().find(|&other| {
                    step.op == "read lock"
                        && other != thread
                        && waits.get(&other).is_some_and(|&i| {
                            raw[i].op == "lock"
                                && raw[i].object.is_some_and(|o| o.addr == object.addr)
                        })
                });
                if let Some(writer) = writer_waiting {
                    waits_for.insert(thread, writer);
                    let _ = write!(
                        sentence,
                        ", behind '{}', which waits to lock it for writing: a waiting writer \
                         holds back every new reader",
                        names[writer]
                    );
                } else if holds_it_itself {
                    sentence.push_str(
                        ", which it holds itself: a lock is not taken twice, nor upgraded from \
                         read to write, by one thread",
                    );
                } else if let Some(holder) = holder_of(object.addr, thread) {
                    waits_for.insert(thread, holder);
                    let _ = write!(sentence, ", which '{}' holds", names[holder]);
                }
            }
            Some(object) if !matches!(object.kind, "thread" | "select" | "note") => {
                // Who could have let it go on: the threads that took the other side of the
                // step on the same object (a receive for a send), or any other user of it.
                let counterpart = counterpart_of(object.kind, &step.op);
                let partners: Vec<usize> = users
                    .get(&(object.kind, object.addr))
                    .into_iter()
                    .flatten()
                    .copied()
                    .filter(|&t| t != thread)
                    .filter(|&t| {
                        counterpart.is_none_or(|(_, ops)| {
                            raw.iter().any(|s| {
                                s.thread == t
                                    && s.object.is_some_and(|o| o.addr == object.addr)
                                    && ops.contains(&s.op.as_ref())
                            })
                        })
                    })
                    .collect();
                let role = counterpart.map_or("used it", |(role, _)| role);
                if partners.is_empty() {
                    let _ = write!(sentence, ", and no other thread {role} in this schedule");
                } else {
                    let described: Vec<String> = partners
                        .iter()
                        .map(|&t| format!("'{}' ({})", names[t], state_words(&snapshot[t].state)))
                        .collect();
                    let _ = write!(
                        sentence,
                        "; the threads that {role}: {}",
                        described.join(", ")
                    );
                    // A wake-up that came before the wait began is lost to it (a step that never
                    // returned stands where it began).
                    let last_counterpart = counterpart.and_then(|(_, ops)| {
                        raw.iter().rposition(|s| {
                            partners.contains(&s.thread)
                                && s.object.is_some_and(|o| o.addr == object.addr)
                                && ops.contains(&s.op.as_ref())
                        })
                    });
                    let all_finished = partners
                        .iter()
                        .all(|&t| snapshot[t].state == ThreadState::Finished);
                    if all_finished {
                        sentence.push_str(": every one of them has finished, so nothing wakes it");
                    } else if object.kind == "condvar"
                        && !step.completed
                        && last_counterpart.is_some_and(|last| last < index)
                    {
                        sentence.push_str(
                            ", every notify before this wait began: a notify wakes only a thread \
                             already waiting",
                        );
                    }
                }
            }
            Some(object) if object.kind == "thread" => {
                if let Some(other) = snapshot.get(object.addr) {
                    let _ = write!(sentence, ", which is {}", state_words(&other.state));
                }
            }
            _ => {}
        }
        story.push(sentence);
    }

    // A wait-for cycle: follow "waits for a lock that X holds" until a thread repeats.
    for &start in blocked {
        let mut path = vec![start];
        let mut at = start;
        while let Some(&next) = waits_for.get(&at) {
            if next == start {
                let cycle: Vec<String> = path
                    .iter()
                    .chain(std::iter::once(&start))
                    .map(|&t| format!("'{}'", names[t]))
                    .collect();
                story.push(format!(
                    "a wait-for cycle: {}: each waits for the next, so none can go on",
                    cycle.join(" → ")
                ));
                return story;
            }
            if path.contains(&next) {
                break;
            }
            path.push(next);
            at = next;
        }
    }
    story
}

/// For a step that waits for another thread on the same object: what that thread does, in words,
/// and the steps that do it.
fn counterpart_of(kind: &str, op: &str) -> Option<(&'static str, &'static [&'static str])> {
    const RECEIVES: &[&str] = &[
        "recv",
        "try recv",
        "recv with timeout",
        "select recv",
        "drop last receiver",
    ];
    const SENDS: &[&str] = &[
        "send",
        "try send",
        "select send",
        "close",
        "drop last sender",
    ];
    const COUNTS: &[&str] = &["add", "done"];
    const NOTIFIES: &[&str] = &["notify one", "notify all"];
    match (kind, op) {
        (_, "send" | "select send") => Some(("received from it", RECEIVES)),
        (_, "recv" | "recv with timeout" | "select recv") => {
            Some(("sent on it or closed it", SENDS))
        }
        ("WaitGroup", "wait") => Some(("counted it down", COUNTS)),
        ("condvar", "wait") => Some(("notified it", NOTIFIES)),
        _ => None,
    }
}

/// A thread's final state in words.
fn state_words(state: &ThreadState) -> String {
    match state {
        ThreadState::Running => "still running".to_owned(),
        ThreadState::Finished => "finished".to_owned(),
        ThreadState::Blocked(location) => format!(
            "blocked at {}",
            short_location(location.file(), location.line())
        ),
    }
}
