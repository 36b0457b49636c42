//! What the loom and shuttle backends share: one macro implementing `Backend` over a checker's
//! mock of std, plus the pieces every harness backend uses (tracked join handles, atomics).

use super::registry::{Joiner, Registry, ThreadKey, ThreadState};
use std::panic::Location;
use std::sync::{Arc, Mutex};

/// A checker's atomic type, wrapped so this crate may implement the kit's atomic traits for it.
#[derive(Debug)]
pub struct ModelAtomic<A>(pub(crate) A);

/// The join handle of a thread spawned by a harness backend. The registry keeps the thread too,
/// so the leak check can join what the scenario forgot.
pub struct TrackedJoin<T, H> {
    pub(crate) registry: Arc<Registry>,
    pub(crate) index: usize,
    pub(crate) thread: Arc<Tracked<T, H>>,
}

impl<T, H> std::fmt::Debug for TrackedJoin<T, H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrackedJoin")
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

/// A checker's (or std's) join handle of a thread whose closure returns `()`.
pub(crate) trait ThreadHandle: Send + 'static {
    /// Joins the thread.
    fn join_thread(self) -> std::thread::Result<()>;
    /// Whether the thread has finished (real threads only; the model checkers never ask).
    fn is_finished_thread(&self) -> bool;
}

/// What a tracked thread shares with whoever joins it: its result once it has finished, and the
/// underlying join handle until it is joined. One allocation per spawn holds both.
pub struct Tracked<T, H> {
    result: Mutex<Option<T>>,
    handle: Mutex<Option<H>>,
}

impl<T: Send + 'static, H: ThreadHandle> Tracked<T, H> {
    /// Spawns a thread with `spawn`, which gets the shared part to hand to [`finish_tracked`],
    /// and registers it as thread `index` of `registry`.
    pub(crate) fn spawn(
        registry: &Registry,
        index: usize,
        spawn: impl FnOnce(Arc<Self>) -> H,
    ) -> Arc<Self> {
        let thread = Arc::new(Self {
            result: Mutex::new(None),
            handle: Mutex::new(None),
        });
        let handle = spawn(Arc::clone(&thread));
        *thread.handle.lock().unwrap_or_else(|p| p.into_inner()) = Some(handle);
        registry.set_joiner(index, Arc::clone(&thread) as Arc<dyn Joiner>);
        thread
    }

    /// Takes the result, once the thread has stored it.
    fn take_result(&self) -> Option<T> {
        self.result.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

impl<T: Send + 'static, H: ThreadHandle> Joiner for Tracked<T, H> {
    fn join(&self) -> std::thread::Result<()> {
        let handle = self.handle.lock().unwrap_or_else(|p| p.into_inner()).take();
        handle.map_or(Ok(()), ThreadHandle::join_thread)
    }
    fn is_finished(&self) -> bool {
        self.handle
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .is_none_or(ThreadHandle::is_finished_thread)
    }
}

/// Runs the blocking call `f` of thread `me`, recording that it blocks at `location` meanwhile.
pub(crate) fn blocking<R>(
    me: ThreadKey,
    location: &'static Location<'static>,
    f: impl FnOnce() -> R,
) -> R {
    Registry::with_current(|registry| registry.set_state(me, ThreadState::Blocked(location)));
    let result = f();
    Registry::with_current(|registry| registry.set_state(me, ThreadState::Running));
    result
}

/// Joins a tracked thread. `yield_now` is the backend's: if the leak check holds the handle (it
/// joins what the scenario left unjoined), this waits for the result by yielding.
pub(crate) fn join_tracked<T: Send + 'static, H: ThreadHandle>(
    handle: TrackedJoin<T, H>,
    me: ThreadKey,
    location: &'static Location<'static>,
    yield_now: fn(),
) -> std::thread::Result<T> {
    match handle.registry.take_joiner(handle.index) {
        Some(joiner) => {
            blocking(me, location, || joiner.join())?;
            Ok(handle
                .thread
                .take_result()
                .expect("a joined thread left its result"))
        }
        None => loop {
            if let Some(value) = handle.thread.take_result() {
                return Ok(value);
            }
            yield_now();
        },
    }
}

/// Stores a thread's result and marks it finished; the body of every tracked thread ends here.
pub(crate) fn finish_tracked<T, H>(
    registry: &Registry,
    index: usize,
    thread: &Tracked<T, H>,
    value: T,
) {
    *thread.result.lock().unwrap_or_else(|p| p.into_inner()) = Some(value);
    registry.set_state(ThreadKey::Index(index), ThreadState::Finished);
}

