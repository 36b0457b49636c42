//! GoKer `cockroach_13755` (cockroach PR #13755): query results (`Rows`) are never closed, so the
//! goroutine that waits for their context to be done waits forever.
//!
//! Ports `gobench/goker/blocking/cockroach/13755/cockroach13755_test.go` (GoBench: communication
//! deadlock, channel & context). The test sets up the rows' context close, which starts
//! `awaitDone`, and returns: `awaitDone` is left waiting (a leak). Fix (the kernel's `FIX:`
//! comments): the test closes the rows, and closing cancels their context.

use super::{never_dropped, Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{Backend, Canceller, Context};
use std::sync::Arc;

zoo_entry! {
    /// A test sets up the context close of query results.
    pub struct Cockroach13755 {}
}

struct Rows<B: Backend> {
    cancel: B::Mutex<Option<Canceller<B>>>,
    /// Whether `close` cancels, as the fix has it.
    fixed: bool,
}

impl<B: Backend> Rows<B> {
    fn init_context_close(self: &Arc<Self>, ctx: &Context<B>) {
        let (ctx, cancel) = ctx.with_cancel();
        *B::lock(&self.cancel) = Some(cancel);
        let rows = Arc::clone(self);
        drop(B::spawn("await-done", move || rows.await_done(&ctx)));
    }

    fn await_done(&self, ctx: &Context<B>) {
        ctx.done().recv();
        self.close();
    }

    fn close(&self) {
        if self.fixed {
            if let Some(cancel) = B::lock(&self.cancel).as_ref() {
                cancel.cancel();
            }
        }
    }
}

impl Scenario for Cockroach13755 {
    const NAME: &'static str = "goker::cockroach_13755";
    const INVARIANT: &'static str = "the rows' awaitDone finishes";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let rs = Arc::new(Rows::<B> {
            cancel: B::mutex(None),
            fixed,
        });
        rs.init_context_close(&Context::background_in());
        if fixed {
            rs.close();
        }
        // Go's test drops the rows, and nothing cancels their context on the way.
        never_dropped(rs);
    }
}

impl Mistake for Cockroach13755 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    const TRACE_SHOWS: &'static [&'static str] = &["recv done (never returned)"];
    const DETERMINISTIC: bool = true;
}

impl Kernel for Cockroach13755 {
    const GOKER: Goker = Goker {
        project: "cockroach",
        id: 13755,
        class: Class::Blocking,
        kind: "Communication Deadlock",
        subtype: "Channel & Context",
    };
}
