//! Data races under the models: what loom and shuttle keep of a `RaceCell`'s accesses, and the
//! failure they raise, a panic whose message starts with `data race`, when an access conflicts
//! with another thread's access that happens-before does not order before it.
//!
//! loom has its own race detector, the access tracking of `loom::cell::UnsafeCell`: the loom log
//! is one such cell holding nothing, whose `with` and `with_mut` are called (the pointer never
//! read) for each read and write. shuttle keeps a vector clock per task, advanced by every
//! synchronizing operation of its primitives (a lock, an unlock, a notify, a spawn, a join, each
//! atomic access); the shuttle log keeps, for the cell's last write and each thread's last read
//! since, the accessing task and its own entry of its clock, advanced for the access. A later
//! access by another task is ordered after it exactly when that task's clock has caught up with
//! the entry: it synchronized with the accessing task after the access.

use super::registry::{Registry, ThreadSnapshot};
use patterns::Access;
use std::panic::Location;
use std::sync::Mutex;

/// One access, for the report.
#[derive(Clone, Copy, Debug)]
struct Seen {
    access: Access,
    /// The accessing thread's index in the run's registry.
    thread: Option<usize>,
    location: &'static Location<'static>,
}

impl Seen {
    #[track_caller]
    fn here(access: Access) -> Self {
        Self {
            access,
            thread: Registry::with_current(Registry::current_index).flatten(),
            location: Location::caller(),
        }
    }

    fn conflicts_with(&self, other: &Seen) -> bool {
        self.thread != other.thread
            && (self.access == Access::Write || other.access == Access::Write)
    }

    fn describe(&self, threads: &[ThreadSnapshot]) -> String {
        let what = match self.access {
            Access::Read => "read",
            Access::Write => "write",
        };
        let name = self
            .thread
            .and_then(|index| threads.get(index))
            .map_or_else(|| "?".to_owned(), |thread| thread.name.clone());
        format!("{what} at {} (thread `{name}`)", self.location)
    }
}

/// The failure: `now` races with each of `earlier`, raised at the access's line.
#[track_caller]
fn race(now: Seen, earlier: &[Seen]) -> ! {
    let threads = Registry::with_current(Registry::snapshot).unwrap_or_default();
    let mut message = format!("data race on a RaceCell: {}", now.describe(&threads));
    for other in earlier {
        message += &format!(", unordered with the {}", other.describe(&threads));
    }
    message += " (no synchronization orders the two accesses)";
    panic!("{message}");
}

/// A `RaceCell`'s accesses under loom: loom's own tracking, plus each thread's last accesses for
/// the report.
pub struct LoomLog {
    /// loom's tracked cell (not `Sync` itself: std's lock, which orders nothing loom sees,
    /// shares it).
    cell: Mutex<loom::cell::UnsafeCell<()>>,
    seen: Mutex<Vec<Seen>>,
}

impl LoomLog {
    pub(crate) fn new() -> Self {
        Self {
            cell: Mutex::new(loom::cell::UnsafeCell::new(())),
            seen: Mutex::new(Vec::new()),
        }
    }

    #[track_caller]
    pub(crate) fn access(&self, access: Access) {
        let now = Seen::here(access);
        // loom panics with "Causality violation" on an unordered access: caught only to name
        // both lines, then the run fails with that report.
        let tracked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let cell = self.cell.lock().unwrap_or_else(|p| p.into_inner());
            match access {
                Access::Read => cell.with(|_| ()),
                Access::Write => cell.with_mut(|_| ()),
            }
        }));
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(payload) = tracked {
            if patterns::panic_message(&*payload).contains("Causality violation") {
                super::unwind::take_back_abandon();
                let others: Vec<Seen> = seen
                    .iter()
                    .filter(|s| now.conflicts_with(s))
                    .copied()
                    .collect();
                drop(seen);
                race(now, &others);
            }
            std::panic::resume_unwind(payload);
        }
        remember(&mut seen, now, |s| (s.thread, s.access));
    }
}

/// Keeps `now` as its thread's last access of its kind, `key` naming an entry's thread and
/// access: a write replaces every entry, since it is known to be ordered after them (or the run
/// has failed); a read replaces its own thread's last read.
fn remember<E, T: Copy + PartialEq>(history: &mut Vec<E>, now: E, key: impl Fn(&E) -> (T, Access)) {
    let (thread, access) = key(&now);
    if access == Access::Write {
        history.clear();
    } else {
        history.retain(|e| key(e) != (thread, Access::Read));
    }
    history.push(now);
}

/// One access under shuttle: who, and the accessing task's own clock entry just after it.
#[derive(Clone, Copy, Debug)]
struct Stamp {
    seen: Seen,
    task: usize,
    time: u32,
}

/// A `RaceCell`'s accesses under shuttle: the last write, and each task's last read since.
pub struct ShuttleLog {
    stamps: Mutex<Vec<Stamp>>,
}

impl ShuttleLog {
    pub(crate) fn new() -> Self {
        Self {
            stamps: Mutex::new(Vec::new()),
        }
    }

    #[track_caller]
    pub(crate) fn access(&self, access: Access) {
        let now = Seen::here(access);
        let task = usize::from(shuttle::current::me());
        // Advancing this task's own entry makes this access's stamp newer than anything another
        // task could have learnt of this one before it: a clock that reaches the stamp learnt
        // it from a release (or the exit) after the access.
        let clock: Vec<u32> = shuttle_engine::runtime::execution::ExecutionState::with(|state| {
            state.increment_clock().to_vec()
        });
        let time = clock[task];
        let mut stamps = self.stamps.lock().unwrap_or_else(|p| p.into_inner());
        let unordered: Vec<Seen> = stamps
            .iter()
            .filter(|s| now.conflicts_with(&s.seen) && s.task != task)
            .filter(|s| clock.get(s.task).copied().unwrap_or(0) < s.time)
            .map(|s| s.seen)
            .collect();
        if !unordered.is_empty() {
            drop(stamps);
            race(now, &unordered);
        }
        let stamp = Stamp {
            seen: now,
            task,
            time,
        };
        remember(&mut stamps, stamp, |s| (s.task, s.seen.access));
    }
}
