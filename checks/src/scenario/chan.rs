//! Scenarios of the kit's channel: delivery, order, close and select.

use crate::harness::Scenario;
use crate::invariant;
use crate::support::sorted;
use patterns::chan::{self, RecvArm, RecvTimeoutError, Select, Selected, SendArm, SendError};
use patterns::Backend;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Several producers, one consumer: each producer's values arrive complete and in the order sent
/// (Go's guarantee: FIFO per sender).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FifoPerSender {
    /// Producer threads.
    pub producers: usize,
    /// Values each producer sends.
    pub per_producer: usize,
    /// Channel capacity.
    pub capacity: usize,
}

impl Scenario for FifoPerSender {
    const NAME: &'static str = "chan::fifo_per_sender";
    // Bounded, as exhaustive exploration does not finish within 30 s: 700,000 schedules in 36 s
    // unfinished (2026-11-30). A hand-over costs loom 3-6 branch points, more through a select
    // (`cargo xtask cost`), and three or four threads each make several here. Bound 3: 10,010
    // schedules, 0.5 s.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(3);
    fn small() -> Self {
        Self {
            producers: 2,
            per_producer: 2,
            capacity: 1,
        }
    }
    fn large() -> Self {
        Self {
            producers: 4,
            per_producer: 50,
            capacity: 2,
        }
    }
    fn run<B: Backend>(&self) {
        let (tx, rx) = chan::bounded_in::<B, (usize, usize)>(self.capacity);
        let producers: Vec<_> = (0..self.producers)
            .map(|p| {
                let (tx, n) = (tx.clone(), self.per_producer);
                B::spawn(&format!("producer-{p}"), move || {
                    for i in 0..n {
                        tx.send((p, i)).expect("the consumer is alive");
                    }
                })
            })
            .collect();
        drop(tx);
        let mut next = vec![0; self.producers];
        for (p, i) in &rx {
            invariant!(
                i == next[p],
                "producer {p} sent {} next but {i} arrived",
                next[p]
            );
            next[p] += 1;
        }
        for producer in producers {
            B::join(producer).expect("producer panicked");
        }
        invariant!(
            next.iter().all(|&n| n == self.per_producer),
            "values lost: received {next:?} of {} per producer",
            self.per_producer
        );
    }
}

/// Several producers and consumers on one channel: every value sent is received exactly once.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EveryValueReceivedOnce {
    /// Producer threads.
    pub producers: usize,
    /// Consumer threads besides the main thread, which consumes too.
    pub consumers: usize,
    /// Values each producer sends.
    pub per_producer: usize,
    /// Channel capacity (0: every send is a rendezvous).
    pub capacity: usize,
}

impl Scenario for EveryValueReceivedOnce {
    const NAME: &'static str = "chan::every_value_received_once";
    // Bounded, as exhaustive exploration does not finish within 30 s: 700,000 schedules in 48 s
    // unfinished (2026-11-30). A hand-over costs loom 3-6 branch points, more through a select
    // (`cargo xtask cost`), and three or four threads each make several here. Bound 2: 10,651
    // schedules, 0.7 s.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    fn small() -> Self {
        Self {
            producers: 2,
            consumers: 1,
            per_producer: 1,
            capacity: 0,
        }
    }
    fn large() -> Self {
        Self {
            producers: 3,
            consumers: 3,
            per_producer: 30,
            capacity: 1,
        }
    }
    fn run<B: Backend>(&self) {
        let (tx, rx) = chan::bounded_in::<B, usize>(self.capacity);
        let n = self.per_producer;
        let producers: Vec<_> = (0..self.producers)
            .map(|p| {
                let tx = tx.clone();
                B::spawn(&format!("producer-{p}"), move || {
                    for i in 0..n {
                        tx.send(p * n + i).expect("consumers are alive");
                    }
                })
            })
            .collect();
        drop(tx);
        let consumers: Vec<_> = (0..self.consumers)
            .map(|c| {
                let rx = rx.clone();
                B::spawn(&format!("consumer-{c}"), move || {
                    rx.iter().collect::<Vec<_>>()
                })
            })
            .collect();
        let mut received: Vec<usize> = rx.iter().collect();
        for consumer in consumers {
            received.extend(B::join(consumer).expect("consumer panicked"));
        }
        for producer in producers {
            B::join(producer).expect("producer panicked");
        }
        let expected: Vec<usize> = (0..self.producers * n).collect();
        invariant!(
            sorted(&received) == expected,
            "every value must be received exactly once: received {received:?}, sent {expected:?}"
        );
    }
}

/// Close after filling the buffer: receivers still get every buffered value, in order, then
/// `None`; a send after close hands its value back; a second close is an error.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CloseKeepsBufferedValues {
    /// Channel capacity, and values sent before the close.
    pub capacity: usize,
}

