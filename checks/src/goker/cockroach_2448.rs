//! GoKer `cockroach_2448` (cockroach PR #2448): the store runs an event's callback, which waits
//! for the multiraft state loop to take it, while the state loop waits for the store to take its
//! next event.
//!
//! Ports `gobench/goker/blocking/cockroach/2448/cockroach2448_test.go` (GoBench: communication
//! deadlock, channel). The test starts the store's `processRaft` and the multiraft state loop
//! (`start`), and returns; the stopper is never stopped. The state loop, in a `select` with a
//! `default`, runs a callback it receives on `callbackChan` or else handles a write response,
//! which commits a membership change: `sendEvent` sends an event carrying a callback on the
//! unbuffered `Events` channel (or returns if the stopper stops). `processRaft` receives the
//! event and runs its callback, which sends a function on the unbuffered `callbackChan` (or
//! returns if the stopper stops). When the state loop looks at `callbackChan` before the callback
//! sends on it, it handles another write response and blocks sending the next event, while the
//! store blocks sending the callback: both are left blocked (a leak). The kernel's loops run until
//! a stop that never comes, so even fixed they would never end; the port's state loop runs at most
//! `rounds` rounds and then stops the stopper itself, standing in for the shutdown the test leaves
//! out (the bug needs two rounds: the small instance, for loom). Fix (the kernel's `FIX:`
//! comment): `sendEvent` appends the event to a queue instead of waiting, and the state loop's
//! `select` also offers the queue's first event on `Events`.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, RecvArm, Select, Selected, SendArm};
use patterns::{time, Backend, Receiver, Sender};
use std::any::Any;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

zoo_entry! {
    /// A store and its multiraft state loop pass events and callbacks to each other.
    pub struct Cockroach2448 {
        /// Rounds of the state loop before it stops the stopper (the kernel's loop has no
        /// bound, and nothing stops it).
        pub rounds: usize,
    }
}

/// A callback, or a function sent on `callbackChan` (Go's `func()`).
type Callback = Box<dyn FnOnce() + Send>;

/// What `Events` carries (Go's `interface{}`).
type Event = Box<dyn Any + Send>;

struct Stopper<B: Backend> {
    done_tx: Sender<bool, B>,
    done: Receiver<bool, B>,
}

impl<B: Backend> Stopper<B> {
    fn should_stop(&self) -> &Receiver<bool, B> {
        &self.done
    }
}

struct EventMembershipChangeCommitted {
    callback: Option<Callback>,
}

struct MultiRaft<B: Backend> {
    stopper: Stopper<B>,
    events_tx: Sender<Event, B>,
    events: Receiver<Event, B>,
    callback_tx: Sender<Callback, B>,
    callback_chan: Receiver<Callback, B>,
}

impl<B: Backend> MultiRaft<B> {
    /// The kernel's `sendEvent`, which the fix replaces by a queue.
    fn send_event(&self, event: Event) {
        let mut sent = SendArm::new(&self.events_tx, event);
        let mut stop = RecvArm::new(self.stopper.should_stop());
        let _ = Select::new().send(&mut sent).recv(&mut stop).wait(); // blocks here
    }
}

/// What a round of the state loop's `select` chose.
enum Step {
    Stop,
    Callback(Option<Callback>),
    /// The fix's arm: the queue's first event was taken.
    Delivered,
    /// The `default`.
    WriteResponse,
}

struct State<B: Backend> {
    multiraft: Arc<MultiRaft<B>>,
    /// The fix's queue of events not yet taken.
    pending_events: VecDeque<Event>,
    fixed: bool,
}

impl<B: Backend> State<B> {
    fn start(&mut self, rounds: usize) {
        for _ in 0..rounds {
            match self.select() {
                Step::Stop => return,
                Step::Callback(Some(cb)) => cb(),
                // `callbackChan` is never closed: a receive always has a function.
                Step::Callback(None) | Step::Delivered => {}
                Step::WriteResponse => self.handle_write_response(),
            }
        }
        // The port's stand-in for a shutdown: every loop ends.
        self.multiraft
            .stopper
            .done_tx
            .close()
            .expect("stopped once");
    }

