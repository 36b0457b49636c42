//! Scenarios of request-scoped cancellation.

use crate::harness::Scenario;
use crate::invariant;
use patterns::chan::{self, RecvArm, Select, Selected};
use patterns::request::{handle, Part};
use patterns::{Backend, Context, CtxError};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A request's parts each wait on their own work or their context; a cancel (or deadline) at the
/// root stops every part: the handler returns with every part done, each either finished or
/// stopped with the root's error, and no context of the request stays linked to the root.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootCancelStopsEveryPart {
    /// Parts of the request (a database call, a downstream call, …), each on its own thread.
    pub parts: usize,
    /// Stop through a deadline on the root (else a cancel from another thread).
    pub by_deadline: bool,
}

impl Scenario for RootCancelStopsEveryPart {
    const NAME: &'static str = "request::root_cancel_stops_every_part";
    // Bounded, as exhaustive exploration does not finish within 30 s: 700,000 schedules in 65 s
    // unfinished (2026-11-30). A hand-over costs loom 3-6 branch points, more through a select
    // (`cargo xtask cost`), and five threads (two parts, the canceller, main and the timer) each
    // make several here. Bound 2: 129,807 schedules, 13.1 s.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    fn small() -> Self {
        Self {
            parts: 2,
            by_deadline: false,
        }
    }
    fn large() -> Self {
        Self {
            parts: 5,
            by_deadline: true,
        }
    }
    fn run<B: Backend>(&self) {
        let background = Context::<B>::background_in();
        let (root, cancel) = if self.by_deadline {
            background.with_timeout(Duration::from_millis(5))
        } else {
            background.with_cancel()
        };
        let parts: Vec<(&str, Part<usize, B>)> = (0..self.parts)
            .map(|i| {
                let part: Part<usize, B> = Box::new(move |ctx: &Context<B>| {
                    // Work that takes 10 ms, unless the context is done first.
                    let work = chan::after_in::<B>(Duration::from_millis(10));
                    let (mut done, mut finished) = (RecvArm::new(ctx.done()), RecvArm::new(&work));
                    match Select::new().recv(&mut done).recv(&mut finished).wait() {
                        Selected::Arm(0) => {
                            Err(ctx.err().expect("done closes only once err is set"))
                        }
                        _ => Ok(i),
                    }
                });
                ("part", part)
            })
            .collect();
        let canceller = (!self.by_deadline).then(|| B::spawn("canceller", move || cancel.cancel()));
        let results = handle(&root, Duration::from_secs(3600), parts);
        if let Some(canceller) = canceller {
            B::join(canceller).expect("canceller panicked");
        }
        let root_err = root.err();
        for (i, result) in results.iter().enumerate() {
            match result {
                Ok(value) => invariant!(
                    *value == i,
                    "each part must return its own result: part {i} returned {value}"
                ),
                Err(err) => invariant!(
                    Some(*err) == root_err || *err == CtxError::DeadlineExceeded,
                    "part {i} stopped with {err:?} but the root ended with {root_err:?}"
                ),
            }
        }
        invariant!(
            root.child_count() == 0,
            "{} request contexts left linked to the root",
            root.child_count()
        );
    }
}
