//! Go's own tests of channels and contexts, ported to the kit.
//!
//! Each case names the Go file and test it comes from (Go 1.19, Debian's `golang-1.19-src`:
//! `src/runtime/chan_test.go`, `src/context/context_test.go`). Go's timing-based waits (`sleep`,
//! "quiescent" timers) are dropped: the kit's promises are checked as invariants instead. Every case
//! is a scenario: it runs on real threads (the large size, under the harness's stress runner, whose
//! watchdog turns a hang into a failure naming each blocked thread's operation and line) and, sized
//! down, under shuttle.
//!
//! Where Go assumes a long timeout does not fire during the test, the port asks the backend's clock
//! instead: under the model checkers virtual time may jump to any armed deadline at any step, so an
//! hour may pass between two lines. An assertion that needs the timer not to have fired holds when
//! `B::now()`, read after it, is still before the deadline.

use checks::harness::{check, Checker, Scenario};
use patterns::chan::{self, RecvArm, Select, Selected, SendArm, TryRecvError};
use patterns::context::Key;
use patterns::{Backend, Context, CtxError, WaitGroup};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Declares a ported Go test as a scenario with one size parameter `n`, and its two tests: on real
/// threads at `large` (the stress runner, on `Real`: `Std` with every thread's blocking operation
/// tracked), under shuttle's random scheduler at `small`.
macro_rules! go_case {
    ($module:ident, $go:literal, $small:expr, $large:expr, |$n:ident| $body:block) => {
        mod $module {
            use super::*;

            #[derive(Clone, Debug, Serialize, Deserialize)]
            pub struct Case {
                pub n: usize,
            }

            impl Scenario for Case {
                const NAME: &'static str = concat!("golang::", $go);
                fn small() -> Self {
                    Self { n: $small }
                }
                fn large() -> Self {
                    Self { n: $large }
                }
                fn run<B: Backend>(&self) {
                    run::<B>(self.n)
                }
            }

            fn run<B: Backend>($n: usize) $body

            /// On real threads under the harness's stress runner, so a hang (a partner
            /// missing, a wake lost) ends as a named failure with each blocked thread's
            /// operation and line, instead of hanging the test binary.
            #[test]
            fn on_real_threads() {
                let stats = check(&Case::large(), &Checker::stress(1));
                println!("{stats}");
                stats.assert_pass();
            }

            #[test]
            fn under_shuttle() {
                let stats = check(&Case::small(), &Checker::random(200, 0x60));
                println!("{stats}");
                stats.assert_pass();
            }
        }
    };
}

// runtime/chan_test.go, TestChan: for each capacity, a non-blocking receive on an empty channel
// does not block; a closed channel yields the zero value (here `None`) forever; close unblocks a
// parked receiver; buffered values come out in FIFO order.
go_case!(chan_basics, "runtime/chan_test.go:TestChan", 2, 50, |n| {
    for cap in [0, 1, n] {
        let (tx, rx) = chan::bounded_in::<B, usize>(cap);
        assert_eq!(
            rx.try_recv(),
            Err(TryRecvError::Empty),
            "cap {cap}: try_recv blocked or lied"
        );
        for i in 0..cap {
            tx.send(i).unwrap();
        }
        for i in 0..cap {
            assert_eq!(
                rx.recv(),
                Some(i),
                "cap {cap}: buffered values out of order"
            );
        }
        let parked = {
            let rx = rx.clone();
            B::spawn("receiver", move || rx.recv())
        };
        tx.close().unwrap();
        assert_eq!(
            B::join(parked).unwrap(),
            None,
            "cap {cap}: close did not unblock a receive"
        );
        for _ in 0..3 {
            assert_eq!(
                rx.recv(),
                None,
                "cap {cap}: a closed channel must keep yielding None"
            );
        }
    }
});

// runtime/chan_test.go, TestNonblockRecvRace: a buffered value stays receivable while the channel
// is closed concurrently, so a non-blocking receive must never take the default.
go_case!(
    nonblock_recv_race,
    "runtime/chan_test.go:TestNonblockRecvRace",
    1,
    200,
    |n| {
        for _ in 0..n {
            let (tx, rx) = chan::bounded_in::<B, u8>(1);
            tx.send(1).unwrap();
            let racer = {
                let rx = rx.clone();
                B::spawn("racer", move || {
                    let mut arm = RecvArm::new(&rx);
                    Select::new().recv(&mut arm).or_default().wait()
                })
            };
            tx.close().unwrap();
            rx.recv();
            assert_ne!(
                B::join(racer).unwrap(),
                Selected::Default,
                "chan is not ready"
            );
        }
    }
);