    fn select(&mut self) -> Step {
        let multiraft = &self.multiraft;
        let mut stop = RecvArm::new(multiraft.stopper.should_stop());
        let mut callback = RecvArm::new(&multiraft.callback_chan);
        let mut deliver = if self.fixed {
            self.pending_events
                .pop_front()
                .map(|event| SendArm::new(&multiraft.events_tx, event))
        } else {
            None
        };
        let mut select = Select::new().recv(&mut stop).recv(&mut callback);
        if let Some(arm) = deliver.as_mut() {
            select = select.send(arm);
        }
        let step = match select.or_default().wait() {
            Selected::Arm(0) => Step::Stop,
            Selected::Arm(1) => Step::Callback(callback.take()),
            Selected::Arm(_) => Step::Delivered,
            Selected::Default | Selected::Timeout => Step::WriteResponse,
        };
        if let Some(event) = deliver.and_then(SendArm::into_unsent) {
            self.pending_events.push_front(event);
        }
        step
    }

    fn handle_write_response(&mut self) {
        self.process_committed_entry();
    }

    fn process_committed_entry(&mut self) {
        let multiraft = Arc::clone(&self.multiraft);
        let callback: Callback = Box::new(move || {
            let function: Callback = Box::new(|| time::sleep::<B>(Duration::from_nanos(1)));
            let mut sent = SendArm::new(&multiraft.callback_tx, function);
            let mut stop = RecvArm::new(multiraft.stopper.should_stop());
            let _ = Select::new().send(&mut sent).recv(&mut stop).wait(); // blocks here
        });
        self.send_event(Box::new(EventMembershipChangeCommitted {
            callback: Some(callback),
        }));
    }

    /// `sendEvent`, which the state reaches through its embedded `MultiRaft`.
    fn send_event(&mut self, event: Event) {
        if self.fixed {
            self.pending_events.push_back(event);
        } else {
            self.multiraft.send_event(event);
        }
    }
}

struct Store<B: Backend> {
    multiraft: Arc<MultiRaft<B>>,
}

impl<B: Backend> Store<B> {
    fn process_raft(&self) {
        loop {
            let received = {
                let mut event = RecvArm::new(&self.multiraft.events);
                let mut stop = RecvArm::new(self.multiraft.stopper.should_stop());
                match Select::new().recv(&mut event).recv(&mut stop).wait() {
                    Selected::Arm(0) => event.take(),
                    _ => return,
                }
            };
            // `Events` is never closed: a receive always has an event.
            let Some(event) = received else { return };
            if let Ok(event) = event.downcast::<EventMembershipChangeCommitted>() {
                let EventMembershipChangeCommitted { callback } = *event;
                if let Some(callback) = callback {
                    callback(); // blocks here
                }
            }
        }
    }
}

fn new_store_and_state<B: Backend>(fixed: bool) -> (Store<B>, State<B>) {
    let (done_tx, done) = chan::bounded_in(0);
    let (events_tx, events) = chan::bounded_in(0);
    let (callback_tx, callback_chan) = chan::bounded_in(0);
    let multiraft = Arc::new(MultiRaft {
        stopper: Stopper { done_tx, done },
        events_tx,
        events,
        callback_tx,
        callback_chan,
    });
    let st = State {
        multiraft: Arc::clone(&multiraft),
        pending_events: VecDeque::new(),
        fixed,
    };
    (Store { multiraft }, st)
}

impl Scenario for Cockroach2448 {
    const NAME: &'static str = "goker::cockroach_2448";
    // Unbounded, the fix passes in 362,235 schedules (14 s); at 2 preemptions in 83.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "the store and the state loop finish";
    broken_instances! {
        small: { rounds: 2 },
        large: { rounds: 10 },
    }
    fn run<B: Backend>(&self) {
        let (rounds, fixed) = (self.rounds, self.variant == Variant::Correct);
        let (s, mut st) = new_store_and_state::<B>(fixed);
        drop(B::spawn("process-raft", move || s.process_raft()));
        drop(B::spawn("start", move || st.start(rounds)));
    }
}

impl Mistake for Cockroach2448 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    const TRACE_SHOWS: &'static [&'static str] =
        &["select (never returned)", "select (never returned)"];
}

impl Kernel for Cockroach2448 {
    const GOKER: Goker = Goker {
        project: "cockroach",
        id: 2448,
        class: Class::Blocking,
        kind: "Communication Deadlock",
        subtype: "Channel",
    };
}
