//! Scenarios of the kit's Context: cancellation trees, deadlines and request-scoped values.

use crate::harness::Scenario;
use crate::invariant;
use patterns::chan::TryRecvError;
use patterns::context::Key;
use patterns::{Backend, Context, CtxError};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
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

/// Go's `context.AfterFunc`, racing the cancel: "Calling stop returns true if the call stopped f
/// from being run. If stop returns false, … the context is done and f has been started in its
/// own goroutine". So a stopped function never runs and one not stopped runs once; stopping one
/// registration leaves another to run; and a function registered on a context already done runs
/// at once, after which its stop says false.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AfterFuncRunsOnceUnlessStopped {
    /// Functions registered besides the one raced against the cancel.
    pub others: usize,
}

impl Scenario for AfterFuncRunsOnceUnlessStopped {
    const NAME: &'static str = "context::after_func_runs_once_unless_stopped";
    // Bounded: exhaustive exploration takes 2,271,739 schedules, 242 s (2026-12-05): each
    // function's thread is spawned inside the cancel and races the rest. Bound 2: 164
    // schedules; bound 3: 1,306, 0.15 s.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(3);
    fn small() -> Self {
        Self { others: 1 }
    }
    fn large() -> Self {
        Self { others: 3 }
    }
    fn run<B: Backend>(&self) {
        let (ctx, cancel) = Context::<B>::background_in().with_cancel();
        // Each function holds the only sender of its channel: a run sends, and a function dropped
        // unrun (stopped) closes the channel empty. Capacity 1: the send never blocks.
        let register = |ctx: &Context<B>| {
            let (ran_tx, ran) = patterns::chan::bounded_in::<B, ()>(1);
            let handle = ctx.after_func(move || {
                let _ = ran_tx.try_send(());
            });
            (handle, ran)
        };
        let (raced, raced_ran) = register(&ctx);
        let others: Vec<_> = (0..self.others).map(|_| register(&ctx)).collect();
        // Stopped while the context is live: nothing races this stop, so it wins.
        let (early, early_ran) = register(&ctx);
        invariant!(
            early.stop(),
            "stop on a live context said false: it must keep the function from running"
        );
        let canceller = B::spawn("canceller", move || cancel.cancel());
        let stopped = raced.stop();
        B::join(canceller).expect("the canceller panicked");
        let ran = raced_ran.recv().is_some();
        invariant!(
            stopped != ran,
            "stop said {stopped} and the function ran: {ran}; exactly one must hold"
        );
        invariant!(
            early_ran.recv().is_none(),
            "a function stopped before the cancel ran"
        );
        for (index, (_, other_ran)) in others.iter().enumerate() {
            invariant!(
                other_ran.recv().is_some(),
                "function {index}, never stopped, did not run when its context was cancelled"
            );
        }
        let (late, late_ran) = register(&ctx);
        invariant!(
            late_ran.recv().is_some(),
            "a function registered on a context already done must run at once"
        );
        invariant!(
            !late.stop(),
            "stop of a function that has run must say false"
        );
    }
}

