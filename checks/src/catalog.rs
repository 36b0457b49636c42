//! Every scenario and zoo entry by name, with the budgets the xtask and the tests run them at.

use crate::harness::{check, replay::replay_as, Checker, ReplayFile, Scenario, Stats};
use crate::{scenario, zoo};

/// Which instance of a scenario to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    /// [`Scenario::small`]: sized for loom.
    Small,
    /// [`Scenario::large`]: sized for shuttle and real threads.
    Large,
}

/// One named scenario, type-erased.
pub struct Entry {
    /// `pattern::property`.
    pub name: &'static str,
    /// Runs an instance under a checker.
    pub run: fn(Size, &Checker) -> Stats,
    /// Replays a replay file of this scenario.
    pub replay: fn(&ReplayFile) -> Result<Stats, String>,
}

impl Entry {
    /// The pattern or primitive: the part of the name before `::`.
    pub fn pattern(&self) -> &'static str {
        self.name.split("::").next().unwrap_or(self.name)
    }
}

fn entry<S: Scenario>() -> Entry {
    Entry {
        name: S::NAME,
        run: |size, checker| {
            let instance = match size {
                Size::Small => S::small(),
                Size::Large => S::large(),
            };
            check(&instance, checker)
        },
        replay: replay_as::<S>,
    }
}

/// Every scenario of the kit and the patterns.
pub fn scenarios() -> Vec<Entry> {
    vec![
        entry::<scenario::chan::FifoPerSender>(),
        entry::<scenario::chan::EveryValueReceivedOnce>(),
        entry::<scenario::chan::CloseKeepsBufferedValues>(),
        entry::<scenario::chan::CloseWakesEveryone>(),
        entry::<scenario::chan::SelectTakesExactlyOneArm>(),
        entry::<scenario::chan::TimedSendNeverLosesValue>(),
        entry::<scenario::wait_group::WaitReturnsAfterEveryDone>(),
        entry::<scenario::context::CancelReachesEveryDescendant>(),
        entry::<scenario::context::DeadlineOrCancelSetOnce>(),
        entry::<scenario::semaphore::HoldersNeverExceedCapacity>(),
        entry::<scenario::semaphore::CancelledWaiterTakesNoPermit>(),
        entry::<scenario::errgroup::FirstErrorCancelsGroup>(),
        entry::<scenario::time::TimersFireInDeadlineOrder>(),
    ]
}

/// Every bug-zoo entry (each runs its broken or its correct variant, by its instance).
pub fn zoo() -> Vec<Entry> {
    vec![
        entry::<zoo::lost_update::LostUpdate>(),
        entry::<zoo::lock_order::LockOrderInversion>(),
        entry::<zoo::forgotten_close::ConsumerHoldsSender>(),
        entry::<zoo::wait_group_misuse::DoneTwice>(),
    ]
}

/// The scenario or zoo entry called `name`.
pub fn find(name: &str) -> Option<Entry> {
    scenarios()
        .into_iter()
        .chain(zoo())
        .find(|entry| entry.name == name)
}
