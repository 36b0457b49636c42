//! The wait-for story of a deadlock or a leak: who holds what, who waits for what, and the cycle.

use super::labels::{short_location, waiting_step, Labels};
use crate::backend::recorder::RawStep;
use crate::backend::registry::{ThreadSnapshot, ThreadState};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

/// Who holds what and waits for what, for a deadlock or a leak: one sentence per blocked thread,
/// then the wait-for cycle, if there is one.
pub(super) fn wait_for_story(
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

/// Whether `op` takes or releases a lock: `Some(true)` takes, `Some(false)` releases.
fn lock_effect(op: &str) -> Option<bool> {
    match op {
        "lock" | "read lock" => Some(true),
        "unlock" | "read unlock" => Some(false),
        _ => None,
    }
}
