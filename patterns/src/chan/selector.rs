//! The parked side of a blocked select: Go's `sudog`, shared by every arm of the select.
//!
//! A select that must block registers an arm on each channel it waits for, all pointing at one
//! [`Selector`], and sleeps on it. Whoever completes one of its operations first (a peer on one of
//! the channels, a `close`, the timeout — the timer's callback, or on a real clock the selecting
//! thread itself once its deadline passes) *claims* the selector; a claim is final, so exactly one
//! arm of a select ever completes and every other registration is stale. (A plain `send` or `recv`
//! parks more cheaply, as a [`Waiter`](super::waiter::Waiter): it has one registration and nothing
//! to race for; so does a select of one arm and no default on a real clock.)

use crate::backend::Backend;
use crate::backoff::{self, Patience};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// How a claimed operation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The operation completed: a value was handed over (through a select arm's slot or a plain
    /// operation's waiter).
    Done,
    /// The channel is closed (and, for a receiver, drained).
    Closed,
    /// Every receiver is gone: nobody can ever take the value (senders only).
    Disconnected,
    /// The select's timeout fired first (or, for a plain waiter, its deadline passed).
    TimedOut,
}

/// Which arm completed, and how.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Claim {
    pub(crate) arm: usize,
    pub(crate) outcome: Outcome,
}

/// The result of claiming a select arm against a parked peer: [`Selector::try_claim_pair`] for a
/// peer that is another select, or the arm's own claim for a plain operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PairClaim {
    /// Both claimed: the hand-over happened.
    Both,
    /// Our own selector was already claimed (another arm or the timeout won): stop.
    MineTaken,
    /// The peer's selector was already claimed: its registration here is stale.
    PeerTaken,
}

/// The result of [`Selector::try_claim_with`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ClaimWith {
    /// The operation completed and the arm won.
    Claimed,
    /// The operation could not complete (nothing moved): the selector is still unclaimed.
    Declined,
    /// Another arm (or the timeout) had already won: nothing moved.
    Stale,
}

/// The rendezvous point of one blocked select.
pub(crate) struct Selector<B: Backend> {
    /// Orders selectors for [`Selector::try_claim_pair`]. Creation order, not the address: model
    /// checkers replay a schedule only if the program takes the same steps, and heap addresses
    /// differ from one execution to the next.
    id: u64,
    /// The claim and whether the owner sleeps on `woken`. The claim is written once: the value
    /// handed through a slot is written before the claim, under this lock, so the waiter that reads
    /// the claim under the same lock also sees the value.
    claim: B::Mutex<ClaimState>,
    /// The selecting thread sleeps here until `claim` is set.
    woken: B::Condvar,
    /// Set once `claim` is: what a thread spinning before it parks watches, and what a select
    /// reads to skip arming a timeout it cannot need. A std atomic, not the backend's: it is only
    /// ever a hint (the claim itself is read under the lock), so a model need not explore it.
    claimed: AtomicBool,
}

/// What a selector's lock protects.
struct ClaimState {
    /// `None` until claimed, then the claim.
    claim: Option<Claim>,
    /// Set by the owner as it starts waiting on the condition variable, cleared once it has woken
    /// and seen the claim: only then does a claimer pay for a notify (a syscall on `Std` when a
    /// thread sleeps), so a hand-over to a spinning owner costs none.
    parked: bool,
}

impl ClaimState {
    /// Records `claim`; returns whether the owner is asleep and needs a notify.
    fn settle(&mut self, claim: Claim) -> bool {
        self.claim = Some(claim);
        self.parked
    }
}

