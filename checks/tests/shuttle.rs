//! Every kit scenario under shuttle's random, PCT, URW and POS schedulers and their portfolio on
//! its large instance, every zoo entry and GoKer kernel caught by each with a replayable schedule
//! (or listed as missed), and POS and URW measured against random on the shapes they are built
//! for. Its own test binary: shuttle's panic hook is process-wide (ARCHITECTURE.md, "Facts about
//! loom and shuttle").
//!
//! Budgets: 300 schedules per scenario and scheduler (PCT at depth 3: a lost update needs ≥ 2),
//! fixed seeds so every run explores the same schedules.

use checks::harness::{check, first_failure, Checker, CheckerKind, FailureKind, Scenario, Verdict};
use checks::scenario::{chan, semaphore};
use checks::support::fixtures::{EarlyWriteLateRead, ShortThreadLast};
use checks::zoo::{self, Mistake};
use patterns::Backend;
use serde::{Deserialize, Serialize};

const SCHEDULES: usize = 300;
const SEED: u64 = 0x5eed;

fn random_and_pct<S: Scenario>() {
    for checker in [
        Checker::random(SCHEDULES, SEED),
        Checker::pct(SCHEDULES, 3, SEED),
        Checker::urw(SCHEDULES, SEED),
        Checker::pos(SCHEDULES, SEED),
        Checker::portfolio(SCHEDULES, SEED),
    ] {
        let stats = check(&S::large(), &checker);
        println!("{stats}");
        stats.assert_pass();
    }
}

macro_rules! shuttle_tests {
    ($($test:ident => $scenario:ty,)*) => {
        $(
            #[test]
            fn $test() {
                random_and_pct::<$scenario>();
            }
        )*
    };
}

checks::for_each_scenario!(shuttle_tests);

/// Each shuttle scheduler catches the broken variant with the right kind (or misses it, where the
/// entry lists the scheduler in `MISSED_BY`), its replay reproduces it, and the correct variant
/// passes the same budget: PCT, random, URW, POS and their portfolio on the large instance,
/// DFS on the small one (a large instance's schedule tree is too deep for a budget).
fn shuttle_catches<M: Mistake>() {
    for (instance, checker) in [
        (M::large(), Checker::pct(1000, 3, SEED)),
        (M::large(), Checker::random(1000, SEED)),
        (M::large(), Checker::urw(1000, SEED)),
        (M::large(), Checker::pos(1000, SEED)),
        (M::large(), Checker::portfolio(1000, SEED)),
        (M::small(), Checker::dfs(20_000)),
    ] {
        let detection = zoo::detect(instance, &checker);
        println!("{}{}", detection.broken, detection.correct);
        detection.assert_caught::<M>();
    }
}

macro_rules! shuttle_zoo_tests {
    ($($test:ident => $mistake:ty,)*) => {
        mod shuttle_catches {
            $(
                #[test]
                fn $test() {
                    super::shuttle_catches::<$mistake>();
                }
            )*
        }
    };
}

checks::for_each_mistake!(shuttle_zoo_tests);

/// Schedules per GoKer kernel and shuttle scheduler: the fixed variant runs them all, under each.
const KERNEL_SCHEDULES: usize = 300;

/// PCT, random, URW, POS and their portfolio, each on its own, catch a GoKer kernel's bug with the right kind (or miss it,
/// where the kernel lists the scheduler in `MISSED_BY`), its replay reproduces it, and the fix
/// passes the same budget.
fn shuttle_catches_kernel<M: Mistake>() {
    for checker in [
        Checker::pct(KERNEL_SCHEDULES, 3, SEED),
        Checker::random(KERNEL_SCHEDULES, SEED),
        Checker::urw(KERNEL_SCHEDULES, SEED),
        Checker::pos(KERNEL_SCHEDULES, SEED),
        Checker::portfolio(KERNEL_SCHEDULES, SEED),
    ] {
        let detection = zoo::detect(M::large(), &checker);
        println!("{}{}", detection.broken, detection.correct);
        detection.assert_caught::<M>();
    }
}

macro_rules! shuttle_kernel_tests {
    ($($test:ident => $kernel:ty,)*) => {
        mod goker {
            $(
                #[test]
                fn $test() {
                    super::shuttle_catches_kernel::<$kernel>();
                }
            )*
        }
    };
}

checks::for_each_kernel!(shuttle_kernel_tests);

/// A data race is reported on every schedule that makes both accesses, not only on those that
/// happen to run them in some order: one schedule each from 32 seeds, every one a data race.
#[test]
fn a_race_is_reported_on_every_schedule() {
    for seed in 0..32 {
        let stats = check(
            &checks::support::fixtures::WriteRacesAnEarlierRead,
            &Checker::random(1, seed),
        );
        let report = stats.assert_fails_with(FailureKind::DataRace);
        assert_eq!(report.schedule, 1, "{stats}");
    }
}

