//! Go's `select`: wait on several sends and receives at once, with an optional timeout or default.
//!
//! ```
//! use patterns::chan::{self, RecvArm, Select, Selected, SendArm};
//! use std::time::Duration;
//!
//! let (jobs_tx, _jobs_rx) = chan::bounded::<u32>(0); // nobody receives: never ready
//! let (quit_tx, quit_rx) = chan::bounded::<()>(1);
//! quit_tx.close().unwrap();
//!
//! // select { case jobs <- 7: …; case <-quit: …; case <-time.After(time.Second): … }
//! let mut job = SendArm::new(&jobs_tx, 7);
//! let mut quit = RecvArm::new(&quit_rx);
//! match Select::new().send(&mut job).recv(&mut quit).timeout(Duration::from_secs(1)).wait() {
//!     Selected::Arm(1) => assert_eq!(quit.take(), None), // closed: ok == false
//!     other => panic!("unexpected {other:?}"),
//! }
//! assert_eq!(job.into_unsent(), Some(7)); // the value of an arm not taken comes back
//! ```
//!
//! With several arms ready, each is taken with the same probability, as Go's spec promises ("a
//! uniform pseudo-random selection"): the arms are polled in a random permutation drawn with
//! [`Backend::choose`], which under shuttle is a choice that gets explored.

use super::core::Registered;
use super::selector::{Claim, Outcome, Selector, Slot};
use super::{Receiver, SendError, Sender, TimedOut};
use crate::backend::{Backend, Std};
use crate::backoff::Patience;
use crate::trace::{self, Object};
use smallvec::SmallVec;
use std::sync::Arc;
use std::time::Duration;

/// Which way a [`Select`] ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selected {
    /// The arm with this index (in the order the arms were added) completed.
    Arm(usize),
    /// The timeout passed first.
    Timeout,
    /// No arm was ready and the select has a default.
    Default,
}

/// One arm of a select, as the select drives it.
trait ArmOps<B: Backend> {
    /// Completes the operation now if it can, without parking and without a selector.
    fn try_now(&mut self) -> bool;
    /// Under the channel lock: completes now (claiming `selector`) or parks.
    fn register(&mut self, selector: &Arc<Selector<B>>, arm: usize) -> Registered;
    /// The arm alone in its select (no default), on a backend with [`Backend::DEADLINE_WAIT`]:
    /// completes it as a plain operation, parking without a selector, and says whether it did
    /// (false: `deadline` passed first, and a send arm keeps its value). Tracks its caller (here,
    /// on the declaration, so the location passes through `dyn`): a blocked select is reported at
    /// the user's line.
    #[track_caller]
    fn wait_alone(&mut self, deadline: Option<Duration>) -> bool;
    /// After `selector` was claimed for this arm: collects the result.
    fn finish(&mut self, outcome: Outcome);
    /// Removes one registration of `selector` from the queue this arm parks on, if a peer has not
    /// dequeued it already. With two arms on one queue it may be the other arm's: each arm removes
    /// one, so together they remove all.
    fn unregister(&mut self, selector: &Arc<Selector<B>>);
    /// The capacity of the arm's channel.
    fn capacity(&self) -> usize;
    /// What a trace calls the arm once it won (`select recv`), and its channel.
    fn traced(&self) -> (&'static str, Object);
}

/// A receive arm: `case v, ok := <-rx`.
pub struct RecvArm<'a, T: Send, B: Backend = Std> {
    receiver: &'a Receiver<T, B>,
    slot: Option<Arc<Slot<T>>>,
    /// `Some(v)` once received, `Some(None)` once found closed and drained.
    result: Option<Option<T>>,
}

impl<'a, T: Send, B: Backend> RecvArm<'a, T, B> {
    /// An arm receiving from `receiver`.
    pub fn new(receiver: &'a Receiver<T, B>) -> Self {
        Self {
            receiver,
            slot: None,
            result: None,
        }
    }

    /// The value received if this arm was selected; `None` if the channel was closed and drained
    /// (or the arm was not selected).
    pub fn take(&mut self) -> Option<T> {
        self.result.take().flatten()
    }
}

