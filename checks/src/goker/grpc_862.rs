//! GoKer `grpc_862` (grpc-go PR #862): `DialContext` returns without closing the client
//! connection it made, so the goroutine retrying the connection's address waits forever for a
//! context nobody cancels.
//!
//! Ports `gobench/goker/blocking/grpc/862/grpc862_test.go` (GoBench: communication deadlock,
//! channel & context). The test starts `DialContext` and a helper that cancels the dial's context,
//! one goroutine each, and returns. `DialContext` makes a client connection with a context of its
//! own, starts `resetAddrConn` on a goroutine and returns its named result, which nothing ever
//! sets: its deferred function closes that result when the dial's context is done, but the
//! result is nil, so the client connection is never closed. `resetAddrConn` lists an address
//! connection whose context is a child of the client connection's, and `resetTransport` retries
//! forever: each round makes and cancels a 10 ns timeout context, then selects between
//! `time.After` of the round's back-off and the address connection's context, returning only on
//! the latter (a leak). The kernel's loop has no bound; the port runs at most `retries` rounds
//! and then waits for the context alone, the loop's only way out, which bounds the schedule (the
//! small instance, for loom, runs one round). Go lists the address connection before it gives it
//! its context; the port makes the context first (a Rust value has no unset field), so a close in
//! between cancels it where Go would call a nil function. Fix (the kernel's `FIX:` comment): the
//! deferred function closes the client connection, which cancels its context and every address
//! connection's with it.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{RecvArm, Select, Selected};
use patterns::{Backend, Canceller, Context};
use std::sync::Arc;
use std::time::Duration;

zoo_entry! {
    /// A client connection is dialled while a helper cancels the dial's context.
    pub struct Grpc862 {
        /// Rounds of `resetTransport` before it waits for its context alone (the kernel's loop
        /// has no bound).
        pub retries: usize,
    }
}

struct ClientConn<B: Backend> {
    ctx: Context<B>,
    cancel: Canceller<B>,
    /// `cc.conns`, which Go shares unguarded: the backend lock is for Rust's sake, and is only
    /// ever taken for a moment.
    conns: B::Mutex<Vec<Arc<AddrConn<B>>>>,
}

impl<B: Backend> ClientConn<B> {
    fn close(&self) {
        self.cancel.cancel();
        let conns = std::mem::take(&mut *B::lock(&self.conns));
        for ac in conns {
            ac.tear_down();
        }
    }

    fn reset_addr_conn(&self, retries: usize) {
        let (ctx, cancel) = self.ctx.with_cancel();
        // The kernel's `addrConn.cc`, never read, is left out: it would make a reference cycle.
        let ac = Arc::new(AddrConn { ctx, cancel });
        B::lock(&self.conns).push(Arc::clone(&ac));
        ac.reset_transport(retries);
    }
}

struct AddrConn<B: Backend> {
    ctx: Context<B>,
    cancel: Canceller<B>,
}

impl<B: Backend> AddrConn<B> {
    fn reset_transport(&self, retries: usize) {
        for retry in 1..=retries {
            let sleep_time = Duration::from_nanos(2 * retry as u64);
            let timeout = Duration::from_nanos(10);
            let (_, cancel) = self.ctx.with_timeout(timeout);
            let connect_time = B::now();
            cancel.cancel();
            let back_off = sleep_time.saturating_sub(B::now().saturating_sub(connect_time));
            let mut done = RecvArm::new(self.ctx.done());
            // `time.After(back_off)` is the select's timeout.
            let chosen = Select::new().recv(&mut done).timeout(back_off).wait();
            if chosen != Selected::Timeout {
                return;
            }
        }
        // The port's bound: past it, only the way out of the kernel's loop is left.
        self.ctx.done().recv(); // blocks here
    }

    fn tear_down(&self) {
        self.cancel.cancel();
    }
}

fn dial_context<B: Backend>(
    ctx: &Context<B>,
    retries: usize,
    fixed: bool,
) -> Option<Arc<ClientConn<B>>> {
    let (cc_ctx, cc_cancel) = Context::<B>::background_in().with_cancel();
    let cc = Arc::new(ClientConn {
        ctx: cc_ctx,
        cancel: cc_cancel,
        conns: B::mutex(Vec::new()),
    });
    // The named result, which the kernel never sets.
    let mut conn: Option<Arc<ClientConn<B>>> = None;
    let resetting = Arc::clone(&cc);
    drop(B::spawn("reset-addr-conn", move || {
        resetting.reset_addr_conn(retries)
    }));
    // The deferred function.
    let mut done = RecvArm::new(ctx.done());
    let chosen = Select::new().recv(&mut done).or_default().wait();
    if chosen == Selected::Arm(0) {
        if let Some(conn) = conn.take() {
            conn.close();
        }
    }
    if fixed {
        cc.close();
    }
    conn
}

impl Scenario for Grpc862 {
    const NAME: &'static str = "goker::grpc_862";
    // The bug needs no preemption (nothing ever cancels the connection's context); the fix passes in
    // 1,802 schedules.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "the goroutine resetting the address connection finishes";
    broken_instances! {
        small: { retries: 1 },
        large: { retries: 100 },
    }
    fn run<B: Backend>(&self) {
        let (retries, fixed) = (self.retries, self.variant == Variant::Correct);
        let (ctx, cancel) = Context::<B>::background_in().with_cancel();
        drop(B::spawn("dial-context", move || {
            let _ = dial_context(&ctx, retries, fixed);
        }));
        drop(B::spawn("helper", move || cancel.cancel()));
    }
}

impl Mistake for Grpc862 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    const TRACE_SHOWS: &'static [&'static str] =
        &["select → timed out", "recv done", "(never returned)"];
    const DETERMINISTIC: bool = true;
}

impl Kernel for Grpc862 {
    const GOKER: Goker = Goker {
        project: "grpc",
        id: 862,
        class: Class::Blocking,
        kind: "Communication Deadlock",
        subtype: "Channel & Context",
    };
}
