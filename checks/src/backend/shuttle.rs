//! The `Shuttle` backend: the kit's code under shuttle's randomized, PCT and DFS schedulers.

use super::model::{model_atomic, model_backend, ThreadIndex};
use super::registry::{Registry, ThreadKey};

/// shuttle's mock of std: schedules are sampled (random, PCT) or enumerated without
/// partial-order reduction (DFS). `choose` asks the scheduler's random source, so random and PCT
/// sample each ready arm of a `select` and each value of a `Backend::input`; DFS fixes that source
/// per schedule and enumerates interleavings, not coin flips or inputs (loom enumerates inputs). Under random and PCT, a condvar wait may also wake
/// spuriously (one in four), as a real condition variable may.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Shuttle;

/// A value of `0..n` from shuttle's random source, recorded in the schedule and replayed exactly.
fn draw(n: usize) -> usize {
    use shuttle::rand::RngCore;
    (shuttle::rand::thread_rng().next_u64() % n as u64) as usize
}

model_backend!(
    Shuttle,
    shuttle,
    "shuttle",
    draw,
    // An input is drawn the same way: sampled by random and PCT, one value per schedule under DFS.
    draw,
    // The registry maps shuttle's task id to the thread's index, under the same lock as the state
    // change that needs it, where a shuttle task-local costs a hashed lookup on every lock and
    // join.
    ThreadIndex {
        me: || ThreadKey::ShuttleTask(usize::from(shuttle::current::me())),
        enter: |index| {
            let task = usize::from(shuttle::current::me());
            Registry::with_current(|registry| registry.map_task(task, index));
        },
    },
    // One wait in four wakes spuriously, a choice of shuttle's random source: explored by the
    // random and PCT schedulers, recorded in the schedule, replayed exactly.
    || {
        use shuttle::rand::RngCore;
        super::model::spurious_wakeups() && shuttle::rand::thread_rng().next_u64() & 3 == 0
    },
    super::race::ShuttleLog
);
