//! What the loom and shuttle backends share: one macro implementing `Backend` over a checker's
//! mock of std, plus the pieces every harness backend uses (tracked join handles, atomics).

use super::registry::{Registry, ThreadState};
use std::panic::Location;
use std::sync::{Arc, Mutex};

/// A checker's atomic type, wrapped so this crate may implement the kit's atomic traits for it.
#[derive(Debug)]
pub struct ModelAtomic<A>(pub(crate) A);

/// The join handle of a thread spawned by a harness backend: the registry keeps the real handle
/// (so the leak check can join what the scenario forgot), the result travels through `result`.
pub struct TrackedJoin<T> {
    pub(crate) registry: Arc<Registry>,
    pub(crate) index: usize,
    pub(crate) result: Arc<Mutex<Option<T>>>,
}

impl<T> std::fmt::Debug for TrackedJoin<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrackedJoin")
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

/// Runs the blocking call `f` of thread `index`, recording that it blocks at `location` meanwhile.
pub(crate) fn blocking<R>(
    index: usize,
    location: &'static Location<'static>,
    f: impl FnOnce() -> R,
) -> R {
    Registry::with_current(|registry| registry.set_state(index, ThreadState::Blocked(location)));
    let result = f();
    Registry::with_current(|registry| registry.set_state(index, ThreadState::Running));
    result
}

/// Joins a tracked thread. `yield_now` is the backend's: if the leak check holds the handle (it
/// joins what the scenario left unjoined), this waits for the result by yielding.
pub(crate) fn join_tracked<T>(
    handle: TrackedJoin<T>,
    me: usize,
    location: &'static Location<'static>,
    yield_now: fn(),
) -> std::thread::Result<T> {
    let take = || {
        handle
            .result
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    };
    match handle.registry.take_joiner(handle.index) {
        Some(joiner) => {
            blocking(me, location, || joiner.join())?;
            Ok(take().expect("a joined thread left its result"))
        }
        None => loop {
            if let Some(value) = take() {
                return Ok(value);
            }
            yield_now();
        },
    }
}

/// Stores a thread's result and marks it finished; the body of every tracked thread ends here.
pub(crate) fn finish_tracked<T>(
    registry: &Registry,
    index: usize,
    slot: &Mutex<Option<T>>,
    value: T,
) {
    *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(value);
    registry.set_state(index, ThreadState::Finished);
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

/// How a model backend tells which registered thread is running: `me` returns the running
/// thread's registry index, `enter` runs first in every spawned thread, with the index it got.
pub(crate) struct ThreadIndex {
    pub(crate) me: fn() -> usize,
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
            fn me() -> usize {
                (THREAD_INDEX.me)()
            }

            /// Spawns a model thread registered in the run's registry (`service`: the timer).
            #[track_caller]
            fn spawn_tracked<F, T>(name: &str, service: bool, f: F) -> $crate::backend::model::TrackedJoin<T>
            where
                F: FnOnce() -> T + Send + 'static,
                T: Send + 'static,
            {
                let registry = $crate::backend::registry::Registry::expect_current($name);
                let index = registry.add(name, service);
                let result = std::sync::Arc::new(std::sync::Mutex::new(None));
                let (thread_registry, slot) = (registry.clone(), result.clone());
                // Unnamed for the checker: the registry keeps the name, and the failure report's
                // thread table shows it. A named shuttle thread costs several allocations per
                // spawn, measured as a quarter of the harness's overhead per schedule.
                let handle = $m::thread::spawn(move || {
                    (THREAD_INDEX.enter)(index);
                    let value = f();
                    $crate::backend::model::finish_tracked(&thread_registry, index, &slot, value);
                });
                registry.set_joiner(index, Box::new(handle));
                $crate::backend::model::TrackedJoin {
                    registry,
                    index,
                    result,
                }
            }
        }

        impl $crate::backend::registry::Joiner for $m::thread::JoinHandle<()> {
            fn join(self: Box<Self>) -> std::thread::Result<()> {
                (*self).join()
            }
            fn is_finished(&self) -> bool {
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
            type JoinHandle<T: Send + 'static> = $crate::backend::model::TrackedJoin<T>;

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
