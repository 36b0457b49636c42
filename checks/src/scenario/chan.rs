//! Scenarios of the kit's channel: delivery, order, close and select.

use crate::harness::Scenario;
use crate::invariant;
use crate::support::sorted;
use patterns::chan::{self, RecvArm, RecvTimeoutError, Select, Selected, SendArm, SendError};
use patterns::{Atomic, Backend};
use serde::{Deserialize, Serialize};
use std::sync::atomic::Ordering;
use std::sync::Arc;
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
        fifo_per_sender::<B>(self.producers, self.per_producer, self.capacity);
    }
}

/// [`FifoPerSender`] on a buffered channel kept in the lock-free ring, in an instance loom
/// explores: more values than places, so the ring wraps its laps, senders park on it full and the
/// consumer parks on it empty.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BufferedFifoPerSender {
    /// Producer threads.
    pub producers: usize,
    /// Values each producer sends.
    pub per_producer: usize,
    /// Channel capacity (at least 2: a ring).
    pub capacity: usize,
}

impl Scenario for BufferedFifoPerSender {
    const NAME: &'static str = "chan::buffered_values_keep_each_senders_order";
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    fn small() -> Self {
        Self {
            producers: 2,
            per_producer: 3,
            capacity: 2,
        }
    }
    fn large() -> Self {
        Self {
            producers: 4,
            per_producer: 50,
            capacity: 3,
        }
    }
    fn run<B: Backend>(&self) {
        fifo_per_sender::<B>(self.producers, self.per_producer, self.capacity);
    }
}

/// The body of both FIFO scenarios: `producers` each send `per_producer` values on a channel of
/// `capacity`; the main thread receives them all, each producer's in its order.
fn fifo_per_sender<B: Backend>(producers: usize, per_producer: usize, capacity: usize) {
    let (tx, rx) = chan::bounded_in::<B, (usize, usize)>(capacity);
    let threads: Vec<_> = (0..producers)
        .map(|p| {
            let tx = tx.clone();
            B::spawn(&format!("producer-{p}"), move || {
                for i in 0..per_producer {
                    tx.send((p, i)).expect("the consumer is alive");
                }
            })
        })
        .collect();
    drop(tx);
    let mut next = vec![0; producers];
    for (p, i) in &rx {
        invariant!(
            i == next[p],
            "producer {p} sent {} next but {i} arrived",
            next[p]
        );
        next[p] += 1;
    }
    for thread in threads {
        B::join(thread).expect("producer panicked");
    }
    invariant!(
        next.iter().all(|&n| n == per_producer),
        "values lost: received {next:?} of {per_producer} per producer"
    );
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

/// Fill the buffer with no receiver running (a send does not block while there is room), then
/// close: the receiver still gets every buffered value, in order, then `None`; a send after close
/// hands its value back; a second close is an error.
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
        // Sent before any receiver runs: a send must not block while the buffer has room.
        for i in 0..self.capacity {
            tx.send(i).expect("the receiver is alive");
        }
        let receiver = B::spawn("receiver", move || rx.iter().collect::<Vec<_>>());
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
        close_wakes_everyone::<B>(self.receivers, 1);
    }
}

/// [`CloseWakesEveryone`] on a buffered channel (capacity 2, kept in the lock-free ring): the
/// buffer is filled, one sender parks, receivers drain it and park, and the close races them all.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BufferedCloseWakesEveryone {
    /// Receiver threads.
    pub receivers: usize,
    /// Channel capacity, filled before the parked sender starts.
    pub capacity: usize,
}

impl Scenario for BufferedCloseWakesEveryone {
    const NAME: &'static str = "chan::buffered_close_wakes_everyone_and_loses_nothing";
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    fn small() -> Self {
        Self {
            receivers: 2,
            capacity: 2,
        }
    }
    fn large() -> Self {
        Self {
            receivers: 6,
            capacity: 4,
        }
    }
    fn run<B: Backend>(&self) {
        close_wakes_everyone::<B>(self.receivers, self.capacity);
    }
}

