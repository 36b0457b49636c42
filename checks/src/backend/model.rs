//! What the loom and shuttle backends share: one macro implementing `Backend` over a checker's
//! mock of std, and the wrapper that lets the kit's atomic traits cover a checker's atomics.

use super::registry::ThreadKey;
use patterns::trace::Object;
use std::cell::Cell;
use std::panic::Location;

std::thread_local! {
    /// Whether condvar waits may wake spuriously in the runs on this OS thread (set per run).
    static SPURIOUS_WAKEUPS: Cell<bool> = const { Cell::new(true) };
}

/// Turns spurious wake-ups on or off for the model runs on this OS thread. Off under shuttle's
/// DFS, which enumerates interleavings with its random choices fixed: a wait that may loop on
/// spurious wake-ups would make its schedule tree far larger without exploring the choice.
pub(crate) fn set_spurious_wakeups(on: bool) {
    SPURIOUS_WAKEUPS.with(|spurious| spurious.set(on));
}

/// Whether condvar waits may wake spuriously in the current run.
pub(crate) fn spurious_wakeups() -> bool {
    SPURIOUS_WAKEUPS.with(Cell::get)
}

/// A thread as a traced object (the step of a spawn or a join): its registry index.
pub(crate) fn thread_object(index: usize) -> Object {
    Object {
        kind: "thread",
        addr: index,
        site: None,
    }
}

/// Records a notify of `condvar` (nothing while exploring), and publishes it as the running
/// task's next operation.
#[track_caller]
pub(crate) fn record_notify<C>(condvar: &C, op: &'static str) {
    super::next_op::publish(|| super::next_op::NextOp::on(condvar, true));
    if super::recorder::recording() {
        let object = Object::at("condvar", condvar, None);
        super::recorder::step(Location::caller(), || op.into(), Some(object), || None);
    }
}

/// A checker's atomic type, wrapped so this crate may implement the kit's atomic traits for it.
#[derive(Debug)]
pub struct ModelAtomic<A>(pub(crate) A);

impl<A> ModelAtomic<A> {
    /// Records an access to this atomic for a failure trace (nothing while exploring).
    #[track_caller]
    #[inline]
    pub(crate) fn record(
        &self,
        op: impl FnOnce() -> std::borrow::Cow<'static, str>,
        outcome: impl FnOnce() -> Option<String>,
    ) {
        if super::recorder::recording() {
            let object = Object::at("atomic", self, None);
            super::recorder::step(Location::caller(), op, Some(object), outcome);
        }
    }

    /// Publishes this atomic as the running task's next operation (`next_op.rs`), a read or not.
    #[inline]
    pub(crate) fn next(&self, write: bool) {
        super::next_op::publish(|| super::next_op::NextOp::on(self, write));
    }
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
                self.next(false);
                let value = self.0.load(order);
                self.record(|| "load".into(), || Some(format!("{value:?}")));
                value
            }
            #[track_caller]
            fn store(&self, value: $value, order: std::sync::atomic::Ordering) {
                self.next(true);
                self.0.store(value, order);
                self.record(|| "store".into(), || Some(format!("← {value:?}")));
            }
            #[track_caller]
            fn compare_exchange(
                &self,
                current: $value,
                new: $value,
                success: std::sync::atomic::Ordering,
                failure: std::sync::atomic::Ordering,
            ) -> Result<$value, $value> {
                self.next(true);
                let result = self.0.compare_exchange(current, new, success, failure);
                self.record(
                    || format!("compare-exchange {current:?} → {new:?}").into(),
                    || {
                        Some(match result {
                            Ok(_) => "swapped".to_owned(),
                            Err(seen) => format!("saw {seen:?}"),
                        })
                    },
                );
                result
            }
        }
    };
    ($atomic:ty, $value:ty, int) => {
        model_atomic!($atomic, $value);
        impl patterns::AtomicInt<$value> for $crate::backend::model::ModelAtomic<$atomic> {
            #[track_caller]
            fn fetch_add(&self, value: $value, order: std::sync::atomic::Ordering) -> $value {
                self.next(true);
                let previous = self.0.fetch_add(value, order);
                self.record(
                    || format!("add {value:?}").into(),
                    || Some(format!("was {previous:?}")),
                );
                previous
            }
            #[track_caller]
            fn fetch_sub(&self, value: $value, order: std::sync::atomic::Ordering) -> $value {
                self.next(true);
                let previous = self.0.fetch_sub(value, order);
                self.record(
                    || format!("subtract {value:?}").into(),
                    || Some(format!("was {previous:?}")),
                );
                previous
            }
            #[track_caller]
            fn swap(&self, value: $value, order: std::sync::atomic::Ordering) -> $value {
                self.next(true);
                let previous = self.0.swap(value, order);
                self.record(
                    || format!("swap ← {value:?}").into(),
                    || Some(format!("was {previous:?}")),
                );
                previous
            }
            #[track_caller]
            fn fetch_or(&self, value: $value, order: std::sync::atomic::Ordering) -> $value {
                self.next(true);
                let previous = self.0.fetch_or(value, order);
                self.record(
                    || format!("or {value:?}").into(),
                    || Some(format!("was {previous:?}")),
                );
                previous
            }
            #[track_caller]
            fn fetch_and(&self, value: $value, order: std::sync::atomic::Ordering) -> $value {
                self.next(true);
                let previous = self.0.fetch_and(value, order);
                self.record(
                    || format!("and {value:?}").into(),
                    || Some(format!("was {previous:?}")),
                );
                previous
            }
        }
    };
}

