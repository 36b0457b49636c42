//! Scenarios of the kit's Context: cancellation trees, deadlines and request-scoped values.

use crate::harness::Scenario;
use crate::invariant;
use patterns::context::Key;
use patterns::{Backend, Context, CtxError};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Cancelling a context reaches every descendant and wakes every waiter on them, never touches
/// the parent or a sibling, and unlinks the cancelled subtree from its parent, once: a repeated
/// cancel leaves the parent's other children linked.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CancelReachesEveryDescendant {
    /// Threads waiting on the grandchild's `done()`.
    pub waiters: usize,
}

impl Scenario for CancelReachesEveryDescendant {
    const NAME: &'static str = "context::cancel_reaches_every_descendant";
    fn small() -> Self {
        Self { waiters: 2 }
    }
    fn large() -> Self {
        Self { waiters: 6 }
    }
    fn run<B: Backend>(&self) {
        let root = Context::<B>::background_in();
        let (request, cancel_request) = root.with_cancel();
        let (sibling, _cancel_sibling) = request.with_cancel();
        let (parent, cancel_parent) = request.with_cancel();
        let (grandchild, _cancel_grandchild) = parent.with_cancel();
        let waiters: Vec<_> = (0..self.waiters)
            .map(|w| {
                let grandchild = grandchild.clone();
                B::spawn(&format!("waiter-{w}"), move || {
                    let woke = grandchild.done().recv();
                    // `is_done` first: it reads no lock, so nothing orders it after the cancel
                    // but the close of Done itself.
                    let is_done = grandchild.is_done();
                    (woke, grandchild.err(), is_done)
                })
            })
            .collect();
        cancel_parent.cancel();
        for waiter in waiters {
            let (woke, err, is_done) = B::join(waiter).expect("waiter panicked");
            invariant!(woke.is_none(), "done() yielded a value instead of closing");
            invariant!(is_done, "done() closed but is_done() is false");
            invariant!(
                err == Some(CtxError::Canceled),
                "a woken waiter saw err {err:?}"
            );
        }
        invariant!(
            parent.err() == Some(CtxError::Canceled),
            "parent not cancelled"
        );
        invariant!(request.err().is_none(), "cancel reached up to the request");
        invariant!(sibling.err().is_none(), "cancel reached a sibling");
        invariant!(
            request.child_count() == 1,
            "the cancelled child was not unlinked: {} children",
            request.child_count()
        );
        // A child linked now may reuse the cancelled child's place; cancelling that one again
        // (here by dropping its canceller) must not unlink the newcomer.
        let (late, _cancel_late) = request.with_cancel();
        drop(cancel_parent);
        invariant!(
            request.child_count() == 2,
            "a repeated cancel unlinked another child: {} children",
            request.child_count()
        );
        cancel_request.cancel();
        invariant!(
            sibling.err() == Some(CtxError::Canceled) && late.err() == Some(CtxError::Canceled),
            "cancel missed a descendant"
        );
        invariant!(
            request.child_count() == 0,
            "children left linked after cancel"
        );
    }
}

/// A deadline and a concurrent cancel race: the context ends exactly once, every observer sees
/// the same error, and it never changes.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DeadlineOrCancelSetOnce {
    /// Threads that wait on `done()` and report the error they saw.
    pub observers: usize,
}

impl Scenario for DeadlineOrCancelSetOnce {
    const NAME: &'static str = "context::deadline_or_cancel_set_once";
    // Bounded, as exhaustive exploration does not finish within 30 s: 700,000 schedules in 50 s
    // unfinished (2026-11-30). A hand-over costs loom 3-6 branch points, more through a select
    // (`cargo xtask cost`), and three or four threads each make several here. Bound 2: 4,430
    // schedules, 0.3 s.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    fn small() -> Self {
        Self { observers: 1 }
    }
    fn large() -> Self {
        Self { observers: 4 }
    }
    fn run<B: Backend>(&self) {
        let (ctx, cancel) = Context::<B>::background_in().with_timeout(Duration::from_millis(10));
        let observers: Vec<_> = (0..self.observers)
            .map(|o| {
                let ctx = ctx.clone();
                B::spawn(&format!("observer-{o}"), move || {
                    ctx.done().recv();
                    ctx.err()
                })
            })
            .collect();
        let canceller = B::spawn("canceller", move || cancel.cancel());
        ctx.done().recv();
        let first = ctx.err();
        invariant!(first.is_some(), "done() closed but err() is None");
        invariant!(ctx.is_done(), "done() closed but is_done() is false");
        for observer in observers {
            let seen = B::join(observer).expect("observer panicked");
            invariant!(seen == first, "observers disagree: {seen:?} vs {first:?}");
        }
        B::join(canceller).expect("canceller panicked");
        invariant!(
            ctx.err() == first,
            "err changed from {first:?} to {:?}",
            ctx.err()
        );
    }
}

