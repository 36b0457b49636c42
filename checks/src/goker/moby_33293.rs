//! GoKer `moby_33293` (moby PR #33293): `containerWait` sends an error on the unbuffered channel it
//! has just made, before returning that channel to anyone who could read it.
//!
//! Ports `gobench/goker/blocking/moby/33293/moby33293_test.go` (GoBench: communication deadlock,
//! channel). The test starts one goroutine that calls `containerWait`; the error happens when
//! `rand.Int31n(2) >= 1` (one value of two), here a choice the checker explores, and then the
//! goroutine blocks in the send (a leak). GoKer names no fix commit; the port's fix gives the
//! channel room for the one error.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{chan, Backend, Receiver};

zoo_entry! {
    /// One goroutine waits for a container, which may fail.
    pub struct Moby33293 {}
}

type Error = &'static str;

fn may_return_error<B: Backend>() -> Result<(), Error> {
    if B::input(2) >= 1 {
        return Err("Error");
    }
    Ok(())
}

fn container_wait<B: Backend>(fixed: bool) -> Receiver<Error, B> {
    let (err_tx, err_c) = chan::bounded_in::<B, Error>(usize::from(fixed));
    if let Err(err) = may_return_error::<B>() {
        // The receiver is right here, alive: nothing reads it yet, so the send blocks.
        let _ = err_tx.send(err);
    }
    err_c
}

impl Scenario for Moby33293 {
    const NAME: &'static str = "goker::moby_33293";
    const INVARIANT: &'static str = "the waiting goroutine finishes";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        drop(B::spawn("container-wait", move || {
            let _err_c = container_wait::<B>(fixed);
        }));
    }
}

impl Mistake for Moby33293 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    const TRACE_SHOWS: &'static [&'static str] = &["send chan (never returned)"];
}

impl Kernel for Moby33293 {
    const GOKER: Goker = Goker {
        project: "moby",
        id: 33293,
        class: Class::Blocking,
        kind: "Communication Deadlock",
        subtype: "Channel",
    };
}
