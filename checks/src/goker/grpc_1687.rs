//! GoKer `grpc_1687` (grpc-go PR #1687): the handler transport's `WriteStatus` closes the
//! `writes` channel, and a `Write` after it sends on the closed channel: a panic.
//!
//! Ports `gobench/goker/nonblocking/grpc/1687/grpc1687_test.go` (GoBench: go-specific, misuse
//! channel). The test makes a server handler transport (an unbuffered `writes` channel of write
//! functions and an unbuffered `closedCh` nobody closes) and runs `HandleStreams`, whose stream
//! handler it starts on a goroutine and which then runs the stream loop, executing each function
//! received on `writes` until `writes` is closed (or `closedCh` is); then the test sleeps 10 ms
//! and returns. The stream handler calls `WriteStatus`, which hands a function to the loop
//! through `do` (a select on `closedCh` with a default, then a select sending on `writes` or
//! receiving from `closedCh`) and closes `writes`, then `Write`, whose `do` finds `closedCh` still
//! open and selects the send on the closed `writes`: Go panics "send on closed channel" on every
//! schedule (the kit's send arm reports the closed channel, and the port panics there). Fix (the
//! upstream fix): `WriteStatus` closes the transport, its `closedCh`, before it closes `writes`,
//! so a later `do` sees `closedCh` closed in its first select and returns. (Upstream closes
//! `closedCh` through a `sync.Once`; the test closes it once.)

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, RecvArm, Select, Selected, SendArm};
use patterns::{time, Backend, Receiver, Sender};
use std::sync::Arc;
use std::time::Duration;

zoo_entry! {
    /// A stream handler writes its status, then writes again.
    pub struct Grpc1687 {}
}

/// A function the stream loop runs for a writer.
type WriteFn = Box<dyn FnOnce() + Send>;

struct ServerHandlerTransport<B: Backend> {
    /// `closedCh`'s sending end: the transport keeps it (Go's channel stays open until closed).
    closed_tx: Sender<(), B>,
    closed_ch: Receiver<(), B>,
    writes_tx: Sender<WriteFn, B>,
    writes: Receiver<WriteFn, B>,
    /// Whether `WriteStatus` closes the transport first (the fix).
    fixed: bool,
}

fn new_server_handler_transport<B: Backend>(fixed: bool) -> ServerHandlerTransport<B> {
    let (closed_tx, closed_ch) = chan::bounded_in(0);
    let (writes_tx, writes) = chan::bounded_in(0);
    ServerHandlerTransport {
        closed_tx,
        closed_ch,
        writes_tx,
        writes,
        fixed,
    }
}

impl<B: Backend> ServerHandlerTransport<B> {
    fn do_(&self, f: WriteFn) {
        let mut closed = RecvArm::new(&self.closed_ch);
        let chosen = Select::new().recv(&mut closed).or_default().wait();
        if chosen == Selected::Arm(0) {
            return;
        }
        let mut write = SendArm::new(&self.writes_tx, f);
        let mut closed = RecvArm::new(&self.closed_ch);
        let chosen = Select::new().send(&mut write).recv(&mut closed).wait();
        if chosen == Selected::Arm(0) {
            write
                .result()
                .expect("the send arm was selected")
                .expect("send on closed channel"); // panics here
        }
    }

    fn write_status(&self) {
        self.do_(Box::new(|| {}));
        if self.fixed {
            self.close();
        }
        self.writes_tx.close().expect("close of closed channel");
    }

    /// The fix's `Close`: closes `closedCh`.
    fn close(&self) {
        self.closed_tx.close().expect("close of closed channel");
    }

    fn write(&self) {
        self.do_(Box::new(|| {}));
    }

    fn run_stream(&self) {
        loop {
            let mut write = RecvArm::new(&self.writes);
            let mut closed = RecvArm::new(&self.closed_ch);
            let chosen = Select::new().recv(&mut write).recv(&mut closed).wait();
            match chosen {
                Selected::Arm(0) => match write.take() {
                    Some(f) => f(),
                    None => return, // `writes` closed
                },
                _ => return,
            }
        }
    }

    fn handle_streams(&self, start_stream: impl FnOnce()) {
        start_stream();
        self.run_stream();
    }
}

impl Scenario for Grpc1687 {
    const NAME: &'static str = "goker::grpc_1687";
    // Unbounded, the fix ran past 90 s; a data race shows on any schedule that makes both accesses,
    // whatever its preemptions, so a bound of 2 loses little.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "no write sends on the closed writes channel";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let ht = Arc::new(new_server_handler_transport::<B>(fixed));
        let st = Arc::clone(&ht);
        ht.handle_streams(move || {
            drop(B::spawn("handle-stream", move || {
                st.write_status();
                st.write();
            }));
        });
        time::sleep::<B>(Duration::from_millis(10));
    }
}

impl Mistake for Grpc1687 {
    const CAUGHT_AS: FailureKind = FailureKind::Panic;
    const TRACE_SHOWS: &'static [&'static str] =
        &["close chan", "select", "send on closed channel"];
    const DETERMINISTIC: bool = true;
}

impl Kernel for Grpc1687 {
    const GOKER: Goker = Goker {
        project: "grpc",
        id: 1687,
        class: Class::NonBlocking,
        kind: "Go-Specific",
        subtype: "Misuse channel",
    };
}