/// Fills a channel of `capacity`, parks a sender of one more value, starts `receivers`, and closes:
/// every value is received or handed back, once.
fn close_wakes_everyone<B: Backend>(receivers: usize, capacity: usize) {
    let (tx, rx) = chan::bounded_in::<B, usize>(capacity);
    for value in 1..=capacity {
        tx.send(value).expect("room for it");
    }
    let sender_tx = tx.clone();
    let last = capacity + 1;
    // Parks while the buffer is full; close hands its value back.
    let sender = B::spawn("sender", move || {
        sender_tx.send(last).err().map(SendError::into_inner)
    });
    let receivers: Vec<_> = (0..receivers)
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
        sorted(&seen) == (1..=last).collect::<Vec<_>>(),
        "every value must be received or handed back, once: {seen:?}"
    );
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
        timed_sends_lose_nothing::<B>(self.values, 0);
    }
}

/// [`TimedSendNeverLosesValue`] on a buffered channel kept in the lock-free ring: the sender fills
/// the buffer, then offers more values each with a timeout (its select's send arm parks on the
/// full ring), while the receiver takes them with timeouts of its own (its arm parks on the
/// emptied ring). Every value is received once or handed back.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BufferedTimeoutsLoseNothing {
    /// Values the sender offers with a timeout, after filling the buffer.
    pub values: usize,
    /// Channel capacity (at least 2: a ring).
    pub capacity: usize,
}

impl Scenario for BufferedTimeoutsLoseNothing {
    const NAME: &'static str = "chan::buffered_timeouts_lose_nothing";
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    fn small() -> Self {
        Self {
            values: 1,
            capacity: 2,
        }
    }
    fn large() -> Self {
        Self {
            values: 6,
            capacity: 3,
        }
    }
    fn run<B: Backend>(&self) {
        timed_sends_lose_nothing::<B>(self.values, self.capacity);
    }
}

/// A sender fills a channel of `capacity` with plain sends, then offers `values` more each with a
/// timeout, while the receiver receives with timeouts and then drains: what was delivered is what
/// was received, in order, and every value was delivered or handed back.
fn timed_sends_lose_nothing<B: Backend>(values: usize, capacity: usize) {
    let (tx, rx) = chan::bounded_in::<B, usize>(capacity);
    let total = capacity + values;
    let sender = B::spawn("sender", move || {
        let (mut delivered, mut returned) = (Vec::new(), Vec::new());
        for value in 0..capacity {
            tx.send(value).expect("room for it");
            delivered.push(value);
        }
        for value in capacity..total {
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
    for _ in 0..total {
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
        sorted(&all) == (0..total).collect::<Vec<_>>(),
        "a timed send must deliver its value or hand it back, never lose it: {all:?}"
    );
}

/// On a channel of capacity C, the (C+1)-th send completes only after the first receive, and that
/// receive happens before it completes (Go's memory model: "the k-th receive on a channel with
/// capacity C is synchronized before the completion of the k+C-th send"); at capacity 0 this is
/// the rendezvous: a send completes only once a receiver has taken its value. The receiver writes
/// a mark (`Relaxed`) before its first receive; the sender reads it after its (C+1)-th send and
/// must see it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SendWaitsForTheReceiveThatFreesItsPlace {
    /// Channel capacity (0: a rendezvous).
    pub capacity: usize,
}

impl Scenario for SendWaitsForTheReceiveThatFreesItsPlace {
    const NAME: &'static str = "chan::send_waits_for_the_receive_that_frees_its_place";
    fn small() -> Self {
        Self { capacity: 0 }
    }
    fn large() -> Self {
        Self { capacity: 2 }
    }
    fn run<B: Backend>(&self) {
        send_waits_for_the_receive::<B>(self.capacity);
    }
}

/// [`SendWaitsForTheReceiveThatFreesItsPlace`] on a buffered channel kept in the lock-free ring,
/// in an instance loom explores: the edge from the first receive to the (C+1)-th send's completion
/// is carried by the ring's slot stamps and parked flags, not by a lock.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BufferedSendWaitsForTheReceiveThatFreesItsPlace {
    /// Channel capacity (at least 2: a ring).
    pub capacity: usize,
}

impl Scenario for BufferedSendWaitsForTheReceiveThatFreesItsPlace {
    const NAME: &'static str = "chan::buffered_send_waits_for_the_receive_that_frees_its_place";
    // Unbounded, loom ran past 2.7 million schedules in 150 s without finishing (2026-12-08).
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    fn small() -> Self {
        Self { capacity: 2 }
    }
    fn large() -> Self {
        Self { capacity: 8 }
    }
    fn run<B: Backend>(&self) {
        send_waits_for_the_receive::<B>(self.capacity);
    }
}

/// The body of both `send_waits_for_the_receive_that_frees_its_place` scenarios.
fn send_waits_for_the_receive<B: Backend>(capacity: usize) {
    let (tx, rx) = chan::bounded_in::<B, usize>(capacity);
    let mark = Arc::new(B::AtomicUsize::new(0));
    let sender_mark = Arc::clone(&mark);
    let sender = B::spawn("sender", move || {
        for value in 0..=capacity {
            tx.send(value).expect("the receiver is alive");
        }
        // Relaxed: only the channel orders the receiver's write before this read.
        sender_mark.load(Ordering::Relaxed)
    });
    mark.store(1, Ordering::Relaxed);
    let mut received: Vec<usize> = rx.recv().into_iter().collect();
    received.extend(rx.iter());
    let seen = B::join(sender).expect("sender panicked");
    invariant!(
        seen == 1,
        "send {} on a channel of capacity {capacity} completed before the first receive \
         (it read the receiver's mark as {seen})",
        capacity + 1
    );
    invariant!(
        received == (0..=capacity).collect::<Vec<_>>(),
        "values lost or reordered: {received:?}"
    );
}

/// Round trips over buffered channels (rings) complete: a thread that sends and then waits for
/// its partner never stalls, whichever of the two parks first. First `rounds` ping-pongs (a
/// receive may park while the send of its value is still in flight, and the sender then waits
/// for the reply: that sender must wake the receiver); then the pinger fills the ring and sends
/// once more (that send may park while the receive that frees its place is in flight, and the
/// receiver then waits for the pinger's word that its sends are done: that receiver must let the
/// sender in). Nobody closes or drops a channel before the end, so no close can rescue a lost
/// wake-up.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BufferedRoundTripsComplete {
    /// Capacity of both channels (at least 2: a ring).
    pub capacity: usize,
    /// Ping-pong rounds before the ring is filled.
    pub rounds: usize,
}