// runtime/chan_test.go, TestNonblockSelectRace (and Race2, with close(c2) for c2 <- 1): from the
// racer's start, c1 or c2 is always ready, so its non-blocking select must never take the default
// — a select acts on one snapshot of all its channels.
go_case!(
    nonblock_select_race,
    "runtime/chan_test.go:TestNonblockSelectRace",
    1,
    200,
    |n| {
        for round in 0..n {
            let close_c2 = round % 2 == 1;
            let (c1_tx, c1_rx) = chan::bounded_in::<B, u8>(1);
            let (c2_tx, c2_rx) = chan::bounded_in::<B, u8>(if close_c2 { 0 } else { 1 });
            c1_tx.send(1).unwrap();
            let racer = {
                let (c1_rx, c2_rx) = (c1_rx.clone(), c2_rx.clone());
                B::spawn("racer", move || {
                    let (mut a, mut b) = (RecvArm::new(&c1_rx), RecvArm::new(&c2_rx));
                    Select::new().recv(&mut a).recv(&mut b).or_default().wait()
                })
            };
            if close_c2 {
                c2_tx.close().unwrap();
            } else {
                c2_tx.send(1).unwrap();
            }
            let mut drain = RecvArm::new(&c1_rx);
            Select::new().recv(&mut drain).or_default().wait();
            assert_ne!(
                B::join(racer).unwrap(),
                Selected::Default,
                "no chan is ready"
            );
        }
    }
);

// runtime/chan_test.go, TestSelfSelect: two threads select on sending to and receiving from the
// same channel; on an unbuffered channel a select must never receive its own value, and nothing
// deadlocks.
go_case!(
    self_select,
    "runtime/chan_test.go:TestSelfSelect",
    2,
    200,
    |n| {
        for cap in [0, 10] {
            let (tx, rx) = chan::bounded_in::<B, usize>(cap);
            let wg = WaitGroup::<B>::new_in();
            let threads: Vec<_> = (0..2)
                .map(|p| {
                    wg.add(1);
                    let (tx, rx, wg) = (tx.clone(), rx.clone(), wg.clone());
                    B::spawn(&format!("selector-{p}"), move || {
                        for i in 0..n {
                            let mut send = SendArm::new(&tx, p);
                            let mut recv = RecvArm::new(&rx);
                            let selected = if p == 0 || i % 2 == 0 {
                                Select::new().send(&mut send).recv(&mut recv).wait()
                            } else {
                                Select::new().recv(&mut recv).send(&mut send).wait()
                            };
                            let received = match selected {
                                Selected::Arm(_) => recv.take(),
                                _ => None,
                            };
                            assert!(!(cap == 0 && received == Some(p)), "self receive");
                        }
                        wg.done();
                    })
                })
                .collect();
            wg.wait();
            for thread in threads {
                B::join(thread).unwrap();
            }
            // Whatever is left buffered is drained: close must not lose it either.
            drop(tx);
            drop(rx);
        }
    }
);

// runtime/chan_test.go, TestMultiConsumer: workers range over a job channel and forward to a result
// channel; a feeder closes the jobs, waits for the workers, closes the results. Every job's value
// arrives exactly once (count and sum).
go_case!(
    multi_consumer,
    "runtime/chan_test.go:TestMultiConsumer",
    2,
    23,
    |n| {
        let workers = n;
        let iterations = n * 50;
        let primes = [2, 3, 7, 11, 13, 17, 19, 23, 27, 31];
        let (q_tx, q_rx) = chan::bounded_in::<B, usize>(workers * 3);
        let (r_tx, r_rx) = chan::bounded_in::<B, usize>(workers * 3);
        let wg = WaitGroup::<B>::new_in();
        let threads: Vec<_> = (0..workers)
            .map(|w| {
                wg.add(1);
                let (q_rx, r_tx, wg) = (q_rx.clone(), r_tx.clone(), wg.clone());
                B::spawn(&format!("worker-{w}"), move || {
                    for v in &q_rx {
                        if primes[w % primes.len()] == v {
                            B::yield_now(); // mess with the FIFO-ish nature of range
                        }
                        r_tx.send(v).unwrap();
                    }
                    wg.done();
                })
            })
            .collect();
        drop((q_rx, r_tx));
        let feeder = B::spawn("feeder", move || {
            let mut expect = 0;
            for i in 0..iterations {
                let v = primes[i % primes.len()];
                expect += v;
                q_tx.send(v).unwrap();
            }
            drop(q_tx); // no more work
            wg.wait(); // workers done, and they hold the last result senders
            expect
        });
        let (mut count, mut sum) = (0, 0);
        for v in &r_rx {
            count += 1;
            sum += v;
        }
        let expect = B::join(feeder).unwrap();
        for thread in threads {
            B::join(thread).unwrap();
        }
        assert_eq!(
            (count, sum),
            (iterations, expect),
            "results lost or duplicated"
        );
    }
);