/// An error of this scenario's own, to tell the causes apart.
#[derive(Debug)]
struct Why(&'static str);

impl std::fmt::Display for Why {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Why {}

/// The cause's words, or `None` for a live context.
fn cause_of<B: Backend>(ctx: &Context<B>) -> Option<String> {
    ctx.cause().map(|cause| cause.to_string())
}

/// Go's `context.Cause`: "The first cancellation of c or one of its parents sets the cause. If
/// that cancellation happened via a call to CancelCauseFunc(err), then Cause returns err.
/// Otherwise Cause(c) returns the same value as c.Err(). Cause returns nil if c has not been
/// canceled yet." Two cancels race, one of a parent and one of its child, each with its own
/// cause; a deadline gives its own; a cancel with none gives the error.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CauseIsSetOnceAndInherited {
    /// Children of the parent, each cancelled with its own cause while the parent is.
    pub children: usize,
}

impl Scenario for CauseIsSetOnceAndInherited {
    const NAME: &'static str = "context::cause_is_set_once_and_inherited";
    fn small() -> Self {
        Self { children: 1 }
    }
    fn large() -> Self {
        Self { children: 3 }
    }
    fn run<B: Backend>(&self) {
        let root = Context::<B>::background_in();
        let (parent, cancel_parent) = root.with_cancel();
        invariant!(cause_of(&parent).is_none(), "a live context has no cause");
        let mut children = Vec::new();
        let mut threads = Vec::new();
        for index in 0..self.children {
            let (child, cancel_child) = parent.with_cancel();
            children.push(child);
            threads.push(B::spawn(&format!("child-canceller-{index}"), move || {
                cancel_child.cancel_with_cause(std::sync::Arc::new(Why("child")));
            }));
        }
        threads.push(B::spawn("parent-canceller", move || {
            cancel_parent.cancel_with_cause(std::sync::Arc::new(Why("parent")));
            cancel_parent.cancel_with_cause(std::sync::Arc::new(Why("again")));
        }));
        for thread in threads {
            B::join(thread).expect("a canceller panicked");
        }
        let parent_cause = cause_of(&parent);
        invariant!(
            parent_cause.as_deref() == Some("parent"),
            "the parent's cause must be its first cancel's: {parent_cause:?}"
        );
        for (index, child) in children.iter().enumerate() {
            let cause = cause_of(child);
            invariant!(
                matches!(cause.as_deref(), Some("parent" | "child")),
                "child {index}'s cause must be its own cancel's or its parent's, whichever came \
                 first: {cause:?}"
            );
            invariant!(
                child.err() == Some(CtxError::Canceled),
                "a cancel with a cause still reads as Canceled: {:?}",
                child.err()
            );
        }
        let (late_child, _cancel) = parent.with_cancel();
        let late = cause_of(&late_child);
        invariant!(
            late.as_deref() == Some("parent"),
            "a child of a cancelled parent is born with its cause: {late:?}"
        );
        let (plain, cancel_plain) = root.with_cancel();
        drop(cancel_plain);
        let plain = plain.cause();
        let plain_error = plain
            .as_deref()
            .and_then(|cause| cause.downcast_ref::<CtxError>());
        invariant!(
            plain_error == Some(&CtxError::Canceled),
            "a cancel with no cause gives the error as the cause: {plain:?}"
        );
        let (timed, _cancel) =
            root.with_timeout_cause(Duration::from_millis(1), std::sync::Arc::new(Why("slow")));
        timed.done().recv();
        let timed_cause = cause_of(&timed);
        invariant!(
            timed.err() == Some(CtxError::DeadlineExceeded)
                && timed_cause.as_deref() == Some("slow"),
            "a deadline's cause must be the one it was given: {:?}, {timed_cause:?}",
            timed.err()
        );
    }
}

/// A key for [`WithoutCancelKeepsValuesOnly`].
struct Tenant;

impl Key for Tenant {
    type Value = &'static str;
}

/// Go's `context.WithoutCancel`: "returns a copy of parent that is not canceled when parent is
/// canceled. The returned context returns no Deadline or Err, and its Done channel is nil.
/// Calling Cause on the returned context returns nil", and it keeps the parent's values. Its own
/// children are cancelled by their own cancellers only.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WithoutCancelKeepsValuesOnly {
    /// Children of the detached context, each cancelled by its own canceller at the end.
    pub children: usize,
}

impl Scenario for WithoutCancelKeepsValuesOnly {
    const NAME: &'static str = "context::without_cancel_keeps_values_only";
    fn small() -> Self {
        Self { children: 1 }
    }
    fn large() -> Self {
        Self { children: 3 }
    }
    fn run<B: Backend>(&self) {
        let request = Context::<B>::background_in().with_value::<Tenant>("acme");
        let (timed, cancel) = request.with_timeout(Duration::from_secs(60));
        let detached = timed.without_cancel();
        let children: Vec<_> = (0..self.children).map(|_| detached.with_cancel()).collect();
        let canceller = B::spawn("canceller", move || cancel.cancel());
        B::join(canceller).expect("the canceller panicked");
        invariant!(
            timed.err().is_some(),
            "the parent was cancelled (or its deadline passed): {:?}",
            timed.err()
        );
        invariant!(
            detached.err().is_none() && detached.cause().is_none() && !detached.is_done(),
            "a context without cancel is never done: err {:?}",
            detached.err()
        );
        invariant!(
            detached.deadline().is_none(),
            "a context without cancel has no deadline: {:?}",
            detached.deadline()
        );
        invariant!(
            detached.value::<Tenant>() == Some(&"acme"),
            "a context without cancel keeps its parent's values"
        );
        for (index, (child, cancel_child)) in children.into_iter().enumerate() {
            invariant!(
                child.err().is_none(),
                "child {index} of a context without cancel was cancelled with its grandparent"
            );
            drop(cancel_child);
            invariant!(
                child.err() == Some(CtxError::Canceled) && detached.err().is_none(),
                "child {index}'s own cancel must reach it, and only it"
            );
        }
    }
}