impl Scenario for BufferedRoundTripsComplete {
    const NAME: &'static str = "chan::buffered_round_trips_complete";
    // Unbounded, loom ran past 12 minutes without finishing (2026-12-08).
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    fn small() -> Self {
        Self {
            capacity: 2,
            rounds: 1,
        }
    }
    fn large() -> Self {
        Self {
            capacity: 3,
            rounds: 20,
        }
    }
    fn run<B: Backend>(&self) {
        let (capacity, rounds) = (self.capacity, self.rounds);
        let (ping_tx, ping_rx) = chan::bounded_in::<B, usize>(capacity);
        let (pong_tx, pong_rx) = chan::bounded_in::<B, usize>(capacity);
        let (done_tx, done_rx) = chan::bounded_in::<B, usize>(capacity);
        let echo = B::spawn("echo", move || {
            for _ in 0..rounds {
                let ping = ping_rx.recv().expect("the pinger keeps its sender");
                pong_tx.send(ping).expect("the pinger keeps its receiver");
            }
            let first = ping_rx.recv().expect("the pinger keeps its sender");
            let done = done_rx.recv().expect("the pinger keeps its sender");
            let rest: Vec<usize> = (0..capacity)
                .map(|_| ping_rx.recv().expect("the pinger keeps its sender"))
                .collect();
            (first, done, rest)
        });
        for round in 0..rounds {
            ping_tx.send(round).expect("the echo keeps its receiver");
            let pong = pong_rx.recv();
            invariant!(pong == Some(round), "ping {round} came back as {pong:?}");
        }
        for value in rounds..=rounds + capacity {
            ping_tx.send(value).expect("the echo keeps its receiver");
        }
        done_tx
            .send(usize::MAX)
            .expect("the echo keeps its receiver");
        let (first, done, rest) = B::join(echo).expect("echo panicked");
        invariant!(done == usize::MAX, "the pinger's word came as {done}");
        let mut received = vec![first];
        received.extend(rest);
        invariant!(
            received == (rounds..=rounds + capacity).collect::<Vec<_>>(),
            "values lost or reordered: {received:?}"
        );
    }
}

