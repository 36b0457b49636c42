//! Timers over the backend's clock: Go's `time.AfterFunc`, the root of every timeout in the kit
//! under the models (on a real clock a select waits for its own deadline, with no timer).
//!
//! One timer thread per [`TimerService`] keeps the pending timers in deadline order and runs each
//! callback when its deadline passes. On [`Std`](crate::Std) that is one thread for the process, on
//! the real clock. Under a model checker it is one thread per execution on a virtual clock: the
//! thread is runnable whenever a timer is pending, so the checker interleaves "the timer fires" with
//! every other step, and both "message first" and "timeout first" get explored.
//!
//! ```
//! use patterns::{time, Std};
//! use std::sync::mpsc;
//! use std::time::Duration;
//!
//! let (tx, rx) = mpsc::channel();
//! let _timer = time::after_func::<Std>(Duration::from_millis(1), move || tx.send("fired").unwrap());
//! assert_eq!(rx.recv().unwrap(), "fired");
//! ```

use crate::backend::Backend;
use crate::trace::{self, Object};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::sync::Arc;
use std::time::Duration;

/// One arming of a timer's callback, as the timer service keeps it until it fires or is stopped.
pub type TimerCallback = Box<dyn FnOnce() + Send>;

/// A timer's function, kept by its [`Timer`] so that [`Timer::reset`] can run it again.
type TimerFn = Arc<dyn Fn() + Send + Sync>;

/// Stale heap entries (of stopped or reset timers) a [`TimerService`] lets wait before it
/// compacts its heap, however few timers are pending; past it, stale entries never outnumber the
/// pending timers after a [`Timer::stop`].
pub const STALE_SLACK: usize = 32;

/// The pending timers of one backend (one model execution), fired in deadline order.
pub struct TimerService<B: Backend> {
    /// The queue and the callbacks; the timer thread sleeps on `wake` while holding nothing.
    state: B::Mutex<TimerState>,
    /// Notified when a timer is added or the service shuts down, so the timer thread re-reads the
    /// earliest deadline (a new timer may be earlier than the one it sleeps towards).
    wake: B::Condvar,
    /// The timer thread, once started; taken by `shutdown` to join it.
    thread: B::Mutex<Option<B::JoinHandle<()>>>,
}

struct TimerState {
    /// (deadline, id) of every arming, earliest first. Ids break ties in arming order.
    queue: BinaryHeap<Reverse<(Duration, u64)>>,
    /// The deadline and callback of each armed timer. A stopped timer is removed here, and its
    /// entry in `queue` skipped; so is the old entry of a timer reset to another deadline.
    pending: BTreeMap<u64, (Duration, TimerCallback)>,
    next_id: u64,
    /// Entries of `queue` that no longer arm anything; the heap is compacted when they pile up.
    stale: usize,
    started: bool,
    shutdown: bool,
    /// The first panic of a callback: the timer thread survives it, and `shutdown` re-raises it
    /// (so a model run fails on it; on `Std` the panic hook has already reported it).
    panic: Option<Box<dyn std::any::Any + Send>>,
}

/// A timer armed by [`TimerService::after_func`]. Dropping it does not stop it (as in Go).
pub struct Timer<B: Backend> {
    id: u64,
    service: Arc<TimerService<B>>,
    /// The function, for [`Timer::reset`] to arm again after it fired or was stopped.
    function: TimerFn,
}

impl<B: Backend> Default for TimerService<B> {
    fn default() -> Self {
        Self::new()
    }
}

impl<B: Backend> TimerService<B> {
    /// A service with no timers and no thread; the thread starts with the first timer.
    pub fn new() -> Self {
        Self {
            state: B::mutex(TimerState {
                queue: BinaryHeap::new(),
                pending: BTreeMap::new(),
                next_id: 0,
                stale: 0,
                started: false,
                shutdown: false,
                panic: None,
            }),
            wake: B::condvar(),
            thread: B::mutex(None),
        }
    }

