//! GoKer `serving_6171` (knative serving PR #6171): the revision backends manager's test returns
//! while a revision watcher's goroutine still logs through the subtest's `testing.T`, and the log
//! comes after the test has completed.
//!
//! Ports `gobench/goker/nonblocking/serving/6171/serving6171_test.go` (GoBench: go-specific,
//! testing library). The test runs `t.Run` on a goroutine and waits for it. The subtest makes a
//! revision backends manager whose logger writes with the subtest's `t.Logf` (zap's test logger,
//! its sugared logger, checked entry, core and writer kept as the kernel has them) and calls its
//! `getOrCreateRevisionWatcher`, which starts the new watcher's `run` on a goroutine; `run` calls
//! `checkDests`, which starts a goroutine that logs an error. Nobody waits for either goroutine:
//! the subtest returns at once, and so does the test. A log to a test that has finished goes to
//! the nearest parent test still running; when the log comes after both the subtest and the
//! test have finished, Go panics with "Log in goroutine after TestServing6171/Serving6171 has
//! completed", the failure GoBench records for the kernel, which the port asserts. The port
//! models what Go's testing package keeps of a `testing.T` in a small `TestingT`: its name, its
//! `done` flag, set as the test function returns, and its parent; `t.Run` runs the subtest on a
//! thread of its own and joins it, and `run` marks the top-level test done as it returns. Go's
//! `tRunner` writes `done` without a lock, so under `-race` such a log may also be reported as a
//! data race (as in `serving_4908`); here `done` is an atomic, and the lock Go's `Logf` holds
//! around it is left out, so that the checkers report the panic GoBench shows rather than that
//! race. Fix (the upstream fix, in the test): the subtest waits, before it returns, until every
//! revision watcher of its manager has finished (upstream cancels the manager's context and
//! waits until its updates channel closes, which happens once every watcher's `done` channel
//! has). The watcher closes its `done` as its `run` returns, as upstream's has since serving PR #5865;
//! and for that wait to cover the log, the watcher logs on its own goroutine, after waiting for
//! the goroutine `checkDests` starts, as upstream's has since serving PR #4908 (its probes run in an
//! error group).

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::invariant;
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{chan, Atomic, Backend, ErrGroup, Receiver, Sender, WaitGroup};
use std::sync::atomic::Ordering;
use std::sync::Arc;

zoo_entry! {
    /// A revision watcher's goroutine logs to the `testing.T` of a subtest that has returned.
    pub struct Serving6171 {}
}

/// What Go's testing package keeps of a `testing.T` that `Logf` looks at.
struct TestingT<B: Backend> {
    /// The test's full name (`Parent/Sub` for a subtest).
    name: String,
    /// Go's `c.done`, set by `tRunner` once the test function has returned.
    done: B::AtomicBool,
    /// The test `t.Run` was called on, if any.
    parent: Option<Arc<TestingT<B>>>,
}

impl<B: Backend> TestingT<B> {
    fn new(name: String, parent: Option<Arc<TestingT<B>>>) -> Arc<Self> {
        Arc::new(Self {
            name,
            done: B::AtomicBool::new(false),
            parent,
        })
    }

    /// Go's `Logf`: the line goes to this test's output; once the test is done, to the nearest
    /// parent still running; with none, Go panics.
    fn logf(&self, _line: &str) {
        if !self.done.load(Ordering::SeqCst) {
            return; // appended to the test's output
        }
        let mut logged = false;
        let mut parent = self.parent.as_ref();
        while let Some(p) = parent {
            if !p.done.load(Ordering::SeqCst) {
                // Appended to the parent's output.
                logged = true;
                break;
            }
            parent = p.parent.as_ref();
        }
        invariant!(logged, "Log in goroutine after {} has completed", self.name);
    }

    /// `tRunner` once the test function has returned: the test is done.
    fn finish(&self) {
        self.done.store(true, Ordering::SeqCst);
    }
}

/// Go's `t.Run`: runs `f` as a subtest on a goroutine of its own and waits for it to finish.
fn t_run<B: Backend>(
    t: &Arc<TestingT<B>>,
    name: &str,
    f: impl FnOnce(&Arc<TestingT<B>>) + Send + 'static,
) {
    let sub = TestingT::new(format!("{}/{name}", t.name), Some(Arc::clone(t)));
    let runner = B::spawn("t-run", move || {
        f(&sub);
        sub.finish();
    });
    B::join(runner).expect("the subtest panicked");
}

/// zap's test writer: writes go to the test's `Logf`.
#[derive(Clone)]
struct TestingWriter<B: Backend> {
    t: Arc<TestingT<B>>,
}

impl<B: Backend> TestingWriter<B> {
    fn write(&self) {
        self.t.logf("1");
    }
}

#[derive(Clone)]
struct IoCore<B: Backend> {
    out: TestingWriter<B>,
}

impl<B: Backend> IoCore<B> {
    fn write(&self) {
        self.out.write();
    }
}

struct CheckedEntry<B: Backend> {
    cores: Vec<IoCore<B>>,
}