/// How a parked sender is released without a receive: by a close, or by the last receiver
/// leaving.
fn park_senders_then_release<B: Backend>(senders: usize, by_close: bool) {
    let (tx, rx) = chan::bounded_in::<B, usize>(0);
    let threads: Vec<_> = (0..senders)
        .map(|s| {
            let tx = tx.clone();
            B::spawn(&format!("sender-{s}"), move || {
                // Half the senders park as a plain send, half as a select's send arm.
                let result = if s % 2 == 0 {
                    tx.send(s)
                } else {
                    let mut arm = SendArm::new(&tx, s);
                    let selected = Select::new().send(&mut arm).wait();
                    invariant!(
                        selected == Selected::Arm(0),
                        "a select of one send arm ended {selected:?}"
                    );
                    arm.result().expect("the only arm was selected")
                };
                match (result, by_close) {
                    (Err(SendError::Closed(value)), true)
                    | (Err(SendError::Disconnected(value)), false) => value,
                    (other, _) => {
                        invariant!(false, "sender {s} ended {other:?}");
                        unreachable!()
                    }
                }
            })
        })
        .collect();
    if by_close {
        tx.close().expect("first close");
        invariant!(rx.recv().is_none(), "a closed, empty channel yields None");
    } else {
        drop(rx);
    }
    let handed_back: Vec<usize> = threads
        .into_iter()
        .map(|thread| B::join(thread).expect("sender panicked"))
        .collect();
    invariant!(
        handed_back == (0..senders).collect::<Vec<_>>(),
        "every sender must get its own value back: {handed_back:?}"
    );
}

/// Close releases every parked sender (Go's `closechan` wakes senders as well as receivers), each
/// with its own value handed back as `Closed`, whether it parked as a plain send or a select's
/// send arm, and nobody receives anything.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CloseHandsParkedSendersTheirValues {
    /// Sender threads parked on a rendezvous channel that nobody receives from.
    pub senders: usize,
}

impl Scenario for CloseHandsParkedSendersTheirValues {
    const NAME: &'static str = "chan::close_hands_parked_senders_their_values";
    // Exhaustive: 57,682 schedules, 3.8 s (2026-12-05).
    fn small() -> Self {
        Self { senders: 2 }
    }
    fn large() -> Self {
        Self { senders: 6 }
    }
    fn run<B: Backend>(&self) {
        park_senders_then_release::<B>(self.senders, true);
    }
}

/// Where Go's send on a channel nobody will read blocks forever, the kit's fails: once the last
/// receiver is gone, every sender parked on the channel (plain or in a select) and every later
/// send gets its own value back as `Disconnected`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LastReceiverLeavingHandsSendersTheirValues {
    /// Sender threads on a rendezvous channel whose only receiver is dropped.
    pub senders: usize,
}

impl Scenario for LastReceiverLeavingHandsSendersTheirValues {
    const NAME: &'static str = "chan::last_receiver_leaving_hands_senders_their_values";
    fn small() -> Self {
        Self { senders: 2 }
    }
    fn large() -> Self {
        Self { senders: 6 }
    }
    fn run<B: Backend>(&self) {
        park_senders_then_release::<B>(self.senders, false);
    }
}

/// A select whose timeout has already passed still takes an arm that can proceed (Go: "if one or
/// more of the communications can proceed, a single one that can proceed is chosen"; a timeout is
/// only one more case). Values arrive while selects with a zero timeout poll for them; a select
/// that found a value buffered before it began must take it, and once the producer is done every
/// select must.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReadyArmWinsOverAPassedTimeout {
    /// Values the producer sends (and selects raced against it).
    pub values: usize,
}

