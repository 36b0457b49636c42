//! The model backends' trace recorder: while the harness replays a failing schedule, each step a
//! thread takes that another thread can observe is appended here, in the order the checker ran
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
    /// Whether it returned. A step is recorded as it returns, in the order its effects took
    /// place; one that never did (its thread blocked in it for good) where it began.
    pub(crate) completed: bool,
    /// How many steps had returned when it began.
    pub(crate) begun_at: usize,
}

impl RawStep {
    fn new(
        thread: usize,
        location: &Location<'_>,
        op: Cow<'static, str>,
        object: Option<Object>,
        outcome: Option<String>,
    ) -> Self {
        Self {
            thread,
            op,
            object,
            outcome,
            file: location.file().to_owned(),
            line: location.line(),
            completed: true,
            begun_at: 0,
        }
    }
}

/// What one thread is inside: how many steps deep, and the outermost step, not yet returned.
#[derive(Clone, Default)]
struct Open {
    depth: u32,
    pending: Option<RawStep>,
}

/// The steps of the execution being recorded.
#[derive(Default)]
struct Log {
    steps: Vec<RawStep>,
    open: Vec<Open>,
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

/// Stops recording and returns the steps of the last execution recorded: the steps that
/// returned, in order, with each step that never did put in where it began.
pub(crate) fn stop() -> Vec<RawStep> {
    RECORDING.with(|recording| recording.set(false));
    let log = LOG.with(|log| std::mem::take(&mut *log.borrow_mut()));
    let mut unfinished: Vec<RawStep> = log
        .open
        .into_iter()
        .filter_map(|open| open.pending)
        .map(|step| RawStep {
            completed: false,
            ..step
        })
        .collect();
    unfinished.sort_by_key(|step| step.begun_at);
    let mut steps = Vec::with_capacity(log.steps.len() + unfinished.len());
    let mut unfinished = unfinished.into_iter().peekable();
    for (index, step) in log.steps.into_iter().enumerate() {
        while let Some(early) = unfinished.next_if(|u| u.begun_at <= index) {
            steps.push(early);
        }
        steps.push(step);
    }
    steps.extend(unfinished);
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
/// exploration pays one thread-local read per hook.
#[cold]
#[inline(never)]
fn with_thread(f: impl FnOnce(&mut Log, usize)) {
    // An abandoned execution is over: its checker can no longer say which thread runs.
    if super::model::abandoned() {
        return;
    }
    let Some(thread) = Registry::with_current(Registry::current_index).flatten() else {
        return;
    };
    LOG.with(|log| {
        let mut log = log.borrow_mut();
        if log.open.len() <= thread {
            log.open.resize(thread + 1, Open::default());
        }
        f(&mut log, thread);
    });
}

/// Records a step of the running thread that cannot block (an atomic access, an unlock, a
/// spawn), as it returns, unless the thread is inside a kit step, which stands for it, or the
/// step is the kit's own (see [`patterns::trace::in_kit`]).
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
    with_thread(|log, thread| {
        if log.open[thread].depth == 0 && !kit_internal(location, object) {
            let step = RawStep::new(thread, location, op(), object, outcome());
            log.steps.push(step);
        }
    });
}

/// Records a step of the running thread whatever it is inside (its finish, or its panic), after
/// the step it is inside.
#[inline]
pub(crate) fn always(location: &Location<'_>, op: &'static str, outcome: String) {
    if !recording() {
        return;
    }
    with_thread(|log, thread| {
        if let Some(pending) = log.open[thread].pending.take() {
            log.steps.push(pending);
        }
        let step = RawStep::new(thread, location, Cow::Borrowed(op), None, Some(outcome));
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
        let open = &mut log.open[thread];
        if open.depth == 0 && !kit_internal(location, object) {
            let step = RawStep {
                begun_at: log.steps.len(),
                ..RawStep::new(thread, location, Cow::Borrowed(op), object, None)
            };
            open.pending = Some(step);
        }
        open.depth += 1;
    });
}

/// Notes the outcome of the running thread's outermost open step.
#[inline]
pub(crate) fn outcome(outcome: fmt::Arguments<'_>) {
    if !recording() {
        return;
    }
    with_thread(|log, thread| {
        let open = &mut log.open[thread];
        if let (1, Some(pending)) = (open.depth, open.pending.as_mut()) {
            pending.outcome = Some(outcome.to_string());
        }
    });
}

/// Closes the running thread's innermost open step; the outermost one is recorded now.
#[inline]
pub(crate) fn exit() {
    if !recording() {
        return;
    }
    with_thread(|log, thread| {
        let open = &mut log.open[thread];
        open.depth = open.depth.saturating_sub(1);
        if open.depth == 0 {
            if let Some(step) = open.pending.take() {
                log.steps.push(step);
            }
        }
    });
}