/// `Deadline()` of derived contexts (Go: `WithDeadline`'s context has "the deadline adjusted to be
/// no later than d"; the other derived contexts carry the parent's): a deadline child reports the
/// earlier of its parent's deadline and its own; a cancel-only child and a value child of a
/// deadline parent report the parent's; and so does a child derived on another thread while the
/// parent's deadline passes or its cancel runs: a deadline never changes once the context exists.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DeadlineIsTheEarliestInItsChain {
    /// Threads deriving children of the parent while it ends.
    pub derivers: usize,
}

impl Scenario for DeadlineIsTheEarliestInItsChain {
    const NAME: &'static str = "context::deadline_is_the_earliest_in_its_chain";
    // Bounded: exhaustive exploration was unfinished after 200 s (2026-12-05). Bound 2: 1,704
    // schedules; bound 3: 33,996, 2.9 s.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(3);
    fn small() -> Self {
        Self { derivers: 1 }
    }
    fn large() -> Self {
        Self { derivers: 4 }
    }
    fn run<B: Backend>(&self) {
        let root = Context::<B>::background_in();
        let (parent, cancel_parent) = root.with_timeout(Duration::from_millis(10));
        let parent_deadline = parent.deadline();
        invariant!(
            parent_deadline.is_some(),
            "a context made with a timeout has no deadline"
        );
        let derivers: Vec<_> = (0..self.derivers)
            .map(|d| {
                let parent = parent.clone();
                B::spawn(&format!("deriver-{d}"), move || derive_and_check(&parent))
            })
            .collect();
        derive_and_check(&parent);
        cancel_parent.cancel();
        for deriver in derivers {
            B::join(deriver).expect("deriver panicked");
        }
        derive_and_check(&parent);
        invariant!(
            parent.deadline() == parent_deadline,
            "the parent's deadline changed from {parent_deadline:?} to {:?} as it ended",
            parent.deadline()
        );
    }
}

/// Derives every kind of child of `parent` and checks the deadline each reports.
fn derive_and_check<B: Backend>(parent: &Context<B>) {
    let parents = parent
        .deadline()
        .expect("the parent was made with a deadline");
    let (earlier, _keep_earlier) = parent.with_deadline(parents - Duration::from_millis(5));
    let (later, _keep_later) = parent.with_deadline(parents + Duration::from_secs(3600));
    let (cancel_only, _keep_cancel_only) = parent.with_cancel();
    let valued = parent.with_value::<RequestId>(1);
    let (under_earlier, _keep_under_earlier) = earlier.with_cancel();
    let reported = [
        (
            "an earlier deadline child",
            earlier.deadline(),
            parents - Duration::from_millis(5),
        ),
        ("a later deadline child", later.deadline(), parents),
        ("a cancel-only child", cancel_only.deadline(), parents),
        ("a value child", valued.deadline(), parents),
        (
            "a cancel-only child of the earlier child",
            under_earlier.deadline(),
            parents - Duration::from_millis(5),
        ),
    ];
    for (which, deadline, expected) in reported {
        invariant!(
            deadline == Some(expected),
            "{which} reports the deadline {deadline:?}, not {expected:?}"
        );
    }
}

/// Cancelling a context stops its deadline timer (Go: "Canceling this context releases resources
/// associated with it"), and so does a cancel that reaches it from its parent: once the cancels
/// have returned, no timer of these contexts stays pending, including that of a child derived on
/// another thread while its parent's cancel runs. Under the models only: on a real clock the
/// timer service is the process's, shared with other tests.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CancelStopsTheDeadlineTimer {
    /// Threads each deriving a child with a deadline of its own while the parent is cancelled.
    pub derivers: usize,
}

