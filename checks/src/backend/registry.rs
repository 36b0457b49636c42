//! The thread registry of one harness run: every thread a scenario spawns, what it is doing, and
//! its join handle until someone joins it. This is what turns "blocked forever" into a named leak.
//!
//! One registry lives per model execution (per stress run). It is found through a std
//! thread-local: the model checkers run all threads of an execution as coroutines on the test's
//! own OS thread, so they all see the same slot; on real threads the [`Real`](super::Real) backend
//! copies it into every thread it spawns. Its lock is a std mutex that is never held across a
//! blocking operation, so it can never block a model thread.

use std::borrow::Cow;
use std::cell::RefCell;
use std::panic::Location;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// What a registered thread is doing, as far as the kit's blocking points tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThreadState {
    /// Running (or runnable): not inside a blocking call.
    Running,
    /// Inside a blocking call (lock, wait, join) made at this line.
    Blocked(&'static Location<'static>),
    /// Returned from its closure, or (on real threads) panicked out of it.
    Finished,
}

/// Who the running thread is, as its backend knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ThreadKey {
    /// The thread's registry index (loom and real threads keep it in a thread-local).
    Index(usize),
    /// Shuttle's task id, mapped to the registry index as the thread starts.
    ShuttleTask(usize),
}

/// A tracked thread as the registry keeps it, type-erased: what the leak check needs to join it.
pub(crate) trait Joiner: Send + Sync {
    /// Joins the thread (once: a second call finds nothing to join and returns `Ok`).
    fn join(&self) -> std::thread::Result<()>;
    /// Whether the thread has finished (real threads only; the model checkers never ask).
    fn is_finished(&self) -> bool;
}

/// The state of one real thread, apart from the registry's lock: a blocking call on real threads
/// records itself here, in a lock no other thread takes but the watchdog's poll, so tracking adds
/// no run-wide lock (and no ordering real `Std` code lacks) to the kit's hot paths.
#[derive(Debug)]
pub(crate) struct StateCell(Mutex<CellState>);

#[derive(Debug)]
struct CellState {
    state: ThreadState,
    /// State changes so far (see `Inner::transitions`).
    changes: u64,
}

impl StateCell {
    fn new(state: ThreadState) -> Self {
        Self(Mutex::new(CellState { state, changes: 0 }))
    }

    fn lock(&self) -> MutexGuard<'_, CellState> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records what the thread is doing now.
    pub(crate) fn set(&self, state: ThreadState) {
        let mut cell = self.lock();
        cell.state = state;
        cell.changes += 1;
    }
}

/// One registered thread.
struct Record {
    /// Borrowed for `main`, so a model execution's reset allocates nothing for it.
    name: Cow<'static, str>,
    /// The backend's own thread (the timer): never a leak, joined by its owner.
    service: bool,
    state: ThreadState,
    /// Where a real thread keeps its state instead of `state` (see [`StateCell`]).
    cell: Option<Arc<StateCell>>,
    /// How many `Backend::catch_unwind` calls the thread is inside: a panic raised there is
    /// caught, so it does not end a model execution.
    catching: u32,
    /// Present until the scenario (or the leak check) joins the thread.
    joiner: Option<Arc<dyn Joiner>>,
}

impl Record {
    fn current_state(&self) -> ThreadState {
        self.cell
            .as_ref()
            .map_or(self.state, |cell| cell.lock().state)
    }
}

/// A snapshot of one thread for a failure report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadSnapshot {
    /// The name given at spawn (`main` for the scenario's own thread).
    pub name: String,
    /// What it was doing.
    pub state: ThreadState,
    /// Whether it is the backend's timer thread.
    pub service: bool,
}

/// Every thread of one run.
#[derive(Default)]
pub struct Registry {
    inner: Mutex<Inner>,
    /// Timers armed by this run's threads that have neither fired nor been stopped (real threads:
    /// while one is pending, threads all blocked may be waiting for it).
    pending_timers: std::sync::atomic::AtomicUsize,
}

