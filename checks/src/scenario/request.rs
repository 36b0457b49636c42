//! Scenarios of request-scoped cancellation.

use crate::harness::Scenario;
use crate::invariant;
use patterns::chan::{self, RecvArm, Select, Selected};
use patterns::request::{handle, Part};
use patterns::{Backend, Context, CtxError};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How long the handler gives the request: longer than any other timer here, so only virtual time
/// jumping ahead can reach it.
const HANDLER_TIMEOUT: Duration = Duration::from_secs(3600);

/// A request's parts each wait on their context (odd parts also race work of their own); a cancel
/// (or deadline) at the root stops every part: the handler returns with every part done, the
/// parts with no work of their own stopped with the root's error — the request's context is
/// derived from the root, so the root's end reaches them before the handler's own (later)
/// deadline could — and no context of the request stays linked to the root.
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
    // make several here. Bound 2: 67,717 schedules, 8.7 s (2026-12-05, once the parts with no work of
    // their own stopped arming a timer).
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
                    if i % 2 == 0 {
                        // No work of its own: only the context can end this part.
                        ctx.done().recv();
                        return Err(ctx.err().expect("done closes only once err is set"));
                    }
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
        // The cancel's return, on the backend's clock: before the handler's deadline, the request
        // (derived from the root) can only have ended with the root's error.
        let canceller = (!self.by_deadline).then(|| {
            B::spawn("canceller", move || {
                cancel.cancel();
                B::now()
            })
        });
        let handler_deadline = B::now() + HANDLER_TIMEOUT;
        let results = handle(&root, HANDLER_TIMEOUT, parts);
        let cancelled_at =
            canceller.map(|canceller| B::join(canceller).expect("canceller panicked"));
        let root_err = root.err();
        for (i, result) in results.iter().enumerate() {
            match result {
                Ok(value) => invariant!(
                    i % 2 == 1 && *value == i,
                    "part {i} returned Ok({value}): only a part with work of its own finishes, \
                     with its own result"
                ),
                Err(err) if Some(*err) == root_err => {}
                Err(err) => invariant!(
                    *err == CtxError::DeadlineExceeded
                        && cancelled_at.is_some_and(|at| at >= handler_deadline),
                    "part {i} stopped with {err:?} but the root ended with {root_err:?}, its \
                     cancel returning at {cancelled_at:?}, before the handler's deadline \
                     {handler_deadline:?}"
                ),
            }
        }
        if self.by_deadline {
            // The handler's deadline is later than the root's, so it arms no timer of its own.
            invariant!(
                B::now() < handler_deadline,
                "the parts ran until the handler's own deadline: the root's deadline never \
                 reached them"
            );
        }
        invariant!(
            root.child_count() == 0,
            "{} request contexts left linked to the root",
            root.child_count()
        );
    }
}
