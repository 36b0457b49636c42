//! GoKer `etcd_7902` (etcd PR #7902): the election runner's rounds hold one lock around each
//! client's `release`, where a follower waits for the leader to close the round's channel, and
//! the leader must take that lock to release, so close it.
//!
//! Ports `gobench/goker/blocking/etcd/7902/etcd7902_test.go` (GoBench: mixed deadlock, channel &
//! lock). The test starts `runElectionFunc` on a goroutine and returns. It makes three round
//! clients, the first the leader, sharing `nextc`, an unbuffered channel: `validate` keeps the
//! current `nextc` as the client's own; the leader's `release` closes `nextc`, makes a new one and
//! receives from its own; a follower's `release` receives from its own, which waits for the
//! leader. `doRounds` runs each client for 100 rounds on a goroutine of its own, validating and
//! releasing under one lock, and waits for them. When a follower releases a channel the leader
//! has not closed yet, it waits holding the lock and the leader blocks on the lock (a leak). The
//! small instance runs one round (which shows the bug). Each client's closures see their own
//! index, as the kernel means them to and as Go 1.22 gives them; under the Go of GoBench's day
//! all three read the loop's last index, so no client leads and the kernel blocks on every run,
//! fixed or not.
//!
//! Fix (the upstream fix, the two commits of etcd PR #7902): the lock no longer spans `release`,
//! and the leader makes the new `nextc` before it closes the old one (so that a follower released
//! by the close cannot validate with the closed channel). On the kernel alone that fix leaks:
//! nothing keeps the leader, which never waits, from finishing its rounds before a follower
//! validates, and that follower then waits forever on a channel nobody closes. The kernel trimmed
//! what keeps the rounds in step in upstream's runner, which the fix relied on, and the port's
//! fix puts it back: each client's `validate` sends on `validatec` (capacity: one per client),
//! and the leader's `release` first takes one value per client from it (upstream returns "waiting
//! on followers" and the caller retries; a blocking receive waits the same).

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{chan, Backend, Mutex, Receiver, Sender, WaitGroup};
use std::sync::Arc;

zoo_entry! {
    /// Three round clients, the first of them the leader, run the rounds of an election.
    pub struct Etcd7902 {
        /// Rounds each client runs (the kernel has 100).
        pub rounds: usize,
    }
}

/// Round clients `runElectionFunc` makes; the first is the leader.
const CLIENTS: usize = 3;

/// A Go `chan bool` that is only ever closed and received from: both of its ends.
struct RoundChan<B: Backend> {
    tx: Sender<bool, B>,
    rx: Receiver<bool, B>,
}

impl<B: Backend> RoundChan<B> {
    fn new() -> Self {
        let (tx, rx) = chan::bounded_in(0);
        Self { tx, rx }
    }
}

/// What the clients' closures share.
struct Election<B: Backend> {
    /// `nextc`, replaced by the leader each round (the backend lock is held for no blocking step:
    /// only to read or swap the channel).
    nextc: B::Mutex<RoundChan<B>>,
    /// The fix's `validatec`, from upstream's runner.
    validatec_tx: Sender<(), B>,
    validatec: Receiver<(), B>,
    fixed: bool,
}

/// The kernel's `roundClient`, its three closures as methods.
struct RoundClient<B: Backend> {
    /// The loop index the closures capture.
    index: usize,
    progress: usize,
    /// `rcNextc`: the `nextc` of the client's last `validate`.
    rc_nextc: Option<Receiver<bool, B>>,
    /// The fix's `validateWaiters`: values the leader still takes from `validatec`.
    validate_waiters: usize,
    election: Arc<Election<B>>,
}

impl<B: Backend> RoundClient<B> {
    fn acquire(&mut self) {
        // The kernel's `acquire` does nothing; upstream's makes the round's leader wait for
        // every client's validation.
        if self.election.fixed && self.index == 0 {
            self.validate_waiters = CLIENTS;
        }
    }

    fn validate(&mut self) {
        self.rc_nextc = Some(B::lock(&self.election.nextc).rx.clone()); // setRcNextc
        if self.election.fixed {
            // Never blocks: at most one value per client is pending (see the module doc).
            let _ = self.election.validatec_tx.send(());
        }
    }

    fn release(&mut self) {
        let election = &self.election;
        while self.validate_waiters > 0 {
            election.validatec.recv();
            self.validate_waiters -= 1;
        }
        if self.index == 0 {
            // The leader.
            if election.fixed {
                let old = std::mem::replace(&mut *B::lock(&election.nextc), RoundChan::<B>::new());
                old.tx.close().expect("closed once");
            } else {
                let nextc = B::lock(&election.nextc).tx.clone();
                nextc.close().expect("closed once");
                *B::lock(&election.nextc) = RoundChan::<B>::new();
            }
        }
        if let Some(rc_nextc) = &self.rc_nextc {
            rc_nextc.recv(); // a follower blocks here
        }
    }
}

fn run_election_func<B: Backend>(rounds: usize, fixed: bool) {
    let (validatec_tx, validatec) = chan::bounded_in(CLIENTS);
    let election = Arc::new(Election::<B> {
        nextc: B::mutex(RoundChan::<B>::new()),
        validatec_tx,
        validatec,
        fixed,
    });
    let rcs = (0..CLIENTS)
        .map(|index| RoundClient {
            index,
            progress: 0,
            rc_nextc: None,
            validate_waiters: 0,
            election: Arc::clone(&election),
        })
        .collect();
    do_rounds(rcs, rounds, fixed);
}

fn do_rounds<B: Backend>(rcs: Vec<RoundClient<B>>, rounds: usize, fixed: bool) {
    let mu = Arc::new(Mutex::<B>::new_in());
    let wg = WaitGroup::<B>::new_in();
    wg.add(rcs.len() as i64);
    for mut rc in rcs {
        let (mu, wg) = (Arc::clone(&mu), wg.clone());
        drop(B::spawn(&format!("round-client-{}", rc.index), move || {
            // The kernel's `rounds <= 0` (run forever) is never used.
            while rc.progress < rounds {
                rc.acquire();
                mu.lock();
                rc.validate();
                mu.unlock();
                rc.progress += 1;
                if fixed {
                    rc.release();
                } else {
                    mu.lock(); // the leader blocks here
                    rc.release();
                    mu.unlock();
                }
            }
            wg.done(); // the deferred Done
        }));
    }
    wg.wait();
}

impl Scenario for Etcd7902 {
    const NAME: &'static str = "goker::etcd_7902";
    // At 3 preemptions the fix passes in 242,104 schedules (15 s); at 2 in 10,626.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "every round client and runElectionFunc finish";
    broken_instances! {
        small: { rounds: 1 },
        large: { rounds: 100 },
    }
    fn run<B: Backend>(&self) {
        let (rounds, fixed) = (self.rounds, self.variant == Variant::Correct);
        drop(B::spawn("run-election-func", move || {
            run_election_func::<B>(rounds, fixed)
        }));
    }
}

impl Mistake for Etcd7902 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    const TRACE_SHOWS: &'static [&'static str] = &["lock mutex", "recv chan", "(never returned)"];
}

impl Kernel for Etcd7902 {
    const GOKER: Goker = Goker {
        project: "etcd",
        id: 7902,
        class: Class::Blocking,
        kind: "Mixed Deadlock",
        subtype: "Channel & Lock",
    };
}
