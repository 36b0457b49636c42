//! Go's `context.Context`: a tree of cancellation scopes with deadlines.
//!
//! | Go | here |
//! |---|---|
//! | `context.Background()` | `Context::background()` |
//! | `ctx, cancel := context.WithCancel(parent)` | `let (ctx, cancel) = parent.with_cancel()` |
//! | `context.WithDeadline(parent, t)` / `WithTimeout(parent, d)` | `parent.with_deadline(t)` / `parent.with_timeout(d)` |
//! | `<-ctx.Done()` | `ctx.done().recv()`, or `RecvArm::new(ctx.done())` in a select |
//! | `ctx.Err()` | `ctx.err()`: `None`, `Some(Canceled)` or `Some(DeadlineExceeded)` |
//! | `context.WithValue(parent, key, v)` | `parent.with_value::<Key>(v)`, `Key` a type implementing [`Key`] |
//! | `ctx.Value(key).(T)` | `ctx.value::<Key>()`: `Option<&T>`, typed by the key |
//! | `ctx, cancel := context.WithCancelCause(parent)`; `cancel(err)` | `parent.with_cancel()`; `cancel.cancel_with_cause(err)` |
//! | `context.WithDeadlineCause(parent, t, err)` / `WithTimeoutCause(parent, d, err)` | `parent.with_deadline_cause(t, err)` / `parent.with_timeout_cause(d, err)` |
//! | `context.Cause(ctx)` | `ctx.cause()`: `None` while live |
//! | `stop := context.AfterFunc(ctx, f)`; `stop()` | `let f = ctx.after_func(f)`; `f.stop()` |
//! | `context.WithoutCancel(parent)` | `parent.without_cancel()` |
//!
//! Cancelling a context cancels every descendant and never its parent; the error is set once and
//! never changes; a cancelled child is unlinked from its parent, so a long-lived parent does not
//! grow. Dropping the [`Canceller`] cancels too — Rust's answer to Go's "lost cancel" vet warning.
//!
//! A cancel may say why: the *cause* (Go 1.20), set by the first cancel of the context or of an
//! ancestor, and `CtxError` itself when that cancel gave none. A function registered with
//! [`Context::after_func`] runs on a thread of its own once the context is done, unless stopped
//! first (Go 1.21). [`Context::without_cancel`] keeps the values and drops the cancellation.
//!
//! Values are request-scoped data (a request id, a trace span, the caller's identity), looked up
//! through the chain of ancestors, the nearest binding first. They never change once bound:
//! a part of a request that needs a different value derives its own context with it, and only its
//! own descendants see it. Go's advice holds here too: a value is not an optional parameter of the
//! functions that read it (`checks/src/zoo/context_value_as_parameter.rs` shows what goes wrong).
//!
//! ```
//! use patterns::{Context, CtxError};
//!
//! let root = Context::background();
//! let (request, cancel) = root.with_cancel();
//! let (db_call, _cancel_db) = request.with_cancel();
//! cancel.cancel();
//! assert_eq!(db_call.done().recv(), None); // Done is closed
//! assert_eq!(db_call.err(), Some(CtxError::Canceled));
//! assert_eq!(root.err(), None); // never the parent
//! ```

use crate::backend::{Atomic, Backend, Std};
use crate::chan::{self, Receiver, Sender};
use crate::time::Timer;
use crate::trace::{self, Object};
use slab::Slab;
use std::any::{Any, TypeId};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::Duration;

/// Why a context is done (Go's `context.Canceled` and `context.DeadlineExceeded`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CtxError {
    /// Cancelled by its own or an ancestor's canceller.
    Canceled,
    /// Its own or an ancestor's deadline passed.
    DeadlineExceeded,
}

impl fmt::Display for CtxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CtxError::Canceled => "context canceled",
            CtxError::DeadlineExceeded => "context deadline exceeded",
        })
    }
}

impl std::error::Error for CtxError {}

