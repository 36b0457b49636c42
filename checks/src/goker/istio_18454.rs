//! GoKer `istio_18454` (istio PR #18454): on a reset, the publishing strategy's event loop stops
//! its timer and, when `Stop` says it had fired, drains the timer's channel; when the loop has
//! already taken that tick, the drain waits forever, and the processor's next reset send blocks
//! behind it.
//!
//! Ports `gobench/goker/blocking/istio/18454/istio18454_test.go` (GoBench: communication
//! deadlock, channel & context). The test starts a processor: its setup queues 1,024 events on a
//! channel with room for all of them, and its worker goroutine (`runFn`) handles events until its
//! context is done, each by the strategy's `OnChange`, then closes the strategy; the test then
//! stops the processor (cancels that context) and returns. The first `OnChange` starts the
//! strategy's 1 ns timer and its event loop on the strategy's worker goroutine; each later one
//! sends a reset on a channel of one slot. The event loop selects the timer's tick (and does
//! nothing), a reset (stop the timer, drain its channel if `Stop` returns false, reset it), or its
//! context. Go's timer before Go 1.23 (and the port's `GoTimer`) keeps a tick sent in its
//! channel: when the loop has received the tick and a reset comes, `Stop` returns false and the
//! drain blocks forever (a leak); so does `runFn` at its next reset once the slot is full. The
//! small instance queues two events (one start, one reset: loom's budget). Fix (upstream's
//! strategy, as its later source reads): on a reset the event loop only resets the timer, without
//! the stop and drain.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, RecvArm, Select, Selected};
use patterns::time::{self, Timer};
use patterns::{Backend, Canceller, Context, Mutex, Receiver, Sender};
use std::sync::Arc;
use std::time::Duration;

zoo_entry! {
    /// A processor handles queued events, each of which starts or resets a strategy's timer,
    /// while the test stops it.
    pub struct Istio18454 {
        /// Events the processor's setup queues (the kernel queues 1,024).
        pub events: usize,
    }
}

type Event = i32;

/// The capacity of the processor's event channel, as the kernel makes it.
const EVENT_CAPACITY: usize = 1024;

/// Go's `time.Timer` from `time.NewTimer`, as Go had it before 1.23: its channel holds one tick,
/// which the timer sends without blocking (dropped when the channel is full), and neither `Stop`
/// nor `Reset` takes a tick already sent back out of the channel.
struct GoTimer<B: Backend> {
    c: Receiver<Duration, B>,
    timer: Timer<B>,
}

impl<B: Backend> GoTimer<B> {
    fn new(d: Duration) -> Self {
        let (tx, c) = chan::bounded_in::<B, Duration>(1);
        let timer = time::after_func::<B>(d, move || {
            let _ = tx.try_send(B::now());
        });
        Self { c, timer }
    }

    /// True if that kept the timer from firing; false if it had fired or was stopped.
    fn stop(&self) -> bool {
        self.timer.stop()
    }

    fn reset(&self, d: Duration) {
        self.timer.reset(d);
    }
}

/// The kernel's `Worker`: a context, and one goroutine that runs until it is done.
struct Worker<B: Backend> {
    ctx: Context<B>,
    ctx_cancel: Canceller<B>,
}

impl<B: Backend> Worker<B> {
    fn new() -> Self {
        let (ctx, ctx_cancel) = Context::<B>::background_in().with_cancel();
        Self { ctx, ctx_cancel }
    }

    fn start(
        &self,
        name: &str,
        setup_fn: Option<&dyn Fn()>,
        run_fn: impl FnOnce(Context<B>) + Send + 'static,
    ) {
        if let Some(setup_fn) = setup_fn {
            setup_fn();
        }
        let ctx = self.ctx.clone();
        drop(B::spawn(name, move || run_fn(ctx)));
    }

    fn stop(&self) {
        self.ctx_cancel.cancel();
    }
}

struct Strategy<B: Backend> {
    /// Set once, by `startTimer` under `state_lock`; read under it by `OnChange`. The event loop
    /// gets the timer when it starts (the kernel's loop reads the same field, never changed
    /// again). The backend lock only makes the sharing sound: it is held for no blocking step.
    timer: B::Mutex<Option<Arc<GoTimer<B>>>>,
    timer_frequency: Duration,
    state_lock: Mutex<B>,
    reset_tx: Sender<(), B>,
    reset_chan: Receiver<(), B>,
    worker: Worker<B>,
    /// Whether the fix runs.
    fixed: bool,
}

