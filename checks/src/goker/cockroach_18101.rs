//! GoKer `cockroach_18101` (cockroach PR #18101): `restore` stops reading its spans once its
//! context is done, while the goroutine splitting them goes on sending, and blocks forever once
//! the channel's buffer is full.
//!
//! Ports `gobench/goker/blocking/cockroach/18101/cockroach18101_test.go` (GoBench: communication
//! deadlock, channel & context). The test starts `restore` on a goroutine and `cancel` on another,
//! and returns. `restore` makes a channel with a buffer of `chanSize` (6) and starts a goroutine
//! that sends `chanSize + 2` spans on it through `splitAndScatter` and then closes it; `restore`
//! reads the first span, waits for its context to be done (a `select` with that one case), and
//! returns. The splitting goroutine can buffer `chanSize` spans beside the one read, so its last
//! send blocks forever, on every schedule (a leak). The small instance, for loom, has a buffer of
//! one (three spans). Neither the kernel nor its README states the fix; the port's fix is the one
//! the kernel's description calls for: `splitAndScatter` sends in a `select` that also watches
//! the context, and gives up once it is done.

use super::{never_dropped, Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, RecvArm, Select, Selected, SendArm};
use patterns::{Backend, Context, Sender};

zoo_entry! {
    /// A restore reads the spans a goroutine splits for it while its context is cancelled.
    pub struct Cockroach18101 {
        /// The capacity of the ready-for-import channel; two more spans than it holds are sent
        /// (the kernel's `chanSize` is 6).
        pub chan_size: usize,
    }
}

fn restore<B: Backend>(ctx: Context<B>, chan_size: usize, fixed: bool) -> bool {
    let (ready_tx, ready_for_import_ch) = chan::bounded_in::<B, bool>(chan_size);
    let split_ctx = ctx.clone();
    drop(B::spawn("split-and-scatter", move || {
        split_and_scatter(&split_ctx, &ready_tx, chan_size, fixed);
        ready_tx.close().expect("closed once"); // the deferred close
    }));
    // The kernel's `range` loop, whose body returns in its first round.
    if let Some(ready_for_import_span) = ready_for_import_ch.recv() {
        let mut done = RecvArm::new(ctx.done());
        let _ = Select::new().recv(&mut done).wait();
        // Go drops the channel here, and keeps it for the goroutine still sending on it.
        never_dropped(ready_for_import_ch);
        return ready_for_import_span;
    }
    true
}

fn split_and_scatter<B: Backend>(
    ctx: &Context<B>,
    ready_for_import_ch: &Sender<bool, B>,
    chan_size: usize,
    fixed: bool,
) {
    for i in 0..chan_size + 2 {
        let span = i != 0;
        if fixed {
            let mut ready = SendArm::new(ready_for_import_ch, span);
            let mut done = RecvArm::new(ctx.done());
            if Select::new().send(&mut ready).recv(&mut done).wait() == Selected::Arm(1) {
                return;
            }
        } else {
            let _ = ready_for_import_ch.send(span); // blocks here
        }
    }
}

impl Scenario for Cockroach18101 {
    const NAME: &'static str = "goker::cockroach_18101";
    // Unbounded, the fix ran past 60 s; at 2 preemptions it passes in 716 schedules.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "the restore and the goroutine splitting its spans finish";
    broken_instances! {
        small: { chan_size: 1 },
        large: { chan_size: 6 },
    }
    fn run<B: Backend>(&self) {
        let (chan_size, fixed) = (self.chan_size, self.variant == Variant::Correct);
        let (ctx, cancel) = Context::<B>::background_in().with_cancel();
        drop(B::spawn("restore", move || {
            restore(ctx, chan_size, fixed);
        }));
        drop(B::spawn("cancel", move || cancel.cancel()));
    }
}

impl Mistake for Cockroach18101 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    const TRACE_SHOWS: &'static [&'static str] = &[
        "send chan (never returned)",
        "recv chan → a value",
        "recv done",
    ];
    const DETERMINISTIC: bool = true;
}

impl Kernel for Cockroach18101 {
    const GOKER: Goker = Goker {
        project: "cockroach",
        id: 18101,
        class: Class::Blocking,
        kind: "Communication Deadlock",
        subtype: "Channel & Context",
    };
}