impl Scenario for ReadyArmWinsOverAPassedTimeout {
    const NAME: &'static str = "chan::ready_arm_wins_over_a_passed_timeout";
    // Exhaustive: 72,796 schedules, 4.5 s (2026-12-05).
    fn small() -> Self {
        Self { values: 1 }
    }
    fn large() -> Self {
        Self { values: 10 }
    }
    fn run<B: Backend>(&self) {
        let values = self.values;
        // Room for every value: the producer never blocks.
        let (tx, rx) = chan::bounded_in::<B, usize>(values);
        // Never sent on: an arm that never proceeds, beside the ready one.
        let (_idle_tx, idle_rx) = chan::bounded_in::<B, usize>(0);
        let producer = B::spawn("producer", move || {
            (0..values).for_each(|v| tx.send(v).expect("the consumer is alive"))
        });
        let select_once = |producer_done: bool| {
            // Only this thread receives: a value buffered now is still there when the select runs.
            let ready = producer_done || !rx.is_empty();
            let (mut idle, mut arm) = (RecvArm::new(&idle_rx), RecvArm::new(&rx));
            match Select::new()
                .recv(&mut idle)
                .recv(&mut arm)
                .timeout(Duration::ZERO)
                .wait()
            {
                Selected::Arm(1) => arm.take(),
                Selected::Timeout => {
                    invariant!(
                        !ready,
                        "a value was buffered before the select began, yet its passed timeout won"
                    );
                    None
                }
                other => {
                    invariant!(false, "the idle arm or a default won: {other:?}");
                    None
                }
            }
        };
        let mut received: Vec<usize> = (0..values).filter_map(|_| select_once(false)).collect();
        B::join(producer).expect("producer panicked");
        while received.len() < values {
            received.extend(select_once(true));
        }
        invariant!(
            received == (0..values).collect::<Vec<_>>(),
            "values lost or reordered: {received:?}"
        );
    }
}

/// A select with a default takes it only if no arm can proceed, judged on one snapshot of all its
/// channels (Go's `TestNonblockSelectRace`): one of two channels always holds a value while the
/// select runs (the other gets one, or is closed, before the first is drained), so the default
/// must never win. The arms are listed empty-first, so a select that polled them one at a time and
/// then took the default would miss both.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DefaultOnlyWhenNoArmIsReady {
    /// Rounds; odd rounds close the second channel instead of sending on it.
    pub rounds: usize,
}

impl Scenario for DefaultOnlyWhenNoArmIsReady {
    const NAME: &'static str = "chan::default_only_when_no_arm_is_ready";
    fn small() -> Self {
        Self { rounds: 1 }
    }
    fn large() -> Self {
        Self { rounds: 20 }
    }
    fn run<B: Backend>(&self) {
        for round in 0..self.rounds {
            let close_second = round % 2 == 1;
            let (first_tx, first_rx) = chan::bounded_in::<B, u8>(1);
            let (second_tx, second_rx) = chan::bounded_in::<B, u8>(1);
            first_tx.send(1).expect("room for one");
            let racer = {
                let (first_rx, second_rx) = (first_rx.clone(), second_rx.clone());
                B::spawn("racer", move || {
                    let (mut second, mut first) =
                        (RecvArm::new(&second_rx), RecvArm::new(&first_rx));
                    Select::new()
                        .recv(&mut second)
                        .recv(&mut first)
                        .or_default()
                        .wait()
                })
            };
            if close_second {
                second_tx.close().expect("first close");
            } else {
                second_tx.send(2).expect("room for one");
            }
            let mut drain = RecvArm::new(&first_rx);
            Select::new().recv(&mut drain).or_default().wait();
            let selected = B::join(racer).expect("racer panicked");
            invariant!(
                selected != Selected::Default,
                "round {round}: a channel was ready throughout, yet the select took its default"
            );
        }
    }
}

/// Each ready arm of a select is taken with the same probability (Go: "a uniform pseudo-random
/// selection"; `TestSelectFairness`): of two always-ready arms listed after two never-ready ones,
/// the first must win close to half of the selects, within 6 standard deviations (a fair select
/// misses that with a probability near 2·10⁻⁹). Only a backend whose `choose` draws at random can
/// show it: loom's is always 0, and the scenario, finding 16 draws alike, then asserts only that a
/// ready arm won each select.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReadyArmsAreChosenUniformly {
    /// Selects made.
    pub selects: usize,
}

