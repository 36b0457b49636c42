//! The checkers a scenario can run under, with their budgets.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// How many sampling schedulers a [`Checker::ShuttlePortfolio`] rotates through.
pub(crate) const PORTFOLIO_SIZE: usize = 5;

/// Spreads a portfolio member's position over the seed's bits (2^64 / φ, odd).
const SEED_MIX: u64 = 0x9e37_79b9_7f4a_7c15;

/// A schedule explorer and its budget.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Checker {
    /// loom: exhaustive DPOR exploration, optionally preemption-bounded.
    Loom {
        /// Explore only schedules with at most this many preemptions (`None`: all schedules).
        preemption_bound: Option<usize>,
        /// Stop after this many schedules (reported as capped).
        max_schedules: Option<usize>,
        /// Stop after this much wall time (reported as capped).
        max_time: Option<Duration>,
    },
    /// shuttle's random scheduler: `iterations` schedules from `seed`.
    ShuttleRandom {
        /// Schedules to sample.
        iterations: usize,
        /// The seed: the same seed samples the same schedules.
        seed: u64,
    },
    /// shuttle's PCT scheduler (probabilistic concurrency testing): finds a bug of depth `d` with
    /// probability at least 1/(n·k^(d-1)) per schedule. Depth must be at least 2 to find a lost
    /// update (ARCHITECTURE.md, "Facts about loom and shuttle").
    ShuttlePct {
        /// Schedules to sample.
        iterations: usize,
        /// The bug depth PCT targets.
        depth: usize,
        /// The seed.
        seed: u64,
    },
    /// shuttle's uniform random walk (URW, the uniform part of SURW, ASPLOS 2025): each step picks
    /// a thread with probability in proportion to the events it has left, estimated by one
    /// plain random-walk schedule first, so that every interleaving is about equally likely. It
    /// finds a short thread's event placed after a long thread's far sooner than random does.
    ShuttleUrw {
        /// Schedules to sample (the first one estimates the threads' event counts).
        iterations: usize,
        /// The seed.
        seed: u64,
    },
    /// Partial Order Sampling (POS, CAV 2018): each thread's next operation gets a random
    /// priority, the highest-priority runnable thread runs, and the operations that race with the
    /// one that ran (same object, one of them a write) draw new priorities. Its chance of
    /// ordering two racing operations the rarer way falls only linearly with the independent
    /// operations between them, where a random walk's halves with each.
    ShuttlePos {
        /// Schedules to sample.
        iterations: usize,
        /// The seed.
        seed: u64,
    },
    /// A portfolio of the sampling schedulers: `iterations` schedules split round-robin over
    /// [`Checker::portfolio_members`] (random, PCT at depths 2 and 3, POS, URW), each from a seed
    /// of its own; a failure says which member found it ([`Checker::found_by`]).
    ShuttlePortfolio {
        /// Schedules to sample, all members together.
        iterations: usize,
        /// The seed; member `i` samples from `seed ^ (i · 0x9e37_79b9_7f4a_7c15)`.
        seed: u64,
    },
    /// shuttle's depth-first enumeration: exhaustive for tiny instances (no partial-order
    /// reduction, so it grows much faster than loom).
    ShuttleDfs {
        /// Stop after this many schedules (reported as capped).
        max_iterations: Option<usize>,
    },
    /// Real threads: the scenario runs `runs` times on the `Real` backend.
    Stress {
        /// How many runs.
        runs: usize,
    },
}

/// How many schedules [`Checker::loom`] explores before it stops with a capped verdict: a first
/// loom run of a scenario of one's own should answer in seconds (about 10 s at 20,000 schedules a
/// second, a small scenario's pace here), not run for an hour with no word. A count, not a time,
/// so the verdict does not depend on the machine's speed.
pub const LOOM_DEFAULT_SCHEDULES: usize = 200_000;

impl Checker {
    /// loom with no preemption bound: every schedule, up to [`LOOM_DEFAULT_SCHEDULES`]. If the
    /// instance has more, the verdict says so (capped, not exhaustive) and what to change: a
    /// preemption bound ([`Checker::loom_bounded`]), a smaller instance, or no limit
    /// ([`Checker::loom_exhaustive`]). While it runs, a line on stderr every few seconds says
    /// how far it got.
    pub fn loom() -> Self {
        Checker::Loom {
            preemption_bound: None,
            max_schedules: Some(LOOM_DEFAULT_SCHEDULES),
            max_time: None,
        }
    }

