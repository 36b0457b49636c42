//! Misuse of the kit's primitives gets a clear error or a panic that names the mistake, and no
//! value handed to a channel is ever lost (on `Std`; the checks crate proves the same under the
//! model checkers).

use patterns::chan::{self, CloseError, SendError, TrySendError};
use patterns::{Cond, Context, CtxError, ErrGroup, Mutex, Once, Semaphore, WaitGroup};
use std::sync::Arc;

#[test]
#[should_panic(expected = "sync: negative WaitGroup counter")]
fn wait_group_below_zero_panics_like_go() {
    let wg = WaitGroup::new();
    wg.add(1);
    wg.done();
    wg.done();
}

#[test]
#[should_panic(expected = "a semaphore needs at least one permit")]
fn semaphore_of_zero_permits_is_refused() {
    let _ = Semaphore::new(0);
}

#[test]
#[should_panic(expected = "ErrGroup limit of 0")]
fn errgroup_limit_of_zero_is_refused() {
    let _ = ErrGroup::<()>::new().with_limit(0);
}

#[test]
#[should_panic(expected = "ErrGroup limit set after tasks were started")]
fn errgroup_limit_set_while_tasks_run_is_refused() {
    let (release, blocked) = chan::bounded::<()>(0);
    let group = ErrGroup::<()>::new();
    group.go(move || {
        blocked.recv();
        Ok(())
    });
    // The panic unwinds through here and drops `release`, which lets the task end.
    let _limited = group.with_limit(1);
    drop(release);
}

#[test]
fn errgroup_limit_may_be_set_once_wait_has_returned() {
    let group = ErrGroup::<()>::new().with_limit(1);
    group.go(|| Ok(()));
    assert_eq!(group.wait(), Ok(()));
    let group = group.with_limit(2);
    assert!(group.try_go(|| Ok(())) && group.try_go(|| Ok(())));
    assert_eq!(group.wait(), Ok(()));
}

#[test]
fn errgroup_wait_repanics_a_task_panic_once_every_task_returned() {
    let (group, ctx) = ErrGroup::<String>::with_context(&Context::background());
    let (finished_tx, finished) = chan::bounded::<()>(1);
    group.go(|| panic!("a task panics on purpose"));
    group.go(move || {
        std::thread::sleep(std::time::Duration::from_millis(50));
        finished_tx.send(()).expect("the test holds the receiver");
        Err("a later task's error".to_owned())
    });
    let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| group.wait()))
        .expect_err("wait re-panics with the task's panic");
    assert_eq!(
        patterns::panic_message(&*payload),
        "a task panics on purpose"
    );
    assert_eq!(
        finished.try_recv(),
        Ok(()),
        "wait re-panicked before the other task returned"
    );
    assert_eq!(
        ctx.err(),
        Some(CtxError::Canceled),
        "wait cancels the group's context"
    );
}

#[test]
fn a_task_panic_cancels_the_group_so_wait_returns() {
    let (group, ctx) = ErrGroup::<String>::with_context(&Context::background());
    group.go(|| panic!("a task panics on purpose"));
    let sibling = ctx.clone();
    group.go(move || {
        // Ends only when the group's context is cancelled: by the panic, or never.
        let _ = sibling.done().recv();
        Ok(())
    });
    let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| group.wait()))
        .expect_err("wait re-panics with the task's panic");
    assert_eq!(
        patterns::panic_message(&*payload),
        "a task panics on purpose"
    );
}

#[test]
fn double_close_is_an_error_not_silence() {
    let (tx, _rx) = chan::bounded::<u8>(1);
    assert_eq!(tx.close(), Ok(()));
    assert_eq!(tx.close(), Err(CloseError));
    assert_eq!(CloseError.to_string(), "close of a closed channel");
}

#[test]
fn send_after_close_hands_the_value_back() {
    let (tx, rx) = chan::bounded::<String>(1);
    tx.close().unwrap();
    let err = tx.send("kept".to_owned()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "send on a closed channel (the value is handed back)"
    );
    assert_eq!(err.into_inner(), "kept");
    assert_eq!(rx.recv(), None);
}