/// A checker's mutex guard together with the mutex it locks, so that a model backend's `wait` can
/// wake spuriously (unlock and lock again with no notify, as a real condition variable may), and
/// the line that locked it, so that a trace shows the unlock.
pub struct ModelGuard<'a, M, G> {
    // Dropped first: the unlock is recorded before the guard releases the lock, whose release a
    // checker may follow with a switch to another thread.
    unlock: UnlockStep<'a, M>,
    guard: G,
}

/// Records the unlock of a [`ModelGuard`] as it drops (while recording), unless `wait` took the
/// guard apart.
struct UnlockStep<'a, M> {
    mutex: &'a M,
    locked_at: &'static Location<'static>,
    armed: bool,
}

impl<M> Drop for UnlockStep<'_, M> {
    #[inline]
    fn drop(&mut self) {
        if self.armed {
            // The guard's unlock, the next operation: it may switch to another task.
            super::next_op::publish(|| super::next_op::NextOp::on(self.mutex, true));
            super::recorder::release(self.locked_at, Object::at("mutex", self.mutex, None));
        }
    }
}

impl<'a, M, G> ModelGuard<'a, M, G> {
    pub(crate) fn new(mutex: &'a M, guard: G, locked_at: &'static Location<'static>) -> Self {
        Self {
            unlock: UnlockStep {
                mutex,
                locked_at,
                armed: true,
            },
            guard,
        }
    }

    pub(crate) fn into_parts(self) -> (&'a M, G, &'static Location<'static>) {
        let Self { mut unlock, guard } = self;
        unlock.armed = false;
        (unlock.mutex, guard, unlock.locked_at)
    }
}

impl<M, G: std::ops::Deref> std::ops::Deref for ModelGuard<'_, M, G> {
    type Target = G::Target;
    fn deref(&self) -> &G::Target {
        &self.guard
    }
}

impl<M, G: std::ops::DerefMut> std::ops::DerefMut for ModelGuard<'_, M, G> {
    fn deref_mut(&mut self) -> &mut G::Target {
        &mut self.guard
    }
}

/// How a model backend tells which registered thread is running: `me` names the running thread,
/// `enter` runs first in every spawned thread, with the registry index it got.
pub(crate) struct ThreadIndex {
    pub(crate) me: fn() -> ThreadKey,
    pub(crate) enter: fn(usize),
}

