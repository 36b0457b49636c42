//! What the kit's operations cost a model checker: loom's branch points per operation, and the
//! schedules loom explores when two threads meet in one.
//!
//! A *branch point* here is one of loom's `rt::branch` calls: every access to a sync object loom
//! can see (a lock, a condition variable wait or notify, an atomic access, a loom `Arc` count) is
//! a point where loom may switch threads, so each one an operation takes multiplies the schedules
//! of every scenario that uses it. loom also switches where a thread parks, yields or ends; those
//! points are not counted. loom has no counter of its own; it reports each branch point as a
//! `tracing` event, which `BranchCounter` counts. The measured section of each program is
//! delimited by `measure`; programs that spawn a thread have the same spawn and join measured
//! alone subtracted (fewest from fewest, most from most: an approximation, since the peer's points
//! fall inside the join), so each row is close to the operation's own cost.

use super::base::execute::{execute_body, install_panic_hook};
use super::runners::loom::loom_builder;
use crate::backend::registry::Registry;
use crate::backend::Loom;
use patterns::chan::{self, RecvArm, Select};
use patterns::context::Context;
use patterns::semaphore::Semaphore;
use patterns::wait_group::WaitGroup;
use patterns::Backend;
use serde::{Deserialize, Serialize};
use std::cell::Cell;
use std::fmt;
use std::sync::Arc;

std::thread_local! {
    /// Branch points counted on this OS thread, where every model thread of a loom execution runs.
    static BRANCHES: Cell<usize> = const { Cell::new(0) };
    /// The branch points inside the last [`measure`]d section.
    static MEASURED: Cell<usize> = const { Cell::new(0) };
}

/// The branch points counted on this OS thread so far (only while [`BranchCounter`] is the
/// thread's `tracing` subscriber, as in [`explore_program`]).
fn branches() -> usize {
    BRANCHES.with(Cell::get)
}

/// Runs `section` and keeps the branch points it took as this execution's measurement.
fn measure<R>(section: impl FnOnce() -> R) -> R {
    let before = branches();
    let result = section();
    MEASURED.with(|measured| measured.set(branches() - before));
    result
}

/// The branch points of the last [`measure`]d section, cleared as read.
fn take_measured() -> usize {
    MEASURED.with(|measured| measured.replace(0))
}

/// A `tracing` subscriber that counts loom's branch-point events and ignores everything else.
///
/// loom 0.7 (pinned) reports each branch point with the event `branch` in `loom::rt`, whose only
/// field besides the message is `switch`; its other events with a `switch` field (`yield_now`,
/// `thread_done`) also name a `thread`.
struct BranchCounter;

impl BranchCounter {
    fn is_branch(metadata: &tracing::Metadata<'_>) -> bool {
        let fields = metadata.fields();
        metadata.is_event()
            && metadata.target().starts_with("loom::rt")
            && fields.field("switch").is_some()
            && fields.field("thread").is_none()
    }
}

impl tracing::Subscriber for BranchCounter {
    fn register_callsite(
        &self,
        metadata: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        if Self::is_branch(metadata) {
            tracing::subscriber::Interest::always()
        } else {
            tracing::subscriber::Interest::never()
        }
    }
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        Self::is_branch(metadata)
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        if Self::is_branch(event.metadata()) {
            BRANCHES.with(|count| count.set(count.get() + 1));
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// What exploring one small program cost loom.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ProgramCost {
    /// Schedules explored (all of them: these programs are small enough to finish).
    schedules: usize,
    /// The fewest branch points the measured section took in one schedule.
    fewest: usize,
    /// The most branch points the measured section took in one schedule.
    most: usize,
}

/// One kit operation's cost under loom.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationCost {
    /// The operation, in words.
    pub operation: String,
    /// Threads taking part (1: the operation alone, uncontended; 2: two threads meet in it).
    pub threads: usize,
    /// The fewest branch points the operation took in one schedule.
    pub fewest: usize,
    /// The most branch points the operation took in one schedule.
    pub most: usize,
    /// The schedules loom explores to exhaust the program (1 for a single thread).
    pub schedules: usize,
}

impl fmt::Display for OperationCost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let points = if self.fewest == self.most {
            self.most.to_string()
        } else {
            format!("{}–{}", self.fewest, self.most)
        };
        write!(
            f,
            "{}: {points} branch points, {} schedule{}",
            self.operation,
            self.schedules,
            if self.schedules == 1 { "" } else { "s" }
        )
    }
}

