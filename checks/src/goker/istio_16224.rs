//! GoKer `istio_16224` (istio PR #16224): the test's event handler holds a lock while it sends on
//! an unbuffered channel, and the test takes that lock before it receives from the channel.
//!
//! Ports `gobench/goker/blocking/istio/16224/istio16224_test.go` (GoBench: mixed deadlock,
//! channel & lock). The test registers a handler that locks the test's lock and, with it held
//! (the unlock is deferred), sends on an unbuffered `done` channel; it starts the monitor's `Run`
//! on a goroutine, hands it one event on the unbuffered event channel (`Create`), then locks and
//! unlocks the lock, receives from `done` and closes the stop channel. When `Run`'s handler takes
//! the lock first, it blocks in its send while the test blocks in its lock: the whole program
//! blocks. Fix (the upstream fix): the handler releases the lock before it sends. One deviation,
//! in both variants: on stop, the kernel's `Run` receives once more from the event channel (to
//! close it if it is open), which nobody ever sends on again, so `Run` would stay blocked on
//! every schedule where the test goes through, the bug's or not, and the fix could never pass;
//! the port's `Run` returns on stop, as upstream's monitor later does.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, RecvArm, Select, Selected};
use patterns::{Backend, Mutex, Receiver, Sender};
use std::sync::Arc;

zoo_entry! {
    /// A controller's monitor runs while the test creates a config and waits for its handler.
    pub struct Istio16224 {}
}

type Event = i32;

type Handler = Box<dyn Fn(Event) + Send + Sync>;

/// The kernel's `configstoreMonitor`, made by `NewBufferedMonitor` with an unbuffered channel.
struct ConfigstoreMonitor<B: Backend> {
    /// Appended to before `Run` starts, read only after.
    handlers: Vec<Handler>,
    event_tx: Sender<Event, B>,
    event_ch: Receiver<Event, B>,
}

impl<B: Backend> ConfigstoreMonitor<B> {
    fn run(&self, stop: &Receiver<(), B>) {
        loop {
            let (mut stopped, mut event) = (RecvArm::new(stop), RecvArm::new(&self.event_ch));
            let chosen = Select::new().recv(&mut stopped).recv(&mut event).wait();
            if chosen == Selected::Arm(0) {
                // The kernel receives from the event channel here first (see the header).
                return;
            }
            if let Some(ce) = event.take() {
                self.process_config_event(ce);
            }
        }
    }

    fn process_config_event(&self, ce: Event) {
        self.apply_handlers(ce);
    }

    fn append_event_handler(&mut self, h: Handler) {
        self.handlers.push(h);
    }

    fn apply_handlers(&self, e: Event) {
        for f in &self.handlers {
            f(e);
        }
    }

    fn schedule_process_event(&self, config_event: Event) {
        // The event channel is never closed: the send completes or blocks.
        let _ = self.event_tx.send(config_event);
    }
}

struct Controller<B: Backend> {
    monitor: ConfigstoreMonitor<B>,
}

impl<B: Backend> Controller<B> {
    fn register_event_handler(&mut self, f: Handler) {
        self.monitor.append_event_handler(f);
    }

    fn run(&self, stop: &Receiver<(), B>) {
        self.monitor.run(stop);
    }

    fn create(&self) {
        self.monitor.schedule_process_event(0);
    }
}

fn new_monitor<B: Backend>() -> ConfigstoreMonitor<B> {
    let (event_tx, event_ch) = chan::bounded_in(0);
    ConfigstoreMonitor {
        handlers: Vec::new(),
        event_tx,
        event_ch,
    }
}

impl Scenario for Istio16224 {
    const NAME: &'static str = "goker::istio_16224";
    const INVARIANT: &'static str = "the test receives its handler's signal, and Run returns";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let mut controller = Controller::<B> {
            monitor: new_monitor(),
        };
        let (done_tx, done) = chan::bounded_in::<B, bool>(0);
        let lock = Arc::new(Mutex::<B>::new_in());
        let handler_lock = Arc::clone(&lock);
        controller.register_event_handler(Box::new(move |_event: Event| {
            handler_lock.lock();
            if fixed {
                handler_lock.unlock();
                let _ = done_tx.send(true);
                return;
            }
            let _ = done_tx.send(true); // blocks here, holding the lock
            handler_lock.unlock(); // the deferred unlock
        }));
        let (stop_tx, stop) = chan::bounded_in::<B, ()>(0);
        let controller = Arc::new(controller);
        let running = Arc::clone(&controller);
        drop(B::spawn("run", move || running.run(&stop)));
        controller.create();
        lock.lock(); // blocks here
        lock.unlock();
        done.recv();
        stop_tx.close().expect("closed once");
    }
}

impl Mistake for Istio16224 {
    const CAUGHT_AS: FailureKind = FailureKind::Deadlock;
    // The handler's lock, then its send, which never returns (nor does the test's lock).
    const TRACE_SHOWS: &'static [&'static str] = &["lock mutex", "send chan", "(never returned)"];
}

impl Kernel for Istio16224 {
    const GOKER: Goker = Goker {
        project: "istio",
        id: 16224,
        class: Class::Blocking,
        kind: "Mixed Deadlock",
        subtype: "Channel & Lock",
    };
}