impl<B: Backend> CheckedEntry<B> {
    fn write(&self) {
        for core in &self.cores {
            core.write();
        }
    }
}

#[derive(Clone)]
struct Logger<B: Backend> {
    core: IoCore<B>,
}

impl<B: Backend> Logger<B> {
    fn check(&self) -> CheckedEntry<B> {
        CheckedEntry {
            cores: vec![self.core.clone()],
        }
    }

    fn sugar(&self) -> SugaredLogger<B> {
        SugaredLogger { base: self.clone() }
    }
}

#[derive(Clone)]
struct SugaredLogger<B: Backend> {
    base: Logger<B>,
}

impl<B: Backend> SugaredLogger<B> {
    fn log(&self) {
        self.base.check().write();
    }

    fn errorw(&self, _args: &str) {
        self.log();
    }
}

/// zap's `zaptest.NewLogger(t).Sugar()`.
fn testing_test_logger<B: Backend>(t: &Arc<TestingT<B>>) -> SugaredLogger<B> {
    let writer = TestingWriter { t: Arc::clone(t) };
    Logger {
        core: IoCore { out: writer },
    }
    .sugar()
}

struct RevisionWatcher<B: Backend> {
    logger: SugaredLogger<B>,
    /// Both ends of the fix's `done` channel, closed as `run` returns.
    done_tx: Sender<(), B>,
    done: Receiver<(), B>,
}

impl<B: Backend> RevisionWatcher<B> {
    fn new(logger: SugaredLogger<B>) -> Self {
        let (done_tx, done) = chan::bounded_in(0);
        Self {
            logger,
            done_tx,
            done,
        }
    }

    fn run(self: &Arc<Self>, fixed: bool) {
        self.check_dests(fixed);
        if fixed {
            // The fix's deferred close(rw.done).
            self.done_tx.close().expect("closed once");
        }
    }

    fn check_dests(self: &Arc<Self>, fixed: bool) {
        if fixed {
            // The goroutine's outcome comes back through an error group, and is logged here,
            // after the wait.
            let group = ErrGroup::<&'static str, B>::new_in();
            group.go(|| Err("1"));
            if let Err(err) = group.wait() {
                self.logger.errorw(err);
            }
        } else {
            let rw = Arc::clone(self);
            // Nobody waits for it.
            drop(B::spawn("check-dests", move || rw.logger.errorw("1")));
        }
    }
}

struct RevisionBackendsManager<B: Backend> {
    logger: SugaredLogger<B>,
    /// The watchers made so far (upstream's map of them), used only by the subtest's goroutine.
    revision_watchers: Vec<Arc<RevisionWatcher<B>>>,
}

impl<B: Backend> RevisionBackendsManager<B> {
    fn get_or_create_revision_watcher(&mut self, fixed: bool) {
        let rw = Arc::new(RevisionWatcher::new(self.logger.clone()));
        self.revision_watchers.push(Arc::clone(&rw));
        drop(B::spawn("run", move || rw.run(fixed)));
    }

    /// The fix's wait: until every watcher's `run` has returned.
    fn wait_for_revision_watchers(&self) {
        for rw in &self.revision_watchers {
            let _closed = rw.done.recv();
        }
    }
}

/// The subtest's function.
fn subtest<B: Backend>(t: &Arc<TestingT<B>>, fixed: bool) {
    let mut rbm = RevisionBackendsManager {
        logger: testing_test_logger(t),
        revision_watchers: Vec::new(),
    };
    rbm.get_or_create_revision_watcher(fixed);
    if fixed {
        rbm.wait_for_revision_watchers();
    }
}

impl Scenario for Serving6171 {
    const NAME: &'static str = "goker::serving_6171";
    // Unbounded, the fix ran past 90 s; a data race shows on any schedule that makes both accesses,
    // whatever its preemptions, so a bound of 2 loses little.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "no goroutine logs to a test after that test has completed";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let t = TestingT::<B>::new("TestServing6171".to_owned(), None);
        let wg = WaitGroup::<B>::new_in();
        wg.add(1);
        let (test_t, test_done) = (Arc::clone(&t), wg.clone());
        drop(B::spawn("test-goroutine", move || {
            t_run(&test_t, "Serving6171", move |t| subtest(t, fixed));
            test_done.done(); // the deferred wg.Done()
        }));
        wg.wait();
        // TestServing6171 returns: its tRunner marks it done.
        t.finish();
    }
}

impl Mistake for Serving6171 {
    const CAUGHT_AS: FailureKind = FailureKind::Assertion;
    // The subtest and the test marked done, then the goroutine's log finding them so (two
    // atomics: the trace labels them `atomic#1` and `atomic#2`).
    const TRACE_SHOWS: &'static [&'static str] = &["store atomic", "→ true", "has completed"];
}

impl Kernel for Serving6171 {
    const GOKER: Goker = Goker {
        project: "serving",
        id: 6171,
        class: Class::NonBlocking,
        kind: "Go-Specific",
        subtype: "Testing library",
    };
}
