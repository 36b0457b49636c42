//! The model backends' trace recorder: while the harness replays a failing schedule, each step a
//! thread takes that another thread can observe is recorded here, in the order the checker ran
//! them. Off while exploring: every hook first reads one thread-local flag.

use super::registry::Registry;
use patterns::trace::Object;
use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::panic::Location;

/// One recorded step, before the harness names its thread and object.
#[derive(Clone, Debug)]
pub(crate) struct RawStep {
    /// The registry index of the thread that took it.
    pub(crate) thread: usize,
    /// What it did: `send`, `lock`, `load`, ….
    pub(crate) op: Cow<'static, str>,
    /// What it did it to.
    pub(crate) object: Option<Object>,
    /// How it ended, where that says something (`closed`, a loaded value).
    pub(crate) outcome: Option<String>,
    /// The source file and line of the scenario (or kit) that took it.
    pub(crate) file: String,
    pub(crate) line: u32,
    /// Whether it returned (a step a thread blocked in for good, or panicked in, did not).
    pub(crate) completed: bool,
    /// When, on the recorder's clock, its effect took place: as it returned for a step that cannot
    /// block; at the kit's last release of a lock inside the step for a step of the kit (before
    /// the release, which a checker may follow with a switch to another thread); as it began for
    /// a step that never returned. Steps are shown in this order.
    at: u64,
}

impl RawStep {
    fn new(
        thread: usize,
        location: &Location<'_>,
        op: Cow<'static, str>,
        object: Option<Object>,
        outcome: Option<String>,
        at: u64,
    ) -> Self {
        Self {
            thread,
            op,
            object,
            outcome,
            file: location.file().to_owned(),
            line: location.line(),
            completed: true,
            at,
        }
    }
}

/// What one thread is inside: how many steps deep, and the outermost step, not yet returned.
#[derive(Clone, Default)]
struct Open {
    depth: u32,
    pending: Option<RawStep>,
    /// When the pending step's effect took place, if it released a lock yet.
    effect: Option<u64>,
}

/// The steps of the execution being recorded.
#[derive(Default)]
struct Log {
    steps: Vec<RawStep>,
    open: Vec<Open>,
    /// The recorder's clock: one tick per event, in the order the checker ran them.
    clock: u64,
}

impl Log {
    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }
}

std::thread_local! {
    static RECORDING: Cell<bool> = const { Cell::new(false) };
    static LOG: RefCell<Log> = RefCell::new(Log::default());
}

/// Whether the model executions on this OS thread are being recorded.
#[inline]
pub(crate) fn recording() -> bool {
    RECORDING.with(Cell::get)
}

/// Records the model executions run on this OS thread from now on, until [`stop`].
pub(crate) fn start() {
    RECORDING.with(|recording| recording.set(true));
    begin_execution();
}

/// Stops recording and returns the steps of the last execution recorded, in the order their
/// effects took place; a step that never returned stands where it began.
pub(crate) fn stop() -> Vec<RawStep> {
    RECORDING.with(|recording| recording.set(false));
    let log = LOG.with(|log| std::mem::take(&mut *log.borrow_mut()));
    let mut steps = log.steps;
    steps.extend(log.open.into_iter().filter_map(|open| {
        open.pending.map(|step| RawStep {
            completed: false,
            ..step
        })
    }));
    steps.sort_by_key(|step| step.at);
    steps
}

/// Forgets the steps of an earlier execution: each recorded execution starts afresh.
pub(crate) fn begin_execution() {
    if recording() {
        LOG.with(|log| *log.borrow_mut() = Log::default());
    }
}

/// Runs `f` on the log and the running thread's index, if the thread is known. Called only while
/// recording: every hook below checks the flag inline and leaves the rest out of line, so
/// exploration pays one thread-local read per hook. Nothing here calls back into the kit, and a
/// hook reached while the log is in use (a `Debug` impl that touches the kit, say) records
/// nothing rather than panic.
#[cold]
#[inline(never)]
fn with_thread(f: impl FnOnce(&mut Log, usize)) {
    // An abandoned execution is over: its checker can no longer say which thread runs.
    if super::unwind::abandoned() {
        return;
    }
    let Some(thread) = Registry::with_current(Registry::current_index).flatten() else {
        return;
    };
    LOG.with(|log| {
        let Ok(mut log) = log.try_borrow_mut() else {
            return;
        };
        if log.open.len() <= thread {
            log.open.resize(thread + 1, Open::default());
        }
        f(&mut log, thread);
    });
}