#[test]
fn every_channel_error_says_what_happened() {
    use patterns::chan::{RecvTimeoutError, TryRecvError};
    use std::time::Duration;
    let (tx, rx) = chan::bounded::<u8>(1);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(TryRecvError::Empty.to_string(), "channel empty");
    let timeout = rx.recv_timeout(Duration::from_millis(1)).unwrap_err();
    assert_eq!(timeout, RecvTimeoutError::Timeout);
    assert_eq!(timeout.to_string(), "timed out waiting on channel");
    tx.send(1).unwrap();
    let full = tx.try_send(2).unwrap_err();
    assert_eq!(full.to_string(), "channel full (the value is handed back)");
    assert_eq!(full.into_inner(), 2);
    tx.close().unwrap();
    let closed = tx.try_send(3).unwrap_err();
    assert_eq!(
        closed.to_string(),
        "send on a closed channel (the value is handed back)"
    );
    assert_eq!(rx.recv(), Some(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert_eq!(
        TryRecvError::Closed.to_string(),
        "channel closed and drained"
    );
    let drained = rx.recv_timeout(Duration::from_millis(1)).unwrap_err();
    assert_eq!(drained, RecvTimeoutError::Closed);
    assert_eq!(drained.to_string(), "channel closed and drained");
    let (tx, rx) = chan::bounded::<u8>(1);
    drop(rx);
    let gone = tx.send(4).unwrap_err();
    assert_eq!(
        gone.to_string(),
        "send on a channel with no receiver left (the value is handed back)"
    );
    assert_eq!(
        tx.try_send(5).unwrap_err().to_string(),
        "send on a channel with no receiver left (the value is handed back)"
    );
}

#[test]
fn send_with_no_receiver_left_hands_the_value_back() {
    let (tx, rx) = chan::bounded::<u8>(0);
    drop(rx);
    assert_eq!(tx.send(7), Err(SendError::Disconnected(7)));
    assert_eq!(tx.try_send(8), Err(TrySendError::Disconnected(8)));
}

#[test]
fn a_parked_sender_gets_its_value_back_when_the_last_receiver_leaves() {
    let (tx, rx) = chan::bounded::<u8>(0);
    let sender = std::thread::spawn(move || tx.send(5));
    // Whether the sender parked first or not, it must get 5 back, never lose it.
    drop(rx);
    assert_eq!(sender.join().unwrap(), Err(SendError::Disconnected(5)));
}

#[test]
fn a_receiver_that_times_out_leaves_the_others_waiting() {
    use std::time::Duration;
    let (tx, rx) = chan::bounded::<u8>(0);
    let early = {
        let rx = rx.clone();
        std::thread::spawn(move || rx.recv_timeout(Duration::from_millis(20)))
    };
    // Meant to park after `early`, so that `early`'s timeout finds a newer waiter beside it
    // (whatever the order, the checks below hold).
    std::thread::sleep(Duration::from_millis(5));
    let patient = std::thread::spawn(move || rx.recv_timeout(Duration::from_secs(30)));
    // Nothing is sent before `early` has given up.
    assert!(early.join().unwrap().is_err());
    let sender = std::thread::spawn(move || tx.send(7));
    assert_eq!(patient.join().unwrap(), Ok(7), "the value went to nobody");
    assert_eq!(sender.join().unwrap(), Ok(()));
}

#[test]
fn a_select_never_pairs_with_itself() {
    use patterns::chan::{RecvArm, Select, Selected, SendArm};
    use std::time::Duration;
    // Go: a send and a receive of one select on one unbuffered channel, with nobody else there,
    // wait; the select cannot hand its value to itself.
    let (tx, rx) = chan::bounded::<u8>(0);
    // A select registers its arms in a random order, and the second finds the first queued: 32
    // selects miss one of the two orders with odds of 2 in 4 billion.
    for _ in 0..32 {
        let (mut send, mut recv) = (SendArm::new(&tx, 1), RecvArm::new(&rx));
        let selected = Select::new()
            .send(&mut send)
            .recv(&mut recv)
            .timeout(Duration::from_millis(1))
            .wait();
        assert_eq!(selected, Selected::Timeout);
        assert_eq!(recv.take(), None, "the select received its own value");
    }
    // Its registrations are gone: a plain exchange pairs as usual.
    let sender = std::thread::spawn(move || tx.send(2));
    assert_eq!(rx.recv(), Some(2));
    assert_eq!(sender.join().unwrap(), Ok(()));
}

#[test]
fn close_keeps_buffered_values_for_receivers() {
    let (tx, rx) = chan::bounded(3);
    for i in 0..3 {
        tx.send(i).unwrap();
    }
    tx.close().unwrap();
    // Borrowing and owning iterators, as Go's `for v := range ch`: both drain, then end.
    assert_eq!(rx.iter().next(), Some(0));
    assert_eq!(rx.into_iter().collect::<Vec<_>>(), vec![1, 2]);
}

#[test]
fn context_errors_read_like_go() {
    assert_eq!(CtxError::Canceled.to_string(), "context canceled");
    assert_eq!(
        CtxError::DeadlineExceeded.to_string(),
        "context deadline exceeded"
    );
    let (ctx, cancel) = Context::background().with_cancel();
    drop(cancel); // dropping the canceller cancels: no lost-cancel leak
    assert_eq!(ctx.err(), Some(CtxError::Canceled));
}

#[test]
fn stopping_a_timer_whose_callback_owns_a_canceller_does_not_deadlock() {
    use patterns::{time, Std};
    use std::time::Duration;
    // The callback owns a canceller; stopping the timer drops it, which stops the context's own
    // deadline timer: both on the one timer service.
    let (ctx, cancel) = Context::background().with_timeout(Duration::from_secs(60));
    let timer = time::after_func::<Std>(Duration::from_secs(5), move || cancel.cancel());
    assert!(timer.stop());
    // The timer keeps its function for a reset; dropping the timer drops the canceller.
    drop(timer);
    assert_eq!(ctx.err(), Some(CtxError::Canceled));
    // The timer service still works.
    assert!(chan::after(Duration::from_millis(1)).recv().is_some());
}

#[test]
fn a_panicking_timer_callback_does_not_stop_other_timers() {
    use patterns::{time, Std};
    use std::time::Duration;
    let _ = time::after_func::<Std>(Duration::ZERO, || panic!("a callback panics on purpose"));
    // The bound only turns a dead timer thread (which would never deliver) into a failure instead
    // of a hang; a live one delivers after 5 ms.
    assert!(chan::after(Duration::from_millis(5))
        .recv_timeout(Duration::from_secs(60))
        .is_ok());
}

#[test]
#[should_panic(expected = "SendArm reused after its value was delivered")]
fn a_send_arm_sends_once() {
    use patterns::chan::{Select, SendArm};
    let (tx, _rx) = chan::bounded::<u8>(2);
    let mut arm = SendArm::new(&tx, 1);
    Select::new().send(&mut arm).wait();
    Select::new().send(&mut arm).wait();
}

#[test]
fn a_dropped_pool_accounts_for_every_job() {
    use patterns::worker_pool::WorkerPool;
    let pool = WorkerPool::new(1, 4, |job: &u32| Ok::<u32, String>(*job));
    for job in 0..4 {
        pool.submit(job).unwrap();
    }
    let results = pool.results();
    drop(pool); // cancelled: queued jobs come back unprocessed, none vanish
    assert_eq!(results.iter().count(), 4);
}

#[test]
fn a_job_submitted_to_a_cancelled_pool_comes_back_with_the_reason() {
    use patterns::worker_pool::{Options, SubmitError, WorkerPool};
    let (parent, cancel) = Context::background().with_cancel();
    let options = Options {
        workers: 1,
        queue: 1,
        retries: 0,
        timed: false,
    };
    let pool = WorkerPool::<u32, u32>::start(&parent, options, |job: &u32| Ok::<u32, String>(*job));
    cancel.cancel();
    let refused = pool.submit(7).expect_err("a cancelled pool took a job");
    assert_eq!(
        refused.to_string(),
        "job not accepted: the pool was cancelled (the job is handed back)"
    );
    assert_eq!(refused, SubmitError::Cancelled(7));
}

/// A panic payload whose drop panics: dropped by the worker that caught it, it takes the worker
/// thread down outside any job.
struct PanicsWhenDropped;

impl Drop for PanicsWhenDropped {
    fn drop(&mut self) {
        panic!("the payload's drop panics");
    }
}

#[test]
#[should_panic(expected = "the payload's drop panics")]
fn a_worker_threads_own_panic_surfaces_from_shutdown() {
    use patterns::worker_pool::WorkerPool;
    let pool = WorkerPool::new(1, 1, |_: &u32| -> Result<u32, String> {
        std::panic::resume_unwind(Box::new(PanicsWhenDropped))
    });
    pool.submit(0).unwrap();
    pool.shutdown();
}

#[test]
#[should_panic(expected = "Ticker::new: the period must be greater than zero")]
fn a_zero_ticker_period_is_refused() {
    let _ticker = patterns::Ticker::new(std::time::Duration::ZERO);
}

#[test]
#[should_panic(expected = "Ticker::reset: the period must be greater than zero")]
fn a_zero_ticker_reset_is_refused() {
    let ticker = patterns::Ticker::new(std::time::Duration::from_secs(60));
    ticker.reset(std::time::Duration::ZERO);
}

#[test]
#[should_panic(
    expected = "Weighted::acquire(3) on a semaphore of size 2: it could never be granted"
)]
fn a_weight_larger_than_the_semaphore_is_refused() {
    let _permit = patterns::Weighted::new(2).acquire(3);
}

