//! Traced steps: how the kit tells a recording checker what each thread does, for failure traces.
//!
//! Every operation another thread can observe (a send, a receive, a close, a cancel, a
//! `WaitGroup` count) opens a [`Scope`] with [`enter`]. On [`Std`](crate::Std) this is free: the
//! backend's hooks are empty and inline away. The harness's model backends record the step while
//! they replay a failing schedule, with the caller's source line (`#[track_caller]` all the way
//! down), and leave out the backend steps the kit takes inside a scope (its own locks and
//! waits), so a trace shows what the user's code did, not how the kit does it.

use crate::backend::Backend;
use std::fmt;
use std::marker::PhantomData;
use std::panic::Location;

/// The object a traced step acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Object {
    /// What it is: `chan`, `wait group`, `mutex`, ….
    pub kind: &'static str,
    /// Its address while the step runs: tells two objects of one kind apart.
    pub addr: usize,
    /// The line that created it, where the kit knows it.
    pub site: Option<&'static Location<'static>>,
}

impl Object {
    /// The object of kind `kind` that lives at `value`.
    pub fn at<T: ?Sized>(
        kind: &'static str,
        value: &T,
        site: Option<&'static Location<'static>>,
    ) -> Self {
        Self {
            kind,
            addr: value as *const T as *const () as usize,
            site,
        }
    }
}

/// An open traced step: the backend steps the thread takes until it drops belong to it.
#[must_use = "a scope ends its step when dropped"]
pub struct Scope<B: Backend> {
    /// Whether the backend records: asked once, when the step opens (a checker turns recording
    /// on or off only between executions).
    recording: bool,
    backend: PhantomData<fn() -> B>,
}

impl<B: Backend> Scope<B> {
    /// Whether a checker records this step: the kit gathers what only a trace needs only then.
    #[inline]
    pub fn recording(&self) -> bool {
        self.recording
    }

    /// Names what the step turned out to act on: `op` on `object` (the channel of the `select`
    /// arm that won).
    #[inline]
    pub fn retarget(&self, op: &'static str, object: Object) {
        if self.recording {
            B::trace_retarget(op, object);
        }
    }

    /// Notes how the step ended (`a value`, `closed`, `arm 1`); formatted only while recording.
    #[inline]
    pub fn outcome(&self, outcome: fmt::Arguments<'_>) {
        if self.recording {
            B::trace_outcome(outcome);
        }
    }
}

impl<B: Backend> Drop for Scope<B> {
    #[inline]
    fn drop(&mut self) {
        if self.recording {
            B::trace_exit();
        }
    }
}

/// Whether `location` lies in this crate's own source: a backend step taken there (a lock of a
/// channel's state, say) is how the kit works, not a step of the user's program.
pub fn in_kit(location: &Location<'_>) -> bool {
    kit_source(location.file()).is_some()
}

/// The path of source file `file` inside this crate's `src/` (`chan/mod.rs`), if it is one of
/// this crate's.
pub fn kit_source(file: &str) -> Option<&str> {
    let here = file!();
    let kit_src = here.strip_suffix("trace.rs").unwrap_or(here);
    file.strip_prefix(kit_src)
}

/// Notes a step of the user's own in a recording checker's trace: `text` is formatted only
/// while a checker records. [`trace!`](crate::trace!) is the short form.
#[track_caller]
#[inline]
pub fn note<B: Backend>(text: fmt::Arguments<'_>) {
    let step = enter::<B>("note", Object::at("note", &(), None));
    step.outcome(text);
}

/// Notes a step of the user's own (`trace!(B, "read {seen}")`) in the trace a model checker
/// shows for a failing schedule; nothing on [`Std`](crate::Std).
///
/// ```
/// use patterns::Std;
/// let seen = 3;
/// patterns::trace!(Std, "read {seen}, about to write {}", seen + 1);
/// ```
#[macro_export]
macro_rules! trace {
    ($backend:ty, $($text:tt)+) => {
        $crate::trace::note::<$backend>(format_args!($($text)+))
    };
}

/// Opens the traced step `op` (`send`, `cancel`, …) on `object`, at the caller's line.
#[track_caller]
#[inline]
pub fn enter<B: Backend>(op: &'static str, object: Object) -> Scope<B> {
    let recording = B::recording();
    if recording {
        B::trace_enter(op, object);
    }
    Scope {
        recording,
        backend: PhantomData,
    }
}