// runtime/chan_test.go, TestSelectDuplicateChannel: a select queued twice on one channel, woken
// through another, must leave that channel's wait queue intact for the next receiver.
go_case!(
    select_duplicate_channel,
    "runtime/chan_test.go:TestSelectDuplicateChannel",
    1,
    1,
    |_n| {
        let (c_tx, c_rx) = chan::bounded_in::<B, u32>(0);
        let (d_tx, d_rx) = chan::bounded_in::<B, u32>(0);
        let (e_tx, e_rx) = chan::bounded_in::<B, u32>(0);
        let a = {
            let (c_rx, d_rx) = (c_rx.clone(), d_rx.clone());
            B::spawn("a", move || {
                let (mut c1, mut c2, mut d) = (
                    RecvArm::new(&c_rx),
                    RecvArm::new(&c_rx),
                    RecvArm::new(&d_rx),
                );
                let selected = Select::new()
                    .recv(&mut c1)
                    .recv(&mut c2)
                    .recv(&mut d)
                    .wait();
                e_tx.send(9).unwrap();
                selected
            })
        };
        let b = B::spawn("b", move || c_rx.recv());
        d_tx.send(7).unwrap(); // wakes a, which leaves c's queue
        assert_eq!(e_rx.recv(), Some(9));
        c_tx.send(8).unwrap(); // wakes b, which must still be queued on c
        assert_eq!(B::join(b).unwrap(), Some(8));
        assert_eq!(B::join(a).unwrap(), Selected::Arm(2));
    }
);

// context/context_test.go, TestBackground: never done, no error, no values.
go_case!(
    background,
    "context/context_test.go:TestBackground",
    1,
    1,
    |_n| {
        let ctx = Context::<B>::background_in();
        assert_eq!(ctx.err(), None);
        assert_eq!(
            ctx.done().try_recv(),
            Err(TryRecvError::Empty),
            "background is never done"
        );
        assert_eq!(ctx.value::<GoKey1>(), None, "background has no values");
    }
);

/// Go's `key1`, `key2` and `key3` of `TestValues` (there `k2` and `k3` are two values of one
/// type; here a key is a type, so they are two).
struct GoKey1;
impl Key for GoKey1 {
    type Value = &'static str;
}
struct GoKey2;
impl Key for GoKey2 {
    type Value = &'static str;
}
struct GoKey3;
impl Key for GoKey3 {
    type Value = &'static str;
}

/// The three keys' values in `ctx`, `""` where a key is unbound (as Go's `check` reads them).
fn values_of<B: Backend>(ctx: &Context<B>) -> [&'static str; 3] {
    [
        ctx.value::<GoKey1>().copied().unwrap_or(""),
        ctx.value::<GoKey2>().copied().unwrap_or(""),
        ctx.value::<GoKey3>().copied().unwrap_or(""),
    ]
}

// context/context_test.go, TestValues: a value is found through the chain, the nearest binding
// wins, and a child's binding is never seen by its parent. Go's `otherContext` (a user's own
// Context implementation wrapping one) has no counterpart: `Context` is a type, not an interface.
// Go rebinds k1 to nil in c4; here it is rebound to another value.
go_case!(values, "context/context_test.go:TestValues", 1, 1, |_n| {
    let c0 = Context::<B>::background_in();
    assert_eq!(values_of(&c0), ["", "", ""], "c0");
    let c1 = c0.with_value::<GoKey1>("c1k1");
    assert_eq!(values_of(&c1), ["c1k1", "", ""], "c1");
    let c2 = c1.with_value::<GoKey2>("c2k2");
    assert_eq!(values_of(&c2), ["c1k1", "c2k2", ""], "c2");
    let c3 = c2.with_value::<GoKey3>("c3k3");
    assert_eq!(values_of(&c3), ["c1k1", "c2k2", "c3k3"], "c3");
    let c4 = c3.with_value::<GoKey1>("c4k1");
    assert_eq!(values_of(&c4), ["c4k1", "c2k2", "c3k3"], "c4");
    assert_eq!(values_of(&c3), ["c1k1", "c2k2", "c3k3"], "c3 after c4");
    let (cancellable, _cancel) = c4.with_cancel();
    assert_eq!(
        values_of(&cancellable),
        ["c4k1", "c2k2", "c3k3"],
        "a cancellable child keeps the values"
    );
    let (timed, _stop) = c2.with_timeout(Duration::from_secs(3600));
    assert_eq!(
        values_of(&timed),
        ["c1k1", "c2k2", ""],
        "a timer child keeps the values"
    );
});

