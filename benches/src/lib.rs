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

/// The variable that asks for a busy machine: `BENCH_BUSY=N` starts N spinning neighbour threads
/// per core before the first bench that asks for its group through [`group_name`].
pub const BUSY_ENV: &str = "BENCH_BUSY";

/// How many spinning neighbours per core `BENCH_BUSY` asks for (0: a quiet run).
pub fn busy_per_core() -> usize {
    std::env::var(BUSY_ENV)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(0)
}

/// A bench group's name for this run: `busy/NAME` when `BENCH_BUSY` asks for a busy machine (so
/// busy results never overwrite quiet ones), after starting the neighbours once per process.
///
/// The neighbours are plain threads running [`spin`] forever, as many per core as asked: they
/// compete with the bench's threads for the cores as a server's other work would, so a thread
/// that busy-waits for a peer who is not running wastes its time slice. They end with the process.
pub fn group_name(name: &str) -> String {
    static NEIGHBOURS: std::sync::Once = std::sync::Once::new();
    let per_core = busy_per_core();
    if per_core == 0 {
        return name.to_owned();
    }
    NEIGHBOURS.call_once(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        for neighbour in 0..per_core * cores {
            std::thread::Builder::new()
                .name(format!("busy-{neighbour}"))
                .spawn(move || loop {
                    spin(neighbour as u64, 10_000);
                })
                .expect("cannot start a busy neighbour");
        }
    });
    format!("busy/{name}")
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