impl<T: Send, B: Backend> ArmOps<B> for RecvArm<'_, T, B> {
    fn try_now(&mut self) -> bool {
        use super::TryRecvError;
        match self.receiver.try_recv() {
            Ok(value) => self.result = Some(Some(value)),
            Err(TryRecvError::Closed) => self.result = Some(None),
            Err(TryRecvError::Empty) => return false,
        }
        true
    }

    #[track_caller]
    fn wait_alone(&mut self, deadline: Option<Duration>) -> bool {
        match self.receiver.recv_parked(deadline) {
            Ok(got) => self.result = Some(got),
            Err(TimedOut) => return false,
        }
        true
    }

    fn register(&mut self, selector: &Arc<Selector<B>>, arm: usize) -> Registered {
        let slot = self.slot.get_or_insert_with(|| Arc::new(Slot::new(None)));
        self.receiver.chan.register_recv(selector, arm, slot)
    }

    fn finish(&mut self, outcome: Outcome) {
        self.result = Some(match outcome {
            Outcome::Done => Some(
                self.slot
                    .as_ref()
                    .and_then(|slot| slot.take())
                    .expect("a completed receive has its value"),
            ),
            _ => None,
        });
    }

    fn unregister(&mut self, selector: &Arc<Selector<B>>) {
        self.receiver.chan.unregister_recv(selector);
    }

    fn capacity(&self) -> usize {
        self.receiver.chan.cap
    }

    fn traced(&self) -> (&'static str, Object) {
        ("select recv", self.receiver.chan.object())
    }
}

/// A send arm: `case tx <- v`. Its value comes back through [`SendArm::into_unsent`] unless it was
/// delivered.
pub struct SendArm<'a, T: Send, B: Backend = Std> {
    sender: &'a Sender<T, B>,
    /// The value while this arm holds it.
    value: Option<T>,
    /// The value while it waits on the channel, registered.
    slot: Option<Arc<Slot<T>>>,
    /// How the arm ended, once selected.
    outcome: Option<Outcome>,
}

impl<'a, T: Send, B: Backend> SendArm<'a, T, B> {
    /// An arm sending `value` on `sender`.
    pub fn new(sender: &'a Sender<T, B>, value: T) -> Self {
        Self {
            sender,
            value: Some(value),
            slot: None,
            outcome: None,
        }
    }

    /// If this arm was selected: `Ok` once delivered, or the error with the value handed back.
    /// `None` if the arm was not selected.
    pub fn result(&mut self) -> Option<Result<(), SendError<T>>> {
        let outcome = self.outcome?;
        Some(match outcome {
            Outcome::Done => Ok(()),
            Outcome::Disconnected => Err(SendError::Disconnected(self.reclaim()?)),
            _ => Err(SendError::Closed(self.reclaim()?)),
        })
    }

    /// The value, if it was not delivered (arm not selected, or the channel refused it).
    pub fn into_unsent(mut self) -> Option<T> {
        self.reclaim()
    }

    fn reclaim(&mut self) -> Option<T> {
        self.value
            .take()
            .or_else(|| self.slot.as_ref().and_then(|slot| slot.take()))
    }
}

