//! What a sampled pass rules out: PCT's probabilistic guarantee turned into a statement, from
//! the run's own measured threads and scheduling points (docs/checkers.md, "What a sampled pass
//! rules out").
//!
//! PCT (Burckhardt, Kothari, Musuvathi and Nagarakatte, "A Randomized Scheduler with
//! Probabilistic Guarantees of Finding Bugs", ASPLOS 2010) run at depth d finds a bug of depth d
//! (d orderings between events that must all hold) in one schedule with probability at least
//! 1/(n·k^(d−1)), for a program of at most n threads and k scheduling points. The bound is for
//! that depth only: a shallower bug can be undone by the extra change points, so nothing is
//! claimed for it. shuttle's PCT runs its first schedule oldest-task-first, unrandomized, so of r
//! schedules r − 1 count; they are independent, so they all miss the bug with probability at
//! most (1 − 1/(n·k^(d−1)))^(r−1). The random walk, URW and POS have no such bound: their passes
//! say only how many schedules were sampled.

use super::checker::{Checker, PORTFOLIO_SIZE};
use serde::{Deserialize, Serialize};

/// The largest program a run met: its threads and scheduling points, the n and k of PCT's bound.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shape {
    /// Threads of the execution that had the most (main, helpers and timer threads included).
    pub threads: usize,
    /// Scheduling points of the execution that had the most.
    pub steps: usize,
}

/// Below this, a bound is too weak to rule anything out, and the statement says so.
pub const MEANINGFUL: f64 = 0.5;

/// The chance that `runs` schedules, each finding a bug with probability at least `each`, find
/// it at least once.
fn at_least_once(each: f64, runs: usize) -> f64 {
    1.0 - (1.0 - each).powf(runs as f64)
}

/// PCT's per-schedule lower bound for a bug of depth `d` in a program of `shape`.
fn per_schedule(shape: Shape, d: u32) -> f64 {
    let n = shape.threads.max(1) as f64;
    let k = shape.steps.max(1) as f64;
    1.0 / (n * k.powi(d as i32 - 1))
}

/// For each depth a PCT run of `checker` targeted, the probability (a lower bound) that its share
/// of the `runs` schedules over programs of `shape` would have found a bug of that depth. Empty
/// for checkers without a bound.
pub fn bounds(checker: &Checker, runs: usize, shape: Shape) -> Vec<(u32, f64)> {
    // Each PCT at depth D: how many schedules it ran. A portfolio's two PCT members ran their
    // shares of the budget; of `runs`, member i had the schedules i + 1, i + 6, ….
    let pcts: Vec<(u32, usize)> = match checker {
        Checker::ShuttlePct { depth, .. } => vec![(*depth as u32, runs)],
        Checker::ShuttlePortfolio { .. } => checker
            .portfolio_members()
            .iter()
            .enumerate()
            .filter_map(|(i, member)| match member {
                Checker::ShuttlePct { depth, .. } => Some((
                    *depth as u32,
                    runs.saturating_sub(i).div_ceil(PORTFOLIO_SIZE),
                )),
                _ => None,
            })
            .collect(),
        _ => return Vec::new(),
    };
    // The first schedule of each PCT is not randomized.
    pcts.into_iter()
        .map(|(d, schedules)| {
            (
                d,
                at_least_once(per_schedule(shape, d), schedules.saturating_sub(1)),
            )
        })
        .collect()
}

/// The statement for a pass sampled by `checker`: what it rules out, with the figures it rests
/// on, or that it rules out nothing in particular.
pub fn statement(checker: &Checker, runs: usize, shape: Shape) -> String {
    let bounds = bounds(checker, runs, shape);
    if bounds.is_empty() {
        return format!(
            "{runs} sampled schedules; {} gives no bound on what they rule out",
            checker.kind()
        );
    }
    let figures: Vec<String> = bounds.iter().map(|&(d, p)| figure(d, p)).collect();
    format!(
        "a bug of the depth d PCT ran at would have been found with probability (PCT's bound, \
         1 − (1 − 1/(n·k^(d−1)))^(runs − 1), n = {} threads, k = {} steps, \
         {runs} schedules{}): {}",
        shape.threads,
        shape.steps,
        counted(checker),
        figures.join(", ")
    )
}