/// Implements the kit's atomic traits for a checker's atomic type wrapped in [`ModelAtomic`].
macro_rules! model_atomic {
    ($atomic:ty, $value:ty) => {
        impl patterns::Atomic<$value> for $crate::backend::model::ModelAtomic<$atomic> {
            fn new(value: $value) -> Self {
                Self(<$atomic>::new(value))
            }
            #[track_caller]
            fn load(&self, order: std::sync::atomic::Ordering) -> $value {
                self.0.load(order)
            }
            #[track_caller]
            fn store(&self, value: $value, order: std::sync::atomic::Ordering) {
                self.0.store(value, order)
            }
            #[track_caller]
            fn swap(&self, value: $value, order: std::sync::atomic::Ordering) -> $value {
                self.0.swap(value, order)
            }
            #[track_caller]
            fn compare_exchange(
                &self,
                current: $value,
                new: $value,
                success: std::sync::atomic::Ordering,
                failure: std::sync::atomic::Ordering,
            ) -> Result<$value, $value> {
                self.0.compare_exchange(current, new, success, failure)
            }
        }
    };
    ($atomic:ty, $value:ty, int) => {
        model_atomic!($atomic, $value);
        impl patterns::AtomicInt<$value> for $crate::backend::model::ModelAtomic<$atomic> {
            #[track_caller]
            fn fetch_add(&self, value: $value, order: std::sync::atomic::Ordering) -> $value {
                self.0.fetch_add(value, order)
            }
            #[track_caller]
            fn fetch_sub(&self, value: $value, order: std::sync::atomic::Ordering) -> $value {
                self.0.fetch_sub(value, order)
            }
        }
    };
}

/// How a model backend tells which registered thread is running: `me` names the running thread,
/// `enter` runs first in every spawned thread, with the registry index it got.
pub(crate) struct ThreadIndex {
    pub(crate) me: fn() -> ThreadKey,
    pub(crate) enter: fn(usize),
}

