//! Thread tracking, shared by every harness backend: a spawned thread's join handle kept in the
//! run's registry (so the leak check can join what a scenario forgot), and the record of where a
//! thread blocks.

use super::registry::{Joiner, Registry, ThreadKey, ThreadState};
use std::panic::Location;
use std::sync::{Arc, Mutex};

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