/// What follows a run's schedule count where not all of them count towards PCT's bound.
pub fn counted(checker: &Checker) -> &'static str {
    match checker {
        Checker::ShuttlePortfolio { .. } => ", of which only its PCT members' count",
        _ => "",
    }
}

/// One bound in words: `depth 3 ≥ 99.9 %`, and when it is too weak to mean anything, so said.
pub fn figure(depth: u32, p: f64) -> String {
    let weak = if p < MEANINGFUL {
        " (too weak to rule it out)"
    } else {
        ""
    };
    format!("depth {depth} ≥ {}{weak}", percent(p))
}

/// A lower bound as a percentage, rounded down and at most 99.9 %: a bound short of 1 by less
/// than floating point holds is still no certainty.
fn percent(p: f64) -> String {
    format!("{:.1} %", ((p * 1000.0).floor() / 10.0).min(99.9))
}

#[cfg(test)]
mod tests {
    use super::{bounds, statement, Shape};
    use crate::harness::base::checker::Checker;

    const SHAPE: Shape = Shape {
        threads: 4,
        steps: 100,
    };

    #[test]
    fn pct_bound_is_for_its_own_depth_and_its_randomized_schedules() {
        // Depth 2: 1/(n·k) per schedule; depth 3: 1/(n·k²); the first schedule does not count.
        let expect = |each: f64| 1.0 - (1.0 - each).powi(1999);
        let two = bounds(&Checker::pct(2000, 2, 0), 2000, SHAPE);
        assert_eq!(two.len(), 1);
        assert_eq!(two[0].0, 2);
        assert!((two[0].1 - expect(1.0 / 400.0)).abs() < 1e-12);
        let three = bounds(&Checker::pct(2000, 3, 0), 2000, SHAPE);
        assert_eq!(three.len(), 1);
        assert!((three[0].1 - expect(1.0 / 40_000.0)).abs() < 1e-12);
        assert_eq!(bounds(&Checker::pct(1, 2, 0), 1, SHAPE)[0].1, 0.0);
    }

    #[test]
    fn a_weak_bound_says_so_and_a_strong_one_is_never_rounded_to_certainty() {
        let strong = statement(&Checker::pct(20_000, 2, 0), 20_000, SHAPE);
        assert!(strong.contains("depth 2 ≥ 99.9 %"), "{strong}");
        let text = statement(&Checker::pct(2000, 3, 0), 2000, SHAPE);
        assert!(!text.contains("depth 2"), "{text}");
        assert!(
            text.contains("depth 3 ≥ 4.8 % (too weak to rule it out)"),
            "{text}"
        );
        assert!(
            text.contains("n = 4 threads, k = 100 steps, 2000 schedules"),
            "{text}"
        );
    }

    #[test]
    fn a_portfolio_counts_only_its_pct_members_schedules() {
        // Of 10 schedules, PCT at depth 2 ran #2 and #7, PCT at depth 3 ran #3 and #8.
        let portfolio = bounds(&Checker::portfolio(10, 0), 10, SHAPE);
        let alone = |depth| bounds(&Checker::pct(2, depth, 0), 2, SHAPE)[0];
        assert_eq!(portfolio, [alone(2), alone(3)]);
    }

    #[test]
    fn samplers_without_a_bound_claim_none() {
        for checker in [
            Checker::random(100, 0),
            Checker::urw(100, 0),
            Checker::pos(100, 0),
        ] {
            assert!(bounds(&checker, 100, SHAPE).is_empty());
            assert!(statement(&checker, 100, SHAPE).contains("gives no bound"));
        }
    }
}
