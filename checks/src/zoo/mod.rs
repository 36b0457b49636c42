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
pub mod unsynchronized_counter;
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

/// An instance that runs either version of the code. Every zoo entry gets it from `zoo_entry!`,
/// which sets the `variant` field that macro adds.
pub trait WithVariant {
    /// The same instance, running `variant`.
    fn with_variant(self, variant: Variant) -> Self;
}

/// A zoo entry: a scenario whose instance chooses the correct or the broken code.
pub trait Mistake: Scenario + WithVariant {
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
}

/// Declares a zoo entry's instance: the struct as written (its doc, its size fields), plus what
/// every entry has alike, so that the entry's file holds only its mistake, its fix and its
/// invariant. It adds
///
/// * `#[derive(Clone, Debug, Serialize, Deserialize)]`, as [`Scenario`] asks;
/// * a last field, `pub variant: Variant`, which `run` reads to run the mistake or its fix
///   (serialized as `"variant"` after the size fields: replay files and reports hold it);
/// * [`WithVariant`], which sets that field.
///
/// The entry's `impl Scenario` then gives its instances with [`broken_instances!`]. A whole entry,
/// `lost_update.rs` shortened:
///
/// ```ignore
/// use super::{broken_instances, zoo_entry, Mistake, Variant};
/// use crate::harness::{FailureKind, Scenario};
/// use patterns::Backend;
///
/// zoo_entry! {
///     /// Threads increment a shared counter: it must end at threads × increments.
///     pub struct LostUpdate {
///         /// Incrementing threads.
///         pub threads: usize,
///         /// Increments per thread.
///         pub increments: usize,
///     }
/// }
///
/// impl Scenario for LostUpdate {
///     const NAME: &'static str = "zoo::lost_update";
///     const INVARIANT: &'static str = "the counter ends at threads × increments";
///     broken_instances! {
///         small: { threads: 2, increments: 1 },
///         large: { threads: 4, increments: 5 },
///     }
///     fn run<B: Backend>(&self) {
///         match self.variant {
///             Variant::Correct => { /* fetch_add */ }
///             Variant::Broken => { /* load, then store */ }
///         }
///         // invariant!(total == expected, …)
///     }
/// }
///
/// impl Mistake for LostUpdate {
///     const CAUGHT_AS: FailureKind = FailureKind::Assertion;
///     const TRACE_SHOWS: &'static [&'static str] = &["load atomic → 0", "load atomic → 0"];
/// }
/// ```
macro_rules! zoo_entry {
    (
        $(#[$attr:meta])*
        pub struct $name:ident {
            $(
                $(#[$field_attr:meta])*
                pub $field:ident: $ty:ty
            ),* $(,)?
        }
    ) => {
        $(#[$attr])*
        #[derive(Clone, Debug, ::serde::Serialize, ::serde::Deserialize)]
        pub struct $name {
            $(
                $(#[$field_attr])*
                pub $field: $ty,
            )*
            /// Which code runs: [`Variant::Broken`](crate::zoo::Variant::Broken), the mistake
            /// (as `small()` and `large()` give it), or
            /// [`Variant::Correct`](crate::zoo::Variant::Correct), its fix; the module doc shows
            /// both.
            pub variant: $crate::zoo::Variant,
        }

        impl $crate::zoo::WithVariant for $name {
            fn with_variant(mut self, variant: $crate::zoo::Variant) -> Self {
                self.variant = variant;
                self
            }
        }
    };
}
pub(crate) use zoo_entry;

/// Inside a zoo entry's `impl Scenario`: its `small()` and `large()` instances, each given by its
/// size fields and running the broken variant (the one the tests expect caught). An entry with no
/// size fields writes `small: {}, large: {}`. See [`zoo_entry!`] for a whole entry.
macro_rules! broken_instances {
    (
        small: { $($small:ident: $small_value:expr),* $(,)? },
        large: { $($large:ident: $large_value:expr),* $(,)? } $(,)?
    ) => {
        fn small() -> Self {
            Self {
                $($small: $small_value,)*
                variant: $crate::zoo::Variant::Broken,
            }
        }
        fn large() -> Self {
            Self {
                $($large: $large_value,)*
                variant: $crate::zoo::Variant::Broken,
            }
        }
    };
}
pub(crate) use broken_instances;

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
