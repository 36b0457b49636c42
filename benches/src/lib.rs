//! What the benches share: the CPU-bound unit of work, identical in Rust and in the Go originals
//! under `benches/go/`, criterion settings for the quick mode, and the harness benches' scenarios.
#![forbid(unsafe_code)]

pub mod harness;

use criterion::Criterion;
use std::time::Duration;

/// xorshift64 rounds of one CPU-bound job (about 10 µs on the reference machine).
pub const JOB_ROUNDS: u32 = 4_000;

/// xorshift64 rounds of the work a semaphore holder does while it holds its permit.
pub const PERMIT_ROUNDS: u32 = 100;

/// `rounds` of xorshift64 from `seed`: CPU work the optimizer cannot skip or hoist. The Go
/// originals run the same function (`spin` in `benches/go/worker_pool.go`).
///
/// ```
/// assert_ne!(benches::spin(1, 10), benches::spin(2, 10));
/// ```
pub fn spin(seed: u64, rounds: u32) -> u64 {
    let mut x = seed | 1;
    for _ in 0..rounds {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    std::hint::black_box(x)
}

/// criterion configured for the run: `BENCH_QUICK=1` (set by `cargo xtask bench --quick`) takes
/// shorter warm-ups and measurements and fewer samples, for a report in minutes.
pub fn criterion() -> Criterion {
    let quick = std::env::var_os("BENCH_QUICK").is_some_and(|v| v != "0");
    let criterion = Criterion::default();
    let criterion = if quick {
        criterion
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(1))
            .sample_size(10)
    } else {
        criterion
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3))
            .sample_size(20)
    };
    criterion.configure_from_args()
}
