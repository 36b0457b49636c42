//! GoKer `cockroach_13197` (cockroach PR #13197): a transaction's `awaitDone` goroutine waits for
//! its context to be done, and nothing ever cancels it.
//!
//! Ports `gobench/goker/blocking/cockroach/13197/cockroach13197_test.go` (GoBench: communication
//! deadlock, channel & context). The test begins a transaction, which starts `awaitDone`, and
//! returns without rolling it back: `awaitDone` is left waiting (a leak). Fix (the upstream fix,
//! through the kernel's own `Rollback`): the transaction is rolled back, which cancels its
//! context.

use super::{never_dropped, Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{Backend, Canceller, Context};

zoo_entry! {
    /// A test begins a transaction.
    pub struct Cockroach13197 {}
}

struct Tx<B: Backend> {
    cancel: Canceller<B>,
}

impl<B: Backend> Tx<B> {
    fn rollback(&self) {
        self.close();
    }

    fn close(&self) {
        self.cancel.cancel();
    }
}

fn begin<B: Backend>(ctx: &Context<B>) -> Tx<B> {
    let (ctx, cancel) = ctx.with_cancel();
    drop(B::spawn("await-done", move || {
        ctx.done().recv();
    }));
    Tx { cancel }
}

impl Scenario for Cockroach13197 {
    const NAME: &'static str = "goker::cockroach_13197";
    const INVARIANT: &'static str = "the transaction's awaitDone finishes";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let tx = begin(&Context::<B>::background_in());
        if self.variant == Variant::Correct {
            tx.rollback();
        }
        // Go's test drops the transaction, and nothing cancels its context on the way.
        never_dropped(tx);
    }
}

impl Mistake for Cockroach13197 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    const TRACE_SHOWS: &'static [&'static str] = &["recv done (never returned)"];
    const DETERMINISTIC: bool = true;
}

impl Kernel for Cockroach13197 {
    const GOKER: Goker = Goker {
        project: "cockroach",
        id: 13197,
        class: Class::Blocking,
        kind: "Communication Deadlock",
        subtype: "Channel & Context",
    };
}
