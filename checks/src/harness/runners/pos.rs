//! Partial Order Sampling (Yuan, Yang and Gu, "Partial Order Aware Concurrency Sampling",
//! CAV 2018) as a shuttle scheduler: the `shuttle-pos` checker.
//!
//! Each task's pending operation has a random priority, and the highest-priority runnable task
//! runs. When it has run, its own next operation and every runnable task's operation that races
//! with the one that ran (same object, one of them a write) draw new priorities; the others keep
//! theirs. Independent operations therefore keep their relative order, and the chance of ordering
//! two racing operations the rarer way falls only linearly with the independent ones between
//! them, where a random walk's chance halves with each. The pending operations come from the model
//! backend (`backend/next_op.rs`).

use crate::backend::next_op::{self, NextOp};
use shuttle::scheduler::{DataSource, RandomDataSource, Schedule, Scheduler, Task, TaskId};

/// Turns the seed of an execution into the seed of its priorities: the data source returns the
/// execution's seed as its first value, so the priorities need a stream of their own.
const PRIORITY_SEED_MASK: u64 = 0x5851_f42d_4c95_7f2d;

/// The POS scheduler: `iterations` executions from `seed`.
pub(crate) struct Pos {
    iterations: usize,
    executions: usize,
    /// The program's random data (a `select`'s coin flip, an input, a spurious wake-up): seeded
    /// per execution, and touched by nothing else, so shuttle's replay of the recorded schedule
    /// draws the same data.
    data: RandomDataSource,
    /// The priorities' random stream, per execution.
    priorities: RandomDataSource,
    /// Each task's current priority, by task id (`None`: not seen yet this execution).
    priority: Vec<Option<u64>>,
}

impl Pos {
    pub(crate) fn new(iterations: usize, seed: u64) -> Self {
        Pos {
            iterations,
            executions: 0,
            data: RandomDataSource::initialize(seed),
            priorities: RandomDataSource::initialize(seed ^ PRIORITY_SEED_MASK),
            priority: Vec::new(),
        }
    }
}

impl Scheduler for Pos {
    fn new_execution(&mut self) -> Option<Schedule> {
        if self.executions == self.iterations {
            return None;
        }
        self.executions += 1;
        let seed = self.data.reinitialize();
        self.priorities = RandomDataSource::initialize(seed ^ PRIORITY_SEED_MASK);
        self.priority.clear();
        next_op::reset();
        Some(Schedule::new(seed))
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        is_yielding: bool,
    ) -> Option<TaskId> {
        let ids: Vec<usize> = runnable.iter().map(|task| usize::from(task.id())).collect();
        let priorities = &mut self.priorities;
        let chosen = decide(
            &mut self.priority,
            &mut || priorities.next_u64(),
            &ids,
            current.map(usize::from).filter(|_| is_yielding),
            next_op::of,
        );
        Some(TaskId::from(chosen))
    }

    fn next_u64(&mut self) -> u64 {
        self.data.next_u64()
    }
}

/// One POS step: picks which of the `runnable` task ids runs next and updates `priority`.
/// `fresh` draws a new priority; `yielding` is the running task if it just yielded (a poll or
/// spin loop), which is passed over whenever another task can run, or a spinning task of top
/// priority would spin until the step bound; `op` says each task's pending operation.
pub(crate) fn decide(
    priority: &mut Vec<Option<u64>>,
    fresh: &mut dyn FnMut() -> u64,
    runnable: &[usize],
    yielding: Option<usize>,
    op: impl Fn(usize) -> NextOp,
) -> usize {
    for &task in runnable {
        if priority.len() <= task {
            priority.resize(task + 1, None);
        }
        if priority[task].is_none() {
            priority[task] = Some(fresh());
        }
    }
    let passed_over = yielding.filter(|_| runnable.len() > 1);
    let chosen = runnable
        .iter()
        .copied()
        .filter(|&task| Some(task) != passed_over)
        // Ties (a 1 in 2^64 chance) go to the lower task id: `max_by_key` keeps the last maximum.
        .rev()
        .max_by_key(|&task| priority[task])
        .expect("shuttle asks only when a task can run");
    let ran = op(chosen);
    for &task in runnable {
        if task == chosen || op(task).races(ran) {
            priority[task] = Some(fresh());
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::{decide, NextOp};

    /// Draws 100, 99, 98, …: the first task seen gets the highest priority.
    fn descending() -> impl FnMut() -> u64 {
        let mut next = 101;
        move || {
            next -= 1;
            next
        }
    }

    #[test]
    fn the_highest_priority_runs_and_draws_a_new_priority() {
        let mut priority = vec![Some(5), Some(9), Some(7)];
        let none = |_| NextOp::default();
        let chosen = decide(&mut priority, &mut descending(), &[0, 1, 2], None, none);
        assert_eq!(chosen, 1);
        assert_eq!(priority, vec![Some(5), Some(100), Some(7)]);
    }

    #[test]
    fn a_task_first_seen_draws_a_priority() {
        let mut priority = vec![Some(5)];
        let none = |_| NextOp::default();
        // Task 2 draws 100 and runs, then draws 99.
        let chosen = decide(&mut priority, &mut descending(), &[0, 2], None, none);
        assert_eq!(chosen, 2);
        assert_eq!(priority, vec![Some(5), None, Some(99)]);
    }

    #[test]
    fn only_operations_racing_with_the_one_that_ran_are_redrawn() {
        let (x, y) = (0_u8, 0_u8);
        let ops = [
            NextOp::on(&x, true),
            NextOp::on(&x, false),
            NextOp::on(&y, true),
            NextOp::on(&x, true),
        ];
        let mut priority = vec![Some(50), Some(9), Some(8), Some(7)];
        let chosen = decide(&mut priority, &mut descending(), &[0, 1, 2, 3], None, |t| {
            ops[t]
        });
        assert_eq!(chosen, 0);
        // Task 0 ran a write of x: the read of x (1) and the write of x (3) race with it; the
        // write of y (2) does not.
        assert_eq!(priority, vec![Some(100), Some(99), Some(8), Some(98)]);
    }

    #[test]
    fn a_read_leaves_other_reads_alone() {
        let x = 0_u8;
        let mut priority = vec![Some(50), Some(9)];
        let read = |_| NextOp::on(&x, false);
        decide(&mut priority, &mut descending(), &[0, 1], None, read);
        assert_eq!(priority, vec![Some(100), Some(9)]);
    }

    #[test]
    fn a_blocked_task_keeps_its_priority() {
        let x = 0_u8;
        let mut priority = vec![Some(50), Some(60)];
        let write = |_| NextOp::on(&x, true);
        // Task 1 races with task 0's write, but it is not runnable.
        let chosen = decide(&mut priority, &mut descending(), &[0], None, write);
        assert_eq!(chosen, 0);
        assert_eq!(priority, vec![Some(100), Some(60)]);
    }

    #[test]
    fn a_yielding_task_is_passed_over_while_another_can_run() {
        let none = |_| NextOp::default();
        let mut priority = vec![Some(50), Some(9)];
        assert_eq!(
            decide(&mut priority, &mut descending(), &[0, 1], Some(0), none),
            1
        );
        let mut alone = vec![Some(50)];
        assert_eq!(
            decide(&mut alone, &mut descending(), &[0], Some(0), none),
            0
        );
    }

    #[test]
    fn equal_priorities_go_to_the_lower_task_id() {
        let none = |_| NextOp::default();
        let mut priority = vec![Some(7), Some(7)];
        assert_eq!(
            decide(&mut priority, &mut descending(), &[0, 1], None, none),
            0
        );
    }
}