impl<B: Backend> Selector<B> {
    pub(crate) fn new() -> Self {
        // Only uniqueness and the relative order of creation matter, so Relaxed is enough.
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            claim: B::mutex(ClaimState {
                claim: None,
                parked: false,
            }),
            woken: B::condvar(),
            claimed: AtomicBool::new(false),
        }
    }

    /// Whether some arm has claimed the selector: a hint, exact only once it says yes.
    pub(crate) fn is_claimed(&self) -> bool {
        self.claimed.load(Ordering::Acquire)
    }

    /// Claims the selector for `arm` unless it is already claimed; returns whether this call won.
    pub(crate) fn try_claim(&self, arm: usize, outcome: Outcome) -> bool {
        self.claim_if(arm, outcome, || true) == ClaimWith::Claimed
    }

    /// Claims the selector for `arm` only if `complete` succeeds, running it under the claim lock
    /// while the selector is unclaimed (a buffered channel's arm: the value moves through the
    /// ring only if the arm wins, and the arm wins only if the value moved). `complete` must
    /// not block.
    pub(crate) fn try_claim_with(&self, arm: usize, complete: impl FnOnce() -> bool) -> ClaimWith {
        self.claim_if(arm, Outcome::Done, complete)
    }

    fn claim_if(&self, arm: usize, outcome: Outcome, complete: impl FnOnce() -> bool) -> ClaimWith {
        let mut state = B::lock(&self.claim);
        if state.claim.is_some() {
            return ClaimWith::Stale;
        }
        if !complete() {
            return ClaimWith::Declined;
        }
        let parked = state.settle(Claim { arm, outcome });
        // Release: a spinner that sees the flag finds the claim (and the slot) under the lock.
        self.claimed.store(true, Ordering::Release);
        drop(state);
        // The owner sets `parked` and waits in one step under this lock, and re-checks the claim
        // first: it either sees the claim or was already asleep when `parked` was read above, so
        // the wake-up cannot be lost. Notifying after the unlock keeps the woken owner from
        // blocking on the lock at once.
        if parked {
            B::notify_one(&self.woken);
        }
        ClaimWith::Claimed
    }

    /// Claims `self` (for `my_arm`) and `peer` (for `peer_arm`) together, or neither: the two sides
    /// of a hand-over between two parked selects must both commit. `deposit` runs under both locks
    /// before the claims become visible, so the value it hands over is there when `peer` wakes.
    ///
    /// Selector locks are the innermost locks of the kit and a pair is always taken in `id`
    /// order, so two threads claiming crossed pairs cannot deadlock.
    pub(crate) fn try_claim_pair(
        &self,
        my_arm: usize,
        peer: &Self,
        peer_arm: usize,
        deposit: impl FnOnce(),
    ) -> PairClaim {
        let mine_first = self.id < peer.id;
        let (first, second) = if mine_first {
            (self, peer)
        } else {
            (peer, self)
        };
        let mut first_claim = B::lock(&first.claim);
        let mut second_claim = B::lock(&second.claim);
        let (mine, theirs) = if mine_first {
            (&mut *first_claim, &mut *second_claim)
        } else {
            (&mut *second_claim, &mut *first_claim)
        };
        if mine.claim.is_some() {
            return PairClaim::MineTaken;
        }
        if theirs.claim.is_some() {
            return PairClaim::PeerTaken;
        }
        deposit();
        mine.settle(Claim {
            arm: my_arm,
            outcome: Outcome::Done,
        });
        let peer_parked = theirs.settle(Claim {
            arm: peer_arm,
            outcome: Outcome::Done,
        });
        self.claimed.store(true, Ordering::Release);
        peer.claimed.store(true, Ordering::Release);
        drop(first_claim);
        drop(second_claim);
        // Same argument as in `try_claim`. Our own selector needs no notify: we are its owner.
        if peer_parked {
            B::notify_one(&peer.woken);
        }
        PairClaim::Both
    }

    /// Blocks until some arm claims the selector, first waiting as `patience` allows (see
    /// [`backoff`]).
    #[track_caller]
    pub(crate) fn wait(&self, patience: Patience) -> Claim {
        self.wait_or_time_out(patience, None)
    }

    /// [`Selector::wait`] that gives up at `deadline` of the backend's clock, claiming the
    /// selector for `timeout_arm` itself — under the claim lock, so a peer's claim and the timeout
    /// still exclude each other. Only for a backend with [`Backend::DEADLINE_WAIT`].
    #[track_caller]
    pub(crate) fn wait_until(
        &self,
        patience: Patience,
        deadline: Duration,
        timeout_arm: usize,
    ) -> Claim {
        debug_assert!(B::DEADLINE_WAIT, "{} cannot wait with a deadline", B::NAME);
        self.wait_or_time_out(patience, Some((deadline, timeout_arm)))
    }

    #[track_caller]
    fn wait_or_time_out(&self, patience: Patience, timeout: Option<(Duration, usize)>) -> Claim {
        // Acquire pairs with the Release after a claim; the claim itself is read under the lock
        // below either way.
        backoff::wait_for::<B>(patience, || self.claimed.load(Ordering::Acquire));
        let mut state = B::lock(&self.claim);
        // The loop re-checks under the lock, so neither a spurious wake-up nor a claim made before
        // the first wait is missed.
        loop {
            if let Some(claim) = state.claim {
                state.parked = false;
                return claim;
            }
            state.parked = true;
            state = match timeout {
                None => B::wait(&self.woken, state),
                Some((deadline, arm)) if B::now() >= deadline => {
                    let timeout = Claim {
                        arm,
                        outcome: Outcome::TimedOut,
                    };
                    state.settle(timeout);
                    state.parked = false;
                    // Release, as every claim: a peer that sees the flag finds the claim under
                    // the lock.
                    self.claimed.store(true, Ordering::Release);
                    return timeout;
                }
                Some((deadline, _)) => B::park_until(&self.woken, state, deadline),
            };
        }
    }
}

/// Where a value waits to be handed over between a parked operation and its peer.
///
/// A plain std mutex: it is only touched by the thread that owns the registration before it parks
/// or after its claim, and by the one peer that dequeued the registration under the channel lock,
/// so it is never contended and never blocks a model thread. The hand-over's happens-before edge
/// comes from the selector's backend lock (see [`Selector::claim`]).
pub(crate) struct Slot<T>(Mutex<Option<T>>);

impl<T> Slot<T> {
    pub(crate) fn new(value: Option<T>) -> Self {
        Self(Mutex::new(value))
    }

    pub(crate) fn put(&self, value: T) {
        let previous = self
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .replace(value);
        debug_assert!(previous.is_none(), "a slot was filled twice");
    }

    pub(crate) fn is_full(&self) -> bool {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).is_some()
    }

    pub(crate) fn take(&self) -> Option<T> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}