/// Why a context was cancelled, as the cancel that did it said (Go's `context.Cause`): the error
/// given to [`Canceller::cancel_with_cause`] or [`Context::with_deadline_cause`], or the
/// [`CtxError`] itself when none was given. Downcast it to read it back.
pub type Cause = Arc<dyn std::error::Error + Send + Sync>;

/// A key for context values: a type of one's own (usually an empty struct), which fixes the type
/// of the value bound to it. Go asks for an unexported key type so that packages cannot collide;
/// here a key *is* a type, so two crates' keys never collide and a value is never read as the
/// wrong type.
///
/// ```
/// use patterns::context::Key;
/// use patterns::Context;
///
/// struct RequestId;
/// impl Key for RequestId {
///     type Value = u64;
/// }
///
/// let request = Context::background().with_value::<RequestId>(7);
/// let (call, _cancel) = request.with_cancel();
/// assert_eq!(call.value::<RequestId>(), Some(&7)); // found through the chain
/// assert_eq!(Context::background().value::<RequestId>(), None);
/// ```
pub trait Key: 'static {
    /// The type of the value bound to this key.
    type Value: Send + Sync + 'static;
}

/// A cancellation scope carrying request-scoped values. Clones share it.
pub struct Context<B: Backend = Std> {
    node: Arc<Node<B>>,
    /// The innermost value binding; bindings are immutable and shared by every descendant.
    values: Option<Arc<Binding>>,
}

/// One `with_value`: a key, its value, and the bindings of the context it was derived from.
struct Binding {
    key: TypeId,
    /// The key's type name, for `Debug`.
    key_name: &'static str,
    value: Box<dyn Any + Send + Sync>,
    outer: Option<Arc<Binding>>,
}

/// A function waiting for its context to be done (Go's `context.AfterFunc`); [`AfterFunc::stop`]
/// unregisters it. Dropping this handle does not stop it.
pub struct AfterFunc<B: Backend = Std> {
    node: Arc<Node<B>>,
    id: u64,
}

/// Cancels its context when [`Canceller::cancel`] is called or when it is dropped.
#[must_use = "dropping the canceller cancels the context at once"]
pub struct Canceller<B: Backend = Std> {
    node: Arc<Node<B>>,
}

struct Node<B: Backend> {
    /// The parent keeps this node only weakly (in `children`); this strong link keeps the parent,
    /// and so the path to every ancestor's cancellation, alive as long as the child is.
    parent: Option<Arc<Node<B>>>,
    /// This node's key in its parent's `children`; `None` if it was never linked (a child of the
    /// background, or of a parent already cancelled).
    key: Option<usize>,
    /// False for the background context, which can never be cancelled and so tracks no children.
    cancellable: bool,
    deadline: Option<Duration>,
    /// Closed on cancel: every waiter on it wakes (Go's `Done()` channel).
    done: Receiver<(), B>,
    /// Set once `state.err` is, so [`Context::is_done`], polled on every hot path (a worker per
    /// job), reads one shared cache line instead of taking the node lock.
    cancelled: B::AtomicBool,
    state: B::Mutex<NodeState<B>>,
}

struct NodeState<B: Backend> {
    /// Set once, on cancel; never changes after.
    err: Option<CtxError>,
    /// The live cancellable children. Taken whole on cancel; a child that cancels itself removes
    /// its own entry, so the slab never holds more entries than there are live children. Keys are
    /// reused, so a child removes its key only while it still points at the child (see
    /// [`Node::unlink`]).
    children: Slab<Weak<Node<B>>>,
    /// The only sender of `done`, never cloned: dropping it on cancel closes `done` (the
    /// background keeps it forever).
    done_tx: Option<Sender<(), B>>,
    /// The deadline timer, stopped on cancel.
    timer: Option<Timer<B>>,
    /// Set with `err`, once: the cancel's cause, or `err` itself.
    cause: Option<Cause>,
    /// The functions of `after_func` not yet run nor stopped, by id; each gets a thread of its
    /// own when the context is cancelled.
    after_funcs: BTreeMap<u64, AfterFn>,
    next_after_func: u64,
}