// context/context_test.go, TestParentFinishesChild: the parent links its cancellable children
// (including a timer child under a value child, which links to the parent itself, since a value
// context is not cancellable of its own), cancelling it finishes all of them with Canceled and
// clears its children; a child made from a cancelled parent is done at once.
go_case!(
    parent_finishes_child,
    "context/context_test.go:TestParentFinishesChild",
    1,
    1,
    |_n| {
        let (parent, cancel) = Context::<B>::background_in().with_cancel();
        let (cancel_child, _stop) = parent.with_cancel();
        let value_child = parent.with_value::<GoKey1>("value");
        let (timer_child, _stop_timer) = value_child.with_timeout(Duration::from_secs(3600));
        let deadline = timer_child.deadline().expect("a timeout sets a deadline");
        for ctx in [&parent, &cancel_child, &value_child, &timer_child] {
            let state = ctx.done().try_recv();
            if B::now() < deadline {
                assert_eq!(state, Err(TryRecvError::Empty), "should block");
            }
        }
        // The timer child unlinks itself if its deadline has passed (virtual time may jump).
        let linked = parent.child_count();
        if B::now() < deadline {
            assert_eq!(
                linked, 2,
                "bad linkage: the cancel child and the timer child"
            );
        }
        cancel.cancel();
        assert_eq!(parent.child_count(), 0, "cancel didn't clear the children");
        for ctx in [&parent, &cancel_child, &value_child, &timer_child] {
            assert_eq!(
                ctx.done().try_recv(),
                Err(TryRecvError::Closed),
                "done should be closed"
            );
        }
        for ctx in [&parent, &cancel_child, &value_child] {
            assert_eq!(ctx.err(), Some(CtxError::Canceled));
        }
        let err = timer_child.err();
        if B::now() < deadline {
            assert_eq!(
                err,
                Some(CtxError::Canceled),
                "cancelled before its deadline"
            );
        }
        let (precancelled, _stop_pre) = parent.with_cancel();
        assert_eq!(precancelled.err(), Some(CtxError::Canceled));
    }
);

// context/context_test.go, TestChildFinishesFirst and TestCancelRemoves: a child cancelled first
// unlinks itself; its parent stays live.
go_case!(
    child_finishes_first,
    "context/context_test.go:TestChildFinishesFirst",
    1,
    1,
    |_n| {
        let (cancelable, _stop) = Context::<B>::background_in().with_cancel();
        for parent in [Context::<B>::background_in(), cancelable] {
            let (child, cancel) = parent.with_cancel();
            let (_timer_child, cancel_timer) = parent.with_timeout(Duration::from_secs(3600));
            cancel.cancel();
            cancel_timer.cancel();
            assert_eq!(child.err(), Some(CtxError::Canceled));
            assert_eq!(parent.err(), None, "a child's cancel reached its parent");
            assert_eq!(
                parent.child_count(),
                0,
                "cancelled children were not removed"
            );
        }
    }
);

// context/context_test.go, TestSimultaneousCancels: a tree of contexts cancelled from many threads
// at once; every context ends up done and every cancel returns.
go_case!(
    simultaneous_cancels,
    "context/context_test.go:TestSimultaneousCancels",
    3,
    40,
    |n| {
        let (root, cancel_root) = Context::<B>::background_in().with_cancel();
        let mut contexts = vec![root.clone()];
        let mut cancels = vec![cancel_root];
        let mut next = 0;
        while contexts.len() < n {
            let (ctx, cancel) = contexts[next].with_cancel();
            contexts.push(ctx);
            cancels.push(cancel);
            if contexts.len() % 4 == 1 {
                next += 1;
            }
        }
        let threads: Vec<_> = cancels
            .into_iter()
            .enumerate()
            .map(|(i, cancel)| B::spawn(&format!("cancel-{i}"), move || cancel.cancel()))
            .collect();
        for ctx in &contexts {
            assert_eq!(ctx.done().recv(), None);
            assert_eq!(ctx.err(), Some(CtxError::Canceled));
        }
        for thread in threads {
            B::join(thread).unwrap();
        }
    }
);

