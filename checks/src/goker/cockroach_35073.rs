//! GoKer `cockroach_35073` (cockroach PR #35073): an outbox that fails during startup returns
//! without closing its row channel, so producers pushing rows to the full channel block forever.
//!
//! Ports `gobench/goker/blocking/cockroach/35073/cockroach35073_test.go` (GoBench: communication
//! deadlock, channel). The test fills the outbox's row channel (a buffer of 16) with 16 pushes,
//! starts a goroutine that pushes one more (it blocks: the buffer is full), starts the outbox,
//! whose `run` returns at once from its main loop (the startup failure) and marks its wait group
//! done, waits for that, and pushes once more itself: nobody ever reads the channel, so the test
//! and the pusher both block, the whole program with them. A push sends only while the channel's
//! consumer status (an atomic) says it needs more rows. The small instance fills a buffer of 2
//! with 2 pushes, which shows the same. Fix (the upstream fix, which GoBench's real-bug patch
//! reverts): the main loop marks the consumer closed when it returns, whatever happens (a
//! deferred `ConsumerClosed`), which also takes one row out of the channel without waiting, so
//! that a pusher blocked on the full buffer gets through; a later push sees the consumer closed
//! and does not send.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, RecvArm, Select};
use patterns::{Atomic, Backend, Receiver, Sender, WaitGroup};
use std::sync::atomic::Ordering;
use std::sync::Arc;

zoo_entry! {
    /// Rows are pushed to an outbox that fails to start.
    pub struct Cockroach35073 {
        /// The row channel's buffer, and the rows pushed to fill it first (the kernel's 16).
        pub rows: usize,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ConsumerStatus {
    NeedMoreRows,
    DrainRequested,
    ConsumerClosed,
}

impl ConsumerStatus {
    fn from_word(word: usize) -> Self {
        match word {
            0 => Self::NeedMoreRows,
            1 => Self::DrainRequested,
            _ => Self::ConsumerClosed,
        }
    }

    fn word(self) -> usize {
        self as usize
    }
}

struct RowSourceBase<B: Backend> {
    /// SeqCst, as Go's `sync/atomic`.
    consumer_status: B::AtomicUsize,
}

impl<B: Backend> RowSourceBase<B> {
    fn consumer_closed(&self) {
        self.consumer_status
            .store(ConsumerStatus::ConsumerClosed.word(), Ordering::SeqCst);
    }
}

type RowChannelMsg = i32;

/// Holds both ends of its channel, as Go's struct holds the channel: a push to a full buffer
/// blocks until a row is taken out.
struct RowChannel<B: Backend> {
    base: RowSourceBase<B>,
    data_tx: Sender<RowChannelMsg, B>,
    data_chan: Receiver<RowChannelMsg, B>,
}

impl<B: Backend> RowChannel<B> {
    fn consumer_closed(&self) {
        self.base.consumer_closed();
        // Takes one row out if there is one, without waiting (a select with a default).
        let mut drained = RecvArm::new(&self.data_chan);
        let _ = Select::new().recv(&mut drained).or_default().wait();
    }

    fn push(&self) -> ConsumerStatus {
        let consumer_status =
            ConsumerStatus::from_word(self.base.consumer_status.load(Ordering::SeqCst));
        match consumer_status {
            ConsumerStatus::NeedMoreRows => {
                // Both ends live in the struct: the send never fails, it blocks or completes.
                let _ = self.data_tx.send(0); // blocks here once the buffer is full
            }
            ConsumerStatus::DrainRequested | ConsumerStatus::ConsumerClosed => {}
        }
        consumer_status
    }

    fn init_with_buf_size_and_num_senders(chan_buf_size: usize) -> Self {
        let (data_tx, data_chan) = chan::bounded_in(chan_buf_size);
        Self {
            base: RowSourceBase {
                consumer_status: B::AtomicUsize::new(ConsumerStatus::NeedMoreRows.word()),
            },
            data_tx,
            data_chan,
        }
    }
}

/// Go's outbox embeds its row channel: `outbox.Push()` is the row channel's `Push`.
struct Outbox<B: Backend> {
    row_channel: RowChannel<B>,
}

impl<B: Backend> Outbox<B> {
    fn init(row_channel_buf_size: usize) -> Self {
        Self {
            row_channel: RowChannel::init_with_buf_size_and_num_senders(row_channel_buf_size),
        }
    }

    fn start(self: &Arc<Self>, wg: Option<&WaitGroup<B>>, fixed: bool) {
        if let Some(wg) = wg {
            wg.add(1);
        }
        let (m, wg) = (Arc::clone(self), wg.cloned());
        drop(B::spawn("run", move || m.run(wg.as_ref(), fixed)));
    }

    fn run(&self, wg: Option<&WaitGroup<B>>, fixed: bool) {
        self.main_loop(fixed);
        if let Some(wg) = wg {
            wg.done();
        }
    }

    /// Returns at once, as the kernel's does: the outbox failed to start.
    fn main_loop(&self, fixed: bool) {
        if fixed {
            // The fix's deferred call, run as the main loop returns.
            self.row_channel.consumer_closed();
        }
    }
}

impl Scenario for Cockroach35073 {
    const NAME: &'static str = "goker::cockroach_35073";
    const INVARIANT: &'static str = "every push returns once the outbox has run";
    broken_instances! {
        small: { rows: 2 },
        large: { rows: 16 },
    }
    fn run<B: Backend>(&self) {
        let (rows, fixed) = (self.rows, self.variant == Variant::Correct);
        let outbox = Arc::new(Outbox::<B>::init(rows));
        let wg = WaitGroup::<B>::new_in();
        for _ in 0..rows {
            outbox.row_channel.push();
        }
        let blocked_pusher_wg = WaitGroup::<B>::new_in();
        blocked_pusher_wg.add(1);
        let (pusher, pusher_wg) = (Arc::clone(&outbox), blocked_pusher_wg.clone());
        drop(B::spawn("blocked-pusher", move || {
            pusher.row_channel.push(); // blocks here
            pusher_wg.done();
        }));
        outbox.start(Some(&wg), fixed);
        wg.wait();
        outbox.row_channel.push(); // blocks here
    }
}

impl Mistake for Cockroach35073 {
    const CAUGHT_AS: FailureKind = FailureKind::Deadlock;
    const TRACE_SHOWS: &'static [&'static str] =
        &["send chan (never returned)", "send chan (never returned)"];
    const DETERMINISTIC: bool = true;
}

impl Kernel for Cockroach35073 {
    const GOKER: Goker = Goker {
        project: "cockroach",
        id: 35073,
        class: Class::Blocking,
        kind: "Communication Deadlock",
        subtype: "Channel",
    };
}