    /// loom with no bound and no limit: every schedule, however long that takes.
    pub fn loom_exhaustive() -> Self {
        Checker::Loom {
            preemption_bound: None,
            max_schedules: None,
            max_time: None,
        }
    }

    /// loom bounded to `bound` preemptions per schedule.
    pub fn loom_bounded(bound: usize) -> Self {
        Checker::Loom {
            preemption_bound: Some(bound),
            max_schedules: None,
            max_time: None,
        }
    }

    /// shuttle random, `iterations` schedules from `seed`.
    pub fn random(iterations: usize, seed: u64) -> Self {
        Checker::ShuttleRandom { iterations, seed }
    }

    /// shuttle PCT at `depth`, `iterations` schedules from `seed`.
    pub fn pct(iterations: usize, depth: usize, seed: u64) -> Self {
        Checker::ShuttlePct {
            iterations,
            depth,
            seed,
        }
    }

    /// shuttle's uniform random walk, `iterations` schedules from `seed`.
    pub fn urw(iterations: usize, seed: u64) -> Self {
        Checker::ShuttleUrw { iterations, seed }
    }

    /// Partial Order Sampling on shuttle, `iterations` schedules from `seed`.
    pub fn pos(iterations: usize, seed: u64) -> Self {
        Checker::ShuttlePos { iterations, seed }
    }

    /// The portfolio of sampling schedulers, `iterations` schedules in all from `seed`.
    pub fn portfolio(iterations: usize, seed: u64) -> Self {
        Checker::ShuttlePortfolio { iterations, seed }
    }

    /// A portfolio's members, in the order its schedules rotate through them, each with its
    /// share of the budget: an even split, the first members taking the rest, so schedule `n`
    /// (1-based) is always member `(n − 1) mod 5`'s. A member whose share is 0 is left out.
    /// Empty for any other checker.
    pub fn portfolio_members(&self) -> Vec<Checker> {
        let Checker::ShuttlePortfolio { iterations, seed } = *self else {
            return Vec::new();
        };
        let share =
            |i: usize| iterations / PORTFOLIO_SIZE + usize::from(i < iterations % PORTFOLIO_SIZE);
        // Mixed, not seed + i: portfolios of neighbouring seeds (`--seeds`, shards) would
        // otherwise share members' seeds, and URW's first schedule (a random walk) would repeat
        // random's.
        let seed_of = |i: usize| seed ^ (i as u64).wrapping_mul(SEED_MIX);
        [
            Checker::random(share(0), seed_of(0)),
            Checker::pct(share(1), 2, seed_of(1)),
            Checker::pct(share(2), 3, seed_of(2)),
            Checker::pos(share(3), seed_of(3)),
            Checker::urw(share(4), seed_of(4)),
        ]
        .into_iter()
        .filter(|member| member.budget_error().is_none())
        .collect()
    }

    /// Which portfolio member ran schedule `schedule` (1-based); `None` for any other checker.
    pub fn found_by(&self, schedule: usize) -> Option<Checker> {
        let members = self.portfolio_members();
        (schedule > 0)
            .then(|| members.get((schedule - 1) % PORTFOLIO_SIZE).cloned())
            .flatten()
    }

    /// shuttle DFS, at most `max_iterations` schedules.
    pub fn dfs(max_iterations: usize) -> Self {
        Checker::ShuttleDfs {
            max_iterations: Some(max_iterations),
        }
    }

    /// Real threads, `runs` runs.
    pub fn stress(runs: usize) -> Self {
        Checker::Stress { runs }
    }

    /// Why this checker's budget cannot explore anything, if so: a run of zero schedules would
    /// prove nothing, so it must never be reported as a pass.
    pub fn budget_error(&self) -> Option<String> {
        let empty = match self {
            Checker::Loom { max_schedules, .. } => *max_schedules == Some(0),
            Checker::ShuttleRandom { iterations, .. }
            | Checker::ShuttleUrw { iterations, .. }
            | Checker::ShuttlePos { iterations, .. }
            | Checker::ShuttlePortfolio { iterations, .. } => *iterations == 0,
            Checker::ShuttlePct {
                iterations, depth, ..
            } => {
                if *depth == 0 {
                    return Some(format!(
                        "{self}: PCT depth must be at least 1 (2 finds a lost update)"
                    ));
                }
                *iterations == 0
            }
            Checker::ShuttleDfs { max_iterations } => *max_iterations == Some(0),
            Checker::Stress { runs } => *runs == 0,
        };
        empty.then(|| format!("{self}: a budget of 0 schedules explores nothing; give at least 1"))
    }