#[test]
#[should_panic(expected = "sync: unlock of unlocked mutex")]
fn unlock_of_an_unlocked_mutex_panics() {
    let mu = Mutex::new();
    mu.lock();
    mu.unlock();
    mu.unlock();
}

#[test]
fn try_lock_fails_while_held() {
    let mu = Arc::new(Mutex::new());
    assert!(mu.try_lock(), "a free mutex is taken at once");
    let other = Arc::clone(&mu);
    let refused = std::thread::spawn(move || !other.try_lock())
        .join()
        .unwrap();
    assert!(refused, "another thread's try_lock took a held mutex");
    mu.unlock();
    assert!(mu.try_lock(), "the unlock freed it");
    mu.unlock();
}

#[test]
fn waiting_without_the_lock_panics() {
    let cond = Cond::new(Arc::new(Mutex::new()));
    let waited = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| cond.wait()));
    let message =
        patterns::panic_message(waited.expect_err("a wait without the lock panics").as_ref());
    assert!(
        message.contains("sync: unlock of unlocked mutex"),
        "the panic names the mistake: {message}"
    );
    // The failed wait took no ticket: nobody counts as waiting, and the next signal after a
    // waiter has begun waiting is the one that wakes it.
    assert_eq!(cond.waiters(), 0, "the failed wait left a ticket behind");
    let cond = Arc::new(cond);
    let waiter = {
        let cond = Arc::clone(&cond);
        std::thread::spawn(move || {
            cond.locker().lock();
            cond.wait();
            cond.locker().unlock();
        })
    };
    while cond.waiters() == 0 {
        std::thread::yield_now();
    }
    cond.signal();
    waiter.join().unwrap();
}

#[test]
fn a_once_whose_function_panicked_is_done() {
    let once = Once::new();
    let first = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        once.call(|| panic!("the first function fails"));
    }));
    assert!(first.is_err(), "the function's panic reaches its caller");
    assert!(
        once.is_done(),
        "Go: if f panics, Do considers it to have returned"
    );
    let mut ran = false;
    once.call(|| ran = true);
    assert!(
        !ran,
        "a later call ran its function after the first one panicked"
    );
}
