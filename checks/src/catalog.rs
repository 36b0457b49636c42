//! Every scenario and zoo entry by name, with the budgets the xtask and the tests run them at.

use crate::harness::{check, replay::replay_as, Checker, FailureKind, ReplayFile, Scenario, Stats};
use crate::zoo::{Mistake, Variant};
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
    /// loom's preemption bound for the small instance (see [`Scenario::LOOM_PREEMPTION_BOUND`]).
    pub loom_bound: Option<usize>,
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
        loom_bound: S::LOOM_PREEMPTION_BOUND,
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
        entry::<scenario::worker_pool::EveryJobAccountedOnce>(),
        entry::<scenario::worker_pool::InFlightNeverExceedsWorkers>(),
        entry::<scenario::fan::MergeKeepsEveryValueInInputOrder>(),
        entry::<scenario::fan::EarlyStopLeavesNoThreadBlocked>(),
        entry::<scenario::fan::FanOutProcessesEachValueOnce>(),
        entry::<scenario::pipeline::OutputIsCompositionInOrder>(),
        entry::<scenario::pipeline::DownstreamStopEndsEveryStage>(),
        entry::<scenario::bounded::CallsNeverExceedLimit>(),
        entry::<scenario::request::RootCancelStopsEveryPart>(),
    ]
}

/// One bug-zoo entry, type-erased: its scenario runs the broken or the correct variant.
pub struct ZooEntry {
    /// The entry as a scenario (its instances run the broken variant).
    pub entry: Entry,
    /// The failure kind that must catch the broken variant.
    pub caught_as: FailureKind,
    /// Runs an instance with the given variant under a checker.
    pub run_variant: fn(Size, Variant, &Checker) -> Stats,
}

fn zoo_entry<M: Mistake>() -> ZooEntry {
    ZooEntry {
        entry: entry::<M>(),
        caught_as: M::CAUGHT_AS,
        run_variant: |size, variant, checker| {
            let instance = match size {
                Size::Small => M::small(),
                Size::Large => M::large(),
            };
            check(&instance.with_variant(variant), checker)
        },
    }
}

/// Every bug-zoo entry.
pub fn zoo() -> Vec<ZooEntry> {
    vec![
        zoo_entry::<zoo::lost_update::LostUpdate>(),
        zoo_entry::<zoo::lock_order::LockOrderInversion>(),
        zoo_entry::<zoo::forgotten_close::ConsumerHoldsSender>(),
        zoo_entry::<zoo::wait_group_misuse::DoneTwice>(),
    ]
}

/// The scenario or zoo entry called `name`.
pub fn find(name: &str) -> Option<Entry> {
    scenarios()
        .into_iter()
        .chain(zoo().into_iter().map(|zoo| zoo.entry))
        .find(|entry| entry.name == name)
}