    /// Which checker this is.
    pub fn kind(&self) -> CheckerKind {
        match self {
            Checker::Loom { .. } => CheckerKind::Loom,
            Checker::ShuttleRandom { .. } => CheckerKind::ShuttleRandom,
            Checker::ShuttlePct { .. } => CheckerKind::ShuttlePct,
            Checker::ShuttleUrw { .. } => CheckerKind::ShuttleUrw,
            Checker::ShuttlePos { .. } => CheckerKind::ShuttlePos,
            Checker::ShuttlePortfolio { .. } => CheckerKind::ShuttlePortfolio,
            Checker::ShuttleDfs { .. } => CheckerKind::ShuttleDfs,
            Checker::Stress { .. } => CheckerKind::Stress,
        }
    }
}

/// The checkers by name: the one definition the command line, the report, replay files and the
/// tests take a checker's name, description and instance size from. Adding a checker means a
/// variant here and in [`Checker`]; every `match` the compiler then flags is a place that must
/// say what the new checker does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CheckerKind {
    /// [`Checker::Loom`].
    Loom,
    /// [`Checker::ShuttleRandom`].
    ShuttleRandom,
    /// [`Checker::ShuttlePct`].
    ShuttlePct,
    /// [`Checker::ShuttleUrw`].
    ShuttleUrw,
    /// [`Checker::ShuttlePos`].
    ShuttlePos,
    /// [`Checker::ShuttlePortfolio`].
    ShuttlePortfolio,
    /// [`Checker::ShuttleDfs`].
    ShuttleDfs,
    /// [`Checker::Stress`].
    Stress,
}

impl CheckerKind {
    /// Every checker, in the order reports list them.
    pub const ALL: [CheckerKind; 8] = [
        CheckerKind::Loom,
        CheckerKind::ShuttleRandom,
        CheckerKind::ShuttlePct,
        CheckerKind::ShuttleUrw,
        CheckerKind::ShuttlePos,
        CheckerKind::ShuttlePortfolio,
        CheckerKind::ShuttleDfs,
        CheckerKind::Stress,
    ];

    /// The name on the command line and in reports: `loom`, `shuttle-random`, `shuttle-pct`,
    /// `shuttle-urw`, `shuttle-pos`, `shuttle-portfolio`, `shuttle-dfs`, `stress`.
    pub fn name(self) -> &'static str {
        match self {
            CheckerKind::Loom => "loom",
            CheckerKind::ShuttleRandom => "shuttle-random",
            CheckerKind::ShuttlePct => "shuttle-pct",
            CheckerKind::ShuttleUrw => "shuttle-urw",
            CheckerKind::ShuttlePos => "shuttle-pos",
            CheckerKind::ShuttlePortfolio => "shuttle-portfolio",
            CheckerKind::ShuttleDfs => "shuttle-dfs",
            CheckerKind::Stress => "stress",
        }
    }

    /// One line on what the checker does, for `--help` and error messages.
    pub fn about(self) -> &'static str {
        match self {
            CheckerKind::Loom => "every interleaving (DPOR), or those within a preemption bound",
            CheckerKind::ShuttleRandom => "shuttle's random scheduler: sampled schedules",
            CheckerKind::ShuttlePct => "shuttle's PCT scheduler: sampled, with depth guarantees",
            CheckerKind::ShuttleUrw => {
                "uniform random walk: every interleaving about equally likely"
            }
            CheckerKind::ShuttlePos => {
                "partial order sampling: racing operations reordered even when far apart"
            }
            CheckerKind::ShuttlePortfolio => {
                "random, PCT (depths 2 and 3), POS and URW in turn, one budget"
            }
            CheckerKind::ShuttleDfs => "shuttle's depth-first enumeration: tiny instances only",
            CheckerKind::Stress => "real threads on real cores, many runs",
        }
    }

    /// The checker called `name` (see [`CheckerKind::name`]).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// Whether it enumerates schedules (loom, DFS) rather than sampling them: enumerating
    /// checkers run the small instance by default.
    pub fn enumerates(self) -> bool {
        match self {
            CheckerKind::Loom | CheckerKind::ShuttleDfs => true,
            CheckerKind::ShuttleRandom
            | CheckerKind::ShuttlePct
            | CheckerKind::ShuttleUrw
            | CheckerKind::ShuttlePos
            | CheckerKind::ShuttlePortfolio
            | CheckerKind::Stress => false,
        }
    }

    /// Whether a sharded run splits its scenarios rather than its iterations: the enumerating
    /// checkers, whose shards cannot share one enumeration, and real threads, which have no
    /// seed to sample other schedules with, and whose failing run waits out a grace (a leak's,
    /// a deadlock's) that every shard would wait again.
    pub fn shards_by_scenario(self) -> bool {
        self.enumerates() || self == CheckerKind::Stress
    }
}