impl<B: Backend> Strategy<B> {
    fn on_change(self: &Arc<Self>) {
        self.state_lock.lock();
        let started = B::lock(&self.timer).is_some();
        if started {
            self.state_lock.unlock();
            // Never closed: the send completes or blocks.
            let _ = self.reset_tx.send(()); // blocks here once the slot is full
            return;
        }
        // The kernel calls it through `startTimerFn`, set to `startTimer`.
        self.start_timer();
        self.state_lock.unlock();
    }

    fn start_timer(self: &Arc<Self>) {
        let timer = Arc::new(GoTimer::new(self.timer_frequency));
        *B::lock(&self.timer) = Some(Arc::clone(&timer));
        let s = Arc::clone(self);
        self.worker
            .start("event-loop", None, move |ctx: Context<B>| {
                s.event_loop(&timer, &ctx)
            });
    }

    fn event_loop(&self, timer: &GoTimer<B>, ctx: &Context<B>) {
        loop {
            let (mut fired, mut reset, mut done) = (
                RecvArm::new(&timer.c),
                RecvArm::new(&self.reset_chan),
                RecvArm::new(ctx.done()),
            );
            let chosen = Select::new()
                .recv(&mut fired)
                .recv(&mut reset)
                .recv(&mut done)
                .wait();
            match chosen {
                Selected::Arm(0) => {}
                Selected::Arm(1) => {
                    if !self.fixed && !timer.stop() {
                        timer.c.recv(); // blocks here when the tick was taken above
                    }
                    timer.reset(self.timer_frequency);
                }
                _ => {
                    timer.stop();
                    return;
                }
            }
        }
    }

    fn close(&self) {
        self.worker.stop();
    }
}

struct Processor<B: Backend> {
    state_strategy: Arc<Strategy<B>>,
    worker: Worker<B>,
    event_tx: Sender<Event, B>,
    event_ch: Receiver<Event, B>,
}

impl<B: Backend> Processor<B> {
    fn process_event(&self) {
        self.state_strategy.on_change();
    }

    fn start(self: &Arc<Self>, events: usize) {
        let setup_fn = || {
            for _ in 0..events {
                // Room for every event: the send completes.
                let _ = self.event_tx.send(0);
            }
        };
        let p = Arc::clone(self);
        let run_fn = move |ctx: Context<B>| {
            loop {
                let (mut done, mut event) = (RecvArm::new(ctx.done()), RecvArm::new(&p.event_ch));
                if Select::new().recv(&mut done).recv(&mut event).wait() == Selected::Arm(0) {
                    break;
                }
                p.process_event();
            }
            p.state_strategy.close(); // the deferred close
        };
        self.worker.start("run-fn", Some(&setup_fn), run_fn);
    }

    fn stop(&self) {
        self.worker.stop();
    }
}

impl Scenario for Istio18454 {
    const NAME: &'static str = "goker::istio_18454";
    // Unbounded, the fix ran past 60 s; at 2 preemptions it passes in 375 schedules.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "the processor's and the strategy's goroutines finish";
    broken_instances! {
        small: { events: 2 },
        large: { events: 1024 },
    }
    fn run<B: Backend>(&self) {
        let (reset_tx, reset_chan) = chan::bounded_in(1);
        let state_strategy = Arc::new(Strategy::<B> {
            timer: B::mutex(None),
            timer_frequency: Duration::from_nanos(1),
            state_lock: Mutex::new_in(),
            reset_tx,
            reset_chan,
            worker: Worker::new(),
            fixed: self.variant == Variant::Correct,
        });
        let (event_tx, event_ch) = chan::bounded_in(EVENT_CAPACITY);
        let p = Arc::new(Processor {
            state_strategy,
            worker: Worker::new(),
            event_tx,
            event_ch,
        });
        p.start(self.events);
        p.stop(); // the deferred stop
    }
}

impl Mistake for Istio18454 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    // The timer found fired, then the drain that never returns.
    const TRACE_SHOWS: &'static [&'static str] = &["stop timer", "recv chan", "(never returned)"];
}

impl Kernel for Istio18454 {
    const GOKER: Goker = Goker {
        project: "istio",
        id: 18454,
        class: Class::Blocking,
        kind: "Communication Deadlock",
        subtype: "Channel & Context",
    };
}
