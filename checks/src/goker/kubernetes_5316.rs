//! GoKer `kubernetes_5316` (kubernetes PR #5316): `finishRequest` gives up on its request after a
//! timeout, and the goroutine running the request then blocks forever sending its result on an
//! unbuffered channel nobody reads.
//!
//! Ports `gobench/goker/blocking/kubernetes/5316/kubernetes5316_test.go` (GoBench: communication
//! deadlock, channel). The test starts `finishRequest` with a 1 ms timeout on a request that
//! sleeps 2 ms and then fails when `rand.Intn(10) > 5` (4 values of 10, a choice the checker
//! explores), and returns. Fix (the kernel's `FIX:` comments): both result channels get a buffer
//! of one.

use super::{never_dropped, Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, RecvArm, Select};
use patterns::{time, Backend};
use std::time::Duration;

zoo_entry! {
    /// A request that takes 2 ms runs under a 1 ms timeout.
    pub struct Kubernetes5316 {}
}

type Error = &'static str;

fn finish_request<B: Backend>(timeout: Duration, f: fn() -> Result<(), Error>, fixed: bool) {
    let capacity = usize::from(fixed);
    let (ch_tx, ch) = chan::bounded_in::<B, bool>(capacity);
    let (err_tx, err_ch) = chan::bounded_in::<B, Error>(capacity);
    drop(B::spawn("request", move || {
        // Nobody closes these channels, and their receivers stay: a send blocks or completes.
        let _ = match f() {
            Err(err) => err_tx.send(err).map_err(drop),
            Ok(()) => ch_tx.send(true).map_err(drop),
        };
    }));
    let (mut done, mut failed) = (RecvArm::new(&ch), RecvArm::new(&err_ch));
    let _ = Select::new()
        .recv(&mut done)
        .recv(&mut failed)
        .timeout(timeout)
        .wait();
    // The Go function returns and stops reading; Go keeps the channels for the sender.
    never_dropped((ch, err_ch));
}

fn request<B: Backend>() -> Result<(), Error> {
    time::sleep::<B>(Duration::from_millis(2));
    if B::input(10) > 5 {
        return Err("Error");
    }
    Ok(())
}

impl Scenario for Kubernetes5316 {
    const NAME: &'static str = "goker::kubernetes_5316";
    // Unbounded, the correct variant passed 200,000 schedules (9 s) and grew past 15 GiB without
    // ending; over the 10 values of its input, 3 preemptions take 275,980 schedules (13 s) and 2
    // take about 20,000.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "the request goroutine finishes";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        drop(B::spawn("finish-request", move || {
            finish_request::<B>(Duration::from_millis(1), request::<B>, fixed);
        }));
    }
}

impl Mistake for Kubernetes5316 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    const TRACE_SHOWS: &'static [&'static str] = &["select", "(never returned)"];
}

impl Kernel for Kubernetes5316 {
    const GOKER: Goker = Goker {
        project: "kubernetes",
        id: 5316,
        class: Class::Blocking,
        kind: "Communication Deadlock",
        subtype: "Channel",
    };
}