/// Implements `Backend` for `$backend` over the checker crate `$m` (loom or shuttle), whose
/// `sync` and `thread` modules mirror std's. `$choose` picks among `n` alternatives; `$index` is
/// the backend's [`ThreadIndex`].
macro_rules! model_backend {
    ($backend:ident, $m:ident, $name:literal, $choose:expr, $index:expr) => {
        model_atomic!($m::sync::atomic::AtomicUsize, usize, int);
        model_atomic!($m::sync::atomic::AtomicU64, u64, int);
        model_atomic!($m::sync::atomic::AtomicBool, bool);

        std::thread_local! {
            /// The virtual clock of the execution running on this OS thread.
            static NOW: std::cell::Cell<std::time::Duration> =
                const { std::cell::Cell::new(std::time::Duration::ZERO) };
            /// The timer service of that execution, created by its first timer.
            static TIMERS: std::cell::RefCell<Option<std::sync::Arc<patterns::time::TimerService<$backend>>>> =
                const { std::cell::RefCell::new(None) };
        }

        const THREAD_INDEX: $crate::backend::model::ThreadIndex = $index;

        impl $crate::backend::Harnessed for $backend {
            fn begin_run() {
                NOW.with(|now| now.set(std::time::Duration::ZERO));
                TIMERS.with(|timers| timers.borrow_mut().take());
            }
            fn end_run() {
                let timers = TIMERS.with(|timers| timers.borrow_mut().take());
                if let Some(timers) = timers {
                    timers.shutdown();
                }
            }
        }

        impl $backend {
            fn me() -> $crate::backend::registry::ThreadKey {
                (THREAD_INDEX.me)()
            }

            /// Spawns a model thread registered in the run's registry (`service`: the timer).
            #[track_caller]
            fn spawn_tracked<F, T>(
                name: &str,
                service: bool,
                f: F,
            ) -> $crate::backend::model::TrackedJoin<T, $m::thread::JoinHandle<()>>
            where
                F: FnOnce() -> T + Send + 'static,
                T: Send + 'static,
            {
                let registry = $crate::backend::registry::Registry::expect_current($name);
                let index = registry.add(name, service);
                let thread_registry = registry.clone();
                let thread = $crate::backend::model::Tracked::spawn(&registry, index, |shared| {
                    // Unnamed for the checker: the registry keeps the name, and the failure
                    // report's thread table shows it. A named shuttle thread costs several
                    // allocations per spawn, measured as a quarter of the harness's overhead per
                    // schedule.
                    $m::thread::spawn(move || {
                        (THREAD_INDEX.enter)(index);
                        let value = f();
                        $crate::backend::model::finish_tracked(&thread_registry, index, &shared, value);
                    })
                });
                $crate::backend::model::TrackedJoin {
                    registry,
                    index,
                    thread,
                }
            }
        }

        impl $crate::backend::model::ThreadHandle for $m::thread::JoinHandle<()> {
            fn join_thread(self) -> std::thread::Result<()> {
                self.join()
            }
            fn is_finished_thread(&self) -> bool {
                unreachable!("the model leak check joins; it never polls")
            }
        }

        impl patterns::Backend for $backend {
            type Mutex<T: Send> = $m::sync::Mutex<T>;
            type Guard<'a, T: Send + 'a> = $m::sync::MutexGuard<'a, T>;
            type Condvar = $m::sync::Condvar;
            type RwLock<T: Send + Sync> = $m::sync::RwLock<T>;
            type ReadGuard<'a, T: Send + Sync + 'a> = $m::sync::RwLockReadGuard<'a, T>;
            type WriteGuard<'a, T: Send + Sync + 'a> = $m::sync::RwLockWriteGuard<'a, T>;
            type AtomicUsize = $crate::backend::model::ModelAtomic<$m::sync::atomic::AtomicUsize>;
            type AtomicU64 = $crate::backend::model::ModelAtomic<$m::sync::atomic::AtomicU64>;
            type AtomicBool = $crate::backend::model::ModelAtomic<$m::sync::atomic::AtomicBool>;
            type JoinHandle<T: Send + 'static> =
                $crate::backend::model::TrackedJoin<T, $m::thread::JoinHandle<()>>;

            const NAME: &'static str = $name;

            fn mutex<T: Send>(value: T) -> Self::Mutex<T> {
                $m::sync::Mutex::new(value)
            }
            #[track_caller]
            fn lock<T: Send>(mutex: &Self::Mutex<T>) -> Self::Guard<'_, T> {
                let location = std::panic::Location::caller();
                $crate::backend::model::blocking(Self::me(), location, || {
                    mutex.lock().unwrap_or_else(|p| p.into_inner())
                })
            }
            fn condvar() -> Self::Condvar {
                $m::sync::Condvar::new()
            }
            #[track_caller]
            fn wait<'a, T: Send + 'a>(
                condvar: &Self::Condvar,
                guard: Self::Guard<'a, T>,
            ) -> Self::Guard<'a, T> {
                let location = std::panic::Location::caller();
                $crate::backend::model::blocking(Self::me(), location, || {
                    condvar.wait(guard).unwrap_or_else(|p| p.into_inner())
                })
            }
            fn notify_one(condvar: &Self::Condvar) {
                condvar.notify_one()
            }
            fn notify_all(condvar: &Self::Condvar) {
                condvar.notify_all()
            }

            fn rwlock<T: Send + Sync>(value: T) -> Self::RwLock<T> {
                $m::sync::RwLock::new(value)
            }
            #[track_caller]
            fn read<T: Send + Sync>(lock: &Self::RwLock<T>) -> Self::ReadGuard<'_, T> {
                let location = std::panic::Location::caller();
                $crate::backend::model::blocking(Self::me(), location, || {
                    lock.read().unwrap_or_else(|p| p.into_inner())
                })
            }
            #[track_caller]
            fn write<T: Send + Sync>(lock: &Self::RwLock<T>) -> Self::WriteGuard<'_, T> {
                let location = std::panic::Location::caller();
                $crate::backend::model::blocking(Self::me(), location, || {
                    lock.write().unwrap_or_else(|p| p.into_inner())
                })
            }

            #[track_caller]
            fn spawn<F, T>(name: &str, f: F) -> Self::JoinHandle<T>
            where
                F: FnOnce() -> T + Send + 'static,
                T: Send + 'static,
            {
                Self::spawn_tracked(name, false, f)
            }
            #[track_caller]
            fn join<T: Send + 'static>(handle: Self::JoinHandle<T>) -> std::thread::Result<T> {
                let location = std::panic::Location::caller();
                $crate::backend::model::join_tracked(handle, Self::me(), location, Self::yield_now)
            }
            fn spawn_service<F>(name: &str, f: F) -> Self::JoinHandle<()>
            where
                F: FnOnce() + Send + 'static,
            {
                Self::spawn_tracked(name, true, f)
            }
            fn yield_now() {
                $m::thread::yield_now()
            }

            fn now() -> std::time::Duration {
                NOW.with(|now| now.get())
            }
            fn park_until<'a, T: Send + 'a>(
                _condvar: &Self::Condvar,
                guard: Self::Guard<'a, T>,
                deadline: std::time::Duration,
            ) -> Self::Guard<'a, T> {
                // Virtual time: the timer thread runs only when the checker schedules it, so
                // jumping straight to the deadline loses no behaviour and never waits.
                NOW.with(|now| now.set(now.get().max(deadline)));
                guard
            }
            fn timers() -> std::sync::Arc<patterns::time::TimerService<Self>> {
                TIMERS.with(|timers| {
                    timers
                        .borrow_mut()
                        .get_or_insert_with(|| {
                            std::sync::Arc::new(patterns::time::TimerService::new())
                        })
                        .clone()
                })
            }
            #[track_caller]
            fn sleep(duration: std::time::Duration) {
                patterns::chan::after_in::<Self>(duration).recv();
            }

            fn choose(n: usize) -> usize {
                let choose: fn(usize) -> usize = $choose;
                choose(n)
            }

            fn in_teardown() -> bool {
                std::thread::panicking()
            }
        }
    };
}

pub(crate) use model_atomic;
pub(crate) use model_backend;
