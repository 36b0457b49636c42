//! GoKer `grpc_1275` (grpc-go PR #1275): `CloseStream` deletes a stream without writing the close
//! error to it, so a `Read` in flight on the stream waits forever for a message.
//!
//! Ports `gobench/goker/blocking/grpc/1275/grpc1275_test.go` (GoBench: communication deadlock,
//! channel). The test starts a goroutine that reads the stream (through `io.ReadFull`) and closes
//! a done channel after, closes the stream, and waits for the done channel or a 300 ns timer: the
//! timer fires, the test returns, and the reader is left blocked (a leak). Fix (the upstream fix,
//! which the kernel's comment describes): `CloseStream` writes the error to the stream's receive
//! buffer, and the read returns it. The kernel's channel carries a `bool`; the port's carries the
//! error, since a read that returned no bytes and no error would be called again by
//! `io.ReadFull`.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, RecvArm, Select};
use patterns::{Backend, Receiver, Sender};
use std::sync::Arc;
use std::time::Duration;

zoo_entry! {
    /// A stream is closed while a goroutine reads it.
    pub struct Grpc1275 {}
}

type Error = &'static str;

/// What the fix writes to a stream that the client closes.
const ERR_CONN_CLOSING: Error = "transport is closing";

struct RecvBuffer<B: Backend> {
    /// The kernel's channel `c`, both ends: the buffer keeps it open.
    c_tx: Sender<Error, B>,
    c: Receiver<Error, B>,
}

impl<B: Backend> RecvBuffer<B> {
    fn get(&self) -> &Receiver<Error, B> {
        &self.c
    }
}

struct RecvBufferReader<B: Backend> {
    recv: RecvBuffer<B>,
}

impl<B: Backend> RecvBufferReader<B> {
    /// Waits for a message (the kernel's select of one arm): the fix's message is an error.
    fn read(&self, _p: &mut [u8]) -> Result<usize, Error> {
        match self.recv.get().recv() {
            Some(err) => Err(err),
            // Never: the buffer holds the sending end, and nobody closes it.
            None => Ok(0),
        }
    }
}

/// `io.ReadFull`: reads until `buf` is full or a read fails.
fn read_full<B: Backend>(r: &RecvBufferReader<B>, buf: &mut [u8]) -> Result<usize, Error> {
    let mut n = 0;
    while n < buf.len() {
        n += r.read(&mut buf[n..])?;
    }
    Ok(n)
}

struct Stream<B: Backend> {
    tr_reader: RecvBufferReader<B>,
}

impl<B: Backend> Stream<B> {
    fn read(&self, p: &mut [u8]) -> Result<usize, Error> {
        read_full(&self.tr_reader, p)
    }
}

struct Http2Client {
    fixed: bool,
}

impl Http2Client {
    fn close_stream<B: Backend>(&self, s: &Stream<B>) {
        if self.fixed {
            // The fix: the stream's pending read learns that it is closed.
            let _ = s.tr_reader.recv.c_tx.send(ERR_CONN_CLOSING);
        }
    }

    fn new_stream<B: Backend>(&self) -> Stream<B> {
        let (c_tx, c) = chan::bounded_in(0);
        Stream {
            tr_reader: RecvBufferReader {
                recv: RecvBuffer { c_tx, c },
            },
        }
    }
}

fn test_inflight_stream_closing<B: Backend>(fixed: bool) {
    let client = Http2Client { fixed };
    let stream = Arc::new(client.new_stream::<B>());
    let (donec_tx, donec) = chan::bounded_in::<B, bool>(0);
    let reader = Arc::clone(&stream);
    drop(B::spawn("read", move || {
        let _ = reader.read(&mut [1]);
        donec_tx.close().expect("closed once"); // the deferred close(donec)
    }));

    client.close_stream::<B>(&stream);

    // The kernel's timer: stopping it, and draining it when it fired first, only tidy it up.
    let mut done = RecvArm::new(&donec);
    let _ = Select::new()
        .recv(&mut done)
        .timeout(Duration::from_nanos(300))
        .wait();
}

impl Scenario for Grpc1275 {
    const NAME: &'static str = "goker::grpc_1275";
    const INVARIANT: &'static str = "the goroutine reading the closed stream finishes";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        test_inflight_stream_closing::<B>(self.variant == Variant::Correct);
    }
}

impl Mistake for Grpc1275 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    const TRACE_SHOWS: &'static [&'static str] = &["recv chan", "(never returned)"];
    const DETERMINISTIC: bool = true;
}

impl Kernel for Grpc1275 {
    const GOKER: Goker = Goker {
        project: "grpc",
        id: 1275,
        class: Class::Blocking,
        kind: "Communication Deadlock",
        subtype: "Channel",
    };
}
