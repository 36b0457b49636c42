//! GoKer `moby_4395` (moby PR #4395): `Go` runs a function on a goroutine that sends its error on
//! an unbuffered channel, and the caller never reads it, so the goroutine blocks forever.
//!
//! Ports `gobench/goker/blocking/moby/4395/moby4395_test.go` (GoBench: communication deadlock,
//! channel). The test calls `Go` with a function that fails, drops the channel it gets and
//! returns: the goroutine is left blocked in its send (a leak). The header names the bug, not the
//! fix; the port's fix gives the channel room for the one error, so the send completes whether or
//! not anyone reads it.

use super::{never_dropped, Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{chan, Backend, Receiver};

zoo_entry! {
    /// The test runs a failing function through `Go` and ignores the result channel.
    pub struct Moby4395 {}
}

type Error = &'static str;

fn go<B: Backend>(f: fn() -> Result<(), Error>, fixed: bool) -> Receiver<Result<(), Error>, B> {
    let (ch_tx, ch) = chan::bounded_in::<B, _>(usize::from(fixed));
    drop(B::spawn("go", move || {
        // The channel is never closed and its receiver kept: the send blocks or completes.
        let _ = ch_tx.send(f());
    }));
    ch
}

impl Scenario for Moby4395 {
    const NAME: &'static str = "goker::moby_4395";
    const INVARIANT: &'static str = "the goroutine started by Go finishes";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let ch = go::<B>(|| Err(""), self.variant == Variant::Correct);
        // Go's test drops the channel, and Go keeps it for the sender.
        never_dropped(ch);
    }
}

impl Mistake for Moby4395 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    const TRACE_SHOWS: &'static [&'static str] = &["send chan (never returned)"];
    const DETERMINISTIC: bool = true;
}

impl Kernel for Moby4395 {
    const GOKER: Goker = Goker {
        project: "moby",
        id: 4395,
        class: Class::Blocking,
        kind: "Communication Deadlock",
        subtype: "Channel",
    };
}
