//! GoKer `grpc_1460` (grpc-go PR #1460): the keepalive goroutine waits on its awaken channel while
//! holding the transport's lock, and `NewStream`, which would wake it, needs that lock first.
//!
//! Ports `gobench/goker/blocking/grpc/1460/grpc1460_test.go` (GoBench: mixed deadlock, channel &
//! lock). The test starts `keepalive` and `NewStream` on a goroutine each and returns. When
//! `keepalive` takes the lock first, it finds no active stream and blocks receiving on the
//! unbuffered awaken channel with the lock held; `NewStream` then blocks on the lock, so its
//! non-blocking send (a select with a default) is never even tried: both goroutines are left
//! blocked (a leak). When `NewStream` goes first, its send finds no receiver and takes the
//! default, and `keepalive` then sees the stream and returns. Fix (the upstream fix, whose last
//! line the kernel's `FIX:` comment shows): the awaken channel gets a buffer of one, kept full;
//! `keepalive`, under the lock, empties it ("makes it writable") and then waits for a value only
//! after releasing the lock, and `NewStream`, when its send goes through, fills the buffer again.
//! Upstream's wait also watches the transport's context, which the kernel leaves out.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, Select, Selected, SendArm};
use patterns::{Atomic, AtomicInt, Backend, Mutex, Receiver, Sender};
use std::sync::atomic::Ordering;
use std::sync::Arc;

zoo_entry! {
    /// A client transport's keepalive goroutine and its first stream start together.
    pub struct Grpc1460 {}
}

struct Http2Client<B: Backend> {
    mu: Mutex<B>,
    awaken_keepalive_tx: Sender<(), B>,
    awaken_keepalive: Receiver<(), B>,
    /// `len(t.activeStream)`: read and written under `mu` only, hence relaxed.
    active_streams: B::AtomicUsize,
}

impl<B: Backend> Http2Client<B> {
    fn new(fixed: bool) -> Self {
        let (awaken_keepalive_tx, awaken_keepalive) = chan::bounded_in::<B, ()>(usize::from(fixed));
        if fixed {
            // The fix keeps the channel full, so that no send gets through, except while
            // keepalive waits to be woken.
            awaken_keepalive_tx
                .try_send(())
                .expect("an empty buffer of one");
        }
        Self {
            mu: Mutex::new_in(),
            awaken_keepalive_tx,
            awaken_keepalive,
            active_streams: B::AtomicUsize::new(0),
        }
    }

    fn keepalive(&self, fixed: bool) {
        self.mu.lock();
        if self.active_streams.load(Ordering::Relaxed) < 1 {
            if fixed {
                // Makes the channel writable: its buffer is full whenever keepalive gets here.
                self.awaken_keepalive.recv();
                self.mu.unlock();
                self.awaken_keepalive.recv();
            } else {
                self.awaken_keepalive.recv(); // blocks here, holding the lock
                self.mu.unlock();
            }
        } else {
            self.mu.unlock();
        }
    }

    fn new_stream(&self, fixed: bool) {
        self.mu.lock(); // blocks here while keepalive waits holding the lock
        let active = self.active_streams.fetch_add(1, Ordering::Relaxed) + 1;
        if active == 1 {
            let mut awaken = SendArm::new(&self.awaken_keepalive_tx, ());
            let chosen = Select::new().send(&mut awaken).or_default().wait();
            if fixed && chosen == Selected::Arm(0) {
                // Fills the channel again once keepalive has taken the value.
                let _ = self.awaken_keepalive_tx.send(());
            }
        }
        self.mu.unlock();
    }
}

impl Scenario for Grpc1460 {
    const NAME: &'static str = "goker::grpc_1460";
    const INVARIANT: &'static str = "keepalive and the new stream finish";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let client = Arc::new(Http2Client::<B>::new(fixed));
        let keepalive = Arc::clone(&client);
        drop(B::spawn("keepalive", move || keepalive.keepalive(fixed)));
        drop(B::spawn("new-stream", move || client.new_stream(fixed)));
    }
}

impl Mistake for Grpc1460 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    // keepalive's lock, then its receive, which never returns.
    const TRACE_SHOWS: &'static [&'static str] = &["lock mutex", "recv chan (never returned)"];
}

impl Kernel for Grpc1460 {
    const GOKER: Goker = Goker {
        project: "grpc",
        id: 1460,
        class: Class::Blocking,
        kind: "Mixed Deadlock",
        subtype: "Channel & Lock",
    };
}
