//! Scenarios of the kit's RwMutex: Go's reader-writer lock.

use crate::harness::Scenario;
use crate::invariant;
use patterns::{Atomic, AtomicInt, Backend, RwMutex};
use serde::{Deserialize, Serialize};
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Readers and writers take the lock in turns: readers share it (a reader gets in while another
/// holds it), a writer is always alone (no reader, no other writer inside), readers never overlap
/// a writer, every write is kept, and everyone gets through (no deadlock, no starvation: the
/// readers a writer held back are let in).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReadersShareWritersExclude {
    /// Reader threads.
    pub readers: usize,
    /// Writer threads.
    pub writers: usize,
    /// Times each thread takes the lock.
    pub rounds: usize,
}

impl Scenario for ReadersShareWritersExclude {
    const NAME: &'static str = "rw_mutex::readers_share_writers_exclude";
    fn small() -> Self {
        Self {
            readers: 2,
            writers: 1,
            rounds: 1,
        }
    }
    fn large() -> Self {
        Self {
            readers: 4,
            writers: 2,
            rounds: 5,
        }
    }
    fn run<B: Backend>(&self) {
        let lock = Arc::new(RwMutex::<usize, B>::new_in(0));
        {
            // Main alone: a free lock is taken at once (Go's TryLock and TryRLock), a read lock
            // admits another try_read, and a writer's try_write fails while readers hold it.
            invariant!(
                lock.try_write().is_some(),
                "try_write failed on a free lock"
            );
            let first = lock.try_read();
            invariant!(first.is_some(), "try_read failed on a free lock");
            invariant!(
                lock.try_read().is_some(),
                "try_read failed beside another reader"
            );
            invariant!(
                lock.try_write().is_none(),
                "try_write got in while a reader held the lock"
            );
        }
        {
            // "Held by an arbitrary number of readers": a reader gets in while this one holds the
            // lock (if readers excluded each other, the join below would never return).
            let _held = lock.read();
            let second = Arc::clone(&lock);
            let sharer = B::spawn("sharing-reader", move || *second.read());
            let seen = B::join(sharer).expect("the sharing reader panicked");
            invariant!(seen == 0, "no writer has run yet, but a reader saw {seen}");
        }
        // Who is inside now. SeqCst: these gauges are the invariant's own instruments.
        let readers_inside = Arc::new(B::AtomicUsize::new(0));
        let writers_inside = Arc::new(B::AtomicUsize::new(0));
        let rounds = self.rounds;
        let mut threads = Vec::new();
        for w in 0..self.writers {
            let (lock, readers_inside, writers_inside) = (
                Arc::clone(&lock),
                Arc::clone(&readers_inside),
                Arc::clone(&writers_inside),
            );
            threads.push(B::spawn(&format!("writer-{w}"), move || {
                for _ in 0..rounds {
                    let mut value = lock.write();
                    let others = writers_inside.fetch_add(1, Ordering::SeqCst);
                    let readers = readers_inside.load(Ordering::SeqCst);
                    invariant!(
                        others == 0 && readers == 0,
                        "a writer must hold the lock alone: {others} other writer(s) and \
                         {readers} reader(s) inside"
                    );
                    *value += 1;
                    writers_inside.fetch_sub(1, Ordering::SeqCst);
                }
            }));
        }
        for r in 0..self.readers {
            let (lock, readers_inside, writers_inside) = (
                Arc::clone(&lock),
                Arc::clone(&readers_inside),
                Arc::clone(&writers_inside),
            );
            threads.push(B::spawn(&format!("reader-{r}"), move || {
                for _ in 0..rounds {
                    let _value = lock.read();
                    readers_inside.fetch_add(1, Ordering::SeqCst);
                    let writers = writers_inside.load(Ordering::SeqCst);
                    invariant!(
                        writers == 0,
                        "readers must never overlap a writer: {writers} writer(s) inside"
                    );
                    readers_inside.fetch_sub(1, Ordering::SeqCst);
                }
            }));
        }
        for thread in threads {
            B::join(thread).expect("a reader or writer panicked");
        }
        let total = *lock.read();
        invariant!(
            total == self.writers * self.rounds,
            "every write must be kept: {total} of {}",
            self.writers * self.rounds
        );
    }
}