#[derive(Default)]
struct Inner {
    threads: Vec<Record>,
    /// Set once the scenario's body has returned and the harness joins what it left running.
    leak_check: bool,
    /// The first panic of a spawned thread: its name and message (real threads, where a panic
    /// reaches the scenario only as a join error).
    first_panic: Option<(String, String)>,
    /// State changes so far: unchanged while every thread is blocked means nothing progresses.
    transitions: u64,
    /// Name buffers of the threads of earlier executions, reused by [`Registry::add`].
    spare_names: Vec<String>,
    /// How a model backend names the running thread (set as each model execution begins; `None`
    /// on real threads).
    model_me: Option<fn() -> ThreadKey>,
    /// Under shuttle, the registered thread of each task id (shuttle numbers its tasks itself, and
    /// two threads spawning at once may register in one order and get their ids in the other).
    task_index: Vec<Option<usize>>,
}

thread_local! {
    /// The registry of the run on this OS thread (shared by a model execution's threads).
    static CURRENT: RefCell<Option<Arc<Registry>>> = const { RefCell::new(None) };
}

impl Registry {
    /// A registry holding only the scenario's main thread (index 0).
    pub(crate) fn new() -> Arc<Self> {
        let registry = Arc::new(Self::default());
        registry.reset();
        registry
    }

