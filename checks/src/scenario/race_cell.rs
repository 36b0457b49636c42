//! Scenarios of the kit's RaceCell: plain shared data, whose unordered accesses the model
//! checkers report as data races, as Go's race detector does.

use crate::harness::Scenario;
use crate::invariant;
use patterns::{chan, Backend, Mutex, RaceCell, WaitGroup};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A cell passes from thread to thread, each access ordered after the conflicting ones before it
/// by one of the kit's synchronizations: a spawn, a join, a channel's send before its receive, a
/// `WaitGroup`'s `done` before `wait` returns, a mutex's unlock before the next lock. Between
/// them, readers read it at once with the main thread. None of this is a data race: a detector
/// that missed one of the edges (or a kit primitive that did not synchronize) fails the run with a
/// false data race, and every write must be counted.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OrderedAccessesAreNotRaces {
    /// Threads that read the cell at once with the main thread; each then hands over to it, by a
    /// channel and by a `WaitGroup` in turn.
    pub readers: usize,
}

impl Scenario for OrderedAccessesAreNotRaces {
    const NAME: &'static str = "race_cell::ordered_accesses_are_not_races";
    const INVARIANT: &'static str =
        "accesses ordered by a spawn, a join, a channel, a WaitGroup or a mutex are no data race";
    /// Exhaustive loom takes 515,910 schedules (30 s); a missed edge is a false race on every
    /// schedule that makes the two accesses, so 2 preemptions (310 schedules) lose nothing.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    fn small() -> Self {
        // loom counts every thread an execution starts: these 2 readers and 2 writers, with main.
        Self { readers: 2 }
    }
    fn large() -> Self {
        Self { readers: 6 }
    }
    fn run<B: Backend>(&self) {
        let cell = Arc::new(RaceCell::<usize, B>::new_in(0));
        let increment = |cell: &RaceCell<usize, B>| cell.update(|n| *n += 1);

        // A spawn orders the main thread's write before the thread's; its join, the thread's
        // write before the main thread's next.
        increment(&cell);
        let spawned = {
            let cell = Arc::clone(&cell);
            B::spawn("after-spawn", move || increment(&cell))
        };
        B::join(spawned).expect("after-spawn panicked");
        increment(&cell);

        // Readers read with the main thread, then hand over: by a send before the receive that
        // takes its value, or by `done` before the `wait` it lets return. The main thread's next
        // write is ordered after every read only by those.
        let (tx, rx) = chan::bounded_in::<B, usize>(0);
        let wg = WaitGroup::<B>::new_in();
        let readers: Vec<_> = (0..self.readers)
            .map(|r| {
                let (cell, tx, wg) = (Arc::clone(&cell), tx.clone(), wg.clone());
                if r % 2 == 1 {
                    wg.add(1);
                }
                B::spawn(&format!("reader-{r}"), move || {
                    let seen = cell.get();
                    if r % 2 == 0 {
                        tx.send(seen).expect("the main thread receives");
                    } else {
                        wg.done();
                    }
                    seen
                })
            })
            .collect();
        drop(tx);
        let mut seen = vec![cell.get()];
        seen.extend(rx.iter());
        wg.wait();
        increment(&cell);

        // An unlock before the next lock: the two writers take the lock in either order.
        let lock = Arc::new(Mutex::<B>::new_in());
        let locker = {
            let (cell, lock) = (Arc::clone(&cell), Arc::clone(&lock));
            B::spawn("locker", move || {
                lock.lock();
                increment(&cell);
                lock.unlock();
            })
        };
        lock.lock();
        increment(&cell);
        lock.unlock();
        B::join(locker).expect("locker panicked");
        for reader in readers {
            seen.push(B::join(reader).expect("a reader panicked"));
        }
        let total = cell.get();
        invariant!(
            seen.iter().all(|&n| n == 3) && total == 6,
            "the readers saw {seen:?} (each must see 3 writes), the end {total} (must be 6)"
        );
    }
}
