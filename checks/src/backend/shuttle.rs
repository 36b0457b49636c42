//! The `Shuttle` backend: the kit's code under shuttle's randomized, PCT and DFS schedulers.

use super::model::{model_atomic, model_backend};

/// shuttle's mock of std: schedules are sampled (random, PCT) or enumerated without
/// partial-order reduction (DFS). `choose` asks the scheduler's random source, so random and PCT
/// sample each ready arm of a `select`; DFS fixes that source per schedule and, like loom,
/// enumerates interleavings, not coin flips.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Shuttle;

model_backend!(Shuttle, shuttle, "shuttle", |n| {
    use shuttle::rand::RngCore;
    (shuttle::rand::thread_rng().next_u64() % n as u64) as usize
});
