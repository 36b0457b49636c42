//! Scenarios of the kit's RwMutex: Go's reader-writer lock.

use crate::harness::Scenario;
use crate::invariant;
use patterns::{Atomic, AtomicInt, Backend, RwMutex};
use serde::{Deserialize, Serialize};
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Readers and writers take the lock in turns: a writer is always alone (no reader, no other
/// writer inside), readers never overlap a writer, every write is kept, and everyone gets through
/// (no deadlock, no starvation: the readers a writer held back are let in).
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