impl Scenario for CloseKeepsBufferedValues {
    const NAME: &'static str = "chan::close_keeps_buffered_values";
    fn small() -> Self {
        Self { capacity: 2 }
    }
    fn large() -> Self {
        Self { capacity: 16 }
    }
    fn run<B: Backend>(&self) {
        let (tx, rx) = chan::bounded_in::<B, usize>(self.capacity);
        let receiver = B::spawn("receiver", move || rx.iter().collect::<Vec<_>>());
        for i in 0..self.capacity {
            tx.send(i).expect("the receiver is alive");
        }
        tx.close().expect("first close");
        invariant!(tx.close().is_err(), "a second close must be an error");
        match tx.send(99) {
            Err(SendError::Closed(99)) => {}
            other => invariant!(false, "send after close must hand 99 back, got {other:?}"),
        }
        let received = B::join(receiver).expect("receiver panicked");
        invariant!(
            received == (0..self.capacity).collect::<Vec<_>>(),
            "buffered values lost or reordered by close: {received:?}"
        );
    }
}

/// Close while receivers and a sender are parked: every receiver wakes, the parked sender either
/// delivers or gets its value back — nothing lost, nothing delivered twice.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CloseWakesEveryone {
    /// Receiver threads.
    pub receivers: usize,
}

impl Scenario for CloseWakesEveryone {
    const NAME: &'static str = "chan::close_wakes_everyone_and_loses_nothing";
    // Bounded, as exhaustive exploration does not finish within 30 s: 700,000 schedules in 47 s
    // unfinished (2026-11-30). A hand-over costs loom 3-6 branch points, more through a select
    // (`cargo xtask cost`), and three or four threads each make several here. Bound 3: 34,491
    // schedules, 2.4 s.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(3);
    fn small() -> Self {
        Self { receivers: 2 }
    }
    fn large() -> Self {
        Self { receivers: 6 }
    }
    fn run<B: Backend>(&self) {
        let (tx, rx) = chan::bounded_in::<B, usize>(1);
        tx.send(1).expect("room for one");
        let sender_tx = tx.clone();
        // Parks while the buffer is full; close hands its value back.
        let sender = B::spawn("sender", move || {
            sender_tx.send(2).err().map(SendError::into_inner)
        });
        let receivers: Vec<_> = (0..self.receivers)
            .map(|r| {
                let rx = rx.clone();
                B::spawn(&format!("receiver-{r}"), move || {
                    rx.iter().collect::<Vec<_>>()
                })
            })
            .collect();
        drop(rx);
        tx.close().expect("first close");
        let mut seen: Vec<usize> = B::join(sender)
            .expect("sender panicked")
            .into_iter()
            .collect();
        for receiver in receivers {
            seen.extend(B::join(receiver).expect("receiver panicked"));
        }
        invariant!(
            sorted(&seen) == vec![1, 2],
            "every value must be received or handed back, once: {seen:?}"
        );
    }
}

/// A select over two channels, repeated: each round takes exactly one arm; with the leftovers
/// drained after, every value arrives exactly once and each channel's order is kept.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SelectTakesExactlyOneArm {
    /// Values each of the two producers sends (and select rounds).
    pub rounds: usize,
}

impl Scenario for SelectTakesExactlyOneArm {
    const NAME: &'static str = "chan::select_takes_exactly_one_arm";
    // Bounded, as exhaustive exploration takes over 30 s here: 667,876 schedules in 32 s
    // (2026-11-30). Bound 3: 3,641 schedules, 0.2 s.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(3);
    fn small() -> Self {
        Self { rounds: 1 }
    }
    fn large() -> Self {
        Self { rounds: 20 }
    }
    fn run<B: Backend>(&self) {
        let (a_tx, a_rx) = chan::bounded_in::<B, usize>(1);
        let (b_tx, b_rx) = chan::bounded_in::<B, usize>(0);
        let rounds = self.rounds;
        let a = B::spawn("producer-a", move || {
            (0..rounds).for_each(|i| a_tx.send(i).unwrap())
        });
        let b = B::spawn("producer-b", move || {
            (0..rounds).for_each(|i| b_tx.send(100 + i).unwrap())
        });
        let (mut from_a, mut from_b) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            let mut arm_a = RecvArm::new(&a_rx);
            let mut arm_b = RecvArm::new(&b_rx);
            match Select::new().recv(&mut arm_a).recv(&mut arm_b).wait() {
                Selected::Arm(0) => from_a.extend(arm_a.take()),
                Selected::Arm(1) => from_b.extend(arm_b.take()),
                other => invariant!(false, "a select without timeout or default ended {other:?}"),
            }
            // The selected arm's value was taken above: neither arm may hold another.
            invariant!(
                arm_a.take().is_none() && arm_b.take().is_none(),
                "an arm that was not selected received a value too"
            );
        }
        from_a.extend(a_rx.iter());
        from_b.extend(b_rx.iter());
        B::join(a).expect("producer panicked");
        B::join(b).expect("producer panicked");
        invariant!(
            from_a == (0..rounds).collect::<Vec<_>>(),
            "a select must take exactly one arm per call, in FIFO order: channel a delivered {from_a:?}"
        );
        invariant!(
            from_b == (100..100 + rounds).collect::<Vec<_>>(),
            "a select must take exactly one arm per call, in FIFO order: channel b delivered {from_b:?}"
        );
    }
}