impl Scenario for CancelStopsTheDeadlineTimer {
    const NAME: &'static str = "context::cancel_stops_the_deadline_timer";
    // Bounded, like its neighbours: bound 2: 2,185 schedules; bound 3: 30,243, 3.2 s (2026-12-05).
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(3);
    fn small() -> Self {
        Self { derivers: 1 }
    }
    fn large() -> Self {
        Self { derivers: 4 }
    }
    fn run<B: Backend>(&self) {
        let root = Context::<B>::background_in();
        // An hour away: virtual time may jump there at any step, and then the timers fire, which
        // leaves none pending either.
        let (own, cancel_own) = root.with_timeout(Duration::from_secs(3600));
        let (parent, cancel_parent) = root.with_timeout(Duration::from_secs(7200));
        let derivers: Vec<_> = (0..self.derivers)
            .map(|d| {
                let parent = parent.clone();
                B::spawn(&format!("deriver-{d}"), move || {
                    // Earlier than the parent's: a timer of its own.
                    let (child, keep) = parent.with_timeout(Duration::from_secs(1800));
                    child.done().recv();
                    (child.err(), keep)
                })
            })
            .collect();
        let canceller = B::spawn("canceller", move || cancel_own.cancel());
        cancel_parent.cancel();
        B::join(canceller).expect("canceller panicked");
        invariant!(own.is_done(), "a context whose cancel returned is live");
        for deriver in derivers {
            let (err, _keep) = B::join(deriver).expect("deriver panicked");
            invariant!(err.is_some(), "a child of a cancelled parent is live");
        }
        if !B::DEADLINE_WAIT {
            let pending = B::timers().pending();
            invariant!(
                pending == 0,
                "every context is cancelled, yet {pending} deadline timer(s) stay pending"
            );
        }
    }
}

/// One `Canceller` called from two threads at once (Go: a CancelFunc "may be called by multiple
/// goroutines simultaneously. After the first call, subsequent calls to a CancelFunc do
/// nothing"): both calls return, each with the context and its child cancelled and unlinked, and
/// every observer, each caller included, sees one error and one cause, the first call's, which
/// never changes.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ConcurrentCancelsCancelOnce {
    /// Threads calling the one canceller, each with a cause of its own.
    pub callers: usize,
}

impl Scenario for ConcurrentCancelsCancelOnce {
    const NAME: &'static str = "context::concurrent_cancels_cancel_once";
    // Exhaustive: 120 schedules, 0.01 s (2026-12-05).
    fn small() -> Self {
        Self { callers: 2 }
    }
    fn large() -> Self {
        Self { callers: 6 }
    }
    fn run<B: Backend>(&self) {
        let (ctx, cancel) = Context::<B>::background_in().with_cancel();
        let (child, _keep_child) = ctx.with_cancel();
        let cancel = Arc::new(cancel);
        let callers: Vec<_> = (0..self.callers)
            .map(|c| {
                let (cancel, ctx) = (Arc::clone(&cancel), ctx.clone());
                B::spawn(&format!("caller-{c}"), move || {
                    cancel.cancel_with_cause(Arc::new(CallerCause(c)));
                    invariant!(
                        ctx.done().try_recv() == Err(TryRecvError::Closed),
                        "caller {c}'s cancel returned with Done open"
                    );
                    caller_of(&ctx)
                })
            })
            .collect();
        let seen: Vec<_> = callers
            .into_iter()
            .map(|caller| B::join(caller).expect("caller panicked"))
            .collect();
        let first = caller_of(&ctx);
        invariant!(
            first.is_some_and(|c| c < self.callers),
            "the cause is not one of the callers': {first:?}"
        );
        invariant!(
            seen.iter().all(|&s| s == first),
            "the callers saw different causes: {seen:?}, now {first:?}"
        );
        invariant!(
            ctx.err() == Some(CtxError::Canceled) && child.err() == Some(CtxError::Canceled),
            "after the cancels: err {:?}, the child's {:?}",
            ctx.err(),
            child.err()
        );
        invariant!(
            caller_of(&child) == first,
            "the child's cause {:?} is not the first cancel's {first:?}",
            caller_of(&child)
        );
        invariant!(
            ctx.child_count() == 0,
            "the cancelled child is still linked"
        );
    }
}

/// A cause that names its caller.
#[derive(Debug)]
struct CallerCause(usize);

impl std::fmt::Display for CallerCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "caller {}", self.0)
    }
}

impl std::error::Error for CallerCause {}

/// Which caller's cause a context holds; `None` while live or if the cause is not a caller's.
fn caller_of<B: Backend>(ctx: &Context<B>) -> Option<usize> {
    ctx.cause()?.downcast_ref::<CallerCause>().map(|c| c.0)
}
