//! The `Real` backend: `Std`'s locks, atomics and clock on real threads, plus thread tracking.

use super::harnessed::Harnessed;
use super::registry::{Registry, ThreadKey};
use super::registry::{StateCell, ThreadState};
use super::tracking::{finish_tracked, join_tracked, ThreadHandle, Tracked, TrackedJoin};
use patterns::time::{TimerCallback, TimerService};
use patterns::{Backend, Std};
use std::cell::{Cell, RefCell};
use std::panic::Location;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// Real threads for the `Stress` checker: everything is [`Std`]'s except that spawned threads are
/// registered (and inherit the run's registry), so a thread still blocked after the scenario
/// returns is reported as a leak, and blocking calls record where they block.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Real;

thread_local! {
    /// This OS thread's index in the run's registry.
    static INDEX: Cell<usize> = const { Cell::new(0) };
    /// Where this OS thread records its state: its own cell, so the kit's locks and waits never
    /// take the registry's run-wide lock. `None` outside a run and in timer callbacks.
    static CELL: RefCell<Option<Arc<StateCell>>> = const { RefCell::new(None) };
}

fn me() -> ThreadKey {
    ThreadKey::Index(INDEX.with(Cell::get))
}

/// Runs the blocking call `f`, recording in this thread's own cell that it blocks at `location`
/// meanwhile.
fn blocking<R>(location: &'static Location<'static>, f: impl FnOnce() -> R) -> R {
    CELL.with(|cell| match cell.borrow().as_deref() {
        Some(cell) => {
            cell.set(ThreadState::Blocked(location));
            let result = f();
            cell.set(ThreadState::Running);
            result
        }
        None => f(),
    })
}

/// Makes `cell` this OS thread's state cell (or none), returning the previous one.
fn install_cell(cell: Option<Arc<StateCell>>) -> Option<Arc<StateCell>> {
    CELL.with(|current| current.replace(cell))
}

impl ThreadHandle for std::thread::JoinHandle<()> {
    fn join_thread(self) -> std::thread::Result<()> {
        self.join()
    }
    fn is_finished_thread(&self) -> bool {
        self.is_finished()
    }
}

impl Harnessed for Real {
    fn begin_run() {
        INDEX.with(|index| index.set(0));
        install_cell(Registry::current().map(|run| run.attach_cell(0)));
    }
    fn end_run() {}
}

/// The registry index of a thread that runs in a run but is not one of its threads (a timer
/// callback): the registry ignores its state changes.
const UNTRACKED: usize = usize::MAX;

/// A timer a run armed, counted in its registry until it fires or is stopped (dropping the
/// callback unrun drops this too).
struct PendingTimer(Arc<Registry>);

impl PendingTimer {
    fn new(run: Arc<Registry>) -> Self {
        run.count_timer(true);
        Self(run)
    }
}

impl Drop for PendingTimer {
    fn drop(&mut self) {
        self.0.count_timer(false);
    }
}

/// While alive, the current OS thread works for another run's registry as an untracked thread;
/// dropping it (also when the callback panics) puts the thread's own run back.
struct RunInstalled {
    previous: Option<Arc<Registry>>,
    previous_index: usize,
    previous_cell: Option<Arc<StateCell>>,
}

impl RunInstalled {
    fn enter(run: &Arc<Registry>) -> Self {
        let previous = Registry::current();
        run.install();
        Self {
            previous,
            previous_index: INDEX.with(|index| index.replace(UNTRACKED)),
            previous_cell: install_cell(None),
        }
    }
}

impl Drop for RunInstalled {
    fn drop(&mut self) {
        INDEX.with(|index| index.set(self.previous_index));
        install_cell(self.previous_cell.take());
        match &self.previous {
            Some(previous) => previous.install(),
            None => Registry::uninstall(),
        }
    }
}

/// Spawns a registered real thread running `f`, which stores its result in the shared part.
fn spawn_tracked<F, T>(registry: Arc<Registry>, name: &str, service: bool, f: F) -> RealJoin<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let index = registry.add(name, service);
    let cell = registry.attach_cell(index);
    let thread_registry = Arc::clone(&registry);
    let thread = Tracked::spawn(&registry, index, |shared| {
        std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                thread_registry.install();
                INDEX.with(|me| me.set(index));
                install_cell(Some(cell));
                let run = std::panic::AssertUnwindSafe(|| {
                    let value = f();
                    finish_tracked(&thread_registry, index, &shared, value);
                });
                if let Err(panic) = std::panic::catch_unwind(run) {
                    // The scenario sees only a join error; the report names the thread and its
                    // panic.
                    let message = patterns::panic_message(panic.as_ref());
                    thread_registry.record_panic(index, message);
                    std::panic::resume_unwind(panic);
                }
            })
            .unwrap_or_else(|e| panic!("cannot spawn thread {name:?}: {e}"))
    });
    TrackedJoin {
        registry,
        index,
        thread,
    }
}