/// A function registered with [`Context::after_func`].
type AfterFn = Box<dyn FnOnce() + Send>;

impl Context<Std> {
    /// The root context on [`Std`]: never cancelled, no deadline.
    pub fn background() -> Self {
        Self::background_in()
    }
}

impl<B: Backend> Context<B> {
    /// The root context on backend `B`: never cancelled, no deadline.
    pub fn background_in() -> Self {
        Self {
            node: Node::new(None, false, None),
            values: None,
        }
    }

    /// A context that carries `value` under the key `K`, and is otherwise this context: the same
    /// cancellation, `done()`, `err()` and deadline (Go's `WithValue`). Its descendants see the
    /// value unless they bind `K` again; this context and its other descendants never see it.
    pub fn with_value<K: Key>(&self, value: K::Value) -> Context<B> {
        Context {
            node: Arc::clone(&self.node),
            values: Some(Arc::new(Binding {
                key: TypeId::of::<K>(),
                key_name: std::any::type_name::<K>(),
                value: Box::new(value),
                outer: self.values.clone(),
            })),
        }
    }

    /// The value bound to `K` by this context or its nearest ancestor that binds it; `None` if
    /// none does (Go's `Value`). The same key always gives the same value.
    pub fn value<K: Key>(&self) -> Option<&K::Value> {
        let key = TypeId::of::<K>();
        let mut binding = self.values.as_deref();
        while let Some(found) = binding {
            if found.key == key {
                return found.value.downcast_ref::<K::Value>();
            }
            binding = found.outer.as_deref();
        }
        None
    }

    /// A child that is cancelled with this context, or by the returned [`Canceller`].
    pub fn with_cancel(&self) -> (Context<B>, Canceller<B>) {
        self.child(self.node.deadline)
    }

    /// A child that is also cancelled, with [`CtxError::DeadlineExceeded`], once the backend's
    /// clock reaches `deadline` (an instant from [`Backend::now`]).
    pub fn with_deadline(&self, deadline: Duration) -> (Context<B>, Canceller<B>) {
        self.deadline_child(deadline, None)
    }

    /// [`Context::with_deadline`] at `timeout` from now.
    pub fn with_timeout(&self, timeout: Duration) -> (Context<B>, Canceller<B>) {
        self.with_deadline(B::now().saturating_add(timeout))
    }

    /// [`Context::with_deadline`] whose [`cause`](Context::cause) is `cause` when the deadline
    /// cancels it (Go's `WithDeadlineCause`); a cancel by its canceller or an ancestor gives its
    /// own cause.
    pub fn with_deadline_cause(
        &self,
        deadline: Duration,
        cause: Cause,
    ) -> (Context<B>, Canceller<B>) {
        self.deadline_child(deadline, Some(cause))
    }

    /// [`Context::with_deadline_cause`] at `timeout` from now (Go's `WithTimeoutCause`).
    pub fn with_timeout_cause(
        &self,
        timeout: Duration,
        cause: Cause,
    ) -> (Context<B>, Canceller<B>) {
        self.with_deadline_cause(B::now().saturating_add(timeout), cause)
    }

    /// A context with this one's values and no cancellation (Go's `WithoutCancel`): never done,
    /// no deadline, whatever happens to this one. Its children are cancelled only by their own
    /// cancellers and deadlines.
    pub fn without_cancel(&self) -> Context<B> {
        Context {
            node: Node::new(None, false, None),
            values: self.values.clone(),
        }
    }

