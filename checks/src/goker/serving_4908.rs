//! GoKer `serving_4908` (knative serving PR #4908): a revision watcher logs, through a logger
//! writing to the subtest's `testing.T`, from a goroutine nobody waits for, so the log races with
//! the end of the subtest.
//!
//! Ports `gobench/goker/nonblocking/serving/4908/serving4908_test.go` (GoBench: go-specific,
//! testing library). The test runs `t.Run` on a goroutine and waits for it. The subtest makes a
//! revision watcher whose logger writes with the subtest's `t.Logf` (zap's test logger, its
//! sugared logger, checked entry, core and writer kept as the kernel has them), runs its
//! `runWithTickCh` on a goroutine and waits for it. `runWithTickCh` calls `checkDests`, which
//! starts a goroutine that logs, and returns; the subtest then returns too, and Go's `tRunner`
//! marks the subtest done, writing its `done` flag without a lock (on purpose: "to allow the race
//! detector to detect race in case the user does not appropriately synchronize a goroutine"),
//! while `Logf` reads that flag under the test's lock. Nothing orders the goroutine's log after
//! the subtest's end or before it: a data race on `done`, which is what GoBench's race detector
//! reported. The port models what the race detector sees of a `testing.T` in a small `TestingT`:
//! its lock, its `done` flag (a `RaceCell`, read by `Logf`, written as the test function
//! returns), its parent; `t.Run` runs the subtest on a thread of its own and joins it, and `run`
//! marks the top-level test done as it returns. A log after its test has finished goes to the
//! nearest parent still running, or Go panics ("Log in goroutine after … has completed"); the
//! race on `done` fails the run before that can happen under the model checkers. Fix (the
//! upstream fix): `checkDests` runs its goroutine in an error group, waits for it, and logs its
//! error itself, on the goroutine the subtest waits for.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::invariant;
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{Backend, ErrGroup, Mutex, RaceCell, WaitGroup};
use std::sync::Arc;

zoo_entry! {
    /// A revision watcher logs from a goroutine to the `testing.T` of a subtest.
    pub struct Serving4908 {}
}

/// What Go's race detector sees of a `testing.T`.
struct TestingT<B: Backend> {
    /// The test's full name (`Parent/Sub` for a subtest).
    name: String,
    /// Go's `c.mu`, which `Logf` holds while it looks at `done`.
    mu: Mutex<B>,
    /// Go's `c.done`: written by `tRunner` without `mu` once the test function has returned.
    done: RaceCell<bool, B>,
    /// The test `t.Run` was called on, if any.
    parent: Option<Arc<TestingT<B>>>,
}

impl<B: Backend> TestingT<B> {
    fn new(name: String, parent: Option<Arc<TestingT<B>>>) -> Arc<Self> {
        Arc::new(Self {
            name,
            mu: Mutex::new_in(),
            done: RaceCell::new_in(false),
            parent,
        })
    }

    /// Go's `Logf`: the line goes to this test's output; once the test is done, to the nearest
    /// parent still running (holding each parent's lock on the way, as Go's deferred unlocks
    /// do); with none, Go panics.
    fn logf(&self, _line: &str) {
        self.mu.lock();
        if !self.done.get() {
            // Appended to the test's output.
            self.mu.unlock();
            return;
        }
        let mut locked = Vec::new();
        let mut logged = false;
        let mut parent = self.parent.as_ref();
        while let Some(p) = parent {
            p.mu.lock();
            locked.push(p);
            if !p.done.get() {
                // Appended to the parent's output.
                logged = true;
                break;
            }
            parent = p.parent.as_ref();
        }
        for p in locked.iter().rev() {
            p.mu.unlock();
        }
        self.mu.unlock();
        invariant!(logged, "Log in goroutine after {} has completed", self.name);
    }

    /// `tRunner` once the test function has returned: the test is done (no lock taken).
    fn finish(&self) {
        self.done.set(true);
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

struct SugaredLogger<B: Backend> {
    base: Logger<B>,
}

impl<B: Backend> SugaredLogger<B> {
    fn log(&self) {
        self.base.check().write();
    }

    fn info(&self, _args: &str) {
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
}

impl<B: Backend> RevisionWatcher<B> {
    fn run_with_tick_ch(self: &Arc<Self>, fixed: bool) {
        self.check_dests(fixed);
    }

    fn check_dests(self: &Arc<Self>, fixed: bool) {
        if fixed {
            // The fix: the goroutine's outcome comes back through an error group, and is logged
            // here, after the wait.
            let group = ErrGroup::<&'static str, B>::new_in();
            group.go(|| Err("1"));
            if let Err(err) = group.wait() {
                self.logger.info(err);
            }
        } else {
            let rw = Arc::clone(self);
            // Nobody waits for it.
            drop(B::spawn("check-dests", move || rw.logger.info("1")));
        }
    }
}

/// The subtest's function.
fn subtest<B: Backend>(t: &Arc<TestingT<B>>, fixed: bool) {
    let rw = Arc::new(RevisionWatcher {
        logger: testing_test_logger(t),
    });
    let wg = WaitGroup::<B>::new_in();
    wg.add(1);
    let (watcher, watched) = (Arc::clone(&rw), wg.clone());
    drop(B::spawn("run-with-tick-ch", move || {
        watcher.run_with_tick_ch(fixed);
        watched.done();
    }));
    wg.wait();
}

impl Scenario for Serving4908 {
    const NAME: &'static str = "goker::serving_4908";
    // Unbounded, the fix ran past 90 s; a data race shows on any schedule that makes both accesses,
    // whatever its preemptions, so a bound of 2 loses little.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "no log to a test races with the end of that test";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let t = TestingT::<B>::new("TestServing4908".to_owned(), None);
        let wg = WaitGroup::<B>::new_in();
        wg.add(1);
        let (test_t, test_done) = (Arc::clone(&t), wg.clone());
        drop(B::spawn("test-goroutine", move || {
            t_run(&test_t, "TestServing4908", move |t| subtest(t, fixed));
            test_done.done(); // the deferred wg.Done()
        }));
        wg.wait();
        // TestServing4908 returns: its tRunner marks it done.
        t.finish();
    }
}

impl Mistake for Serving4908 {
    const CAUGHT_AS: FailureKind = FailureKind::DataRace;
    // Logf's read of the subtest's `done` and tRunner's write, in either order: the second one
    // is the race.
    const TRACE_SHOWS: &'static [&'static str] = &["read cell", "data race"];
}

impl Kernel for Serving4908 {
    const GOKER: Goker = Goker {
        project: "serving",
        id: 4908,
        class: Class::NonBlocking,
        kind: "Go-Specific",
        subtype: "Testing library",
    };
}