    /// Forgets every thread but a fresh main thread (index 0), keeping the allocations: a model
    /// run resets one registry before each execution instead of building a new one, which would
    /// cost several allocations per schedule.
    pub(crate) fn reset(&self) {
        // Room for main, the timer and a scenario's few threads without regrowing.
        const ROOM: usize = 8;
        let mut inner = self.lock();
        let inner = &mut *inner;
        for record in inner.threads.drain(..) {
            if let Cow::Owned(mut name) = record.name {
                name.clear();
                inner.spare_names.push(name);
            }
        }
        inner.threads.reserve(ROOM);
        inner.threads.push(Record {
            name: Cow::Borrowed("main"),
            service: false,
            state: ThreadState::Running,
            cell: None,
            catching: 0,
            joiner: None,
        });
        inner.model_me = None;
        inner.task_index.clear();
        inner.task_index.reserve(ROOM);
        // Task 0 is the scenario's main thread.
        inner.task_index.push(Some(0));
        inner.leak_check = false;
        inner.first_panic = None;
        inner.transitions = 0;
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Makes this the current registry of this OS thread.
    pub(crate) fn install(self: &Arc<Self>) {
        CURRENT.with(|current| *current.borrow_mut() = Some(Arc::clone(self)));
    }

    /// Clears this OS thread's current registry.
    pub(crate) fn uninstall() {
        CURRENT.with(|current| current.borrow_mut().take());
    }

    /// The current registry, if a harness run is under way on this OS thread.
    pub(crate) fn current() -> Option<Arc<Self>> {
        CURRENT.with(|current| current.borrow().clone())
    }

    /// Runs `f` on the current registry, if a harness run is under way on this OS thread.
    pub(crate) fn with_current<R>(f: impl FnOnce(&Registry) -> R) -> Option<R> {
        CURRENT.with(|current| current.borrow().as_deref().map(f))
    }

    /// The current registry; panics with a clear message outside a harness run.
    #[track_caller]
    pub(crate) fn expect_current(backend: &str) -> Arc<Self> {
        Self::current().unwrap_or_else(|| {
            panic!(
                "the {backend} backend spawns threads only inside a harness run: run the scenario \
                 with checks::harness::check (or a Checker), not by calling it directly"
            )
        })
    }

    /// Registers a new thread and returns its index.
    pub(crate) fn add(&self, name: &str, service: bool) -> usize {
        let mut inner = self.lock();
        let mut owned = inner.spare_names.pop().unwrap_or_default();
        owned.push_str(name);
        inner.threads.push(Record {
            name: Cow::Owned(owned),
            service,
            state: ThreadState::Running,
            cell: None,
            catching: 0,
            joiner: None,
        });
        inner.threads.len() - 1
    }

    /// Gives thread `index` a [`StateCell`] of its own (real threads), and returns it.
    pub(crate) fn attach_cell(&self, index: usize) -> Arc<StateCell> {
        let mut inner = self.lock();
        let record = &mut inner.threads[index];
        let cell = Arc::new(StateCell::new(record.state));
        record.cell = Some(Arc::clone(&cell));
        cell
    }

    /// Records that checker task `task` runs registered thread `index`.
    pub(crate) fn map_task(&self, task: usize, index: usize) {
        let mut inner = self.lock();
        if inner.task_index.len() <= task {
            inner.task_index.resize(task + 1, None);
        }
        inner.task_index[task] = Some(index);
    }

    /// Records how a model backend names the running thread, for [`Registry::panic_escapes`].
    pub(crate) fn set_model_me(&self, me: fn() -> ThreadKey) {
        self.lock().model_me = Some(me);
    }

    /// Counts a timer armed by this run (`true`) or settled: fired or stopped (`false`).
    pub(crate) fn count_timer(&self, armed: bool) {
        use std::sync::atomic::Ordering::Relaxed;
        if armed {
            self.pending_timers.fetch_add(1, Relaxed);
        } else {
            self.pending_timers.fetch_sub(1, Relaxed);
        }
    }

    /// Timers this run armed that have neither fired nor been stopped.
    pub(crate) fn pending_timers(&self) -> usize {
        self.pending_timers
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Forgets how the model names its threads, once an execution has ended.
    pub(crate) fn leave_model(&self) {
        self.lock().model_me = None;
    }

    /// Thread `key` enters (`+1`) or leaves (`-1`) a `Backend::catch_unwind`.
    pub(crate) fn adjust_catching(&self, key: ThreadKey, entering: bool) {
        let mut inner = self.lock();
        let index = Self::index_of(&inner, key);
        if let Some(record) = inner.threads.get_mut(index) {
            if entering {
                record.catching += 1;
            } else {
                record.catching -= 1;
            }
        }
    }

    /// Whether a model execution is under way (never blocks: `true` if the lock is busy).
    pub(crate) fn in_model_run(&self) -> bool {
        self.inner
            .try_lock()
            .map_or(true, |inner| inner.model_me.is_some())
    }

    /// Called by the panic hook in a model execution: whether the panic starting on the running
    /// model thread will escape it (no `Backend::catch_unwind` around it), which ends the
    /// execution. Never blocks: a panic raised while this thread holds the registry's lock counts
    /// as escaping.
    pub(crate) fn panic_escapes(&self) -> bool {
        let Ok(inner) = self.inner.try_lock() else {
            return true;
        };
        if inner.model_me.is_none() {
            return false;
        }
        Self::model_index(&inner)
            .and_then(|index| inner.threads.get(index))
            .is_none_or(|record| record.catching == 0)
    }

    /// The registry index of the running model thread, if it is known (for the trace recorder).
    /// Never blocks, like [`Registry::panic_escapes`].
    pub(crate) fn current_index(&self) -> Option<usize> {
        Self::model_index(&*self.inner.try_lock().ok()?)
    }

    /// The registry index of the running model thread, as its backend names it.
    fn model_index(inner: &Inner) -> Option<usize> {
        match (inner.model_me?)() {
            ThreadKey::Index(index) => Some(index),
            ThreadKey::ShuttleTask(task) => inner.task_index.get(task).copied().flatten(),
        }
    }

    /// The registry index of the thread `key` names.
    fn index_of(inner: &Inner, key: ThreadKey) -> usize {
        match key {
            ThreadKey::Index(index) => index,
            ThreadKey::ShuttleTask(task) => inner
                .task_index
                .get(task)
                .copied()
                .flatten()
                .unwrap_or_else(|| {
                    panic!("shuttle task {task} was not spawned through the Shuttle backend")
                }),
        }
    }

    /// Stores the join handle of thread `index`.
    pub(crate) fn set_joiner(&self, index: usize, joiner: Arc<dyn Joiner>) {
        self.lock().threads[index].joiner = Some(joiner);
    }

    /// Takes the join handle of thread `index` (to join it).
    pub(crate) fn take_joiner(&self, index: usize) -> Option<Arc<dyn Joiner>> {
        self.lock().threads[index].joiner.take()
    }

    /// Records what thread `key` is doing: one lock for the lookup and the change.
    pub(crate) fn set_state(&self, key: ThreadKey, state: ThreadState) {
        let mut inner = self.lock();
        let index = Self::index_of(&inner, key);
        inner.transitions += 1;
        if let Some(record) = inner.threads.get_mut(index) {
            match &record.cell {
                Some(cell) => cell.set(state),
                None => record.state = state,
            }
        }
    }

    /// If every thread of the run that has not finished (the timer aside) is blocked, the count
    /// of state changes so far: the same count a while later means none of them moved.
    pub(crate) fn all_blocked(&self) -> Option<u64> {
        let inner = self.lock();
        let mut changes = inner.transitions;
        let mut any_live = false;
        let mut blocked = true;
        for record in inner.threads.iter().filter(|record| !record.service) {
            let state = match &record.cell {
                Some(cell) => {
                    let cell = cell.lock();
                    changes += cell.changes;
                    cell.state
                }
                None => record.state,
            };
            if state != ThreadState::Finished {
                any_live = true;
                blocked &= matches!(state, ThreadState::Blocked(_));
            }
        }
        (any_live && blocked).then_some(changes)
    }

    /// Records the panic of thread `index`, unless an earlier one was recorded, and marks the
    /// thread finished: it has ended, so the others all blocked is a deadlock the watch sees
    /// within its grace, not at its watchdog. The panic is recorded first, so a watch that sees
    /// the others all blocked finds the panic that caused it.
    pub(crate) fn record_panic(&self, index: usize, message: String) {
        {
            let mut inner = self.lock();
            let name = inner.threads[index].name.to_string();
            inner.first_panic.get_or_insert((name, message));
        }
        self.set_state(ThreadKey::Index(index), ThreadState::Finished);
    }

    /// The first panic of a spawned thread, as (thread name, message).
    pub(crate) fn first_panic(&self) -> Option<(String, String)> {
        self.lock().first_panic.clone()
    }

    /// Whether the harness is joining what the scenario left behind.
    pub(crate) fn in_leak_check(&self) -> bool {
        self.lock().leak_check
    }

    /// A snapshot of every thread, for a failure report.
    pub(crate) fn snapshot(&self) -> Vec<ThreadSnapshot> {
        self.lock()
            .threads
            .iter()
            .map(|record| ThreadSnapshot {
                name: record.name.to_string(),
                state: record.current_state(),
                service: record.service,
            })
            .collect()
    }

    /// The next thread the scenario spawned and did not join (never a service thread).
    fn next_unjoined(&self) -> Option<(usize, Arc<dyn Joiner>)> {
        let mut inner = self.lock();
        inner
            .threads
            .iter_mut()
            .enumerate()
            .find(|(_, record)| !record.service && record.joiner.is_some())
            .map(|(index, record)| (index, record.joiner.take().expect("checked")))
    }

    /// Model runs: joins every thread the scenario left unjoined. A thread blocked forever makes
    /// the checker report a deadlock, which the harness then reports as a leak of that thread.
    pub(crate) fn join_leftovers(&self) {
        self.lock().leak_check = true;
        while let Some((_, joiner)) = self.next_unjoined() {
            super::next_op::publish_none();
            if let Err(panic) = joiner.join() {
                std::panic::resume_unwind(panic);
            }
        }
    }

    /// Real threads: gives every unjoined thread until `grace` to finish, joins those that did,
    /// and returns the snapshots of those that did not (leaked: blocked or spinning forever).
    pub(crate) fn join_leftovers_within(&self, grace: Duration) -> Vec<ThreadSnapshot> {
        self.lock().leak_check = true;
        let deadline = Instant::now() + grace;
        let mut leaked = Vec::new();
        while let Some((index, joiner)) = self.next_unjoined() {
            while !joiner.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(1));
            }
            if joiner.is_finished() {
                if let Err(panic) = joiner.join() {
                    std::panic::resume_unwind(panic);
                }
            } else {
                let inner = self.lock();
                let record = &inner.threads[index];
                leaked.push(ThreadSnapshot {
                    name: record.name.to_string(),
                    state: record.current_state(),
                    service: false,
                });
                // The handle is dropped: the thread is detached and left to its fate.
            }
        }
        leaked
    }
}