    /// Runs `f` on a thread of its own once this context is done, at once if it already is (Go's
    /// `context.AfterFunc`), unless [`AfterFunc::stop`] unregisters it first. Each registration
    /// is independent of the others.
    #[track_caller]
    pub fn after_func(&self, f: impl FnOnce() + Send + 'static) -> AfterFunc<B> {
        let step = trace::enter::<B>("after func", self.node.object());
        let mut state = B::lock(&self.node.state);
        let id = state.next_after_func;
        state.next_after_func += 1;
        if state.err.is_some() {
            drop(state);
            step.outcome(format_args!("done: runs now"));
            drop(step);
            run_after_funcs::<B>(vec![Box::new(f)]);
        } else {
            state.after_funcs.insert(id, Box::new(f));
            drop(state);
        }
        AfterFunc {
            node: Arc::clone(&self.node),
            id,
        }
    }

    fn deadline_child(
        &self,
        deadline: Duration,
        cause: Option<Cause>,
    ) -> (Context<B>, Canceller<B>) {
        if self.node.deadline.is_some_and(|parent| parent <= deadline) {
            // The parent's earlier deadline will cancel the child anyway (as Go does).
            return self.with_cancel();
        }
        let (child, canceller) = self.child(Some(deadline));
        if B::now() >= deadline {
            child.node.cancel(CtxError::DeadlineExceeded, cause);
            return (child, canceller);
        }
        let weak = Arc::downgrade(&child.node);
        let timer = B::timers().at(deadline, move || {
            if let Some(node) = weak.upgrade() {
                let _step = trace::enter::<B>("deadline passes", node.object());
                node.cancel(CtxError::DeadlineExceeded, cause.clone());
            }
        });
        let mut state = B::lock(&child.node.state);
        if state.err.is_none() {
            state.timer = Some(timer);
            drop(state);
        } else {
            // Cancelled meanwhile (with its parent, say): its deadline no longer matters.
            drop(state);
            timer.stop();
        }
        (child, canceller)
    }

    /// A channel that is closed when the context is done; never closed for the background.
    pub fn done(&self) -> &Receiver<(), B> {
        &self.node.done
    }

    /// `None` while live; why it is done once it is. Never changes once set.
    #[track_caller]
    pub fn err(&self) -> Option<CtxError> {
        let step = trace::enter::<B>("err", self.node.object());
        let err = B::lock(&self.node.state).err;
        match err {
            Some(err) => step.outcome(format_args!("{err}")),
            None => step.outcome(format_args!("none")),
        }
        err
    }

    /// Whether the context is done: true from the moment a cancel sets its error, and always by
    /// the time `done()` is closed. Reads no lock (one atomic load), so hot paths poll it; `err()`
    /// takes the context's lock and so also waits for a cancel under way to finish.
    #[track_caller]
    pub fn is_done(&self) -> bool {
        let step = trace::enter::<B>("is done", self.node.object());
        // Acquire pairs with the Release in `cancel_subtree`: a caller that sees `true` then finds
        // `err()` set.
        let done = self.node.cancelled.load(Ordering::Acquire);
        step.outcome(format_args!("{done}"));
        done
    }

    /// Why the context was cancelled (Go's `context.Cause`): `None` while live; else the cause
    /// given by the first cancel of this context or an ancestor, or its [`CtxError`] if that
    /// cancel gave none. Never changes once set.
    #[track_caller]
    pub fn cause(&self) -> Option<Cause> {
        let step = trace::enter::<B>("cause", self.node.object());
        let cause = B::lock(&self.node.state).cause.clone();
        match &cause {
            Some(cause) => step.outcome(format_args!("{cause}")),
            None => step.outcome(format_args!("none")),
        }
        cause
    }

    /// The deadline, if this context or an ancestor has one.
    pub fn deadline(&self) -> Option<Duration> {
        self.node.deadline
    }

    /// How many cancellable children are linked to this context now (cancelled ones unlink). A
    /// value context shares its parent's cancellation, so it counts its parent's children, its
    /// siblings' included.
    pub fn child_count(&self) -> usize {
        B::lock(&self.node.state).children.len()
    }