impl<T: Send, B: Backend> ArmOps<B> for SendArm<'_, T, B> {
    fn try_now(&mut self) -> bool {
        use super::TrySendError;
        let Some(value) = self.value.take() else {
            return false;
        };
        match self.sender.try_send(value) {
            Ok(()) => self.outcome = Some(Outcome::Done),
            Err(TrySendError::Full(value)) => {
                self.value = Some(value);
                return false;
            }
            Err(TrySendError::Closed(value)) => {
                self.value = Some(value);
                self.outcome = Some(Outcome::Closed);
            }
            Err(TrySendError::Disconnected(value)) => {
                self.value = Some(value);
                self.outcome = Some(Outcome::Disconnected);
            }
        }
        true
    }

    #[track_caller]
    fn wait_alone(&mut self, deadline: Option<Duration>) -> bool {
        let value = self.reclaim().expect("a send arm waits with its value");
        match self.sender.send_parked(value, deadline) {
            Ok(()) => self.outcome = Some(Outcome::Done),
            Err((Outcome::TimedOut, value)) => {
                self.value = Some(value);
                return false;
            }
            Err((outcome, value)) => {
                self.value = Some(value);
                self.outcome = Some(outcome);
            }
        }
        true
    }

    fn register(&mut self, selector: &Arc<Selector<B>>, arm: usize) -> Registered {
        if let Some(value) = self.value.take() {
            self.slot = Some(Arc::new(Slot::new(Some(value))));
        }
        let slot = self
            .slot
            .as_ref()
            .expect("a send arm registers with its value");
        self.sender.chan.register_send(selector, arm, slot)
    }

    fn finish(&mut self, outcome: Outcome) {
        self.outcome = Some(outcome);
    }

    fn unregister(&mut self, selector: &Arc<Selector<B>>) {
        self.sender.chan.unregister_send(selector);
    }

    fn capacity(&self) -> usize {
        self.sender.chan.cap
    }

    fn traced(&self) -> (&'static str, Object) {
        ("select send", self.sender.chan.object())
    }
}

/// A select over receive and send arms, with an optional timeout or default.
///
/// Arms are polled once without blocking, in a uniformly random order drawn by [`Backend::choose`];
/// if none is ready (and there is no default) the select parks on every arm's channel until one
/// completes or the timeout fires. Exactly one arm ever completes.
pub struct Select<'s, B: Backend = Std> {
    /// Inline up to [`INLINE_ARMS`]: a select is built per call, often on a hot path.
    arms: SmallVec<[&'s mut dyn ArmOps<B>; INLINE_ARMS]>,
    timeout: Option<Duration>,
    default: bool,
}