#[test]
fn dfs_is_exhaustive_on_a_tiny_instance() {
    let stats = check(
        &semaphore::HoldersNeverExceedCapacity::small(),
        &Checker::dfs(100_000),
    );
    println!("{stats}");
    stats.assert_pass();
    assert!(
        matches!(
            stats.verdict,
            checks::harness::Verdict::Pass(checks::harness::Coverage::Exhaustive)
        ),
        "DFS that runs out of schedules is exhaustive: {stats}"
    );
}

#[test]
fn dfs_budget_is_reported_as_capped() {
    let stats = check(&chan::FifoPerSender::small(), &Checker::dfs(10));
    println!("{stats}");
    assert!(
        matches!(
            &stats.verdict,
            checks::harness::Verdict::Pass(checks::harness::Coverage::Capped { .. })
        ),
        "a DFS stopped by its budget must say so: {stats}"
    );
    assert_eq!(stats.schedules, 10);
}

/// Two threads that each spawn a child at the same time, and forget it blocked forever.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct ConcurrentSpawns;

impl Scenario for ConcurrentSpawns {
    const NAME: &'static str = "harness::concurrent_spawns_are_told_apart";
    fn small() -> Self {
        Self
    }
    fn large() -> Self {
        Self
    }
    fn run<B: Backend>(&self) {
        let spawners: Vec<_> = (0..2)
            .map(|i| {
                B::spawn(&format!("spawner-{i}"), move || {
                    let (keep_open, never_sent) = patterns::chan::bounded_in::<B, ()>(0);
                    drop(B::spawn(&format!("child-{i}"), move || {
                        let _keep_open = keep_open;
                        never_sent.recv();
                    }));
                })
            })
            .collect();
        for spawner in spawners {
            B::join(spawner).expect("spawner panicked");
        }
    }
}

/// The registry tells shuttle's tasks apart by task id, whatever order two threads spawning at
/// once register in: across many interleavings, the leak report names exactly the two children,
/// blocked in their receive, and their spawners finished.
#[test]
fn concurrent_spawns_are_told_apart() {
    for seed in 0..40 {
        let stats = check(&ConcurrentSpawns, &Checker::random(1, seed));
        let report = stats.assert_fails_with(FailureKind::Leak);
        let state_of = |name: &str| {
            report
                .threads
                .iter()
                .find(|thread| thread.name == name)
                .map(|thread| thread.state.clone())
                .unwrap_or_else(|| panic!("seed {seed}: no thread {name} in\n{stats}"))
        };
        for i in 0..2 {
            assert_eq!(
                state_of(&format!("spawner-{i}")),
                "finished",
                "seed {seed}\n{stats}"
            );
            let child = state_of(&format!("child-{i}"));
            assert!(
                child.starts_with("blocked at") && child.contains("shuttle.rs"),
                "seed {seed}: child-{i} is {child}\n{stats}"
            );
        }
        assert!(
            report.message.contains("2 thread(s)"),
            "seed {seed}: {}",
            report.message
        );
    }
}

/// A thread spawned with `shuttle::thread::spawn` instead of the backend.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct RawSpawn;

impl Scenario for RawSpawn {
    const NAME: &'static str = "harness::raw_spawn_is_named";
    fn small() -> Self {
        Self
    }
    fn large() -> Self {
        Self
    }
    fn run<B: Backend>(&self) {
        let lock = std::sync::Arc::new(B::mutex(0));
        shuttle::thread::spawn(move || *B::lock(&lock) += 1)
            .join()
            .expect("the raw thread's panic fails the run first");
    }
}

/// A scenario thread the harness did not spawn cannot be tracked: its first backend call fails
/// the run with a message that says so, instead of recording its state on another thread.
#[test]
fn raw_shuttle_spawn_is_reported() {
    let stats = check(&RawSpawn, &Checker::random(1, SEED));
    let report = stats.assert_fails_with(FailureKind::Panic);
    assert!(
        report
            .message
            .contains("was not spawned through the Shuttle backend"),
        "{stats}"
    );
}

/// A thread that spins forever is reported as a livelock naming it, not as a leak.
#[test]
fn spinning_thread_is_a_livelock() {
    let stats = check(
        &checks::support::fixtures::SpinsForever,
        &Checker::random(1, SEED),
    );
    let report = stats.assert_fails_with(FailureKind::Livelock);
    assert!(report.message.contains("'spinner'"), "{stats}");
}

/// A budget of zero schedules explores nothing, so it is refused rather than reported as a pass.
#[test]
#[should_panic(expected = "explores nothing")]
fn zero_budget_is_refused() {
    check(&chan::FifoPerSender::large(), &Checker::random(0, SEED));
}

/// shuttle's deadlock report, raised inside a `Backend::catch_unwind`, still fails the run as a
/// deadlock.
#[test]
fn a_deadlock_inside_a_catch_is_a_deadlock() {
    let stats = check(
        &checks::support::fixtures::DeadlocksInsideCatch,
        &Checker::random(1, SEED),
    );
    stats.assert_fails_with(FailureKind::Deadlock);
}

