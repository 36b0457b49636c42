//! GoKer `cockroach_35931` (cockroach PR #35931): cancelling a flow pushes the cancellation to each
//! of its pending inbound streams one at a time, so a push to a full stream blocks the canceller
//! before it reaches the stream that is actually read.
//!
//! Ports `gobench/goker/blocking/cockroach/35931/cockroach35931_test.go` (GoBench: communication
//! deadlock, channel). The test makes two row channels, `left` and `right`, each with a buffer of
//! one, fills `left` with one push, registers a flow whose two inbound streams are `left` and
//! `right`, and cancels the flow. `cancel` collects the flow's streams under the registry's lock,
//! releases it and pushes to each stream in turn; the push to the full `left` blocks forever, and
//! with it the whole program. The kernel iterates a Go map, in random order; the port takes the
//! streams in key order (`left` first): either order blocks on `left`. The kernel ends at
//! `cancel`; the upstream test it trims (added with the fix) then reads `right`, whose
//! cancellation must arrive without blocking, and twice `left`, which unblocks the canceller.
//! The port keeps those reads: with the bug they are never reached. Fix (the upstream fix, which
//! GoBench's real-bug patch reverts): `cancel` pushes to each stream from a goroutine of its own.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{chan, Backend, Mutex, Receiver, Sender};
use std::cell::{RefCell, RefMut};
use std::collections::{BTreeMap, HashMap};
use std::rc::{Rc, Weak};
use std::sync::Arc;

zoo_entry! {
    /// A flow with a full and an empty inbound stream is cancelled.
    pub struct Cockroach35931 {}
}

/// Go's `RowReceiver` interface.
trait RowReceiver: Send + Sync {
    fn push(&self);
}

/// Holds both ends of its channel, as Go's struct holds the channel: a push to a full buffer
/// blocks until a row is taken out.
struct RowChannel<B: Backend> {
    data_tx: Sender<(), B>,
    data_chan: Receiver<(), B>,
}

impl<B: Backend> RowChannel<B> {
    fn init_with_buf_size_and_num_senders(chan_buf_size: usize) -> Self {
        let (data_tx, data_chan) = chan::bounded_in(chan_buf_size);
        Self { data_tx, data_chan }
    }
}

impl<B: Backend> RowReceiver for RowChannel<B> {
    fn push(&self) {
        // Both ends live in the struct: the send never fails, it blocks or completes.
        let _ = self.data_tx.send(()); // blocks here while the buffer is full
    }
}

struct InboundStreamInfo {
    receiver: Arc<dyn RowReceiver>,
}

/// A Go map from stream ids, here in key order.
type InboundStreams = BTreeMap<i32, InboundStreamInfo>;

struct FlowEntry<B: Backend> {
    /// Set by `RegisterFlow`; the kernel never reads it.
    _flow: Weak<Flow<B>>,
    inbound_streams: Option<Rc<InboundStreams>>,
}

/// The registry, its lock and its flows: all on the test's goroutine (only the fix's pushes run
/// elsewhere, and they hold only their receiver).
struct FlowRegistry<B: Backend> {
    mu: Mutex<B>,
    flows: RefCell<HashMap<i32, FlowEntry<B>>>,
}

impl<B: Backend> FlowRegistry<B> {
    fn get_entry_locked(&self, id: i32) -> RefMut<'_, FlowEntry<B>> {
        RefMut::map(self.flows.borrow_mut(), |flows| {
            flows.entry(id).or_insert_with(|| FlowEntry {
                _flow: Weak::new(),
                inbound_streams: None,
            })
        })
    }

    fn cancel_pending_streams_locked(&self, id: i32) -> Vec<Arc<dyn RowReceiver>> {
        let flows = self.flows.borrow();
        let entry = flows.get(&id).expect("the flow is registered");
        let mut pending_receivers = Vec::new();
        for is in entry
            .inbound_streams
            .iter()
            .flat_map(|streams| streams.values())
        {
            pending_receivers.push(Arc::clone(&is.receiver));
        }
        pending_receivers
    }

    /// The kernel takes no lock here.
    fn register_flow(&self, f: &Rc<Flow<B>>, inbound_streams: Rc<InboundStreams>) {
        let mut entry = self.get_entry_locked(f.id);
        entry._flow = Rc::downgrade(f);
        entry.inbound_streams = Some(inbound_streams);
    }
}

struct Flow<B: Backend> {
    id: i32,
    flow_registry: Rc<FlowRegistry<B>>,
    /// The kernel never reads it.
    _inbound_streams: Rc<InboundStreams>,
}

impl<B: Backend> Flow<B> {
    fn cancel(&self, fixed: bool) {
        self.flow_registry.mu.lock();
        let timed_out_receivers = self.flow_registry.cancel_pending_streams_locked(self.id);
        self.flow_registry.mu.unlock();

        for (n, receiver) in timed_out_receivers.into_iter().enumerate() {
            if fixed {
                drop(B::spawn(&format!("push-{n}"), move || receiver.push()));
            } else {
                receiver.push(); // blocks here on the full stream
            }
        }
    }
}

fn make_flow_registry<B: Backend>() -> Rc<FlowRegistry<B>> {
    Rc::new(FlowRegistry {
        mu: Mutex::new_in(),
        flows: RefCell::new(HashMap::new()),
    })
}

impl Scenario for Cockroach35931 {
    const NAME: &'static str = "goker::cockroach_35931";
    const INVARIANT: &'static str = "cancelling the flow returns, and its pushes finish";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let fr = make_flow_registry::<B>();

        let left = Arc::new(RowChannel::<B>::init_with_buf_size_and_num_senders(1));
        let right = Arc::new(RowChannel::<B>::init_with_buf_size_and_num_senders(1));

        let inbound_streams = Rc::new(InboundStreams::from([
            (
                0,
                InboundStreamInfo {
                    receiver: Arc::clone(&left) as Arc<dyn RowReceiver>,
                },
            ),
            (
                1,
                InboundStreamInfo {
                    receiver: Arc::clone(&right) as Arc<dyn RowReceiver>,
                },
            ),
        ]));

        left.push();

        let flow = Rc::new(Flow {
            id: 0,
            flow_registry: Rc::clone(&fr),
            _inbound_streams: Rc::clone(&inbound_streams),
        });

        fr.register_flow(&flow, inbound_streams);

        flow.cancel(fixed);

        // The upstream test's reads, which the kernel trims: the cancellation reaches `right`
        // at once, and reading `left` twice lets its push through.
        right.data_chan.recv();
        left.data_chan.recv();
        left.data_chan.recv();
    }
}

impl Mistake for Cockroach35931 {
    const CAUGHT_AS: FailureKind = FailureKind::Deadlock;
    const TRACE_SHOWS: &'static [&'static str] =
        &["send chan", "lock mutex", "send chan (never returned)"];
    const DETERMINISTIC: bool = true;
}

impl Kernel for Cockroach35931 {
    const GOKER: Goker = Goker {
        project: "cockroach",
        id: 35931,
        class: Class::Blocking,
        kind: "Communication Deadlock",
        subtype: "Channel",
    };
}