impl fmt::Display for CheckerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for Checker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Checker::Loom {
                preemption_bound, ..
            } => match preemption_bound {
                Some(bound) => write!(f, "loom (preemptions ≤ {bound})"),
                None => f.write_str("loom"),
            },
            Checker::ShuttleRandom { seed, .. } => write!(f, "shuttle-random (seed {seed})"),
            Checker::ShuttlePct { depth, seed, .. } => {
                write!(f, "shuttle-pct (depth {depth}, seed {seed})")
            }
            Checker::ShuttleUrw { seed, .. } => write!(f, "shuttle-urw (seed {seed})"),
            Checker::ShuttlePos { seed, .. } => write!(f, "shuttle-pos (seed {seed})"),
            Checker::ShuttlePortfolio { seed, .. } => write!(f, "shuttle-portfolio (seed {seed})"),
            Checker::ShuttleDfs { .. } => f.write_str("shuttle-dfs"),
            Checker::Stress { .. } => f.write_str("stress (real threads)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Checker;

    #[test]
    fn a_portfolio_splits_its_budget_evenly_the_first_members_taking_the_rest() {
        let members = Checker::portfolio(12, 40).portfolio_members();
        let seed = |i: u64| 40 ^ i.wrapping_mul(super::SEED_MIX);
        assert_eq!(
            members,
            vec![
                Checker::random(3, 40),
                Checker::pct(3, 2, seed(1)),
                Checker::pct(2, 3, seed(2)),
                Checker::pos(2, seed(3)),
                Checker::urw(2, seed(4)),
            ]
        );
        // Neighbouring portfolios share no seed, whichever members hold it (under seed + i,
        // portfolio 40's PCT depth 2 would sample with portfolio 41's random seed).
        let seeds = |portfolio: u64| -> Vec<u64> {
            Checker::portfolio(12, portfolio)
                .portfolio_members()
                .iter()
                .map(|member| match *member {
                    Checker::ShuttleRandom { seed, .. }
                    | Checker::ShuttlePct { seed, .. }
                    | Checker::ShuttleUrw { seed, .. }
                    | Checker::ShuttlePos { seed, .. } => seed,
                    _ => unreachable!("a portfolio's members sample"),
                })
                .collect()
        };
        let (mine, neighbour) = (seeds(40), seeds(41));
        assert!(mine.iter().all(|seed| !neighbour.contains(seed)));
        assert_eq!(Checker::portfolio(3, 0).portfolio_members().len(), 3);
        assert!(Checker::random(3, 0).portfolio_members().is_empty());
    }

    #[test]
    fn each_schedule_is_found_by_the_member_whose_turn_it_is() {
        let portfolio = Checker::portfolio(12, 40);
        let members = portfolio.portfolio_members();
        assert_eq!(portfolio.found_by(1), Some(Checker::random(3, 40)));
        assert_eq!(portfolio.found_by(4), Some(members[3].clone()));
        assert_eq!(portfolio.found_by(10), Some(members[4].clone()));
        assert_eq!(portfolio.found_by(11), Some(Checker::random(3, 40)));
        assert_eq!(portfolio.found_by(0), None);
        assert_eq!(Checker::random(3, 0).found_by(1), None);
    }
}