/// A program whose [`measure`]d section is one operation; `threads` 2 when it spawns a peer.
struct Program {
    /// The operation, in words.
    operation: &'static str,
    /// 1, or 2 when the program spawns a peer.
    threads: usize,
    /// The program, on [`Loom`], with its operation inside [`measure`].
    run: fn(),
}

/// The spawn and join that a two-thread program's section also contains, measured alone.
fn spawn_and_join() {
    measure(|| {
        let peer = Loom::spawn("peer", || {});
        Loom::join(peer).expect("the peer does nothing");
    });
}

/// A peer sends one value on a channel of `capacity` while this thread receives it.
fn hand_over(capacity: usize) {
    let (tx, rx) = chan::bounded_in::<Loom, u8>(capacity);
    measure(|| {
        let peer = Loom::spawn("sender", move || tx.send(1).expect("a receiver"));
        rx.recv();
        Loom::join(peer).expect("the sender returns");
    });
}

/// The operations measured, each a tiny program on the [`Loom`] backend.
const PROGRAMS: &[Program] = &[
    Program {
        operation: "backend lock and unlock (the unit)",
        threads: 1,
        run: || {
            let mutex = Loom::mutex(0u8);
            measure(|| *Loom::lock(&mutex) += 1);
        },
    },
    Program {
        operation: "send, room in the buffer",
        threads: 1,
        run: || {
            let (tx, _rx) = chan::bounded_in::<Loom, u8>(1);
            measure(|| tx.send(1).expect("a receiver is alive"));
        },
    },
    Program {
        operation: "recv, a value buffered",
        threads: 1,
        run: || {
            let (tx, rx) = chan::bounded_in::<Loom, u8>(1);
            tx.send(1).expect("a receiver is alive");
            measure(|| rx.recv());
        },
    },
    Program {
        operation: "send, room in the lock-free ring (capacity 2)",
        threads: 1,
        run: || {
            let (tx, _rx) = chan::bounded_in::<Loom, u8>(2);
            measure(|| tx.send(1).expect("a receiver is alive"));
        },
    },
    Program {
        operation: "recv, a value in the lock-free ring (capacity 2)",
        threads: 1,
        run: || {
            let (tx, rx) = chan::bounded_in::<Loom, u8>(2);
            tx.send(1).expect("a receiver is alive");
            measure(|| rx.recv());
        },
    },
    Program {
        operation: "select on two channels, one ready",
        threads: 1,
        run: || {
            let (tx, rx) = chan::bounded_in::<Loom, u8>(1);
            let (_idle_tx, idle_rx) = chan::bounded_in::<Loom, u8>(1);
            tx.send(1).expect("a receiver is alive");
            let (mut ready, mut idle) = (RecvArm::new(&rx), RecvArm::new(&idle_rx));
            measure(|| Select::new().recv(&mut ready).recv(&mut idle).wait());
        },
    },
    Program {
        operation: "with_cancel, then cancel",
        threads: 1,
        run: || {
            let root = Context::<Loom>::background_in();
            measure(|| {
                let (child, cancel) = root.with_cancel();
                cancel.cancel();
                drop(child);
            });
        },
    },
    Program {
        operation: "WaitGroup add, done, wait (nothing to wait for)",
        threads: 1,
        run: || {
            let group = WaitGroup::<Loom>::new_in();
            measure(|| {
                group.add(1);
                group.done();
                group.wait();
            });
        },
    },
    Program {
        operation: "semaphore acquire and release",
        threads: 1,
        run: || {
            let semaphore = Semaphore::<Loom>::new_in(1);
            measure(|| drop(semaphore.acquire()));
        },
    },
    Program {
        operation: "hand-over on capacity 0: send meets recv",
        threads: 2,
        run: || hand_over(0),
    },
    Program {
        operation: "hand-over on capacity 1: recv waits for send",
        threads: 2,
        run: || hand_over(1),
    },
    Program {
        operation: "hand-over on capacity 2 (the ring): recv waits for send",
        threads: 2,
        run: || hand_over(2),
    },
    Program {
        operation: "cancel wakes a waiter on done",
        threads: 2,
        run: || {
            let (ctx, cancel) = Context::<Loom>::background_in().with_cancel();
            measure(|| {
                let peer = Loom::spawn("waiter", move || ctx.done().recv());
                cancel.cancel();
                Loom::join(peer).expect("the waiter returns");
            });
        },
    },
    Program {
        operation: "WaitGroup wait for a worker's done",
        threads: 2,
        run: || {
            let group = WaitGroup::<Loom>::new_in();
            group.add(1);
            let worker = group.clone();
            measure(|| {
                let peer = Loom::spawn("worker", move || worker.done());
                group.wait();
                Loom::join(peer).expect("the worker returns");
            });
        },
    },
];

