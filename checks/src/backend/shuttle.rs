//! The `Shuttle` backend: the kit's code under shuttle's randomized, PCT and DFS schedulers.

use super::model::{model_atomic, model_backend, ThreadIndex};

/// shuttle's mock of std: schedules are sampled (random, PCT) or enumerated without
/// partial-order reduction (DFS). `choose` asks the scheduler's random source, so random and PCT
/// sample each ready arm of a `select`; DFS fixes that source per schedule and, like loom,
/// enumerates interleavings, not coin flips.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Shuttle;

model_backend!(
    Shuttle,
    shuttle,
    "shuttle",
    |n| {
        use shuttle::rand::RngCore;
        (shuttle::rand::thread_rng().next_u64() % n as u64) as usize
    },
    // shuttle numbers the tasks of an execution in spawn order from 0 (main), and every thread of
    // a harness run is spawned and registered through the backend in that same order: the task id
    // is the registry index. That reads the scheduler's current task, where a shuttle task-local
    // costs a hashed lookup on every lock.
    ThreadIndex {
        me: || usize::from(shuttle::current::me()),
        enter: |index| {
            let task = usize::from(shuttle::current::me());
            assert_eq!(
                task, index,
                "shuttle task {task} registered as thread {index}: a thread was spawned around \
                 the Shuttle backend"
            );
        },
    }
);
