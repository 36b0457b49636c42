//! GoKer `istio_8967` (istio PR #8967): a file-system source's `Stop` closes its done channel and
//! then sets the channel field to nil, while the goroutine `Start` started reads that field to
//! wait on it: a data race.
//!
//! Ports `gobench/goker/nonblocking/istio/8967/istio8967_test.go` (GoBench: go-specific, misuse
//! channel). The test adds one to a WaitGroup, starts a goroutine and waits for it. The goroutine
//! makes a source (with a fresh `donec` channel), calls `Start`, which starts a goroutine that
//! loops on a select whose only case receives from `s.donec` and returns, calls `Stop`, which
//! closes `s.donec` and then sets `s.donec = nil`, and sleeps 5 ms. The started goroutine's read
//! of the field and `Stop`'s write of it are ordered by nothing (the close orders only what came
//! before it, and the write comes after), so Go's race detector reports them on every run, in
//! whichever order they ran (the field is a `RaceCell` here). Had the goroutine read the field
//! after the write, it would wait on a nil channel forever, which a nil channel does here too
//! (real threads, which see no race, may show that leak). Fix (the upstream fix): `Stop` closes
//! the channel and leaves the field as it is; the goroutine's and `Stop`'s reads do not race.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, RecvArm, Select};
use patterns::{time, Backend, RaceCell, Receiver, Sender, WaitGroup};
use std::sync::Arc;
use std::time::Duration;

zoo_entry! {
    /// A file-system source is started and stopped at once.
    pub struct Istio8967 {}
}

/// A Go `chan struct{}`: both ends, as one Go channel value is. The field holds it behind an
/// `Arc`, as Go's holds a reference, so that reading or clearing the field never touches the
/// channel itself.
struct DoneChan<B: Backend> {
    tx: Sender<(), B>,
    rx: Receiver<(), B>,
}

struct FsSource<B: Backend> {
    /// Go's `donec`, a plain field: `None` is a nil channel.
    donec: RaceCell<Option<Arc<DoneChan<B>>>, B>,
    fixed: bool,
}

impl<B: Backend> FsSource<B> {
    fn start(self: &Arc<Self>) {
        let s = Arc::clone(self);
        drop(B::spawn("fs-source", move || {
            // `for { select { case <-s.donec: return } }`: the one case returns, so it runs once.
            match s.donec.get() {
                // Races with `Stop`'s write.
                Some(donec) => {
                    let mut done = RecvArm::new(&donec.rx);
                    Select::new().recv(&mut done).wait();
                }
                None => {
                    Select::<B>::new().wait(); // a nil channel: blocks forever
                }
            }
        }));
    }

    fn stop(&self) {
        // Held until the end, so that clearing the field drops no channel end inside the cell.
        let donec = self.donec.get();
        if let Some(donec) = &donec {
            donec.tx.close().expect("close of closed channel");
        }
        if !self.fixed {
            self.donec.set(None); // races with the goroutine's read
        }
    }
}

fn new_fs_source<B: Backend>(fixed: bool) -> Arc<FsSource<B>> {
    let (tx, rx) = chan::bounded_in(0);
    Arc::new(FsSource {
        donec: RaceCell::new_in(Some(Arc::new(DoneChan { tx, rx }))),
        fixed,
    })
}

impl Scenario for Istio8967 {
    const NAME: &'static str = "goker::istio_8967";
    // Unbounded, the fix ran past 90 s; a data race shows on any schedule that makes both accesses,
    // whatever its preemptions, so a bound of 2 loses little.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str =
        "Stop never clears the done channel beside the goroutine's read";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let wg = WaitGroup::<B>::new_in();
        wg.add(1);
        let body_wg = wg.clone();
        drop(B::spawn("test-body", move || {
            let s = new_fs_source::<B>(fixed);
            s.start();
            s.stop();
            time::sleep::<B>(Duration::from_millis(5));
            body_wg.done(); // the deferred Done
        }));
        wg.wait();
    }
}

impl Mistake for Istio8967 {
    const CAUGHT_AS: FailureKind = FailureKind::DataRace;
    // `Stop`'s read of the field, its close, then the race of its write with the goroutine's read.
    const TRACE_SHOWS: &'static [&'static str] = &["read cell", "close chan", "data race"];
}

impl Kernel for Istio8967 {
    const GOKER: Goker = Goker {
        project: "istio",
        id: 8967,
        class: Class::NonBlocking,
        kind: "Go-Specific",
        subtype: "Misuse channel",
    };
}
