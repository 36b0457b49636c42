//! GoKer `moby_21233` (moby PR #21233): the test's progress consumer may quit (the test's
//! `t.Fatalf` in it) while transfer watchers still send progress on the unbuffered channel, so a
//! watcher blocks in its send and the test blocks waiting for it.
//!
//! Ports `gobench/goker/blocking/moby/21233/moby21233_test.go` (GoBench: communication deadlock,
//! channel). The test starts `testTransfer` on a goroutine and returns. `testTransfer` starts a
//! progress consumer, makes three transfers (each starting a watcher that sends progress when
//! `rand.Int31n(2) >= 1`), releases each and waits for its watcher, then closes the progress
//! channel and waits for the consumer; the consumer quits after a value when `rand.Int31n(2) >= 1`.
//! Each draw is a choice the checker explores (one value of two). Once the consumer has quit, a
//! watcher's next send or the final wait for the consumer blocks forever (a leak). The small
//! instance makes one transfer (loom's thread limit; one shows the bug). Fix (the upstream fix,
//! which stopped failing the test from the consumer): the consumer reads the channel to its end.

use super::{never_dropped, Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, RecvArm, Select, Selected};
use patterns::{Backend, Mutex, Receiver, Sender};
use std::sync::Arc;

zoo_entry! {
    /// Transfers report their progress to a consumer that may quit.
    pub struct Moby21233 {
        /// Transfers made and released (the kernel has three).
        pub transfers: usize,
    }
}

type Error = &'static str;

#[derive(Clone, Copy, Debug)]
struct Progress;

/// The kernel's `chanOutput`: progress written to a channel.
struct ChanOutput<B: Backend> {
    out: Sender<Progress, B>,
}

impl<B: Backend> ChanOutput<B> {
    fn write_progress(&self, p: Progress) -> Result<(), Error> {
        // Closed only once every watcher is done: the send blocks or completes.
        let _ = self.out.send(p);
        Ok(())
    }
}

struct Watcher<B: Backend> {
    /// Nobody signals in the test; the watcher keeps the channel open, as Go does.
    _signal_chan: Sender<(), B>,
    release_chan: Sender<(), B>,
    running: Receiver<(), B>,
}

struct Transfer<B: Backend> {
    mu: Mutex<B>,
}

impl<B: Backend> Transfer<B> {
    fn release(&self, watcher: &Watcher<B>) {
        self.mu.lock();
        self.mu.unlock();
        watcher.release_chan.close().expect("released once");
        watcher.running.recv();
    }

    fn watch(self: &Arc<Self>, progress_output: ChanOutput<B>, n: usize) -> Watcher<B> {
        self.mu.lock();
        let last_progress = Progress;
        let (signal_tx, signal_chan) = chan::bounded_in::<B, ()>(0);
        let (release_tx, release_chan) = chan::bounded_in::<B, ()>(0);
        let (running_tx, running) = chan::bounded_in::<B, ()>(0);
        let t = Arc::clone(self);
        drop(B::spawn(&format!("watcher-{n}"), move || {
            let mut done = false;
            loop {
                t.mu.lock();
                t.mu.unlock();
                if B::input(2) >= 1 {
                    let _ = progress_output.write_progress(last_progress);
                }
                if done {
                    break;
                }
                let (mut signal, mut release) =
                    (RecvArm::new(&signal_chan), RecvArm::new(&release_chan));
                // On release, the kernel's inner select has only a default: it does nothing.
                let chosen = Select::new().recv(&mut signal).recv(&mut release).wait();
                if chosen == Selected::Arm(1) {
                    done = true;
                }
            }
            running_tx.close().expect("closed once"); // the deferred close
        }));
        self.mu.unlock(); // the deferred unlock
        Watcher {
            _signal_chan: signal_tx,
            release_chan: release_tx,
            running,
        }
    }
}

struct TransferManager<B: Backend> {
    mu: Mutex<B>,
}

impl<B: Backend> TransferManager<B> {
    fn transfer(&self, progress_output: ChanOutput<B>, n: usize) -> (Arc<Transfer<B>>, Watcher<B>) {
        self.mu.lock();
        let t = Arc::new(Transfer {
            mu: Mutex::new_in(),
        });
        let w = t.watch(progress_output, n);
        self.mu.unlock(); // the deferred unlock
        (t, w)
    }
}

fn test_transfer<B: Backend>(transfers: usize, fixed: bool) {
    let tm = TransferManager::<B> {
        mu: Mutex::new_in(),
    };
    let (progress_tx, progress_chan) = chan::bounded_in::<B, Progress>(0);
    let (progress_done_tx, progress_done) = chan::bounded_in::<B, ()>(0);
    drop(B::spawn("progress-consumer", move || {
        while let Some(_p) = progress_chan.recv() {
            if !fixed && B::input(2) >= 1 {
                // The kernel's stand-in for `t.Fatalf`: the consumer quits, and Go keeps both
                // channels open (the test closes the progress channel later).
                never_dropped((progress_chan, progress_done_tx));
                return;
            }
            // The kernel prints the progress here.
        }
        progress_done_tx.close().expect("closed once");
    }));
    let mut xrefs = Vec::with_capacity(transfers);
    let mut watchers = Vec::with_capacity(transfers);
    for n in 0..transfers {
        let output = ChanOutput {
            out: progress_tx.clone(),
        };
        let (t, w) = tm.transfer(output, n);
        xrefs.push(t);
        watchers.push(w);
    }
    for (t, w) in xrefs.iter().zip(&watchers) {
        t.release(w); // blocks here
    }
    progress_tx.close().expect("closed once");
    progress_done.recv();
}

impl Scenario for Moby21233 {
    const NAME: &'static str = "goker::moby_21233";
    // Unbounded, the fix ran past 60 s; at 2 preemptions it passes in 3,700 schedules. The bug
    // needs no preemption, only the draws.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "every watcher, the consumer and testTransfer finish";
    broken_instances! {
        small: { transfers: 1 },
        large: { transfers: 3 },
    }
    fn run<B: Backend>(&self) {
        let (transfers, fixed) = (self.transfers, self.variant == Variant::Correct);
        drop(B::spawn("test-transfer", move || {
            test_transfer::<B>(transfers, fixed)
        }));
    }
}

impl Mistake for Moby21233 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    const TRACE_SHOWS: &'static [&'static str] = &["recv chan", "(never returned)"];
}

impl Kernel for Moby21233 {
    const GOKER: Goker = Goker {
        project: "moby",
        id: 21233,
        class: Class::Blocking,
        kind: "Communication Deadlock",
        subtype: "Channel",
    };
}