/// Cancel is synchronous for every caller, as in Go (`cancelCtx.cancel` holds the context's lock
/// while it sets the error, closes Done and cancels every child): once any `cancel()` returns, the
/// context's Done is closed and every descendant is cancelled, even when another cancel of the
/// same context (its parent's, here) is under way; and `err()` is never set while Done is open.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CancelIsSynchronous {
    /// Children under the context that two threads cancel at once.
    pub grandchildren: usize,
}

/// Whether `ctx`'s Done channel is closed now.
fn done_closed<B: Backend>(ctx: &Context<B>) -> bool {
    ctx.done().try_recv() == Err(patterns::chan::TryRecvError::Closed)
}

impl Scenario for CancelIsSynchronous {
    const NAME: &'static str = "context::cancel_is_synchronous";
    fn small() -> Self {
        Self { grandchildren: 1 }
    }
    fn large() -> Self {
        Self { grandchildren: 8 }
    }
    fn run<B: Backend>(&self) {
        let (parent, cancel_parent) = Context::<B>::background_in().with_cancel();
        let (child, cancel_child) = parent.with_cancel();
        let grandchildren: Vec<_> = (0..self.grandchildren)
            .map(|_| child.with_cancel())
            .collect();
        let watched: Vec<Context<B>> = grandchildren.iter().map(|(g, _)| g.clone()).collect();
        let all_done = move |who: &str| {
            invariant!(
                done_closed(&child),
                "{who}'s cancel() returned while the child's Done was still open (err: {:?})",
                child.err()
            );
            for (i, grandchild) in watched.iter().enumerate() {
                invariant!(
                    done_closed(grandchild) && grandchild.err().is_some(),
                    "{who}'s cancel() returned while grandchild {i} was not done"
                );
            }
        };
        let check_parent = all_done.clone();
        let by_parent = B::spawn("parent-canceller", move || {
            cancel_parent.cancel();
            check_parent("the parent");
        });
        let by_child = B::spawn("child-canceller", move || {
            cancel_child.cancel();
            all_done("the child");
        });
        // Go: `Err() != nil` implies Done is closed.
        if parent.err().is_some() {
            invariant!(
                done_closed(&parent),
                "err() was set while Done was still open"
            );
        }
        B::join(by_parent).expect("parent canceller panicked");
        B::join(by_child).expect("child canceller panicked");
        drop(grandchildren);
    }
}

/// The request's id, bound once at the root of a request.
struct RequestId;
impl Key for RequestId {
    type Value = u64;
}

/// Which part of a request a context belongs to, bound by each part for its own subtree.
struct PartIndex;
impl Key for PartIndex {
    type Value = usize;
}

/// Values are scoped to their subtree while cancellation crosses them: each part binds its own
/// value on a child of a value context and sees it (the nearest binding, over the request's own
/// binding of that key) and the request's value, never a sibling's; the request never sees a
/// part's; and a cancel of the root, racing with the parts deriving
/// their contexts, reaches every cancellable context derived through value contexts.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ValuesAreScopedToTheirSubtree {
    /// Parts of the request, each on its own thread.
    pub parts: usize,
}

impl Scenario for ValuesAreScopedToTheirSubtree {
    const NAME: &'static str = "context::values_are_scoped_to_their_subtree";
    fn small() -> Self {
        Self { parts: 2 }
    }
    fn large() -> Self {
        Self { parts: 5 }
    }
    fn run<B: Backend>(&self) {
        const ID: u64 = 7;
        let (root, cancel_root) = Context::<B>::background_in().with_cancel();
        // The request binds a part index of its own, which each part's binding must shadow.
        let request = root
            .with_value::<RequestId>(ID)
            .with_value::<PartIndex>(usize::MAX);
        let parts: Vec<_> = (0..self.parts)
            .map(|p| {
                let request = request.clone();
                B::spawn(&format!("part-{p}"), move || {
                    let own = request.with_value::<PartIndex>(p);
                    let (call, _cancel_call) = own.with_cancel();
                    let seen = (
                        call.value::<RequestId>().copied(),
                        call.value::<PartIndex>().copied(),
                    );
                    // Cancelled only through the root: the value contexts between must pass it on.
                    let woke = call.done().recv();
                    (seen, woke, call.err())
                })
            })
            .collect();
        cancel_root.cancel();
        for (p, part) in parts.into_iter().enumerate() {
            let (seen, woke, err) = B::join(part).expect("part panicked");
            invariant!(
                seen == (Some(ID), Some(p)),
                "part {p} read (request id, part) = {seen:?}, not its own ({ID}, {p})"
            );
            invariant!(woke.is_none(), "done() yielded a value instead of closing");
            invariant!(
                err == Some(CtxError::Canceled),
                "part {p}'s context, derived through value contexts, ended with {err:?}"
            );
        }
        let own = request.value::<PartIndex>().copied();
        invariant!(
            own == Some(usize::MAX),
            "the request reads its part index as {own:?}: a part's value reached it"
        );
        invariant!(
            request.err() == Some(CtxError::Canceled),
            "a value context does not share its parent's cancellation"
        );
        invariant!(
            root.child_count() == 0,
            "children left linked after cancel: {}",
            root.child_count()
        );
    }
}

