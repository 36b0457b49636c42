//! GoKer `kubernetes_6632` (kubernetes PR #6632): `WriteFrame` holds the framer's write lock
//! while it sends on the reset channel, which nobody reads, and the monitor needs that lock to
//! close the channel once the connection closes.
//!
//! Ports `gobench/goker/blocking/kubernetes/6632/kubernetes6632_test.go` (GoBench: mixed
//! deadlock, channel & lock). The test starts a helper that sends on the connection's close
//! channel, the framer's `monitor` and a `WriteFrame`, one goroutine each, and returns. When
//! `WriteFrame` takes the lock before the monitor has closed the reset channel, it blocks in its
//! send holding the lock, and the monitor, woken by the close, blocks on the lock (a leak). Fix
//! (the kernel's header, as upstream spdystream has it): once the connection closes, the monitor
//! starts a goroutine that drains the reset channel until it is closed, then locks.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{chan, Backend, Mutex, Receiver, Sender};
use std::sync::Arc;

zoo_entry! {
    /// A framer's monitor and a frame write race with the connection's close.
    pub struct Kubernetes6632 {}
}

struct Connection<B: Backend> {
    close_tx: Sender<bool, B>,
    close_chan: Receiver<bool, B>,
}

struct IdleAwareFramer<B: Backend> {
    /// `i.resetChan`, read and set to nil under `write_lock` (the backend lock around it is for
    /// Rust's sake and is only ever taken for a moment, inside `write_lock` or before anyone
    /// can race).
    reset_chan: B::Mutex<Option<Sender<bool, B>>>,
    /// The reset channel's receiving end, which nobody reads in the kernel: the framer keeps it,
    /// so a send on the channel blocks, as in Go.
    reset_rx: Receiver<bool, B>,
    write_lock: Mutex<B>,
    conn: Connection<B>,
}

impl<B: Backend> IdleAwareFramer<B> {
    fn new() -> Self {
        let (reset_tx, reset_rx) = chan::bounded_in(0);
        let (close_tx, close_chan) = chan::bounded_in(0);
        Self {
            reset_chan: B::mutex(Some(reset_tx)),
            reset_rx,
            write_lock: Mutex::new_in(),
            conn: Connection {
                close_tx,
                close_chan,
            },
        }
    }

    fn monitor(&self, fixed: bool) {
        let reset_chan = B::lock(&self.reset_chan).clone();
        // The kernel's loop selects on the close channel alone, and leaves at its first value.
        self.conn.close_chan.recv();
        if fixed {
            let drain = self.reset_rx.clone();
            drop(B::spawn("drain", move || for _ in &drain {}));
        }
        self.write_lock.lock(); // blocks here while WriteFrame holds the lock
        if let Some(reset_chan) = &reset_chan {
            reset_chan.close().expect("closed once");
        }
        *B::lock(&self.reset_chan) = None;
        self.write_lock.unlock();
    }

    fn write_frame(&self) {
        self.write_lock.lock();
        let reset_chan = B::lock(&self.reset_chan).clone();
        if let Some(reset_chan) = reset_chan {
            let _ = reset_chan.send(true); // blocks here, holding the lock
        }
        self.write_lock.unlock(); // the kernel's deferred Unlock
    }
}

impl Scenario for Kubernetes6632 {
    const NAME: &'static str = "goker::kubernetes_6632";
    // Unbounded, the fix (five threads) ran past 120 s; at 3 preemptions it passes in 69,791
    // schedules (3.9 s).
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(3);
    const INVARIANT: &'static str = "the monitor and the frame write finish";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let i = Arc::new(IdleAwareFramer::<B>::new());
        let (helper, monitor) = (Arc::clone(&i), Arc::clone(&i));
        drop(B::spawn("helper", move || {
            let _ = helper.conn.close_tx.send(true);
        }));
        drop(B::spawn("monitor", move || monitor.monitor(fixed)));
        drop(B::spawn("write-frame", move || i.write_frame()));
    }
}

impl Mistake for Kubernetes6632 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    const TRACE_SHOWS: &'static [&'static str] = &["send chan", "(never returned)"];
}

impl Kernel for Kubernetes6632 {
    const GOKER: Goker = Goker {
        project: "kubernetes",
        id: 6632,
        class: Class::Blocking,
        kind: "Mixed Deadlock",
        subtype: "Channel & Lock",
    };
}