#[path = "common/recording.rs"]
mod recording;

/// Recording is off while shuttle explores (and shrinks): only the traced replay records.
#[test]
fn recording_is_off_while_exploring() {
    recording::recording_is_off_while_exploring(&Checker::random(200, SEED));
}

#[path = "common/blocked.rs"]
mod blocked;

/// A thread blocked in the backend's `lock`, `wait` or `join` under shuttle is reported at the
/// caller's line (ARCHITECTURE.md, invariant 5).
#[test]
fn blocked_threads_are_reported_at_the_callers_line() {
    blocked::reported_at_the_callers_line(&Checker::random(20, SEED));
}

/// Seeds per checker in the strategy comparisons below, and each seed's budget.
const COMPARED_SEEDS: u64 = 20;
const COMPARED_BUDGET: usize = 50;

/// For each of [`COMPARED_SEEDS`] seeds, the schedule at which `checker` (given the seed) first
/// fails `scenario` with an assertion, or `None` if it passed its budget.
fn schedules_to_failure<S: Scenario>(
    scenario: &S,
    checker: fn(u64) -> Checker,
) -> Vec<Option<usize>> {
    (0..COMPARED_SEEDS)
        .map(|seed| {
            let stats = first_failure(scenario, &checker(seed));
            match &stats.verdict {
                Verdict::Fail(report) => {
                    assert_eq!(report.kind, FailureKind::Assertion, "{stats}");
                    Some(report.schedule)
                }
                Verdict::Pass(_) => None,
            }
        })
        .collect()
}

/// How many seeds found the failure.
fn found(runs: &[Option<usize>]) -> usize {
    runs.iter().flatten().count()
}

/// Two racing events with eight independent ones between them: POS orders them the failing way
/// about once in ten schedules, a random walk about once in 500.
#[test]
fn pos_reorders_racing_events_far_apart_far_sooner_than_random() {
    let scenario = EarlyWriteLateRead::large();
    let pos = schedules_to_failure(&scenario, |seed| Checker::pos(COMPARED_BUDGET, seed));
    let random = schedules_to_failure(&scenario, |seed| Checker::random(COMPARED_BUDGET, seed));
    println!("POS: {pos:?}\nrandom: {random:?}");
    assert!(
        found(&pos) >= 18 && found(&random) <= 6,
        "found in: POS {} of {COMPARED_SEEDS}, random {}",
        found(&pos),
        found(&random)
    );
}

/// A short thread's one event after a long thread's eleven: URW puts it there about once in
/// twelve schedules, a random walk about once in 2,000.
#[test]
fn urw_places_a_short_thread_last_far_sooner_than_random() {
    let scenario = ShortThreadLast::large();
    let urw = schedules_to_failure(&scenario, |seed| Checker::urw(COMPARED_BUDGET, seed));
    let random = schedules_to_failure(&scenario, |seed| Checker::random(COMPARED_BUDGET, seed));
    println!("URW: {urw:?}\nrandom: {random:?}");
    assert!(
        found(&urw) >= 18 && found(&random) <= 3,
        "found in: URW {} of {COMPARED_SEEDS}, random {}",
        found(&urw),
        found(&random)
    );
}

/// A portfolio's failure names the member whose turn found it, and the members take turns: on
/// the short thread that must come last, which random never finds in 50 schedules, the finder is
/// never random.
#[test]
fn a_portfolio_failure_names_the_member_that_found_it() {
    for seed in 0..COMPARED_SEEDS {
        let checker = Checker::portfolio(COMPARED_BUDGET, seed);
        let stats = first_failure(&ShortThreadLast::large(), &checker);
        let report = stats.assert_fails_with(FailureKind::Assertion);
        let member = checker
            .found_by(report.schedule)
            .expect("a portfolio names its finder");
        assert_ne!(member.kind(), CheckerKind::ShuttleRandom, "{stats}");
        assert!(
            stats.to_string().contains(&format!("found by {member}")),
            "{stats}"
        );
    }
}

/// A sampled pass measures the largest execution it met, the n and k of PCT's bound, and states
/// what it rules out from them: main and four producers are 5 threads, whose 50 sends each are
/// more than 200 scheduling points.
#[test]
fn a_sampled_pass_states_what_it_rules_out_from_its_measured_shape() {
    let scenario = chan::FifoPerSender::large();
    assert_eq!(scenario.producers, 4);
    let stats = check(&scenario, &Checker::pct(200, 2, SEED));
    stats.assert_pass();
    let shape = stats.shape.expect("shuttle measures its runs");
    assert_eq!(shape.threads, 5, "{stats}");
    assert!(shape.steps > 200, "{stats}");
    let shown = stats.to_string();
    let figures = format!("n = 5 threads, k = {} steps, 200 schedules", shape.steps);
    assert!(shown.contains(&figures), "{shown}");
}
