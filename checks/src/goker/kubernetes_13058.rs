//! GoKer `kubernetes_13058` (kubernetes PR #13058): the test starts the controller, whose delete
//! handler calls `Done` on the test's WaitGroup, before it adds to that WaitGroup, so a delete
//! handled first drives the counter below zero and panics.
//!
//! Ports `gobench/goker/nonblocking/kubernetes/13058/kubernetes13058_test.go` (GoBench:
//! go-specific, waitgroup). The test makes an informer whose delete handler calls
//! `testDoneWG.Done()`, starts the controller's `Run` on a goroutine (`Until` the stop channel
//! closes: a select with a default on it, then the process loop, which calls the handler once,
//! then a 10 ms sleep), then adds `threads` × 1 to both its WaitGroups, starts `threads`
//! goroutines that run an empty test function and call `wg.Done()`, waits on `wg`, waits on
//! `testDoneWG` and closes the stop channel. When the controller's first `Done` comes before the
//! test's `testDoneWG.Add`, Go panics with `sync: negative WaitGroup counter`, as the kit's
//! WaitGroup does (a panic). That panic, not a race report, is what Go shows with `-race` too:
//! Go's race annotation of a WaitGroup makes an `Add` from zero race only with a concurrent
//! `Wait`, and here the test itself both adds and waits. Fix (the upstream fix, whose comment
//! says that once `Run` is called `Done` may come, so every `Add` must come before it): the test
//! adds to `testDoneWG` before it starts the controller. One deviation, in both variants: the
//! kernel's `Until` loops until the stop channel closes, calling the handler every 10 ms; Go's
//! test closes it within microseconds of the last expected `Done`, while the controller sleeps,
//! so in Go it never calls a fourth time. The model's virtual clock may end a sleep at any step,
//! so an unbounded loop would let the fix's controller call `Done` once too often (a panic Go
//! never shows) and would never end under loom; the port's `Until` runs at most as many rounds
//! as the test expects deletes (`threads` × 1). The small instance has one test goroutine (Go's
//! test has three): main, the controller, one test goroutine and the timer thread.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, RecvArm, Select, Selected};
use patterns::{time, Backend, Receiver, WaitGroup};
use std::time::Duration;

zoo_entry! {
    /// A controller's delete handler counts down the test's WaitGroup while the test sets it up.
    pub struct Kubernetes13058 {
        /// Test goroutines, each expecting one delete (the kernel has three).
        pub threads: usize,
    }
}

/// The kernel's `ProcessFunc` (its object is always nil: none here).
type ProcessFunc = Box<dyn Fn() + Send + Sync>;

struct Config {
    process: ProcessFunc,
}

struct ResourceEventHandlerFuncs {
    delete_func: Option<Box<dyn Fn() + Send + Sync>>,
}

impl ResourceEventHandlerFuncs {
    fn on_delete(&self) {
        if let Some(delete_func) = &self.delete_func {
            delete_func();
        }
    }
}

struct Controller {
    config: Config,
}

impl Controller {
    fn process_loop(&self) {
        // The kernel's `for` breaks after its first call.
        (self.config.process)();
    }

    fn run<B: Backend>(&self, stop: &Receiver<(), B>, rounds: usize) {
        until(
            || self.process_loop(),
            Duration::from_millis(10),
            stop,
            rounds,
        );
    }
}

fn new_informer(h: ResourceEventHandlerFuncs) -> Controller {
    let cfg = Config {
        process: Box::new(move || h.on_delete()),
    };
    Controller { config: cfg }
}

/// `Until`: runs `f` every `period` until `stop` is closed; here at most `rounds` times (see the
/// header).
fn until<B: Backend>(f: impl Fn(), period: Duration, stop: &Receiver<(), B>, rounds: usize) {
    for _ in 0..rounds {
        let mut stopped = RecvArm::new(stop);
        if Select::new().recv(&mut stopped).or_default().wait() == Selected::Arm(0) {
            return;
        }
        f();
        time::sleep::<B>(period);
    }
}

/// The kernel's one test function, which does nothing.
fn empty_test(_name: &str) {}

impl Scenario for Kubernetes13058 {
    const NAME: &'static str = "goker::kubernetes_13058";
    // Unbounded, the fix passes in 164,118 schedules (9 s); a data race shows on any schedule that
    // makes both accesses, whatever its preemptions, so a bound of 2 loses little.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "the test's WaitGroup never goes below zero";
    broken_instances! {
        small: { threads: 1 },
        large: { threads: 3 },
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let test_done_wg = WaitGroup::<B>::new_in();
        let handler_wg = test_done_wg.clone();
        let controller = new_informer(ResourceEventHandlerFuncs {
            delete_func: Some(Box::new(move || handler_wg.done())),
        });
        let tests: [fn(&str); 1] = [empty_test];
        let expected = self.threads * tests.len();
        if fixed {
            // The fix: every Add before the controller runs.
            test_done_wg.add(expected as i64);
        }
        let (stop_tx, stop) = chan::bounded_in::<B, ()>(0);
        drop(B::spawn("controller-run", move || {
            controller.run(&stop, expected)
        }));
        let wg = WaitGroup::<B>::new_in();
        wg.add(expected as i64);
        if !fixed {
            test_done_wg.add(expected as i64); // too late: the controller may have called Done
        }
        for i in 0..self.threads {
            for (j, &f) in tests.iter().enumerate() {
                let (name, wg) = (format!("{i}-{j}"), wg.clone());
                drop(B::spawn(&format!("test-{name}"), move || {
                    f(&name);
                    wg.done(); // the deferred Done
                }));
            }
        }
        wg.wait();
        test_done_wg.wait();
        stop_tx.close().expect("close of closed channel");
    }
}

impl Mistake for Kubernetes13058 {
    const CAUGHT_AS: FailureKind = FailureKind::Panic;
    // The controller's stop check, its Done on a counter still at zero, Go's panic.
    const TRACE_SHOWS: &'static [&'static str] =
        &["select", "done WaitGroup", "negative WaitGroup counter"];
}

impl Kernel for Kubernetes13058 {
    const GOKER: Goker = Goker {
        project: "kubernetes",
        id: 13058,
        class: Class::NonBlocking,
        kind: "Go-Specific",
        subtype: "WaitGroup",
    };
}
