//! The portfolio checker's scheduler: several sampling schedulers, one budget, taking turns.
//!
//! Each new execution goes to the next member in turn (random, PCT at depths 2 and 3, POS, URW:
//! `Checker::portfolio_members`), which keeps its own state from its previous turns (URW its
//! event estimates, PCT its seed stream), and runs the whole execution. A member whose budget is
//! spent is passed over; the portfolio ends when every member's is. Schedule `n` is therefore
//! always member `(n − 1) mod 5`'s, which is how a failure names the member that found it.

use shuttle::scheduler::{Schedule, Scheduler, Task, TaskId};

/// The members, and whose turn it is.
pub(crate) struct Portfolio {
    members: Vec<Box<dyn Scheduler + Send>>,
    /// The member running the current execution.
    current: usize,
    /// Executions started.
    executions: usize,
}

impl Portfolio {
    pub(crate) fn new(members: Vec<Box<dyn Scheduler + Send>>) -> Self {
        assert!(!members.is_empty(), "a portfolio needs at least one member");
        Portfolio {
            members,
            current: 0,
            executions: 0,
        }
    }
}

impl Scheduler for Portfolio {
    fn new_execution(&mut self) -> Option<Schedule> {
        let count = self.members.len();
        // Starting with the member whose turn it is, the first that still has budget.
        let turn = self.executions % count;
        let (member, schedule) = (0..count).find_map(|offset| {
            let member = (turn + offset) % count;
            self.members[member]
                .new_execution()
                .map(|schedule| (member, schedule))
        })?;
        // `Checker::found_by` names a failure's finder by turn: a member out of budget before its
        // last turn would break that, and no member's budget is ever uneven enough to.
        assert_eq!(
            member, turn,
            "portfolio member {turn} ran out of schedules before its turn"
        );
        self.current = member;
        self.executions += 1;
        Some(schedule)
    }

    fn next_task(
        &mut self,
        runnable: &[&Task],
        current: Option<TaskId>,
        is_yielding: bool,
    ) -> Option<TaskId> {
        self.members[self.current].next_task(runnable, current, is_yielding)
    }

    fn next_u64(&mut self) -> u64 {
        self.members[self.current].next_u64()
    }
}