/// Implements `Backend` for `$backend` over the checker crate `$m` (loom or shuttle), whose
/// `sync` and `thread` modules mirror std's. `$choose` picks among `n` alternatives and `$input`
/// draws a value of `0..n` the program branches on (see `Backend::input`); `$index` is
/// the backend's [`ThreadIndex`]; `$spurious` says whether a condvar wait wakes spuriously;
/// `$log` keeps a `RaceCell`'s accesses and fails the run on a data race (`race.rs`).
macro_rules! model_backend {
    ($backend:ident, $m:ident, $name:literal, $choose:expr, $input:expr, $index:expr, $spurious:expr, $log:ty) => {
        model_atomic!($m::sync::atomic::AtomicUsize, usize, int);
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
                $crate::backend::unwind::begin_execution();
                $crate::backend::recorder::begin_execution();
                $crate::backend::registry::Registry::with_current(|registry| {
                    registry.set_model_me(THREAD_INDEX.me)
                });
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
            ) -> $crate::backend::tracking::TrackedJoin<T, $m::thread::JoinHandle<()>>
            where
                F: FnOnce() -> T + Send + 'static,
                T: Send + 'static,
            {
                $crate::backend::next_op::publish_none();
                let registry = $crate::backend::registry::Registry::expect_current($name);
                let index = registry.add(name, service);
                let thread_registry = registry.clone();
                let spawned_at = std::panic::Location::caller();
                if !service {
                    $crate::backend::recorder::step(
                        spawned_at,
                        || "spawn".into(),
                        Some($crate::backend::model::thread_object(index)),
                        || None,
                    );
                }
                let thread = $crate::backend::tracking::Tracked::spawn(&registry, index, |shared| {
                    // Unnamed for the checker: the registry keeps the name, and the failure
                    // report's thread table shows it. A named shuttle thread costs several
                    // allocations per spawn, measured as a quarter of the harness's overhead per
                    // schedule.
                    $m::thread::spawn(move || {
                        (THREAD_INDEX.enter)(index);
                        let value = $crate::backend::unwind::run_thread(f);
                        $crate::backend::tracking::finish_tracked(&thread_registry, index, &shared, value);
                        $crate::backend::next_op::publish_none();
                    })
                });
                $crate::backend::tracking::TrackedJoin {
                    registry,
                    index,
                    thread,
                }
            }
        }

        impl $crate::backend::tracking::ThreadHandle for $m::thread::JoinHandle<()> {
            fn join_thread(self) -> std::thread::Result<()> {
                self.join()
            }
            fn is_finished_thread(&self) -> bool {
                unreachable!("the model leak check joins; it never polls")
            }
        }

        impl patterns::Backend for $backend {
            type Mutex<T: Send> = $m::sync::Mutex<T>;
            type Guard<'a, T: Send + 'a> = $crate::backend::model::ModelGuard<
                'a,
                $m::sync::Mutex<T>,
                $m::sync::MutexGuard<'a, T>,
            >;
            type Condvar = $m::sync::Condvar;
            type AtomicUsize = $crate::backend::model::ModelAtomic<$m::sync::atomic::AtomicUsize>;
            type AtomicBool = $crate::backend::model::ModelAtomic<$m::sync::atomic::AtomicBool>;
            type JoinHandle<T: Send + 'static> =
                $crate::backend::tracking::TrackedJoin<T, $m::thread::JoinHandle<()>>;
            type AccessLog = $log;

            const NAME: &'static str = $name;

            fn mutex<T: Send>(value: T) -> Self::Mutex<T> {
                $m::sync::Mutex::new(value)
            }
            fn lock<T: Send>(mutex: &Self::Mutex<T>) -> Self::Guard<'_, T> {
                let location = std::panic::Location::caller();
                let object = patterns::trace::Object::at("mutex", mutex, None);
                $crate::backend::recorder::enter(location, "lock", Some(object));
                $crate::backend::next_op::publish(|| $crate::backend::next_op::NextOp::on(mutex, true));
                let guard = $crate::backend::tracking::blocking(Self::me(), location, || {
                    mutex.lock().unwrap_or_else(|p| p.into_inner())
                });
                $crate::backend::recorder::exit();
                $crate::backend::model::ModelGuard::new(mutex, guard, location)
            }
            fn condvar() -> Self::Condvar {
                $m::sync::Condvar::new()
            }
            fn wait<'a, T: Send + 'a>(
                condvar: &Self::Condvar,
                guard: Self::Guard<'a, T>,
            ) -> Self::Guard<'a, T> {
                let location = std::panic::Location::caller();
                let (mutex, guard, locked_at) = guard.into_parts();
                let object = patterns::trace::Object::at("condvar", condvar, None);
                $crate::backend::recorder::enter(location, "wait", Some(object));
                $crate::backend::next_op::publish(|| {
                    $crate::backend::next_op::NextOp::on_both(condvar, mutex)
                });
                let spurious: fn() -> bool = $spurious;
                let guard = $crate::backend::tracking::blocking(Self::me(), location, || {
                    if spurious() {
                        // A spurious wake-up: unlocked and locked again, no notify needed. Code
                        // that waits without re-checking its condition in a loop fails here.
                        drop(guard);
                        mutex.lock().unwrap_or_else(|p| p.into_inner())
                    } else {
                        condvar.wait(guard).unwrap_or_else(|p| p.into_inner())
                    }
                });
                $crate::backend::recorder::exit();
                $crate::backend::model::ModelGuard::new(mutex, guard, locked_at)
            }
            fn notify_one(condvar: &Self::Condvar) {
                $crate::backend::model::record_notify(condvar, "notify one");
                condvar.notify_one()
            }
            fn notify_all(condvar: &Self::Condvar) {
                $crate::backend::model::record_notify(condvar, "notify all");
                condvar.notify_all()
            }

            fn access_log() -> $log {
                <$log>::new()
            }
            fn access(log: &$log, access: patterns::Access) {
                log.access(access)
            }

            fn spawn<F, T>(name: &str, f: F) -> Self::JoinHandle<T>
            where
                F: FnOnce() -> T + Send + 'static,
                T: Send + 'static,
            {
                Self::spawn_tracked(name, false, f)
            }
            fn join<T: Send + 'static>(handle: Self::JoinHandle<T>) -> std::thread::Result<T> {
                let location = std::panic::Location::caller();
                let object = $crate::backend::model::thread_object(handle.index);
                $crate::backend::recorder::enter(location, "join", Some(object));
                $crate::backend::next_op::publish_none();
                let joined = $crate::backend::tracking::join_tracked(
                    handle,
                    Self::me(),
                    location,
                    Self::yield_now,
                );
                $crate::backend::recorder::exit();
                joined
            }
            fn spawn_service<F>(name: &str, f: F) -> Self::JoinHandle<()>
            where
                F: FnOnce() + Send + 'static,
            {
                Self::spawn_tracked(name, true, f)
            }
            fn yield_now() {
                $crate::backend::next_op::publish_none();
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
                let jumped = NOW.with(|now| {
                    let jumped = now.get() < deadline;
                    now.set(now.get().max(deadline));
                    jumped
                });
                if jumped {
                    $crate::backend::recorder::step(
                        std::panic::Location::caller(),
                        || "clock".into(),
                        None,
                        || Some(format!("→ {deadline:?}")),
                    );
                }
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

            fn choose(n: usize) -> usize {
                let choose: fn(usize) -> usize = $choose;
                choose(n)
            }

            fn input(n: usize) -> usize {
                let input: fn(usize) -> usize = $input;
                input(n)
            }

            fn catch_unwind<R>(f: impl FnOnce() -> R) -> std::thread::Result<R> {
                $crate::backend::unwind::catching(Self::me(), f)
            }

            fn in_teardown() -> bool {
                $crate::backend::unwind::in_teardown()
            }

            #[inline]
            fn recording() -> bool {
                $crate::backend::recorder::recording()
            }
            fn trace_enter(op: &'static str, object: patterns::trace::Object) {
                $crate::backend::recorder::enter(std::panic::Location::caller(), op, Some(object))
            }
            fn trace_retarget(op: &'static str, object: patterns::trace::Object) {
                $crate::backend::recorder::retarget(op, object)
            }
            fn trace_outcome(outcome: std::fmt::Arguments<'_>) {
                $crate::backend::recorder::outcome(outcome)
            }
            fn trace_exit() {
                $crate::backend::recorder::exit()
            }
        }
    };
}

pub(crate) use model_atomic;
pub(crate) use model_backend;