/// Records a step of the running thread that cannot block (an atomic access, an unlock, a
/// spawn), as it returns, unless the thread is inside a kit step, which stands for it, or the
/// step is the kit's own (see [`patterns::trace::in_kit`]). `outcome` is formatted first, with
/// the log not in use.
#[inline]
pub(crate) fn step(
    location: &Location<'_>,
    op: impl FnOnce() -> Cow<'static, str>,
    object: Option<Object>,
    outcome: impl FnOnce() -> Option<String>,
) {
    if !recording() {
        return;
    }
    let (op, outcome) = (op(), outcome());
    with_thread(|log, thread| {
        if log.open[thread].depth == 0 && !kit_internal(location, object) {
            let at = log.tick();
            let step = RawStep::new(thread, location, op, object, outcome, at);
            log.steps.push(step);
        }
    });
}

/// Records that the running thread is about to release a lock: inside a kit step, the step's
/// effect is visible to other threads from now on; outside one, an unlock step (`locked_at` is
/// the line that took the lock).
#[inline]
pub(crate) fn release(locked_at: &Location<'_>, mutex: Object) {
    if !recording() {
        return;
    }
    with_thread(|log, thread| {
        let at = log.tick();
        let open = &mut log.open[thread];
        if open.depth > 0 {
            open.effect = Some(at);
        } else if !kit_internal(locked_at, Some(mutex)) {
            let step = RawStep::new(thread, locked_at, "unlock".into(), Some(mutex), None, at);
            log.steps.push(step);
        }
    });
}

/// Records the running thread's panic, after the step it panicked in (which did not return).
#[inline]
pub(crate) fn panicked(location: &Location<'_>, op: &'static str, message: String) {
    if !recording() {
        return;
    }
    with_thread(|log, thread| {
        let at = log.tick();
        let open = &mut log.open[thread];
        if let Some(pending) = open.pending.take() {
            let at = open.effect.take().unwrap_or(pending.at);
            log.steps.push(RawStep {
                completed: false,
                at,
                ..pending
            });
        }
        let step = RawStep::new(thread, location, op.into(), None, Some(message), at);
        log.steps.push(step);
    });
}

/// Whether a backend step is the kit's own work: a lock, wait or atomic the kit's code takes
/// outside any step of its own (a spawn or a join stays: it shapes the threads of the trace).
fn kit_internal(location: &Location<'_>, object: Option<Object>) -> bool {
    let backend_object = object.is_some_and(|o| matches!(o.kind, "mutex" | "condvar" | "atomic"));
    backend_object && patterns::trace::in_kit(location)
}

/// Opens a step of the running thread that may block (a kit step, a lock, a wait, a join): the
/// outermost one is recorded when it returns (see [`exit`]), the ones inside it not at all, and
/// neither is a backend step the kit takes itself.
#[inline]
pub(crate) fn enter(location: &Location<'_>, op: &'static str, object: Option<Object>) {
    if !recording() {
        return;
    }
    with_thread(|log, thread| {
        let at = log.tick();
        let open = &mut log.open[thread];
        if open.depth == 0 && !kit_internal(location, object) {
            let step = RawStep::new(thread, location, Cow::Borrowed(op), object, None, at);
            open.pending = Some(step);
            open.effect = None;
        }
        open.depth += 1;
    });
}

/// Notes the outcome of the running thread's outermost open step (formatted first, with the log
/// not in use).
#[inline]
pub(crate) fn outcome(outcome: fmt::Arguments<'_>) {
    if !recording() {
        return;
    }
    let text = outcome.to_string();
    with_thread(|log, thread| {
        let open = &mut log.open[thread];
        if let (1, Some(pending)) = (open.depth, open.pending.as_mut()) {
            pending.outcome = Some(text);
        }
    });
}

/// Names what the running thread's outermost open step turned out to act on (the channel of the
/// `select` arm that won).
#[inline]
pub(crate) fn retarget(op: &'static str, object: Object) {
    if !recording() {
        return;
    }
    with_thread(|log, thread| {
        let open = &mut log.open[thread];
        if let (1, Some(pending)) = (open.depth, open.pending.as_mut()) {
            pending.op = Cow::Borrowed(op);
            pending.object = Some(object);
        }
    });
}

/// Closes the running thread's innermost open step; the outermost one is recorded now, at the
/// time its effect took place.
#[inline]
pub(crate) fn exit() {
    if !recording() {
        return;
    }
    with_thread(|log, thread| {
        let now = log.tick();
        let open = &mut log.open[thread];
        open.depth = open.depth.saturating_sub(1);
        if open.depth == 0 {
            let effect = open.effect.take();
            if let Some(step) = open.pending.take() {
                let at = effect.unwrap_or(now);
                log.steps.push(RawStep { at, ..step });
            }
        }
    });
}
