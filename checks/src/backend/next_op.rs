//! Each shuttle task's next operation and the object it touches, published by the model backend
//! before every scheduling point for the Partial Order Sampling scheduler
//! (`harness/runners/pos.rs`), which needs to know which pending operations race.
//!
//! shuttle's scheduler sees tasks, not what they are about to do. So the backend writes, just
//! before each call that may switch tasks (a lock, an unlock, a wait, a notify, an atomic access),
//! the object that call touches into a table indexed by shuttle's task id. shuttle runs every task
//! of an execution on one OS thread, the scheduler included, so a thread-local table is seen by
//! both, with no lock. Publishing is off (one thread-local flag read) unless a POS run turned it
//! on; it makes no shuttle call and draws no randomness, so a program behaves the same with it on
//! or off, and a schedule POS found replays exactly without it.

use std::cell::{Cell, RefCell};

/// A task's pending operation: the one or two objects it touches (by address; 0: none) and
/// whether it writes them. Locks, unlocks, waits and notifies count as writes: they synchronize.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct NextOp {
    first: usize,
    second: usize,
    write: bool,
}

impl NextOp {
    /// An operation on `object`.
    pub(crate) fn on<T: ?Sized>(object: &T, write: bool) -> Self {
        NextOp {
            first: address(object),
            second: 0,
            write,
        }
    }

    /// A write of two objects: a condvar wait, which releases and retakes its mutex.
    pub(crate) fn on_both<A: ?Sized, B: ?Sized>(first: &A, second: &B) -> Self {
        NextOp {
            first: address(first),
            second: address(second),
            write: true,
        }
    }

    /// Whether this and `other`, run by two different tasks, race: they share an object and one
    /// of them writes it. An operation on no known object races with nothing.
    pub(crate) fn races(self, other: NextOp) -> bool {
        let shares =
            |address: usize| address != 0 && (address == other.first || address == other.second);
        (self.write || other.write) && (shares(self.first) || shares(self.second))
    }
}

/// An object's identity: its address (objects alive at once never share one).
fn address<T: ?Sized>(object: &T) -> usize {
    std::ptr::from_ref(object).cast::<()>() as usize
}

std::thread_local! {
    static PUBLISHING: Cell<bool> = const { Cell::new(false) };
    /// Indexed by shuttle's task id, which restarts at 0 every execution.
    static TABLE: RefCell<Vec<NextOp>> = const { RefCell::new(Vec::new()) };
}

/// Publishing turned on for the model runs on this OS thread while it lives: off again when it
/// drops, also when a run panics out, so no later run of another checker pays for it.
pub(crate) struct Publishing(());

impl Publishing {
    /// Turns publishing on, with an empty table.
    pub(crate) fn on() -> Self {
        TABLE.with(|table| table.borrow_mut().clear());
        PUBLISHING.with(|on| on.set(true));
        Publishing(())
    }
}

impl Drop for Publishing {
    fn drop(&mut self) {
        PUBLISHING.with(|on| on.set(false));
        TABLE.with(|table| table.borrow_mut().clear());
    }
}

/// Says that the running shuttle task's next operation is `op` (nothing unless publishing).
#[inline]
pub(crate) fn publish(op: impl FnOnce() -> NextOp) {
    if PUBLISHING.with(Cell::get) {
        let task = usize::from(shuttle::current::me());
        TABLE.with(|table| {
            let mut table = table.borrow_mut();
            if table.len() <= task {
                table.resize(task + 1, NextOp::default());
            }
            table[task] = op();
        });
    }
}

/// Says that the running task's next scheduling point touches no object the others share (a
/// spawn, a join, a yield, the thread's end).
#[inline]
pub(crate) fn publish_none() {
    publish(NextOp::default);
}

/// The next operation of shuttle task `task`, as last published (none if never).
pub(crate) fn of(task: usize) -> NextOp {
    TABLE.with(|table| table.borrow().get(task).copied().unwrap_or_default())
}

/// Forgets every task's entry: a new execution starts, whose task ids start at 0 again.
pub(crate) fn reset() {
    TABLE.with(|table| table.borrow_mut().clear());
}

#[cfg(test)]
mod tests {
    use super::NextOp;

    #[test]
    fn a_write_races_with_any_access_to_the_same_object() {
        let (x, y) = (0_u8, 0_u8);
        assert!(NextOp::on(&x, true).races(NextOp::on(&x, false)));
        assert!(NextOp::on(&x, false).races(NextOp::on(&x, true)));
        assert!(NextOp::on(&x, true).races(NextOp::on(&x, true)));
        assert!(!NextOp::on(&x, true).races(NextOp::on(&y, true)));
    }

    #[test]
    fn two_reads_never_race() {
        let x = 0_u8;
        assert!(!NextOp::on(&x, false).races(NextOp::on(&x, false)));
    }

    #[test]
    fn a_wait_races_with_its_condvar_and_with_its_mutex() {
        let (condvar, mutex, other) = (0_u8, 0_u8, 0_u8);
        let wait = NextOp::on_both(&condvar, &mutex);
        assert!(wait.races(NextOp::on(&condvar, true)));
        assert!(NextOp::on(&mutex, true).races(wait));
        assert!(!wait.races(NextOp::on(&other, true)));
    }

    #[test]
    fn an_operation_on_no_object_races_with_nothing() {
        let x = 0_u8;
        assert!(!NextOp::default().races(NextOp::default()));
        assert!(!NextOp::default().races(NextOp::on(&x, true)));
        assert!(!NextOp::on(&x, true).races(NextOp::default()));
    }
}