/// The background context is never cancelled, has no deadline and no values (Go's `Background`),
/// however the contexts derived from it end: children cancelled, dropped or past their deadline
/// on other threads leave it live, its Done channel open.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BackgroundIsNeverDone {
    /// Threads each deriving a cancelled child and a timed-out child of the background.
    pub threads: usize,
}

/// Whether the background `ctx` looks live: no error, Done open, no deadline, no value.
fn background_is_live<B: Backend>(ctx: &Context<B>, when: &str) {
    let done = ctx.done().try_recv();
    invariant!(
        ctx.err().is_none() && !ctx.is_done() && done == Err(patterns::chan::TryRecvError::Empty),
        "{when}: the background is done (err {:?}, done {done:?})",
        ctx.err()
    );
    invariant!(
        ctx.deadline().is_none() && ctx.value::<RequestId>().is_none(),
        "{when}: the background has a deadline or a value"
    );
}

impl Scenario for BackgroundIsNeverDone {
    const NAME: &'static str = "context::background_is_never_done";
    // Bounded, as exhaustive exploration does not finish within 30 s: unfinished after 400 s (2026-12-05). Bound 3: 18,697 schedules, 1.6 s.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(3);
    fn small() -> Self {
        Self { threads: 2 }
    }
    fn large() -> Self {
        Self { threads: 5 }
    }
    fn run<B: Backend>(&self) {
        let background = Context::<B>::background_in();
        let threads: Vec<_> = (0..self.threads)
            .map(|t| {
                let background = background.clone();
                B::spawn(&format!("deriver-{t}"), move || {
                    let (child, cancel) = background.with_cancel();
                    let (timed, _keep) = background.with_timeout(Duration::from_millis(1));
                    let valued = background.with_value::<RequestId>(7);
                    cancel.cancel();
                    timed.done().recv();
                    (
                        child.err(),
                        timed.err(),
                        valued.value::<RequestId>().copied(),
                    )
                })
            })
            .collect();
        background_is_live(&background, "while children end");
        for thread in threads {
            let ends = B::join(thread).expect("deriver panicked");
            invariant!(
                ends == (
                    Some(CtxError::Canceled),
                    Some(CtxError::DeadlineExceeded),
                    Some(7)
                ),
                "a child of the background ended {ends:?}"
            );
        }
        background_is_live(&background, "once every child has ended");
    }
}

/// A deadline ends a context with `DeadlineExceeded` (never `Canceled`); a deadline already
/// past gives a context that is done at once, as it is returned; and a child whose own deadline
/// is later than its parent's takes the parent's (Go: "semantically equivalent to parent"),
/// ending with it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DeadlineEndsAContextWithDeadlineExceeded {
    /// Threads waiting on the child with the later deadline.
    pub waiters: usize,
}

impl Scenario for DeadlineEndsAContextWithDeadlineExceeded {
    const NAME: &'static str = "context::deadline_ends_a_context_with_deadline_exceeded";
    fn small() -> Self {
        Self { waiters: 1 }
    }
    fn large() -> Self {
        Self { waiters: 4 }
    }
    fn run<B: Backend>(&self) {
        let root = Context::<B>::background_in();
        let (parent, _keep_parent) = root.with_timeout(Duration::from_millis(5));
        let (child, _keep_child) = parent.with_timeout(Duration::from_secs(3600));
        invariant!(
            child.deadline() == parent.deadline(),
            "a child's later deadline {:?} replaced its parent's earlier {:?}",
            child.deadline(),
            parent.deadline()
        );
        let waiters: Vec<_> = (0..self.waiters)
            .map(|w| {
                let child = child.clone();
                B::spawn(&format!("waiter-{w}"), move || {
                    child.done().recv();
                    child.err()
                })
            })
            .collect();
        let (past, _keep_past) = root.with_deadline(B::now());
        let done = past.done().try_recv();
        invariant!(
            done == Err(patterns::chan::TryRecvError::Closed)
                && past.err() == Some(CtxError::DeadlineExceeded),
            "a context whose deadline had passed was returned live (done {done:?}, err {:?})",
            past.err()
        );
        parent.done().recv();
        invariant!(
            parent.err() == Some(CtxError::DeadlineExceeded),
            "a context past its deadline ended with {:?}",
            parent.err()
        );
        for waiter in waiters {
            let err = B::join(waiter).expect("waiter panicked");
            invariant!(
                err == Some(CtxError::DeadlineExceeded),
                "the child, ended by its parent's deadline, has err {err:?}"
            );
        }
    }
}
