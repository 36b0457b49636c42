//! GoKer `etcd_3077` (etcd PR #3077): the raft node's goroutine makes its `stopped` and `done`
//! channels itself, while the server's loop, which started it, uses them in its deferred
//! shutdown with nothing ordering the two.
//!
//! Ports `gobench/goker/nonblocking/etcd/3077/etcd3077_test.go` (GoBench: go-specific, misuse
//! channel). The test starts an etcd server, which makes its `done` and `stop` channels and
//! starts its `run` loop, and returns, which runs its deferred `Stop`: a select that sends on
//! `stop` (or returns once `done` is closed), then a receive on `done`. `run` starts the raft
//! node's `run` on a goroutine, sleeps 10 ms ("wait s.r.run", which synchronizes nothing) and
//! waits for `stop`; its deferred shutdown sends on the node's `stopped`, receives on its
//! `done` and closes the server's `done`. The node's `run` first assigns its fields `stopped`
//! and `done` fresh channels, then waits for `stopped` and, deferred, closes `done`. The
//! assignments and the shutdown's reads of the two fields are unordered: the race detector
//! reports them (a data race; the fields are `RaceCell`s here), whatever the order (had the
//! shutdown read them first, it would find nil channels and block forever, which a nil channel
//! does here too). Fix (the upstream fix, "init raft internal var early"): the server makes the
//! node's channels in its `start`, before it starts the goroutines that use them.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, RecvArm, Select, Selected, SendArm};
use patterns::{time, Backend, RaceCell, Receiver, Sender};
use std::sync::Arc;
use std::time::Duration;

zoo_entry! {
    /// An etcd server is started and stopped at once.
    pub struct Etcd3077 {}
}

/// A Go `chan struct{}`: both ends, as one Go channel value is, shared as Go shares it (copying
/// the field copies a reference; cloning the `Arc` takes no lock of the kit, which a `RaceCell`
/// read must not).
type GoChan<B> = Arc<(Sender<(), B>, Receiver<(), B>)>;

fn make_chan<B: Backend>() -> Option<GoChan<B>> {
    Some(Arc::new(chan::bounded_in(0)))
}

/// Go's `ch <- struct{}{}`: on a nil channel, blocks forever.
fn send<B: Backend>(ch: Option<GoChan<B>>) {
    match ch {
        Some(ch) => ch.0.send(()).expect("send on closed channel"),
        None => {
            Select::<B>::new().wait(); // a nil channel: blocks forever
        }
    }
}

/// Go's `<-ch`: on a nil channel, blocks forever.
fn recv<B: Backend>(ch: Option<GoChan<B>>) {
    match ch {
        Some(ch) => {
            ch.1.recv();
        }
        None => {
            Select::<B>::new().wait(); // a nil channel: blocks forever
        }
    }
}

struct RaftNode<B: Backend> {
    /// Go's `r.stopped`, a field both goroutines touch: nil until assigned.
    stopped: RaceCell<Option<GoChan<B>>, B>,
    /// Go's `r.done`, likewise.
    done: RaceCell<Option<GoChan<B>>, B>,
}

impl<B: Backend> RaftNode<B> {
    fn run(&self, fixed: bool) {
        if !fixed {
            self.stopped.set(make_chan());
            self.done.set(make_chan());
        }
        // for { select { case <-r.stopped: return } }: the one arm returns.
        let stopped = self.stopped.get().expect("made before it is waited on");
        let mut stopping = RecvArm::new(&stopped.1);
        Select::new().recv(&mut stopping).wait();
        self.stop(); // deferred
    }

    fn stop(&self) {
        let done = self.done.get().expect("close of nil channel");
        done.0.close().expect("close of closed channel");
    }
}

struct EtcdServer<B: Backend> {
    r: RaftNode<B>,
    done_tx: Sender<(), B>,
    done: Receiver<(), B>,
    stop_tx: Sender<(), B>,
    stop: Receiver<(), B>,
}

impl<B: Backend> EtcdServer<B> {
    /// The test's `&EtcdServer{r: raftNode{}}` and its `start`, which makes the server's
    /// channels and starts `run`.
    fn start(fixed: bool) -> Arc<Self> {
        let (done_tx, done) = chan::bounded_in(0);
        let (stop_tx, stop) = chan::bounded_in(0);
        let s = Arc::new(Self {
            r: RaftNode {
                stopped: RaceCell::new_in(None),
                done: RaceCell::new_in(None),
            },
            done_tx,
            done,
            stop_tx,
            stop,
        });
        if fixed {
            // The fix: the node's channels, made before any goroutine uses them.
            s.r.stopped.set(make_chan());
            s.r.done.set(make_chan());
        }
        let server = Arc::clone(&s);
        drop(B::spawn("etcd-server-run", move || server.run(fixed)));
        s
    }

    fn run(self: &Arc<Self>, fixed: bool) {
        let node = Arc::clone(self);
        drop(B::spawn("raft-node-run", move || node.r.run(fixed)));
        // Wait s.r.run (which orders nothing).
        time::sleep::<B>(Duration::from_millis(10));
        // for { select { case <-s.stop: return } }: the one arm returns.
        let mut stopping = RecvArm::new(&self.stop);
        Select::new().recv(&mut stopping).wait();
        // The deferred shutdown.
        send(self.r.stopped.get());
        recv(self.r.done.get());
        self.done_tx.close().expect("close of closed channel");
    }

    fn stop(&self) {
        let mut stopping = SendArm::new(&self.stop_tx, ());
        let mut stopped = RecvArm::new(&self.done);
        if Select::new().send(&mut stopping).recv(&mut stopped).wait() == Selected::Arm(1) {
            return;
        }
        self.done.recv();
    }
}

impl Scenario for Etcd3077 {
    const NAME: &'static str = "goker::etcd_3077";
    // Unbounded, the fix ran past 90 s; a data race shows on any schedule that makes both accesses,
    // whatever its preemptions, so a bound of 2 loses little.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str =
        "the server's shutdown reads the node's channels only after they are made";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let srv = EtcdServer::<B>::start(self.variant == Variant::Correct);
        srv.stop(); // the deferred srv.Stop()
    }
}

impl Mistake for Etcd3077 {
    const CAUGHT_AS: FailureKind = FailureKind::DataRace;
    // The node's assignment of `stopped`, then the shutdown's read of it.
    const TRACE_SHOWS: &'static [&'static str] = &["write cell", "read cell", "data race"];
}

impl Kernel for Etcd3077 {
    const GOKER: Goker = Goker {
        project: "etcd",
        id: 3077,
        class: Class::NonBlocking,
        kind: "Go-Specific",
        subtype: "Misuse channel",
    };
}