/// Go's writer preference (`sync.RWMutex`): "If any goroutine calls Lock while the lock is already
/// held …, concurrent calls to RLock will block until the writer has acquired (and released) the
/// lock", and `TryRLock`/`TryLock` fail while a writer waits. The state that tests it: a writer
/// holds the lock, readers wait behind it and more writers queue; when it unlocks, the readers it
/// held back go first, and a reader arriving now (while those readers are still being let in and
/// a writer is queued) must not get in: `try_read` and `try_write` fail, and `read` returns only
/// after a queued writer has released the lock.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WaitingWriterHoldsBackNewReaders {
    /// Readers waiting behind the first writer.
    pub held_back_readers: usize,
    /// Writers queued behind the first writer.
    pub queued_writers: usize,
}

impl Scenario for WaitingWriterHoldsBackNewReaders {
    const NAME: &'static str = "rw_mutex::waiting_writer_holds_back_new_readers";
    // Bounded: exhaustive exploration takes 2,255,006 schedules, 123 s (2026-12-05), most of them
    // the main thread's polling of the wait counts. Bound 3: 5,075 schedules, 0.3 s; bound 4:
    // 24,415, 1.8 s. Today's bug (a reader let in while a writer is queued) fails at bound 0.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(3);
    fn small() -> Self {
        Self {
            held_back_readers: 1,
            queued_writers: 1,
        }
    }
    fn large() -> Self {
        Self {
            held_back_readers: 2,
            queued_writers: 2,
        }
    }
    fn run<B: Backend>(&self) {
        let lock = Arc::new(RwMutex::<(), B>::new_in(()));
        // How many held-back readers have entered, and how many queued writers have released.
        // SeqCst: these counters are the invariant's own instruments.
        let readers_entered = Arc::new(B::AtomicUsize::new(0));
        let writers_released = Arc::new(B::AtomicUsize::new(0));
        let first = lock.write();
        let mut threads = Vec::new();
        for r in 0..self.held_back_readers {
            let (lock, readers_entered) = (Arc::clone(&lock), Arc::clone(&readers_entered));
            threads.push(B::spawn(&format!("held-back-reader-{r}"), move || {
                let _shared = lock.read();
                readers_entered.fetch_add(1, Ordering::SeqCst);
            }));
        }
        let held_back = self.held_back_readers;
        for w in 0..self.queued_writers {
            let (lock, readers_entered, writers_released) = (
                Arc::clone(&lock),
                Arc::clone(&readers_entered),
                Arc::clone(&writers_released),
            );
            threads.push(B::spawn(&format!("queued-writer-{w}"), move || {
                let _alone = lock.write();
                let entered = readers_entered.load(Ordering::SeqCst);
                invariant!(
                    entered == held_back,
                    "the readers a writer held back go in before the next writer: \
                     {entered} of {held_back} had entered"
                );
                writers_released.fetch_add(1, Ordering::SeqCst);
            }));
        }
        // Wait until every reader and writer is queued behind the first writer.
        while lock.readers_waiting() < self.held_back_readers
            || lock.writers_waiting() < self.queued_writers
        {
            B::yield_now();
        }
        drop(first);
        // Every queued writer waits until the held-back readers have been in, so a reader or
        // writer arriving now gets in only once every queued writer has released the lock (the
        // writer counts its release before it unlocks, so a success here sees the count).
        let queued = self.queued_writers;
        let try_read_in = lock.try_read().is_some();
        let released = writers_released.load(Ordering::SeqCst);
        invariant!(
            !try_read_in || released == queued,
            "try_read must fail while a writer waits: it succeeded with {released} of {queued} \
             queued writers released"
        );
        let try_write_in = lock.try_write().is_some();
        let released = writers_released.load(Ordering::SeqCst);
        invariant!(
            !try_write_in || released == queued,
            "try_write must fail while a writer waits: it succeeded with {released} of {queued} \
             queued writers released"
        );
        {
            let _late = lock.read();
            let released = writers_released.load(Ordering::SeqCst);
            invariant!(
                released > 0,
                "a reader arriving while a writer waits must wait until that writer has \
                 released the lock: no queued writer had"
            );
        }
        for thread in threads {
            B::join(thread).expect("a reader or writer panicked");
        }
    }
}
