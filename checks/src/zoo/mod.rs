//! The bug zoo: the course's common mistakes, each a small broken variant beside the correct
//! code, behind the same scenario. The harness must catch the broken variant with the right
//! failure kind, and the correct one must pass the very same scenario and budget.

pub mod cancel_not_propagated;
pub mod check_then_act;
pub mod child_context_never_cancelled;
pub mod close_from_receiver;
pub mod consumer_holds_sender;
pub mod context_value_as_parameter;
pub mod double_close;
pub mod forgotten_cancel;
pub mod lock_order_inversion;
pub mod lost_update;
pub mod lost_wakeup;
pub mod manager_loses_updates;
pub mod read_lock_upgrade;
pub mod recursive_read_lock;
pub mod relaxed_publication;
pub mod semaphore_permit_leak;
pub mod send_without_receiver;
pub mod stage_forgets_close;
pub mod unbounded_spawning;
pub mod wait_group_add_inside_thread;
pub mod wait_group_done_twice;
pub mod wait_without_loop;
pub mod worker_ignores_done;

use crate::harness::replay::{read_replay_file, replay_as};
use crate::harness::{check, Checker, CheckerKind, FailureKind, Scenario, Stats};
use serde::{Deserialize, Serialize};

/// Which version of the code a zoo scenario runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Variant {
    /// The course's correct code.
    Correct,
    /// The mistake.
    Broken,
}

/// A zoo entry: a scenario whose instance chooses the correct or the broken code.
pub trait Mistake: Scenario {
    /// How the harness must report the broken variant.
    const CAUGHT_AS: FailureKind;
    /// Whether the broken variant fails on every schedule (so real threads see it too), rather
    /// than only on some interleavings.
    const DETERMINISTIC: bool = false;
    /// What the minimal failure's trace shows, in order: each a piece of text (a step, such as
    /// `load atomic → 0`, or a piece of the story, such as `a wait-for cycle`) found after the
    /// one before it in the rendered trace. Together they are the steps that make the bug.
    const TRACE_SHOWS: &'static [&'static str];
    /// Checkers that cannot see this mistake by their nature (the entry's doc says why): their
    /// tests check that the correct variant passes and that the broken one is, honestly, missed.
    const MISSED_BY: &'static [CheckerKind] = &[];
    /// The same instance, running `variant`.
    fn with_variant(self, variant: Variant) -> Self;
}

/// What running one zoo entry under one checker showed.
#[derive(Debug)]
pub struct Detection {
    /// The broken variant's run.
    pub broken: Stats,
    /// The correct variant's run, same instance and budget.
    pub correct: Stats,
    /// The replay of the broken variant's failure, if it failed with a replay file.
    pub replay: Option<Result<Stats, String>>,
}

impl Detection {
    /// Whether the broken variant failed with the kind the entry expects.
    pub fn caught<M: Mistake>(&self) -> bool {
        self.broken
            .failure()
            .is_some_and(|f| f.kind == M::CAUGHT_AS)
    }

    /// Asserts the whole promise of a zoo entry under a checker: the correct variant passes the
    /// same scenario and budget, and the broken variant fails with the right kind and replays the
    /// same way, or, under a checker in [`Mistake::MISSED_BY`], is not caught.
    #[track_caller]
    pub fn assert_caught<M: Mistake>(&self) {
        if M::MISSED_BY.contains(&self.broken.checker.kind()) {
            self.correct.assert_pass();
            assert!(
                !self.caught::<M>(),
                "{} is listed as missed by {}, yet it was caught: update MISSED_BY\n{}",
                M::NAME,
                self.broken.checker.kind(),
                self.broken
            );
            return;
        }
        let report = self.broken.assert_fails_with(M::CAUGHT_AS);
        match &self.replay {
            Some(Ok(replayed)) => {
                replayed.assert_fails_with(M::CAUGHT_AS);
            }
            Some(Err(error)) => panic!("the replay of {} failed to run: {error}", M::NAME),
            None => panic!("{} failed without a replay file:\n{report}", M::NAME),
        }
        self.correct.assert_pass();
    }
}

/// Runs `instance` as broken and as correct under `checker`, and replays the broken failure.
pub fn detect<M: Mistake>(instance: M, checker: &Checker) -> Detection {
    let broken = check(&instance.clone().with_variant(Variant::Broken), checker);
    let replay = broken
        .failure()
        .and_then(|report| report.replay_file.clone())
        .map(|file| read_replay_file(&file).and_then(|file| replay_as::<M>(&file, false)));
    let correct = check(&instance.with_variant(Variant::Correct), checker);
    Detection {
        broken,
        correct,
        replay,
    }
}