/// Explores `program` on loom to exhaustion, counting the branch points of its
/// [`measure`]d section in every schedule.
fn explore_program(program: fn()) -> ProgramCost {
    install_panic_hook();
    let builder = loom_builder(None);
    let registry = Registry::new();
    let cost = Arc::new(std::sync::Mutex::new(ProgramCost {
        schedules: 0,
        fewest: usize::MAX,
        most: 0,
    }));
    let body = {
        let (cost, registry) = (Arc::clone(&cost), Arc::clone(&registry));
        move || {
            execute_body::<Loom>(program, &registry);
            let measured = take_measured();
            let mut cost = cost.lock().unwrap_or_else(|p| p.into_inner());
            cost.schedules += 1;
            cost.fewest = cost.fewest.min(measured);
            cost.most = cost.most.max(measured);
        }
    };
    tracing::subscriber::with_default(BranchCounter, || {
        // A callsite first reached on a thread with no subscriber caches "never" for every
        // thread: ask every callsite again now that the counter is this thread's subscriber.
        tracing::callsite::rebuild_interest_cache();
        builder.check(body)
    });
    Registry::uninstall();
    let cost = *cost.lock().unwrap_or_else(|p| p.into_inner());
    cost
}

/// Measures every operation of the kit's list under loom: each program is explored to exhaustion.
///
/// # Panics
/// If the unit (one lock) does not measure exactly one branch point, or a range is upside down:
/// then loom's events were not counted (another `tracing` setup, a loom version that reports
/// them differently), and every row would be wrong.
pub fn operation_costs() -> Vec<OperationCost> {
    let spawn = explore_program(spawn_and_join);
    let costs = PROGRAMS
        .iter()
        .map(|program| {
            let cost = explore_program(program.run);
            let (fewest, most) = if program.threads > 1 {
                (
                    cost.fewest.saturating_sub(spawn.fewest),
                    cost.most.saturating_sub(spawn.most),
                )
            } else {
                (cost.fewest, cost.most)
            };
            OperationCost {
                operation: program.operation.to_owned(),
                threads: program.threads,
                fewest,
                most,
                schedules: cost.schedules,
            }
        })
        .collect::<Vec<_>>();
    let unit = &costs[0];
    assert!(
        (unit.fewest, unit.most) == (1, 1) && costs.iter().all(|c| c.fewest <= c.most),
        "loom's branch points were not counted right (one lock measured {}–{}; expected 1): is \
         loom still the pinned 0.7.3, and tracing built without a max_level feature?",
        unit.fewest,
        unit.most
    );
    costs
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The counter counts: one lock is one branch point, two are two, and a section with no sync
    /// object takes none.
    #[test]
    fn counts_one_branch_point_per_lock() {
        let one = explore_program(|| {
            let mutex = Loom::mutex(());
            measure(|| drop(Loom::lock(&mutex)));
        });
        let two = explore_program(|| {
            let mutex = Loom::mutex(());
            measure(|| {
                drop(Loom::lock(&mutex));
                drop(Loom::lock(&mutex));
            });
        });
        let none = explore_program(|| measure(|| ()));
        assert_eq!((one.fewest, one.most, one.schedules), (1, 1, 1));
        assert_eq!((two.fewest, two.most), (2, 2));
        assert_eq!((none.fewest, none.most), (0, 0));
    }

    /// Two threads that meet explore more than one schedule, and every operation costs something.
    #[test]
    fn every_operation_is_measured() {
        let costs = operation_costs();
        assert_eq!(costs.len(), PROGRAMS.len());
        for cost in &costs {
            assert!(cost.most > 0, "{cost}");
            assert!(cost.fewest <= cost.most, "{cost}");
            assert_eq!(cost.schedules > 1, cost.threads > 1, "{cost}");
        }
    }
}
