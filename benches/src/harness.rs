//! What the two harness benches share: which scenarios they time, and how.

use checks::catalog::{self, Size};
use checks::harness::Checker;
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Throughput};

/// One main scenario per pattern or primitive, each a few hundred milliseconds under loom.
pub const MAIN_SCENARIOS: [&str; 5] = [
    "worker_pool::every_job_accounted_once",
    "fan::early_stop_leaves_no_thread_blocked",
    "pipeline::downstream_stop_ends_every_stage",
    "semaphore::holders_never_exceed_capacity",
    "context::cancel_reaches_every_descendant",
];

/// Schedules per shuttle run.
pub const SHUTTLE_SCHEDULES: usize = 200;

/// loom as the tests run it: exhaustive, or the scenario's preemption bound.
pub fn loom_checker(bound: Option<usize>) -> Checker {
    bound.map_or_else(Checker::loom, Checker::loom_bounded)
}

/// shuttle's random scheduler, fixed seed.
pub fn shuttle_checker(_loom_bound: Option<usize>) -> Checker {
    Checker::random(SHUTTLE_SCHEDULES, 0x5eed)
}

/// Times scenario `name` under the checker `checker_for` builds, with schedules as throughput.
///
/// # Panics
/// If `name` is not in the catalog or the scenario fails.
pub fn bench_schedules(
    group: &mut BenchmarkGroup<'_, WallTime>,
    function: &str,
    name: &str,
    checker_for: fn(Option<usize>) -> Checker,
) {
    let entry = catalog::find(name).unwrap_or_else(|| panic!("no scenario {name}"));
    let checker = checker_for(entry.loom_bound);
    let size = if matches!(checker, Checker::Loom { .. }) {
        Size::Small
    } else {
        Size::Large
    };
    let probe = (entry.run)(size, &checker);
    probe.assert_pass();
    group.throughput(Throughput::Elements(probe.schedules as u64));
    group.bench_function(BenchmarkId::new(function, name), |b| {
        b.iter(|| (entry.run)(size, &checker).assert_pass())
    });
}