    fn child(&self, deadline: Option<Duration>) -> (Context<B>, Canceller<B>) {
        let parent = &self.node;
        let node = if parent.cancellable {
            let mut parent_state = B::lock(&parent.state);
            match parent_state.err {
                // Linked under the parent's lock: a concurrent cancel of the parent either sees
                // this child in `children` or has already set `err`, which is handled here.
                None => {
                    let entry = parent_state.children.vacant_entry();
                    let node = Node::new(
                        Some((Arc::clone(parent), Some(entry.key()))),
                        true,
                        deadline,
                    );
                    entry.insert(Arc::downgrade(&node));
                    node
                }
                Some(err) => {
                    let cause = parent_state.cause.clone();
                    drop(parent_state);
                    let node = Node::new(Some((Arc::clone(parent), None)), true, deadline);
                    node.cancel(err, cause);
                    node
                }
            }
        } else {
            // The background is never cancelled, so it tracks no children and needs no lock.
            Node::new(Some((Arc::clone(parent), None)), true, deadline)
        };
        (
            Context {
                node: Arc::clone(&node),
                values: self.values.clone(),
            },
            Canceller { node },
        )
    }
}

impl<B: Backend> Node<B> {
    fn new(
        parent: Option<(Arc<Node<B>>, Option<usize>)>,
        cancellable: bool,
        deadline: Option<Duration>,
    ) -> Arc<Self> {
        let (done_tx, done) = chan::bounded_kind_in::<B, ()>(0, "done");
        let (parent, key) = match parent {
            Some((parent, key)) => (Some(parent), key),
            None => (None, None),
        };
        Arc::new(Self {
            parent,
            key,
            cancellable,
            deadline,
            done,
            cancelled: B::AtomicBool::new(false),
            state: B::mutex(NodeState {
                err: None,
                children: Slab::new(),
                done_tx: Some(done_tx),
                timer: None,
                cause: None,
                after_funcs: BTreeMap::new(),
                next_after_func: 0,
            }),
        })
    }

    /// The context as a traced object.
    fn object(&self) -> Object {
        Object::at("context", self, None)
    }

    /// Cancels this node and its subtree with `err` and `cause` (`err` itself if `None`), and
    /// unlinks it from its parent.
    fn cancel(&self, err: CtxError, cause: Option<Cause>) {
        let cause = cause.unwrap_or_else(|| Arc::new(err));
        self.cancel_subtree(err, &cause, true);
    }

    /// Sets `err` (first cancel wins), closes `done`, stops the timer and cancels every child, all
    /// under this node's lock, as Go's `cancelCtx.cancel` does: so once *any* cancel of this node
    /// returns (a later one waits for the lock, then finds `err` set), `done` is closed and every
    /// descendant is cancelled, and `err()` is never seen before `done` is closed.
    ///
    /// Lock order: a parent's lock before its children's, never the reverse. Unlinking from the
    /// parent therefore happens after this node's lock is released, by every cancel of this node
    /// (see [`Node::unlink`]), so whichever cancel returns, the node is unlinked by then.
    fn cancel_subtree(&self, err: CtxError, cause: &Cause, unlink_from_parent: bool) {
        let mut state = B::lock(&self.state);
        if state.err.is_some() {
            drop(state);
            if unlink_from_parent {
                self.unlink();
            }
            return;
        }
        state.err = Some(err);
        state.cause = Some(Arc::clone(cause));
        // Release pairs with the Acquire in `is_done`: whoever sees `true` finds `err` set. Set
        // before `done` closes, so a thread woken by the close sees it too.
        self.cancelled.store(true, Ordering::Release);
        // Dropping the only sender closes `done` (one channel lock, where `close` and then the drop
        // took two), which wakes every thread parked on it, in a select or not. A model backend's
        // drop does nothing while the checker abandons the execution: then close it explicitly.
        if let Some(done_tx) = state.done_tx.take() {
            if B::in_teardown() {
                let _ = done_tx.close();
            }
        }
        if let Some(timer) = state.timer.take() {
            timer.stop();
        }
        for (_, child) in std::mem::take(&mut state.children) {
            if let Some(child) = child.upgrade() {
                // The child's entry went with `children`: no unlink needed.
                child.cancel_subtree(err, cause, false);
            }
        }
        let after_funcs = std::mem::take(&mut state.after_funcs);
        drop(state);
        // Started after unlocking: what they do is their own business, not this lock's.
        run_after_funcs::<B>(after_funcs.into_values().collect());
        if unlink_from_parent {
            self.unlink();
        }
    }