    /// Runs `f` on the timer thread once `delay` of the backend's time has passed.
    pub fn after_func<F>(self: &Arc<Self>, delay: Duration, f: F) -> Timer<B>
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.at(B::now().saturating_add(delay), f)
    }

    /// Runs `f` on the timer thread once the backend's clock reaches `deadline`.
    pub fn at<F>(self: &Arc<Self>, deadline: Duration, f: F) -> Timer<B>
    where
        F: Fn() + Send + Sync + 'static,
    {
        let step = trace::enter::<B>("arm timer", Object::at("timers", &**self, None));
        let function: TimerFn = Arc::new(f);
        let callback = bind::<B>(&function);
        let mut state = B::lock(&self.state);
        let id = state.next_id;
        state.next_id += 1;
        step.outcome(format_args!("timer {id} at {deadline:?}"));
        self.enqueue(state, id, deadline, callback);
        Timer {
            id,
            service: Arc::clone(self),
            function,
        }
    }

    /// Queues timer `id` to run `callback` at `deadline`, replacing the arming it had pending,
    /// which it returns (for the caller to drop after unlocking: a callback may own a canceller
    /// whose drop stops a timer). Starts the timer thread with the first timer.
    fn enqueue(
        self: &Arc<Self>,
        mut state: B::Guard<'_, TimerState>,
        id: u64,
        deadline: Duration,
        callback: TimerCallback,
    ) -> Option<(Duration, TimerCallback)> {
        assert!(
            !state.shutdown,
            "timer armed after its timer service shut down (the model execution has ended)"
        );
        let replaced = state.pending.insert(id, (deadline, callback));
        // Re-armed for the deadline it had: its entry in `queue` arms the new callback, so the
        // heap keeps one entry per pending timer.
        if !matches!(&replaced, Some((armed, _)) if *armed == deadline) {
            if replaced.is_some() {
                // Its old entry in `queue` now arms nothing.
                state.stale += 1;
            }
            state.queue.push(Reverse((deadline, id)));
        }
        if !state.started {
            state.started = true;
            let service = Arc::clone(self);
            let handle = B::spawn_service("timer", move || service.run());
            *B::lock(&self.thread) = Some(handle);
        }
        drop(state);
        // The timer thread re-reads the earliest deadline: this one may be earlier.
        B::notify_one(&self.wake);
        replaced
    }

    /// The number of armed timers that have neither fired nor been stopped.
    pub fn pending(&self) -> usize {
        B::lock(&self.state).pending.len()
    }

    /// The entries of the timer heap: one per pending timer, and the stale ones of timers stopped
    /// or reset since, which wait to be dropped. Stopped timers do not pile up: each
    /// [`Timer::stop`] leaves at most `pending() + max(STALE_SLACK, pending())` entries (read
    /// while no timer fires in between).
    pub fn queued(&self) -> usize {
        B::lock(&self.state).queue.len()
    }

    /// Stops the timer thread and joins it; armed timers are dropped without firing. The model
    /// harness calls this at the end of every execution; the `Std` service lives for the process.
    pub fn shutdown(&self) {
        let mut state = B::lock(&self.state);
        state.shutdown = true;
        // Dropped after unlocking: a callback may own something whose drop stops a timer.
        let pending = std::mem::take(&mut state.pending);
        let panic = state.panic.take();
        drop(state);
        drop(pending);
        B::notify_all(&self.wake);
        let handle = B::lock(&self.thread).take();
        if let Some(handle) = handle {
            // The timer thread never panics on its own; a callback's panic is the scenario's.
            if let Err(panic) = B::join(handle) {
                std::panic::resume_unwind(panic);
            }
        }
        if let Some(panic) = panic {
            std::panic::resume_unwind(panic);
        }
    }

    fn run(&self) {
        let mut state = B::lock(&self.state);
        loop {
            if state.shutdown {
                return;
            }
            let Some(&Reverse((deadline, id))) = state.queue.peek() else {
                state = B::wait(&self.wake, state);
                continue;
            };
            if state
                .pending
                .get(&id)
                .is_none_or(|&(armed, _)| armed != deadline)
            {
                // Stopped, or reset to another deadline (then its new entry is in `queue` too).
                state.queue.pop();
                state.stale = state.stale.saturating_sub(1);
                continue;
            }
            if B::now() < deadline {
                state = B::park_until(&self.wake, state, deadline);
                continue;
            }
            state.queue.pop();
            let callback = state.pending.remove(&id).map(|(_, callback)| callback);
            drop(state);
            let step = trace::enter::<B>("timer fires", Object::at("timers", self, None));
            step.outcome(format_args!("timer {id}"));
            // A point step: what the callback does is traced as its own steps.
            drop(step);
            // A panicking callback must not take every other timer down with this thread.
            let panic = callback.and_then(|callback| B::catch_unwind(callback).err());
            state = B::lock(&self.state);
            if let Some(panic) = panic {
                state.panic.get_or_insert(panic);
            }
        }
    }
}