/// Two selects offer to each other across two rendezvous channels, each sending on one and
/// receiving on the other (Go: `select { case a <- v: case w := <-b: }` against its mirror): every
/// round they pair up exactly once, one value handed over in one direction, and the send arm not
/// taken gets its value back. Each select may find the other parked while it is parked itself,
/// so the two claim each other's selector at once, in crossed pairs: the kit takes a pair in one
/// order that both threads agree on (creation order), and any order the two could disagree on
/// deadlocks here.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CrossedSelectsPairUpOnce {
    /// Rounds: selects each side makes.
    pub rounds: usize,
}

/// What one side's select did: the value it received, and its own value if it was not sent.
fn offer_and_take<B: Backend>(
    send: &chan::Sender<usize, B>,
    value: usize,
    recv: &chan::Receiver<usize, B>,
) -> (Option<usize>, Option<usize>) {
    let mut send_arm = SendArm::new(send, value);
    let mut recv_arm = RecvArm::new(recv);
    let selected = Select::new().send(&mut send_arm).recv(&mut recv_arm).wait();
    invariant!(
        matches!(selected, Selected::Arm(0 | 1)),
        "a select without timeout or default ended {selected:?}"
    );
    (recv_arm.take(), send_arm.into_unsent())
}

impl Scenario for CrossedSelectsPairUpOnce {
    const NAME: &'static str = "chan::crossed_selects_pair_up_once";
    fn small() -> Self {
        Self { rounds: 1 }
    }
    fn large() -> Self {
        Self { rounds: 20 }
    }
    fn run<B: Backend>(&self) {
        let (a_tx, a_rx) = chan::bounded_in::<B, usize>(0);
        let (b_tx, b_rx) = chan::bounded_in::<B, usize>(0);
        let rounds = self.rounds;
        let mirror = B::spawn("mirror", move || {
            (0..rounds)
                .map(|i| offer_and_take(&b_tx, 200 + i, &a_rx))
                .collect::<Vec<_>>()
        });
        let mine: Vec<_> = (0..rounds)
            .map(|i| offer_and_take(&a_tx, 100 + i, &b_rx))
            .collect();
        let theirs = B::join(mirror).expect("the mirror panicked");
        for (i, (mine, theirs)) in mine.into_iter().zip(theirs).enumerate() {
            let (to_mirror, to_main) = (100 + i, 200 + i);
            let main_to_mirror = (mine, theirs) == ((None, None), (Some(to_mirror), Some(to_main)));
            let mirror_to_main = (mine, theirs) == ((Some(to_main), Some(to_mirror)), (None, None));
            invariant!(
                main_to_mirror || mirror_to_main,
                "round {i}: main (received, unsent) = {mine:?}, mirror = {theirs:?}: exactly one \
                 value must cross, and the other come back to its sender"
            );
        }
    }
}

/// Sends and receives that give up on a timeout, over a rendezvous channel: a value is either
/// delivered (and received exactly once) or handed back to its sender, never lost. Explores
/// "timeout first" and "message first" through the virtual clock.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TimedSendNeverLosesValue {
    /// Values the sender offers, each with a timeout.
    pub values: usize,
}

impl Scenario for TimedSendNeverLosesValue {
    const NAME: &'static str = "chan::timed_send_never_loses_value";
    // Bounded, as exhaustive exploration does not finish within 30 s: 700,000 schedules in 37 s
    // unfinished (2026-11-30). A hand-over costs loom 3-6 branch points, more through a select
    // (`cargo xtask cost`), and three or four threads each make several here. Bound 3: 12,607
    // schedules, 0.7 s.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(3);
    fn small() -> Self {
        Self { values: 1 }
    }
    fn large() -> Self {
        Self { values: 6 }
    }
    fn run<B: Backend>(&self) {
        let (tx, rx) = chan::bounded_in::<B, usize>(0);
        let values = self.values;
        let sender = B::spawn("sender", move || {
            let (mut delivered, mut returned) = (Vec::new(), Vec::new());
            for value in 0..values {
                let mut arm = SendArm::new(&tx, value);
                match Select::new()
                    .send(&mut arm)
                    .timeout(Duration::from_millis(5))
                    .wait()
                {
                    Selected::Arm(0) => {
                        assert!(arm.result().is_some_and(|r| r.is_ok()), "receiver is alive");
                        delivered.push(value);
                    }
                    _ => returned.extend(arm.into_unsent()),
                }
            }
            (delivered, returned)
        });
        let mut received = Vec::new();
        for _ in 0..values {
            match rx.recv_timeout(Duration::from_millis(5)) {
                Ok(value) => received.push(value),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Closed) => break,
            }
        }
        let (delivered, returned) = B::join(sender).expect("sender panicked");
        received.extend(rx.iter());
        invariant!(
            delivered == received,
            "delivered {delivered:?} but received {received:?}"
        );
        let mut all = delivered;
        all.extend(returned);
        invariant!(
            sorted(&all) == (0..values).collect::<Vec<_>>(),
            "a timed send must deliver its value or hand it back, never lose it: {all:?}"
        );
    }
}