impl Scenario for ReadyArmsAreChosenUniformly {
    const NAME: &'static str = "chan::ready_arms_are_chosen_uniformly";
    fn small() -> Self {
        Self { selects: 2 }
    }
    fn large() -> Self {
        Self { selects: 400 }
    }
    fn run<B: Backend>(&self) {
        let selects = self.selects;
        let (a_tx, a_rx) = chan::bounded_in::<B, u8>(selects);
        let (b_tx, b_rx) = chan::bounded_in::<B, u8>(selects);
        let filler = B::spawn("filler", move || {
            for _ in 0..selects {
                a_tx.send(1).expect("room for every value");
                b_tx.send(2).expect("room for every value");
            }
        });
        B::join(filler).expect("filler panicked");
        let (_idle_tx, idle_rx) = chan::bounded_in::<B, u8>(0);
        let (_other_idle_tx, other_idle_rx) = chan::bounded_in::<B, u8>(0);
        let mut first_won: usize = 0;
        for _ in 0..selects {
            let (mut idle, mut other_idle) = (RecvArm::new(&idle_rx), RecvArm::new(&other_idle_rx));
            let (mut a, mut b) = (RecvArm::new(&a_rx), RecvArm::new(&b_rx));
            match Select::new()
                .recv(&mut idle)
                .recv(&mut other_idle)
                .recv(&mut a)
                .recv(&mut b)
                .wait()
            {
                Selected::Arm(2) => first_won += 1,
                Selected::Arm(3) => {}
                other => invariant!(false, "an arm that was never ready won: {other:?}"),
            }
        }
        let draws: Vec<usize> = (0..16).map(|_| B::choose(2)).collect();
        if draws.iter().all(|&draw| draw == draws[0]) {
            return;
        }
        // Within 6 σ of the mean n/2, σ = √n/2: |2·won − n| ≤ 6√n, squared to stay in integers.
        let deviation = (2 * first_won).abs_diff(selects);
        invariant!(
            deviation * deviation <= 36 * selects,
            "unfair select: the first ready arm won {first_won} of {selects} (expected {} ± {:.0})",
            selects / 2,
            3.0 * (selects as f64).sqrt()
        );
    }
}

/// A select queued twice on one channel, then completed through another, leaves that channel's
/// wait queue intact for the next receiver (Go's `TestSelectDuplicateChannel`): each arm removes
/// one registration of its own select, never another receiver's.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SelectTwiceOnOneChannelLeavesItsQueueIntact;

impl Scenario for SelectTwiceOnOneChannelLeavesItsQueueIntact {
    const NAME: &'static str = "chan::select_twice_on_one_channel_leaves_its_queue_intact";
    // Exhaustive: 231,366 schedules, 12.9 s (2026-12-05).
    fn small() -> Self {
        Self
    }
    fn large() -> Self {
        Self
    }
    fn run<B: Backend>(&self) {
        let (c_tx, c_rx) = chan::bounded_in::<B, u32>(0);
        let (d_tx, d_rx) = chan::bounded_in::<B, u32>(0);
        let (e_tx, e_rx) = chan::bounded_in::<B, u32>(0);
        let twice = {
            let (c_rx, d_rx) = (c_rx.clone(), d_rx.clone());
            B::spawn("select-twice", move || {
                let (mut c1, mut c2, mut d) = (
                    RecvArm::new(&c_rx),
                    RecvArm::new(&c_rx),
                    RecvArm::new(&d_rx),
                );
                let selected = Select::new()
                    .recv(&mut c1)
                    .recv(&mut c2)
                    .recv(&mut d)
                    .wait();
                e_tx.send(9).expect("main receives");
                (selected, d.take())
            })
        };
        let plain = B::spawn("plain-receiver", move || c_rx.recv());
        d_tx.send(7).expect("the select receives");
        invariant!(e_rx.recv() == Some(9), "the select never reported back");
        c_tx.send(8).expect("the plain receiver is alive");
        let got = B::join(plain).expect("receiver panicked");
        invariant!(
            got == Some(8),
            "the plain receiver queued on c got {got:?}: the select's unregistering disturbed it"
        );
        let (selected, value) = B::join(twice).expect("select panicked");
        invariant!(
            (selected, value) == (Selected::Arm(2), Some(7)),
            "the select ended {selected:?} with {value:?}, not on d with 7"
        );
    }
}

/// A select with no arm that can ever proceed ends only by its timeout, never before it (the
/// closest check of Go's `select {}`, which is the same select without a timer and blocks
/// forever): a select of no arms, and one whose only arm's channel nobody sends on, each return
/// `Timeout` once the backend's clock has passed the deadline.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SelectWithNoReadyArmEndsOnlyAtItsTimeout {
    /// Selects of each kind, one after another.
    pub selects: usize,
}