// context/context_test.go, TestInterlockedCancels: a thread cancels the child when it sees the
// parent done; cancelling the parent finishes the child either way, without deadlock.
go_case!(
    interlocked_cancels,
    "context/context_test.go:TestInterlockedCancels",
    1,
    1,
    |_n| {
        let (parent, cancel_parent) = Context::<B>::background_in().with_cancel();
        let (child, cancel_child) = parent.with_cancel();
        let watcher = {
            let parent = parent.clone();
            B::spawn("watcher", move || {
                parent.done().recv();
                cancel_child.cancel();
            })
        };
        cancel_parent.cancel();
        assert_eq!(child.done().recv(), None);
        B::join(watcher).unwrap();
    }
);

// context/context_test.go, TestDeadline and TestTimeout: a deadline (own, or a parent's earlier
// one) ends the context with DeadlineExceeded.
go_case!(
    deadline,
    "context/context_test.go:TestDeadline",
    1,
    1,
    |_n| {
        let (ctx, _stop) = Context::<B>::background_in().with_timeout(Duration::from_millis(5));
        assert_eq!(ctx.done().recv(), None);
        assert_eq!(ctx.err(), Some(CtxError::DeadlineExceeded));
        let (parent, _stop_parent) =
            Context::<B>::background_in().with_timeout(Duration::from_millis(5));
        let (child, _stop_child) = parent.with_timeout(Duration::from_secs(3600));
        assert_eq!(
            child.deadline(),
            parent.deadline(),
            "the parent's earlier deadline applies"
        );
        assert_eq!(child.done().recv(), None);
        assert_eq!(child.err(), Some(CtxError::DeadlineExceeded));
    }
);

// context/context_test.go, TestCanceledTimeout: cancelling before the deadline gives Canceled.
go_case!(
    canceled_timeout,
    "context/context_test.go:TestCanceledTimeout",
    1,
    1,
    |_n| {
        let (ctx, cancel) = Context::<B>::background_in().with_timeout(Duration::from_secs(3600));
        let deadline = ctx.deadline().expect("a timeout sets a deadline");
        let (child, _stop) = ctx.with_cancel();
        cancel.cancel();
        assert_eq!(child.done().recv(), None);
        let err = child.err();
        assert!(err.is_some());
        if B::now() < deadline {
            assert_eq!(
                err,
                Some(CtxError::Canceled),
                "cancelled before its deadline"
            );
        }
    }
);

// runtime/chan_test.go, TestSelectFairness: with two arms always ready behind two that never are,
// each ready arm must win about half of the selects. Go's spec: a ready case "is chosen via a
// uniform pseudo-random selection". Statistical, so `Std` only, with Go's own tolerance: the count
// must lie within 10 standard deviations of the mean (10,000 trials: 4,500 to 5,500), which a fair
// select misses with a probability below 10^-20.
#[test]
fn select_fairness() {
    const TRIALS: usize = 10_000;
    let (c1_tx, c1) = chan::bounded::<u8>(TRIALS + 1);
    let (c2_tx, c2) = chan::bounded::<u8>(TRIALS + 1);
    for _ in 0..=TRIALS {
        c1_tx.send(1).unwrap();
        c2_tx.send(2).unwrap();
    }
    let (_c3_tx, c3) = chan::bounded::<u8>(0);
    let (_c4_tx, c4) = chan::bounded::<u8>(0);
    let mut first = 0;
    for _ in 0..TRIALS {
        let (mut a3, mut a4) = (RecvArm::new(&c3), RecvArm::new(&c4));
        let (mut a1, mut a2) = (RecvArm::new(&c1), RecvArm::new(&c2));
        let selected = Select::new()
            .recv(&mut a3)
            .recv(&mut a4)
            .recv(&mut a1)
            .recv(&mut a2)
            .wait();
        match selected {
            Selected::Arm(2) => first += 1,
            Selected::Arm(3) => {}
            other => panic!("an arm that was never ready won: {other:?}"),
        }
    }
    let mean = TRIALS as f64 / 2.0;
    let sigma = (TRIALS as f64).sqrt() / 2.0;
    assert!(
        (first as f64 - mean).abs() <= 10.0 * sigma,
        "unfair select: the first ready arm won {first} of {TRIALS} (expected {mean} ± {})",
        10.0 * sigma
    );
}
