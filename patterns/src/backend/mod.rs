//! The swappable sync backend: one trait that std, loom and shuttle all implement.
//!
//! Every primitive of the kit is written once against [`Backend`]. [`Std`] runs it on real threads
//! with the real clock; the `checks` crate implements the same trait for loom and shuttle, whose
//! schedulers then explore the interleavings of the very code that runs in production.
//!
//! The trait is the subset the three share: no `wait_while`, no `wait_timeout` (loom's never times
//! out), no poisoning. Time belongs to the backend ([`Backend::now`], [`Backend::park_until`]): the
//! model backends run a virtual clock whose timers fire from a thread the checker interleaves.

mod std_backend;
pub mod watchdog;

pub use std_backend::Std;

use crate::time::{TimerCallback, TimerService};
use crate::trace::Object;
use std::fmt::{self, Debug};
use std::ops::DerefMut;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// An atomic cell holding a `V`, with std's method names and orderings.
pub trait Atomic<V: Copy>: Send + Sync + 'static {
    /// A new cell holding `value`.
    fn new(value: V) -> Self;
    /// Loads the value.
    fn load(&self, order: Ordering) -> V;
    /// Stores `value`.
    fn store(&self, value: V, order: Ordering);
    /// Stores `new` if the cell holds `current`; returns the previous value either way.
    fn compare_exchange(
        &self,
        current: V,
        new: V,
        success: Ordering,
        failure: Ordering,
    ) -> Result<V, V>;
}

/// An atomic integer: [`Atomic`] plus read-modify-write arithmetic (wrapping, like std).
pub trait AtomicInt<V: Copy>: Atomic<V> {
    /// Adds `value`, returning the previous value.
    fn fetch_add(&self, value: V, order: Ordering) -> V;
    /// Subtracts `value`, returning the previous value.
    fn fetch_sub(&self, value: V, order: Ordering) -> V;
    /// Stores `value`, returning the previous value (one read-modify-write).
    fn swap(&self, value: V, order: Ordering) -> V;
    /// Bitwise-ors `value` in, returning the previous value.
    fn fetch_or(&self, value: V, order: Ordering) -> V;
    /// Bitwise-ands `value` in, returning the previous value.
    fn fetch_and(&self, value: V, order: Ordering) -> V;
}

/// One access of plain shared data (a [`RaceCell`](crate::RaceCell)), as its backend hears of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// The value is read.
    Read,
    /// The value is written (or read and written in one step).
    Write,
}

