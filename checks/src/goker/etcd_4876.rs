//! GoKer `etcd_4876` (etcd PR #4876): a test sets the package variable
//! `ProgressReportInterval` while a watch stream's `sendLoop`, started by another goroutine,
//! reads it to make its ticker.
//!
//! Ports `gobench/goker/nonblocking/etcd/4876/etcd4876_test.go` (GoBench: traditional, data
//! race). The test waits on a `WaitGroup` of three for a goroutine that makes a watch server and
//! starts two more: one sets `ProgressReportInterval` to 3 s (a test shortening it), the other
//! calls the server's `Watch`, which starts the stream's `sendLoop` on a goroutine of its own;
//! `sendLoop` reads the interval to make a ticker it never stops (nobody waits for it). Nothing
//! orders the write before the read or after it: a data race, which the race detector reports
//! (the variable is a `RaceCell` here). Fix (the upstream fix): the interval is kept as an
//! `int32` of milliseconds, stored and loaded atomically (here an atomic of the backend), which
//! the race detector does not report.
//!
//! The small instance, for loom, makes no ticker, only reads the interval for it: the ticker's
//! timer thread would be a sixth thread beside the test's five goroutines. Unlike Go's, a
//! dropped ticker stops; the port drops it at once, as `sendLoop` forgets it.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{Atomic, Backend, RaceCell, Ticker, WaitGroup};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

zoo_entry! {
    /// A test shortens the progress-report interval while a watch stream starts.
    pub struct Etcd4876 {
        /// Whether `sendLoop` makes its ticker (the small instance only reads the interval for
        /// it: the ticker's timer thread would be one thread more than loom holds).
        pub ticker: bool,
    }
}

/// The package variable `ProgressReportInterval`: plain in the bug, an atomic count of
/// milliseconds in the fix.
struct ProgressReportInterval<B: Backend> {
    fixed: bool,
    plain: RaceCell<Duration, B>,
    millis: B::AtomicUsize,
}

impl<B: Backend> ProgressReportInterval<B> {
    fn new(interval: Duration, fixed: bool) -> Self {
        let millis = usize::try_from(interval.as_millis()).expect("an interval that fits");
        Self {
            fixed,
            plain: RaceCell::new_in(interval),
            millis: B::AtomicUsize::new(millis),
        }
    }

    fn get(&self) -> Duration {
        if self.fixed {
            Duration::from_millis(self.millis.load(Ordering::SeqCst) as u64)
        } else {
            self.plain.get()
        }
    }

    fn set(&self, interval: Duration) {
        if self.fixed {
            let millis = usize::try_from(interval.as_millis()).expect("an interval that fits");
            self.millis.store(millis, Ordering::SeqCst);
        } else {
            self.plain.set(interval);
        }
    }
}

struct ServerWatchStream<B: Backend> {
    interval: Arc<ProgressReportInterval<B>>,
    ticker: bool,
}

impl<B: Backend> ServerWatchStream<B> {
    fn send_loop(&self) {
        let period = self.interval.get();
        if self.ticker {
            // Made and forgotten, as `_ = time.NewTicker(...)`.
            drop(Ticker::<B>::new_in(period));
        }
    }
}

struct WatchServer<B: Backend> {
    interval: Arc<ProgressReportInterval<B>>,
    ticker: bool,
}

impl<B: Backend> WatchServer<B> {
    fn watch(&self) {
        let sws = ServerWatchStream {
            interval: Arc::clone(&self.interval),
            ticker: self.ticker,
        };
        drop(B::spawn("send-loop", move || sws.send_loop()));
    }
}

impl Scenario for Etcd4876 {
    const NAME: &'static str = "goker::etcd_4876";
    // Unbounded, the fix passes in 1,336,406 schedules (77 s); a data race shows on any schedule
    // that makes both accesses, whatever its preemptions, so a bound of 2 loses little.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str =
        "the test's write of the interval is ordered with sendLoop's read of it";
    broken_instances! {
        small: { ticker: false },
        large: { ticker: true },
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        // The package variable, 10 s before any test runs.
        let interval = Arc::new(ProgressReportInterval::<B>::new(
            Duration::from_secs(10),
            fixed,
        ));
        let ticker = self.ticker;
        let wg = WaitGroup::<B>::new_in();
        wg.add(3);
        let group = wg.clone();
        drop(B::spawn("test", move || {
            let w = Arc::new(WatchServer { interval, ticker });
            let (setter_done, watcher_done) = (group.clone(), group.clone());
            let setter = Arc::clone(&w.interval);
            drop(B::spawn("set-interval", move || {
                let test_interval = Duration::from_secs(3);
                setter.set(test_interval);
                setter_done.done(); // deferred
            }));
            drop(B::spawn("watch", move || {
                w.watch();
                watcher_done.done(); // deferred
            }));
            group.done(); // deferred
        }));
        wg.wait();
    }
}

impl Mistake for Etcd4876 {
    const CAUGHT_AS: FailureKind = FailureKind::DataRace;
    // The test's write and sendLoop's read, in either order.
    const TRACE_SHOWS: &'static [&'static str] = &["cell", "cell", "data race"];
}

impl Kernel for Etcd4876 {
    const GOKER: Goker = Goker {
        project: "etcd",
        id: 4876,
        class: Class::NonBlocking,
        kind: "Traditional",
        subtype: "Data race",
    };
}