impl<B: Backend> Default for Select<'_, B> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'s, B: Backend> Select<'s, B> {
    /// A select with no arms yet.
    pub fn new() -> Self {
        Self {
            arms: SmallVec::new(),
            timeout: None,
            default: false,
        }
    }

    /// Adds a receive arm; its index is the number of arms added before it.
    ///
    /// # Panics
    /// If the arm still holds a value received by an earlier select: `take` it first.
    pub fn recv<'a: 's, T: Send + 's>(mut self, arm: &'s mut RecvArm<'a, T, B>) -> Self {
        assert!(
            arm.result.is_none(),
            "RecvArm reused while it still holds what an earlier select received: take() it first"
        );
        self.arms.push(arm);
        self
    }

    /// Adds a send arm; its index is the number of arms added before it.
    ///
    /// # Panics
    /// If the arm's value was already delivered by an earlier select: a send arm sends once.
    pub fn send<'a: 's, T: Send + 's>(mut self, arm: &'s mut SendArm<'a, T, B>) -> Self {
        let holds_value =
            arm.value.is_some() || arm.slot.as_ref().is_some_and(|slot| slot.is_full());
        assert!(
            holds_value,
            "SendArm reused after its value was delivered (or taken back): make a new SendArm"
        );
        arm.outcome = None;
        self.arms.push(arm);
        self
    }

    /// Gives up after `timeout` of the backend's time (`case <-time.After(timeout)`).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Returns [`Selected::Default`] at once if no arm is ready (Go's `default:` case).
    pub fn or_default(mut self) -> Self {
        self.default = true;
        self
    }

    /// Runs the select. Without arms, timeout or default it blocks forever, like `select {}`.
    #[track_caller]
    pub fn wait(self) -> Selected {
        let step = trace::enter::<B>("select", Object::at("select", &(), None));
        // Only while a checker records: which channel each arm would name.
        let arms: SmallVec<[(&'static str, Object); INLINE_ARMS]> = if step.recording() {
            self.arms.iter().map(|arm| arm.traced()).collect()
        } else {
            SmallVec::new()
        };
        let selected = self.wait_any();
        match selected {
            Selected::Arm(arm) => {
                if let Some(&(op, object)) = arms.get(arm) {
                    step.retarget(op, object);
                }
                step.outcome(format_args!("arm {arm}"));
            }
            Selected::Timeout => step.outcome(format_args!("timed out")),
            Selected::Default => step.outcome(format_args!("default")),
        }
        selected
    }

    #[track_caller]
    fn wait_any(mut self) -> Selected {
        let deadline = self.timeout.map(|t| B::now().saturating_add(t));
        let count = self.arms.len();
        if count == 1 && !self.default && B::DEADLINE_WAIT {
            // One arm and no default on a real clock: nothing to choose between, so it parks as a
            // plain operation (one waiter, settled under the channel lock, timing out under it),
            // not a selector beside the channel. The models keep the selector and its timer, whose
            // firing they explore at every step.
            return if self.arms[0].wait_alone(deadline) {
                Selected::Arm(0)
            } else {
                Selected::Timeout
            };
        }
        // Go polls its cases in a uniformly random permutation and takes the first ready one. The
        // permutation is drawn lazily (Fisher–Yates, one choice per arm polled), so a select whose
        // first polled arm is ready draws one number, and a select of one arm draws none.
        let mut order: SmallVec<[usize; INLINE_ARMS]> = (0..count).collect();
        for polled in 0..count {
            let left = count - polled;
            if left > 1 {
                order.swap(polled, polled + B::choose(left));
            }
            if self.arms[order[polled]].try_now() {
                return Selected::Arm(order[polled]);
            }
        }

        // Nothing was ready when polled, one arm at a time. Park on every arm; with a default, then
        // claim the selector for the default. Any arm that became ready since its registration
        // would have claimed the selector first, or (on a buffered channel) is made ready by an
        // operation that has not returned yet and serves the parked arm before it does, so counts
        // as after the default: a default that wins saw every arm not ready at one same moment —
        // Go's select takes a snapshot of all its channels, so must this.
        let selector = Arc::new(Selector::new());
        let mut registered = SmallVec::<[usize; INLINE_ARMS]>::new();
        let mut completed = None;
        for index in order {
            match self.arms[index].register(&selector, index) {
                Registered::Completed(outcome) => {
                    completed = Some(Claim {
                        arm: index,
                        outcome,
                    });
                    break;
                }
                Registered::Parked => registered.push(index),
                Registered::AlreadyClaimed => break,
            }
        }
        if completed.is_none() && self.default && selector.try_claim(DEFAULT_ARM, Outcome::TimedOut)
        {
            completed = Some(Claim {
                arm: DEFAULT_ARM,
                outcome: Outcome::TimedOut,
            });
        }
        let claim = completed.unwrap_or_else(|| {
            // The deepest buffer decides: a select pairs a data channel with a `done` channel of
            // capacity 0 that is only ever closed, so a capacity-0 arm says little.
            let deepest = self.arms.iter().map(|arm| arm.capacity()).max();
            let patience = Patience::for_capacity(deepest.unwrap_or(0));
            if let (Some(deadline), true) = (deadline, B::DEADLINE_WAIT) {
                // A real clock: park with the deadline, no timer.
                return selector.wait_until(patience, deadline, TIMEOUT_ARM);
            }
            // Armed only now: a claim by the timer during registration would be harmless, but
            // arming after keeps the common no-timeout path free of timer traffic. A selector a
            // peer claimed meanwhile needs no timer at all.
            let timer = deadline.filter(|_| !selector.is_claimed()).map(|deadline| {
                let selector = Arc::clone(&selector);
                B::timers().at(deadline, move || {
                    selector.try_claim(TIMEOUT_ARM, Outcome::TimedOut);
                })
            });
            let claim = selector.wait(patience);
            if let Some(timer) = timer {
                timer.stop();
            }
            claim
        });
        for index in registered {
            self.arms[index].unregister(&selector);
        }
        match claim.arm {
            DEFAULT_ARM => return Selected::Default,
            TIMEOUT_ARM => return Selected::Timeout,
            _ => {}
        }
        self.arms[claim.arm].finish(claim.outcome);
        Selected::Arm(claim.arm)
    }
}

/// Arms a select keeps without allocating; more spill to the heap.
const INLINE_ARMS: usize = 4;

/// The arm index the timeout claims with; no real arm has it.
const TIMEOUT_ARM: usize = usize::MAX;