impl<B: Backend> Timer<B> {
    /// Stops the timer. Returns true if that kept it from firing, false if it had already fired or
    /// been stopped (Go's `Timer.Stop`). It does not wait for a callback that is running.
    pub fn stop(&self) -> bool {
        let step = trace::enter::<B>("stop timer", Object::at("timers", &*self.service, None));
        let mut state = B::lock(&self.service.state);
        let callback = state.pending.remove(&self.id);
        if callback.is_some() {
            state.stale += 1;
            // Stale entries wait in the heap until they reach its top; compact when they are
            // most of it, so many short-lived timeouts under one long timer cannot pile up (the
            // bound `queued` states: the heap holds `pending + stale` entries).
            if state.stale > STALE_SLACK && state.stale * 2 > state.queue.len() {
                let TimerState { queue, pending, .. } = &mut *state;
                queue.retain(|Reverse((deadline, id))| {
                    pending.get(id).is_some_and(|(armed, _)| armed == deadline)
                });
                state.stale = 0;
            }
        }
        drop(state);
        // Dropped after unlocking: the callback may own a canceller whose drop stops a timer.
        let stopped = callback.is_some();
        drop(callback);
        step.outcome(format_args!(
            "timer {}: {}",
            self.id,
            if stopped { "stopped" } else { "had fired" }
        ));
        stopped
    }

    /// Arms the timer again, to fire once `delay` from now has passed (Go's `Timer.Reset` of an
    /// `AfterFunc` timer). Returns true if the timer was still pending (it now fires at the new
    /// time instead, once), false if it had fired or been stopped (its function will run again).
    pub fn reset(&self, delay: Duration) -> bool {
        let step = trace::enter::<B>("reset timer", Object::at("timers", &*self.service, None));
        let deadline = B::now().saturating_add(delay);
        let callback = bind::<B>(&self.function);
        let state = B::lock(&self.service.state);
        let replaced = self.service.enqueue(state, self.id, deadline, callback);
        let was_pending = replaced.is_some();
        drop(replaced);
        step.outcome(format_args!(
            "timer {}: {}",
            self.id,
            if was_pending {
                "was pending"
            } else {
                "had fired or stopped"
            }
        ));
        was_pending
    }
}

/// One arming of `function`, bound to the calling thread (see [`Backend::bind_callback`]).
fn bind<B: Backend>(function: &TimerFn) -> TimerCallback {
    let function = Arc::clone(function);
    B::bind_callback(Box::new(move || function()))
}

/// Runs `f` on `B`'s timer thread after `delay` (Go's `time.AfterFunc`); [`Timer::reset`] runs
/// it again, so it is an `Fn`.
///
/// Unlike Go, which gives the function a goroutine of its own, `f` runs on the timer thread: it
/// must not block (send with `try_send`, cancel a context, spawn a thread for longer work), or
/// every later timer waits for it. A panic in `f` does not stop the timer thread.
pub fn after_func<B: Backend>(delay: Duration, f: impl Fn() + Send + Sync + 'static) -> Timer<B> {
    B::timers().after_func(delay, f)
}

/// Blocks the calling thread until at least `delay` has passed on `B`'s clock (Go's
/// `time.Sleep`); a zero delay returns at once, as in Go. Under the model checkers the clock is
/// virtual: the sleep ends when its timer fires, which the checker may schedule at any point
/// after every earlier deadline.
#[track_caller]
pub fn sleep<B: Backend>(delay: Duration) {
    if delay.is_zero() {
        return;
    }
    let _step = trace::enter::<B>("sleep", Object::at("sleep", &(), None));
    let woken = crate::chan::after_in::<B>(delay);
    // The timer's channel is closed only after it delivered the time: this never sees `None`.
    let _ = woken.recv();
}