impl Scenario for SelectWithNoReadyArmEndsOnlyAtItsTimeout {
    const NAME: &'static str = "chan::select_with_no_ready_arm_ends_only_at_its_timeout";
    // Exhaustive: 452,764 schedules, 25.7 s (2026-12-05).
    fn small() -> Self {
        Self { selects: 1 }
    }
    fn large() -> Self {
        Self { selects: 5 }
    }
    fn run<B: Backend>(&self) {
        let timeout = Duration::from_millis(5);
        let selects = self.selects;
        let (_never_tx, never_rx) = chan::bounded_in::<B, u8>(0);
        let waiter = B::spawn("waiter", move || {
            (0..selects)
                .map(|_| {
                    let start = B::now();
                    let mut arm = RecvArm::new(&never_rx);
                    (
                        Select::new().recv(&mut arm).timeout(timeout).wait(),
                        start,
                        B::now(),
                    )
                })
                .collect::<Vec<_>>()
        });
        let mut ends = Vec::new();
        for _ in 0..selects {
            let start = B::now();
            ends.push((Select::<B>::new().timeout(timeout).wait(), start, B::now()));
        }
        ends.extend(B::join(waiter).expect("waiter panicked"));
        for (selected, start, end) in ends {
            invariant!(
                selected == Selected::Timeout && end >= start + timeout,
                "a select that nothing can complete ended {selected:?} after {:?} of its {timeout:?}",
                end - start
            );
        }
    }
}

/// Go's "Length and capacity": `len(ch)` is the number of values queued in the buffer, never more
/// than `cap(ch)`, and a rendezvous channel (capacity 0) buffers nothing, so its length is 0 even
/// while a sender is parked on it. An observer thread and the receiving thread read both
/// channels' lengths while the sender fills the buffered one past its capacity (it parks) and then
/// parks on the rendezvous.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LenNeverExceedsCapacity {
    /// The buffered channel's capacity.
    pub capacity: usize,
    /// Values sent on the buffered channel (more than `capacity`, so the sender parks on it).
    pub values: usize,
}

impl Scenario for LenNeverExceedsCapacity {
    const NAME: &'static str = "chan::len_never_exceeds_capacity";
    // Bounded: exhaustive exploration does not finish in 100 s (2026-12-05). Bound 3: 8,957
    // schedules, 0.8 s.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(3);
    fn small() -> Self {
        Self {
            capacity: 1,
            values: 2,
        }
    }
    fn large() -> Self {
        Self {
            capacity: 3,
            values: 10,
        }
    }
    fn run<B: Backend>(&self) {
        let (capacity, values) = (self.capacity, self.values);
        let (tx, rx) = chan::bounded_in::<B, usize>(capacity);
        let (rendezvous_tx, rendezvous_rx) = chan::bounded_in::<B, usize>(0);
        invariant!(
            tx.capacity() == capacity && rendezvous_tx.capacity() == 0,
            "capacity reads {} and {}, made with {capacity} and 0",
            tx.capacity(),
            rendezvous_tx.capacity()
        );
        let observe = {
            let (tx, rendezvous_rx) = (tx.clone(), rendezvous_rx.clone());
            move |when: &str| {
                let len = tx.len();
                invariant!(
                    len <= capacity,
                    "len {len} over capacity {capacity} ({when})"
                );
                let len = rendezvous_rx.len();
                invariant!(len == 0, "a rendezvous channel's len is {len} ({when})");
            }
        };
        let sender = B::spawn("sender", move || {
            for value in 0..values {
                tx.send(value).expect("the receiver is alive");
            }
            // Parks until the receive below: a rendezvous has no buffer to hold it.
            rendezvous_tx.send(values).expect("the receiver is alive");
        });
        let observer = {
            let observe = observe.clone();
            B::spawn("observer", move || observe("while values move"))
        };
        let mut received = Vec::new();
        for _ in 0..values {
            observe("before a receive");
            received.extend(rx.recv());
        }
        observe("before the rendezvous");
        received.extend(rendezvous_rx.recv());
        B::join(sender).expect("sender panicked");
        B::join(observer).expect("observer panicked");
        invariant!(
            received == (0..=values).collect::<Vec<_>>(),
            "values lost or reordered: {received:?}"
        );
    }
}
