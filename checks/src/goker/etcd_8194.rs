//! GoKer `etcd_8194` (etcd PR #8194): `TestLessorGrant` leaves its lessor's `runLoop` running,
//! which keeps reading the package variable `leaseRevokeRate` while
//! `TestLessorRenewExtendPileup` changes it.
//!
//! Ports `gobench/goker/nonblocking/etcd/8194/etcd8194_test.go` (GoBench: traditional, data
//! race). The test runs the two tests on a goroutine each and waits for both. The first makes a
//! lessor, whose `runLoop` goroutine goes round ten times: it rate-limits its one lease by
//! `leaseRevokeRate` (a read), checks its stop channel without blocking, and waits 5 ms or for
//! the stop channel; then it closes its done channel. The second saves `leaseRevokeRate`, sets
//! it to 10 and, deferred, sets it back. Nothing orders the writes with `runLoop`'s reads: a
//! data race, which the race detector reports (the variable is a `RaceCell` here). The kernel's
//! `newLessor` leaves the stop and done channels nil, so its `runLoop` would panic closing nil
//! once its ten rounds are done, which Go never reaches (the test binary exits first); the port
//! makes them, as upstream's `newLessor` does, so that the loop ends cleanly and the fix can use
//! them. Fix (the upstream fix): the first test stops its lessor before it returns (`Stop`:
//! close the stop channel, wait for the done channel). Go runs the two tests one after the
//! other; the kernel runs them at once to stand for the lessor outliving its test, so the fix
//! runs them in turn, as `go test` does: with the lessor stopped, nothing of the first outlives
//! it. The small instance, for loom, runs one round of the loop instead of ten.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, RecvArm, Select, Selected};
use patterns::{Backend, RaceCell, Receiver, Sender, WaitGroup};
use std::sync::Arc;
use std::time::Duration;

zoo_entry! {
    /// Two lessor tests run while the first's lessor loop is still running.
    pub struct Etcd8194 {
        /// Rounds of the lessor's loop (the kernel has ten).
        pub rounds: usize,
    }
}

/// The package variable `leaseRevokeRate`.
type RevokeRate<B> = Arc<RaceCell<usize, B>>;

struct Lease;

struct Lessor<B: Backend> {
    stop_tx: Sender<(), B>,
    stop: Receiver<(), B>,
    done_tx: Sender<(), B>,
    done: Receiver<(), B>,
    lease_revoke_rate: RevokeRate<B>,
}

impl<B: Backend> Lessor<B> {
    fn run_loop(&self, rounds: usize) {
        self.run_rounds(rounds);
        self.done_tx.close().expect("close of closed channel"); // deferred
    }

    fn run_rounds(&self, rounds: usize) {
        for _ in 0..rounds {
            let mut ls = vec![Lease];
            if !ls.is_empty() {
                // Rate limit.
                let rate = self.lease_revoke_rate.get();
                if ls.len() > rate / 2 {
                    ls.truncate(rate / 2);
                }
                let mut stopping = RecvArm::new(&self.stop);
                if Select::new().recv(&mut stopping).or_default().wait() == Selected::Arm(0) {
                    return;
                }
            }
            let mut stopping = RecvArm::new(&self.stop);
            let waited = Select::new()
                .recv(&mut stopping)
                .timeout(Duration::from_millis(5))
                .wait();
            if waited == Selected::Arm(0) {
                return;
            }
        }
    }

    /// The fix's (upstream's `Stop`): ends the loop and waits for it.
    fn stop(&self) {
        self.stop_tx.close().expect("close of closed channel");
        self.done.recv();
    }
}

fn new_lessor<B: Backend>(lease_revoke_rate: RevokeRate<B>, rounds: usize) -> Arc<Lessor<B>> {
    let (stop_tx, stop) = chan::bounded_in(0);
    let (done_tx, done) = chan::bounded_in(0);
    let l = Arc::new(Lessor {
        stop_tx,
        stop,
        done_tx,
        done,
        lease_revoke_rate,
    });
    let le = Arc::clone(&l);
    drop(B::spawn("run-loop", move || le.run_loop(rounds)));
    l
}

fn test_lessor_grant<B: Backend>(lease_revoke_rate: RevokeRate<B>, rounds: usize, fixed: bool) {
    let le = new_lessor(lease_revoke_rate, rounds);
    if fixed {
        le.stop(); // the fix's deferred le.Stop()
    }
}

fn test_lessor_renew_extend_pileup<B: Backend>(lease_revoke_rate: &RevokeRate<B>) {
    let old_revoke_rate = lease_revoke_rate.get();
    lease_revoke_rate.set(10);
    lease_revoke_rate.set(old_revoke_rate); // deferred
}

impl Scenario for Etcd8194 {
    const NAME: &'static str = "goker::etcd_8194";
    // Unbounded, the fix ran past 90 s; a data race shows on any schedule that makes both accesses,
    // whatever its preemptions, so a bound of 2 loses little.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str =
        "the lessor loop's reads of leaseRevokeRate are ordered with the other test's writes";
    broken_instances! {
        small: { rounds: 1 },
        large: { rounds: 10 },
    }
    fn run<B: Backend>(&self) {
        let (rounds, fixed) = (self.rounds, self.variant == Variant::Correct);
        let lease_revoke_rate: RevokeRate<B> = Arc::new(RaceCell::new_in(1000));
        let wg = WaitGroup::<B>::new_in();
        wg.add(if fixed { 1 } else { 2 });
        let (grant_done, pileup_done) = (wg.clone(), wg.clone());
        let rate = Arc::clone(&lease_revoke_rate);
        drop(B::spawn("test-lessor-grant", move || {
            test_lessor_grant(rate, rounds, fixed);
            grant_done.done(); // deferred
        }));
        if fixed {
            // The fix: the tests in turn, as `go test` runs them.
            wg.wait();
            wg.add(1);
        }
        drop(B::spawn("test-lessor-renew-extend-pileup", move || {
            test_lessor_renew_extend_pileup(&lease_revoke_rate);
            pileup_done.done(); // deferred
        }));
        wg.wait();
    }
}

impl Mistake for Etcd8194 {
    const CAUGHT_AS: FailureKind = FailureKind::DataRace;
    // The loop's read and the other test's write, in either order.
    const TRACE_SHOWS: &'static [&'static str] = &["cell", "write cell", "data race"];
}

impl Kernel for Etcd8194 {
    const GOKER: Goker = Goker {
        project: "etcd",
        id: 8194,
        class: Class::NonBlocking,
        kind: "Traditional",
        subtype: "Data race",
    };
}