/// The arm index a select claims for its own default; no real arm has it.
const DEFAULT_ARM: usize = usize::MAX - 1;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chan::bounded;
    use std::thread;

    /// Registrations parked on the channel of `receiver`, in both queues.
    fn parked<T: Send>(receiver: &Receiver<T>) -> usize {
        let state = receiver.chan.lock();
        state.recvq.len() + state.sendq.len()
    }

    /// Waits until `arms` registrations are parked on the channel of `probe`. The bound only turns
    /// a select that never parks into a failure instead of a hang; nothing here is timed.
    fn until_parked<T: Send>(probe: &Receiver<T>, arms: usize) {
        let give_up = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while parked(probe) < arms {
            assert!(
                std::time::Instant::now() < give_up,
                "{arms} registrations never parked"
            );
            thread::yield_now();
        }
    }

    /// A select receiving on `arm`'s channel, and, with 2 `arms`, on `other`'s too.
    fn receiving<'s, 'a: 's>(
        arms: usize,
        arm: &'s mut RecvArm<'a, u32>,
        other: &'s mut RecvArm<'a, u32>,
    ) -> Select<'s> {
        let select = Select::new().recv(arm);
        if arms == 2 {
            select.recv(other)
        } else {
            select
        }
    }

    /// On `Std` a timed select parks with its deadline, whether alone on one channel (as a plain
    /// waiter, the clock read under the channel lock) or with two arms (on its selector, the
    /// clock read under the claim lock): it ends at the deadline, never before, and leaves no
    /// registration behind.
    #[test]
    fn a_timed_select_on_std_ends_at_its_deadline() {
        let (_tx, rx) = bounded::<u32>(0);
        let (_other_tx, other_rx) = bounded::<u32>(0);
        let timeout = std::time::Duration::from_millis(20);
        for arms in [1, 2] {
            let started = std::time::Instant::now();
            let (mut arm, mut other) = (RecvArm::new(&rx), RecvArm::new(&other_rx));
            let select = receiving(arms, &mut arm, &mut other);
            assert_eq!(select.timeout(timeout).wait(), Selected::Timeout);
            assert!(
                started.elapsed() >= timeout,
                "{arms} arm(s) timed out before the deadline"
            );
            assert_eq!(parked(&rx), 0, "a timed-out arm left its registration");
            assert_eq!(
                parked(&other_rx),
                0,
                "a timed-out arm left its registration"
            );
        }
    }

    /// A value that comes while a timed select is parked wins over the timeout, once: alone on
    /// its channel, and beside an arm that is never ready.
    #[test]
    fn a_value_sent_while_a_timed_select_waits_wins() {
        let (_other_tx, other_rx) = bounded::<u32>(0);
        for arms in [1, 2] {
            let (tx, rx) = bounded::<u32>(0);
            let probe = rx.clone();
            let sender = thread::spawn(move || {
                until_parked(&probe, 1);
                tx.send(7).expect("the select receives")
            });
            let (mut arm, mut other) = (RecvArm::new(&rx), RecvArm::new(&other_rx));
            let select = receiving(arms, &mut arm, &mut other);
            let selected = select.timeout(std::time::Duration::from_secs(60)).wait();
            assert_eq!(selected, Selected::Arm(0), "with {arms} arm(s)");
            assert_eq!(arm.take(), Some(7));
            sender.join().expect("sender");
            assert_eq!(parked(&rx), 0);
            assert_eq!(parked(&other_rx), 0);
        }
    }

    /// A timed send arm alone in its select keeps its value when the deadline passes first, and
    /// leaves nothing queued.
    #[test]
    fn a_timed_out_send_arm_keeps_its_value() {
        let (tx, rx) = bounded::<u32>(0);
        let mut arm = SendArm::new(&tx, 5);
        let selected = Select::new()
            .send(&mut arm)
            .timeout(std::time::Duration::from_millis(5))
            .wait();
        assert_eq!(selected, Selected::Timeout);
        assert_eq!(parked(&rx), 0, "the timed-out send left its registration");
        assert_eq!(arm.into_unsent(), Some(5));
    }

    /// A close reaches a timed select parked alone on the channel, receiving or sending, and the
    /// last receiver's drop reaches a parked timed send: each ends on its arm, not at the
    /// deadline, and a send gets its value back.
    #[test]
    fn a_close_or_disconnect_ends_a_parked_timed_select_at_once() {
        let minute = std::time::Duration::from_secs(60);
        let (tx, rx) = bounded::<u32>(0);
        let (probe, closer) = (rx.clone(), tx.clone());
        let closing = thread::spawn(move || {
            until_parked(&probe, 1);
            closer.close().expect("closed once");
        });
        let mut arm = RecvArm::new(&rx);
        assert_eq!(
            Select::new().recv(&mut arm).timeout(minute).wait(),
            Selected::Arm(0)
        );
        assert_eq!(arm.take(), None, "closed and drained: ok == false");
        closing.join().expect("closer");

        let (tx, rx) = bounded::<u32>(0);
        let (probe, closer) = (rx.clone(), tx.clone());
        let closing = thread::spawn(move || {
            until_parked(&probe, 1);
            closer.close().expect("closed once");
        });
        let mut send = SendArm::new(&tx, 8);
        assert_eq!(
            Select::new().send(&mut send).timeout(minute).wait(),
            Selected::Arm(0)
        );
        assert!(matches!(send.result(), Some(Err(SendError::Closed(8)))));
        closing.join().expect("closer");

        let (tx, rx) = bounded::<u32>(0);
        let probe = rx.clone();
        let dropping = thread::spawn(move || {
            until_parked(&probe, 1);
            // The last two receivers go: the parked send can never be taken.
            drop(probe);
            drop(rx);
        });
        let mut send = SendArm::new(&tx, 9);
        assert_eq!(
            Select::new().send(&mut send).timeout(minute).wait(),
            Selected::Arm(0)
        );
        assert!(matches!(
            send.result(),
            Some(Err(SendError::Disconnected(9)))
        ));
        dropping.join().expect("dropper");
    }

    /// Timeouts racing hand-overs never lose or duplicate a value: a receiver whose every receive
    /// has a timeout, then a sender whose every send has one, each against a plain peer that
    /// dawdles a varying few microseconds before each operation, so some waits end by a
    /// hand-over, some at the deadline, some as both meet. Every other timeout is 3 µs, which
    /// passes during the busy-wait, the rest 60 µs, which outlasts it, so the owner also sleeps
    /// and is woken by the hand-over or its deadline. Every value arrives once, in order. (How
    /// many timed out varies from run to run; only the values are asserted.)
    #[test]
    fn timeouts_racing_hand_overs_lose_nothing() {
        const VALUES: u32 = 2_000;
        let timeout = |attempt: usize| {
            std::time::Duration::from_micros(if attempt.is_multiple_of(2) { 3 } else { 60 })
        };
        // Busy for 0 to 31 µs, varying with the value: the timed side's wait (its busy phase,
        // its yields, then its deadline) ends on either side of the peer's arrival.
        let dawdle = |value: u32| {
            let until = std::time::Instant::now()
                + std::time::Duration::from_micros(u64::from(value.wrapping_mul(7) % 32));
            while std::time::Instant::now() < until {
                std::hint::spin_loop();
            }
        };
        let (tx, rx) = bounded::<u32>(0);
        let sender = thread::spawn(move || {
            for value in 0..VALUES {
                dawdle(value);
                tx.send(value).expect("read");
            }
        });
        let mut received = Vec::new();
        for attempt in 0.. {
            if received.len() == VALUES as usize {
                break;
            }
            let mut arm = RecvArm::new(&rx);
            if Select::new()
                .recv(&mut arm)
                .timeout(timeout(attempt))
                .wait()
                == Selected::Arm(0)
            {
                received.push(
                    arm.take()
                        .expect("the sender is alive until the last value"),
                );
            }
        }
        sender.join().expect("sender");
        assert_eq!(received, (0..VALUES).collect::<Vec<_>>());
        assert_eq!(parked(&rx), 0);

        let (tx, rx) = bounded::<u32>(0);
        let receiver = thread::spawn(move || {
            let mut received = Vec::new();
            loop {
                dawdle(received.len() as u32);
                match rx.recv() {
                    Some(value) => received.push(value),
                    None => return received,
                }
            }
        });
        for value in 0..VALUES {
            let mut arm = SendArm::new(&tx, value);
            let mut attempt = 0;
            while Select::new()
                .send(&mut arm)
                .timeout(timeout(attempt))
                .wait()
                == Selected::Timeout
            {
                attempt += 1;
            }
            assert_eq!(arm.result(), Some(Ok(())));
        }
        drop(tx);
        assert_eq!(
            receiver.join().expect("receiver"),
            (0..VALUES).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_select_with_two_receives_on_one_channel_leaves_no_registration() {
        let (tx, rx) = bounded::<u32>(0);
        let probe = rx.clone();
        let sender = thread::spawn(move || {
            until_parked(&probe, 2);
            tx.send(7).unwrap();
            // Kept alive: the last sender's drop closes the channel, which clears every queue.
            tx
        });
        let (mut first, mut second) = (RecvArm::new(&rx), RecvArm::new(&rx));
        let got = match Select::new().recv(&mut first).recv(&mut second).wait() {
            Selected::Arm(0) => first.take(),
            Selected::Arm(1) => second.take(),
            other => panic!("unexpected {other:?}"),
        };
        let _tx = sender.join().unwrap();
        assert_eq!(got, Some(7));
        assert_eq!(parked(&rx), 0, "a completed select left a registration");
    }

    #[test]
    fn a_select_completed_by_a_sender_unregisters_its_send_arm() {
        let (tx, rx) = bounded::<u32>(0);
        let (probe, peer) = (rx.clone(), tx.clone());
        let sender = thread::spawn(move || {
            until_parked(&probe, 2);
            // Takes the receive arm's registration; the send arm's stays for its unregister.
            peer.send(9).unwrap();
        });
        let mut send = SendArm::new(&tx, 5);
        let mut recv = RecvArm::new(&rx);
        assert_eq!(
            Select::new().send(&mut send).recv(&mut recv).wait(),
            Selected::Arm(1)
        );
        sender.join().unwrap();
        assert_eq!(recv.take(), Some(9));
        assert_eq!(send.into_unsent(), Some(5));
        assert_eq!(parked(&rx), 0, "a completed select left a registration");
    }

    #[test]
    fn a_completed_select_leaves_another_receivers_registration() {
        let (tx, rx) = bounded::<u32>(0);
        let (other_tx, other_rx) = bounded::<u32>(0);
        let waiting = rx.clone();
        let waiter = thread::spawn(move || waiting.recv());
        until_parked(&rx, 1);
        let probe = other_rx.clone();
        let sender = thread::spawn(move || {
            until_parked(&probe, 1);
            other_tx.send(3).unwrap();
        });
        let (mut on_shared, mut on_other) = (RecvArm::new(&rx), RecvArm::new(&other_rx));
        assert_eq!(
            Select::new()
                .recv(&mut on_shared)
                .recv(&mut on_other)
                .wait(),
            Selected::Arm(1)
        );
        sender.join().unwrap();
        assert_eq!(on_other.take(), Some(3));
        assert_eq!(
            parked(&rx),
            1,
            "the select removed the other receiver's registration"
        );
        tx.send(4).unwrap();
        assert_eq!(waiter.join().unwrap(), Some(4));
    }

    #[test]
    fn a_select_sending_and_receiving_on_one_channel_leaves_no_registration() {
        let (tx, rx) = bounded::<u32>(0);
        let (probe, taker) = (rx.clone(), rx.clone());
        let receiver = thread::spawn(move || {
            until_parked(&probe, 2);
            taker.recv()
        });
        let mut send = SendArm::new(&tx, 5);
        let mut recv = RecvArm::new(&rx);
        // Go's rule: a select never pairs with itself, so only the other thread completes it.
        assert_eq!(
            Select::new().send(&mut send).recv(&mut recv).wait(),
            Selected::Arm(0)
        );
        assert_eq!(receiver.join().unwrap(), Some(5));
        assert_eq!(parked(&rx), 0, "a completed select left a registration");
    }
}
