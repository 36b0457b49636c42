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

/// A timer's callback, as the timer service keeps it.
pub type TimerCallback = Box<dyn FnOnce() + Send>;

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
    /// (deadline, id) of every armed timer, earliest first. Ids break ties in arming order.
    queue: BinaryHeap<Reverse<(Duration, u64)>>,
    /// The callback of each armed timer; a stopped timer is removed here and skipped in `queue`.
    pending: BTreeMap<u64, TimerCallback>,
    next_id: u64,
    /// Entries of `queue` whose timer was stopped; the heap is compacted when they pile up.
    stopped: usize,
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
                stopped: 0,
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
        F: FnOnce() + Send + 'static,
    {
        self.at(B::now().saturating_add(delay), f)
    }

    /// Runs `f` on the timer thread once the backend's clock reaches `deadline`.
    pub fn at<F>(self: &Arc<Self>, deadline: Duration, f: F) -> Timer<B>
    where
        F: FnOnce() + Send + 'static,
    {
        let step = trace::enter::<B>("arm timer", Object::at("timers", &**self, None));
        let mut state = B::lock(&self.state);
        assert!(
            !state.shutdown,
            "timer armed after its timer service shut down (the model execution has ended)"
        );
        let id = state.next_id;
        state.next_id += 1;
        step.outcome(format_args!("timer {id} at {deadline:?}"));
        state.queue.push(Reverse((deadline, id)));
        state.pending.insert(id, B::bind_callback(Box::new(f)));
        if !state.started {
            state.started = true;
            let service = Arc::clone(self);
            let handle = B::spawn_service("timer", move || service.run());
            *B::lock(&self.thread) = Some(handle);
        }
        drop(state);
        B::notify_one(&self.wake);
        Timer {
            id,
            service: Arc::clone(self),
        }
    }

    /// The number of armed timers that have neither fired nor been stopped.
    pub fn pending(&self) -> usize {
        B::lock(&self.state).pending.len()
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
            if !state.pending.contains_key(&id) {
                state.queue.pop();
                state.stopped = state.stopped.saturating_sub(1);
                continue;
            }
            if B::now() < deadline {
                state = B::park_until(&self.wake, state, deadline);
                continue;
            }
            state.queue.pop();
            let callback = state.pending.remove(&id);
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
    /// been stopped (Go's `Timer.Stop`).
    pub fn stop(&self) -> bool {
        let step = trace::enter::<B>("stop timer", Object::at("timers", &*self.service, None));
        let mut state = B::lock(&self.service.state);
        let callback = state.pending.remove(&self.id);
        if callback.is_some() {
            state.stopped += 1;
            // Stopped entries wait in the heap until they reach its top; compact when they are
            // most of it, so many short-lived timeouts under one long timer cannot pile up.
            if state.stopped > 32 && state.stopped * 2 > state.queue.len() {
                let TimerState { queue, pending, .. } = &mut *state;
                queue.retain(|Reverse((_, id))| pending.contains_key(id));
                state.stopped = 0;
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
}

/// Runs `f` on `B`'s timer thread after `delay` (Go's `time.AfterFunc`).
///
/// Unlike Go, which gives the function a goroutine of its own, `f` runs on the timer thread: it
/// must not block (send with `try_send`, cancel a context, spawn a thread for longer work), or
/// every later timer waits for it. A panic in `f` does not stop the timer thread.
pub fn after_func<B: Backend>(delay: Duration, f: impl FnOnce() + Send + 'static) -> Timer<B> {
    B::timers().after_func(delay, f)
}
