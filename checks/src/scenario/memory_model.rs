//! The Go memory model's happens-before edges, one scenario each: data written with `Relaxed`
//! atomics before the edge must be seen after it. loom explores weak-memory outcomes, so each of
//! these fails under loom if the kit's primitive does not synchronize; `zoo::relaxed_publication`
//! is the broken hand-off (a `Relaxed` flag in place of the primitive), caught by loom alone.

use crate::harness::Scenario;
use crate::invariant;
use patterns::{
    chan, time, Atomic, Backend, Context, ErrGroup, Mutex, Once, RwMutex, Semaphore, WaitGroup,
};
use serde::{Deserialize, Serialize};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// The value published before each edge.
const PUBLISHED: usize = 42;

/// A cell written before the edge and read after it, both `Relaxed`: only the edge orders them.
fn data<B: Backend>() -> Arc<B::AtomicUsize> {
    Arc::new(B::AtomicUsize::new(0))
}

/// Asserts the reader saw what was written before the edge.
fn seen<B: Backend>(data: &B::AtomicUsize, edge: &str) {
    let value = data.load(Ordering::Relaxed);
    invariant!(
        value == PUBLISHED,
        "{edge} must happen before what follows it: read {value}, not {PUBLISHED}"
    );
}

/// Declares one happens-before scenario named `$name`, whose body writes `data` before the edge
/// and checks it with `seen` after.
macro_rules! edge {
    ($(#[$doc:meta])* $ty:ident, $name:literal, |$data:ident| $body:block) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Serialize, Deserialize)]
        pub struct $ty;

        impl Scenario for $ty {
            const NAME: &'static str = $name;
            fn small() -> Self {
                Self
            }
            fn large() -> Self {
                Self
            }
            fn run<B: Backend>(&self) {
                let $data = data::<B>();
                $body
            }
        }
    };
}

edge!(
    /// "A send on a channel is synchronized before the completion of the corresponding receive."
    SendBeforeReceive,
    "memory_model::send_before_receive",
    |data| {
        let (tx, rx) = chan::bounded_in::<B, ()>(1);
        let writer = Arc::clone(&data);
        let sender = B::spawn("sender", move || {
            writer.store(PUBLISHED, Ordering::Relaxed);
            tx.send(()).expect("the receiver is alive");
        });
        rx.recv();
        seen::<B>(&data, "a send");
        B::join(sender).expect("sender panicked");
    }
);

edge!(
    /// "The closing of a channel is synchronized before a receive that returns because the
    /// channel is closed."
    CloseBeforeClosedReceive,
    "memory_model::close_before_closed_receive",
    |data| {
        let (tx, rx) = chan::bounded_in::<B, ()>(0);
        let writer = Arc::clone(&data);
        let closer = B::spawn("closer", move || {
            writer.store(PUBLISHED, Ordering::Relaxed);
            tx.close().expect("closed once");
        });
        invariant!(rx.recv().is_none(), "nothing was sent, so recv returns on close");
        seen::<B>(&data, "a close");
        B::join(closer).expect("closer panicked");
    }
);

edge!(
    /// "For any sync.Mutex or sync.RWMutex variable l and n < m, call n of l.Unlock() is
    /// synchronized before call m of l.Lock() returns" (and a write unlock before a later RLock).
    UnlockBeforeLock,
    "memory_model::unlock_before_lock",
    |data| {
        let lock = Arc::new(RwMutex::<bool, B>::new_in(false));
        let (writer_lock, writer) = (Arc::clone(&lock), Arc::clone(&data));
        let writer_thread = B::spawn("writer", move || {
            let mut published = writer_lock.write();
            writer.store(PUBLISHED, Ordering::Relaxed);
            *published = true;
        });
        // One look, no spin: a reader that sees the flag the writer set sees the data too.
        if *lock.read() {
            seen::<B>(&data, "a write unlock");
        }
        B::join(writer_thread).expect("writer panicked");
    }
);

edge!(
    /// RWMutex: "the matching call to l.RUnlock is synchronized before the return from call n+1
    /// to l.Lock". A reader cannot write the value it reads, so it writes `data`, then a mark, both
    /// `Relaxed`, while it holds the read lock; a writer that finds the mark finds the data too.
    RunlockBeforeLock,
    "memory_model::runlock_before_lock",
    |data| {
        let lock = Arc::new(RwMutex::<(), B>::new_in(()));
        let mark = Arc::new(B::AtomicBool::new(false));
        let (reader_lock, reader_data, reader_mark) =
            (Arc::clone(&lock), Arc::clone(&data), Arc::clone(&mark));
        let reader = B::spawn("reader", move || {
            let _shared = reader_lock.read();
            reader_data.store(PUBLISHED, Ordering::Relaxed);
            reader_mark.store(true, Ordering::Relaxed);
        });
        // One look, no spin: a writer that sees the reader's mark sees its data too.
        let exclusive = lock.write();
        if mark.load(Ordering::Relaxed) {
            seen::<B>(&data, "a read unlock");
        }
        drop(exclusive);
        B::join(reader).expect("reader panicked");
    }
);

edge!(
    /// WaitGroup: a `Done` is synchronized before the return of the `Wait` it unblocks.
    DoneBeforeWait,
    "memory_model::done_before_wait",
    |data| {
        let wg = WaitGroup::<B>::new_in();
        wg.add(1);
        let (done_wg, writer) = (wg.clone(), Arc::clone(&data));
        let worker = B::spawn("worker", move || {
            writer.store(PUBLISHED, Ordering::Relaxed);
            done_wg.done();
        });
        wg.wait();
        seen::<B>(&data, "a WaitGroup's done");
        B::join(worker).expect("worker panicked");
    }
);

edge!(
    /// Context: a cancel happens before a receive that observes the closed Done channel.
    CancelBeforeDoneObserved,
    "memory_model::cancel_before_done_observed",
    |data| {
        let (ctx, cancel) = Context::<B>::background_in().with_cancel();
        let writer = Arc::clone(&data);
        let canceller = B::spawn("canceller", move || {
            writer.store(PUBLISHED, Ordering::Relaxed);
            cancel.cancel();
        });
        ctx.done().recv();
        seen::<B>(&data, "a cancel");
        B::join(canceller).expect("canceller panicked");
    }
);

edge!(
    /// Semaphore: a release happens before the acquire it lets through.
    ReleaseBeforeAcquire,
    "memory_model::release_before_acquire",
    |data| {
        let sem = Arc::new(Semaphore::<B>::new_in(1));
        let held = sem.acquire();
        let (waiter_sem, reader) = (Arc::clone(&sem), Arc::clone(&data));
        let waiter = B::spawn("waiter", move || {
            let _permit = waiter_sem.acquire();
            seen::<B>(&reader, "a semaphore release");
        });
        data.store(PUBLISHED, Ordering::Relaxed);
        drop(held);
        B::join(waiter).expect("waiter panicked");
    }
);

edge!(
    /// errgroup: a function passed to `go` happens before the `wait` that returns after it.
    GoBeforeWait,
    "memory_model::go_before_wait",
    |data| {
        let group = ErrGroup::<(), B>::new_in();
        let writer = Arc::clone(&data);
        group.go(move || {
            writer.store(PUBLISHED, Ordering::Relaxed);
            Ok(())
        });
        invariant!(group.wait().is_ok(), "the function returned Ok");
        seen::<B>(&data, "an errgroup function");
    }
);

edge!(
    /// Timers: arming `after_func` happens before its callback runs. A first timer, an hour away,
    /// has started the timer thread before the write, so the thread's spawn orders nothing here:
    /// only the arming does.
    ArmBeforeCallback,
    "memory_model::arm_before_callback",
    |data| {
        let _first = time::after_func::<B>(Duration::from_secs(3600), || {});
        let (read_tx, read) = chan::bounded_in::<B, usize>(1);
        data.store(PUBLISHED, Ordering::Relaxed);
        let reader = Arc::clone(&data);
        let _timer = time::after_func::<B>(Duration::from_millis(1), move || {
            // Capacity 1, one send: never full.
            let _ = read_tx.try_send(reader.load(Ordering::Relaxed));
        });
        let value = read.recv().expect("the timer fires once");
        invariant!(
            value == PUBLISHED,
            "arming a timer must happen before its callback: the callback read {value}"
        );
    }
);

edge!(
    /// `sync.Mutex`: "call n of l.Unlock() is synchronized before call m of l.Lock() returns"
    /// (n < m). The holder writes `data`, then a mark, both `Relaxed`; a later holder that finds
    /// the mark finds the data too.
    MutexUnlockBeforeLock,
    "memory_model::mutex_unlock_before_lock",
    |data| {
        let mu = Arc::new(Mutex::<B>::new_in());
        let mark = Arc::new(B::AtomicBool::new(false));
        let (holder_mu, holder_data, holder_mark) =
            (Arc::clone(&mu), Arc::clone(&data), Arc::clone(&mark));
        let holder = B::spawn("holder", move || {
            holder_mu.lock();
            holder_data.store(PUBLISHED, Ordering::Relaxed);
            holder_mark.store(true, Ordering::Relaxed);
            holder_mu.unlock();
        });
        // One look, no spin: a holder after the other one sees what it wrote.
        mu.lock();
        if mark.load(Ordering::Relaxed) {
            seen::<B>(&data, "a mutex unlock");
        }
        mu.unlock();
        B::join(holder).expect("holder panicked");
    }
);

edge!(
    /// `sync.Once`: "the completion of a single call of f() from once.Do(f) is synchronized
    /// before the return of any call of once.Do(f)". A caller whose own function did not run
    /// sees what the one that ran wrote.
    OnceBeforeEveryReturn,
    "memory_model::once_before_every_return",
    |data| {
        let once = Arc::new(Once::<B>::new_in());
        let (runner_once, runner_data) = (Arc::clone(&once), Arc::clone(&data));
        let runner = B::spawn("runner", move || {
            runner_once.call(|| runner_data.store(PUBLISHED, Ordering::Relaxed));
        });
        let mut mine = false;
        once.call(|| mine = true);
        if !mine {
            seen::<B>(&data, "the once's function");
        }
        B::join(runner).expect("runner panicked");
    }
);