    /// Removes this node from its parent's children, if it is still there. Idempotent: the entry
    /// is removed only while its key still points at this node, since a key freed by an earlier
    /// unlink may since hold a sibling; and if the parent's own cancel took `children` first,
    /// there is nothing to remove.
    fn unlink(&self) {
        if let (Some(parent), Some(key)) = (&self.parent, self.key) {
            let mut parent_state = B::lock(&parent.state);
            let is_me = parent_state
                .children
                .get(key)
                .is_some_and(|child| std::ptr::eq(child.as_ptr(), self));
            if is_me {
                parent_state.children.remove(key);
            }
        }
    }
}

impl<B: Backend> Canceller<B> {
    /// Cancels the context (and every descendant) with [`CtxError::Canceled`]; a no-op if it is
    /// already done.
    #[track_caller]
    pub fn cancel(&self) {
        let _step = trace::enter::<B>("cancel", self.node.object());
        self.node.cancel(CtxError::Canceled, None);
    }

    /// [`Canceller::cancel`], saying why: `cause` becomes the [`Context::cause`] of the context
    /// and of every descendant it cancels (Go's `CancelCauseFunc`). A no-op if it is already done,
    /// as the first cancel's cause stands.
    #[track_caller]
    pub fn cancel_with_cause(&self, cause: Cause) {
        let _step = trace::enter::<B>("cancel with cause", self.node.object());
        self.node.cancel(CtxError::Canceled, Some(cause));
    }
}

impl<B: Backend> AfterFunc<B> {
    /// Unregisters the function (Go's `stop`). True if that kept it from running; false if the
    /// context was done first (the function has been started on its thread) or it was already
    /// stopped. It does not wait for a function that is running.
    #[track_caller]
    pub fn stop(&self) -> bool {
        let step = trace::enter::<B>("stop after func", self.node.object());
        let removed = B::lock(&self.node.state).after_funcs.remove(&self.id);
        let stopped = removed.is_some();
        // Dropped after unlocking: the function may own a canceller, whose drop cancels.
        drop(removed);
        step.outcome(format_args!(
            "{}",
            if stopped { "stopped" } else { "had started" }
        ));
        stopped
    }
}

/// Starts each function on a thread of its own, as Go gives each a goroutine. The handles are
/// dropped: nobody joins them (the model harness joins every thread at the end of a run).
fn run_after_funcs<B: Backend>(functions: Vec<AfterFn>) {
    for function in functions {
        drop(B::spawn("after-func", function));
    }
}

impl<B: Backend> Drop for Canceller<B> {
    fn drop(&mut self) {
        if !B::in_teardown() {
            let _step = trace::enter::<B>("drop canceller", self.node.object());
            self.node.cancel(CtxError::Canceled, None);
        }
    }
}

impl<B: Backend> Clone for Context<B> {
    fn clone(&self) -> Self {
        Self {
            node: Arc::clone(&self.node),
            values: self.values.clone(),
        }
    }
}

impl<B: Backend> fmt::Debug for Context<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut keys = Vec::new();
        let mut binding = self.values.as_deref();
        while let Some(found) = binding {
            keys.push(found.key_name);
            binding = found.outer.as_deref();
        }
        f.debug_struct("Context")
            .field("err", &self.err())
            .field("deadline", &self.node.deadline)
            .field("value_keys", &keys)
            .finish()
    }
}

impl<B: Backend> fmt::Debug for AfterFunc<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AfterFunc").finish_non_exhaustive()
    }
}

impl<B: Backend> fmt::Debug for Canceller<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Canceller").finish_non_exhaustive()
    }
}