/// The join handle of a real tracked thread.
type RealJoin<T> = TrackedJoin<T, std::thread::JoinHandle<()>>;

impl Backend for Real {
    type Mutex<T: Send> = <Std as Backend>::Mutex<T>;
    type Guard<'a, T: Send + 'a> = <Std as Backend>::Guard<'a, T>;
    type Condvar = <Std as Backend>::Condvar;
    type AtomicUsize = <Std as Backend>::AtomicUsize;
    type AtomicBool = <Std as Backend>::AtomicBool;
    type JoinHandle<T: Send + 'static> = RealJoin<T>;
    type AccessLog = ();

    const NAME: &'static str = "real";
    const SPINS_BEFORE_PARK: u32 = Std::SPINS_BEFORE_PARK;
    // The real clock, as `Std`: a timed select parks with its deadline, the code `Std` runs. Such
    // a thread counts as running, not blocked, while it waits: it wakes by itself.
    const DEADLINE_WAIT: bool = Std::DEADLINE_WAIT;

    fn mutex<T: Send>(value: T) -> Self::Mutex<T> {
        Std::mutex(value)
    }
    fn lock<T: Send>(mutex: &Self::Mutex<T>) -> Self::Guard<'_, T> {
        let location = Location::caller();
        // parking_lot's own lock, not `Std::lock`: the stress runner watches its threads itself,
        // and a thread it reports leaked must not end the process through `Std`'s watchdog.
        blocking(location, || mutex.lock())
    }
    fn condvar() -> Self::Condvar {
        Std::condvar()
    }
    fn wait<'a, T: Send + 'a>(
        condvar: &Self::Condvar,
        mut guard: Self::Guard<'a, T>,
    ) -> Self::Guard<'a, T> {
        let location = Location::caller();
        // parking_lot's own wait, not `Std::wait`, for the reason `lock` gives.
        blocking(location, || condvar.wait(&mut guard));
        guard
    }
    fn notify_one(condvar: &Self::Condvar) {
        Std::notify_one(condvar)
    }
    fn notify_all(condvar: &Self::Condvar) {
        Std::notify_all(condvar)
    }
    fn access_log() {}
    fn access((): &(), _access: patterns::Access) {
        // Real threads are not watched, as on `Std`.
    }

    fn spawn<F, T>(name: &str, f: F) -> Self::JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        spawn_tracked(Registry::expect_current("real"), name, false, f)
    }
    fn join<T: Send + 'static>(handle: Self::JoinHandle<T>) -> std::thread::Result<T> {
        join_tracked(handle, me(), Location::caller(), std::thread::yield_now)
    }
    fn spawn_service<F>(name: &str, f: F) -> Self::JoinHandle<()>
    where
        F: FnOnce() + Send + 'static,
    {
        // The process-wide timer thread outlives any run: it gets a registry of its own.
        spawn_tracked(Registry::new(), name, true, f)
    }
    fn yield_now() {
        Std::yield_now()
    }
    fn now() -> Duration {
        Std::now()
    }
    fn park_until<'a, T: Send + 'a>(
        condvar: &Self::Condvar,
        guard: Self::Guard<'a, T>,
        deadline: Duration,
    ) -> Self::Guard<'a, T> {
        Std::park_until(condvar, guard, deadline)
    }
    fn timers() -> Arc<TimerService<Self>> {
        static TIMERS: OnceLock<Arc<TimerService<Real>>> = OnceLock::new();
        TIMERS.get_or_init(|| Arc::new(TimerService::new())).clone()
    }
    fn bind_callback(callback: TimerCallback) -> TimerCallback {
        // The process-wide timer thread has a registry of its own; a callback runs with the
        // arming thread's run installed instead, as an untracked thread of it (its state changes
        // go nowhere), so what it spawns joins that run's leak check.
        let Some(run) = Registry::current() else {
            return callback;
        };
        let pending = PendingTimer::new(Arc::clone(&run));
        Box::new(move || {
            let _pending = pending;
            let _restore = RunInstalled::enter(&run);
            callback();
        })
    }
    fn choose(n: usize) -> usize {
        Std::choose(n)
    }
    fn in_teardown() -> bool {
        false
    }
}