/// A sync backend: locks, condition variables, atomics, threads and a clock.
///
/// Implemented by a zero-sized marker type. Shared ownership is std's [`Arc`] on every backend
/// (loom's own `Arc` aborts the whole test binary when a deadlock is found).
///
/// Every blocking function is `#[track_caller]`, declared so here, which makes every implementation
/// track its caller: a checker that reports a blocked thread names the line of user code that
/// blocked, not a line in this crate.
pub trait Backend: Copy + Default + Debug + Send + Sync + 'static {
    /// A mutual-exclusion lock protecting a `T`.
    type Mutex<T: Send>: Send + Sync;
    /// The guard of a locked [`Backend::Mutex`].
    type Guard<'a, T: Send + 'a>: DerefMut<Target = T>;
    /// A condition variable, used with a [`Backend::Guard`].
    type Condvar: Send + Sync;
    /// An atomic `usize`.
    type AtomicUsize: AtomicInt<usize>;
    /// An atomic `bool`.
    type AtomicBool: Atomic<bool>;
    /// The handle of a spawned thread.
    type JoinHandle<T: Send + 'static>: Send;
    /// What the backend keeps of one [`RaceCell`](crate::RaceCell)'s accesses to find data races:
    /// nothing on [`Std`], loom's own cell tracking under loom, the accesses' vector clocks under
    /// shuttle.
    type AccessLog: Send + Sync;

    /// A short name for reports: `std`, `loom`, `shuttle`, ….
    const NAME: &'static str;
    /// Whether a thread about to park first spins (then yields) while it waits for a peer, and
    /// for how many rounds `RwMutex` does: waking a parked thread on another core costs
    /// microseconds, a peer often comes sooner. A channel's wait only asks whether it is 0 (its
    /// busy-wait is measured in time: `backoff.rs`). 0 for the model checkers, where a spin would
    /// only add schedules.
    const SPINS_BEFORE_PARK: u32 = 0;
    /// Whether any thread may wait with a deadline through [`Backend::park_until`]: true for the
    /// real clock (`Std`, and the harness's `Real`), so a timed `select` parks with its deadline
    /// and arms no timer. Otherwise (the model backends, whose virtual clock jumps when the timer
    /// thread parks, so that a timeout can fire at any step) a timed wait arms a timer that claims
    /// it.
    const DEADLINE_WAIT: bool = false;

    /// A new unlocked mutex holding `value`.
    fn mutex<T: Send>(value: T) -> Self::Mutex<T>;
    /// Locks `mutex`, blocking until it is free. Poisoning is ignored.
    #[track_caller]
    fn lock<T: Send>(mutex: &Self::Mutex<T>) -> Self::Guard<'_, T>;
    /// A new condition variable.
    fn condvar() -> Self::Condvar;
    /// Releases `guard`, blocks until notified (or spuriously woken), and locks again.
    #[track_caller]
    fn wait<'a, T: Send + 'a>(
        condvar: &Self::Condvar,
        guard: Self::Guard<'a, T>,
    ) -> Self::Guard<'a, T>;
    /// Wakes one thread waiting on `condvar`.
    #[track_caller]
    fn notify_one(condvar: &Self::Condvar);
    /// Wakes every thread waiting on `condvar`.
    #[track_caller]
    fn notify_all(condvar: &Self::Condvar);

    /// A new record of one cell's accesses.
    fn access_log() -> Self::AccessLog;
    /// Tells the backend of an access to the cell `log` records. A model backend fails the run
    /// with a panic whose message starts with `data race` when the access conflicts with another
    /// thread's access that happens-before does not order before it. Nothing on [`Std`].
    #[track_caller]
    fn access(log: &Self::AccessLog, access: Access);

    /// Spawns a thread named `name` running `f`.
    #[track_caller]
    fn spawn<F, T>(name: &str, f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static;
    /// Waits for a thread to finish. `Err` carries its panic (only [`Std`] ever returns it: the
    /// model checkers fail the whole run when any thread panics).
    #[track_caller]
    fn join<T: Send + 'static>(handle: Self::JoinHandle<T>) -> std::thread::Result<T>;
    /// Spawns a thread that belongs to the backend itself (the timer thread). Checkers never report
    /// it as a leak.
    fn spawn_service<F>(name: &str, f: F) -> Self::JoinHandle<()>
    where
        F: FnOnce() + Send + 'static;
    /// Lets other threads run. Every spin or retry loop must call it (loom needs it to terminate).
    fn yield_now();

    /// Time since the backend's epoch: real for [`Std`], virtual under the model checkers.
    fn now() -> Duration;
    /// Called by the timer thread only, unless [`Backend::DEADLINE_WAIT`]: returns once
    /// [`Backend::now`] has reached `deadline` or the condition variable was notified. [`Std`] waits on the real clock; a model backend advances its
    /// virtual clock to `deadline` at once, so a pending timer can fire at any point of a schedule.
    #[track_caller]
    fn park_until<'a, T: Send + 'a>(
        condvar: &Self::Condvar,
        guard: Self::Guard<'a, T>,
        deadline: Duration,
    ) -> Self::Guard<'a, T>;
    /// The timer service of this backend (of the current model execution, for the model backends).
    fn timers() -> Arc<TimerService<Self>>;
    /// Wraps a timer callback armed by the calling thread, so that it runs on the timer thread in
    /// the caller's context. Identity on [`Std`]; the harness's `Real` backend uses it so that a
    /// thread a callback spawns belongs to the caller's run and is leak-checked with it.
    #[inline]
    fn bind_callback(callback: TimerCallback) -> TimerCallback {
        callback
    }

    /// A choice among `n` equally valid alternatives (which ready `select` arm to take). [`Std`]
    /// draws it from a cheap thread-local generator; shuttle lets its scheduler choose, so both
    /// choices are explored; loom has no such hook and always picks 0.
    fn choose(n: usize) -> usize;

    /// A value in `0..n` that the program takes from outside its own control: a random number,
    /// whether a call to the outside world fails. Unlike [`Backend::choose`], which breaks a tie
    /// the program does not care about, this is data the program branches on, so a model checker
    /// should try every value: loom explores the schedules once for each combination of the
    /// values drawn, shuttle's random and PCT schedulers sample it like `choose`, and [`Std`]
    /// draws it at random.
    ///
    /// ```
    /// use patterns::{Backend, Std};
    /// let fails = Std::input(2) == 1;
    /// # let _ = fails;
    /// ```
    fn input(n: usize) -> usize {
        Self::choose(n)
    }

    /// Runs `f`, catching a panic that unwinds out of it, like [`std::panic::catch_unwind`]. The
    /// kit catches panics only through this (a worker's job, a timer's callback), and a scenario
    /// that catches one should too: a model backend then knows the panic will be caught, so the
    /// destructors it unwinds through keep their promises (see [`Backend::in_teardown`]).
    fn catch_unwind<R>(f: impl FnOnce() -> R) -> std::thread::Result<R> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
    }

    /// True while the current thread unwinds out of a model execution that the checker is
    /// abandoning (it found a deadlock or hit a bound, or a panic escaped a thread). `Drop` impls
    /// that touch a primitive return early then: the execution is over, and a second panic inside
    /// a destructor would abort the test binary. A panic caught by [`Backend::catch_unwind`] does
    /// not count: the execution goes on, and destructors keep their promises exactly as on
    /// [`Std`], where this is always false. (A panic raised with `panic!` outside any
    /// `Backend::catch_unwind` is taken to escape its thread, which ends the execution.)
    fn in_teardown() -> bool;

    /// Whether a checker records the steps of the running execution (see [`mod@crate::trace`]): the
    /// one question a traced step asks while nobody records. Always false on [`Std`].
    #[inline]
    fn recording() -> bool {
        false
    }
    /// Opens a traced step of the kit on the calling thread (see [`mod@crate::trace`]): a checker
    /// that records a failing schedule notes `op` on `object` at the caller's line. Nothing on
    /// [`Std`].
    #[track_caller]
    #[inline]
    fn trace_enter(op: &'static str, object: Object) {
        let _ = (op, object);
    }
    /// Names what the calling thread's open traced step turned out to act on. Nothing on [`Std`].
    #[inline]
    fn trace_retarget(op: &'static str, object: Object) {
        let _ = (op, object);
    }
    /// Notes how the calling thread's open traced step ended. Nothing on [`Std`].
    #[inline]
    fn trace_outcome(outcome: fmt::Arguments<'_>) {
        let _ = outcome;
    }
    /// Closes the calling thread's innermost traced step. Nothing on [`Std`].
    #[inline]
    fn trace_exit() {}
}
