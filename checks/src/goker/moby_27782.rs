//! GoKer `moby_27782` (moby PR #27782): a log reader closed while it waits for a file event
//! removes its file watcher, whose `Remove` waits on a condition that only the watcher's event
//! loop signals, while that loop waits for the reader to take the event it is sending.
//!
//! Ports `gobench/goker/blocking/moby/27782/moby27782_test.go` (GoBench: communication deadlock,
//! channel & condition variable). The test starts `InitializeStdio` on a goroutine and returns.
//! It starts logging (a JSON file logger whose `ReadLogs` starts `readLogs` on a goroutine of its
//! own) and, as starting fails, resets the container, which closes the logger's readers: each
//! reader's close notifier is closed, once. `readLogs` registers its reader (in a map the two
//! goroutines share, here behind a backend lock held for a moment) and follows the logs: it makes
//! a file watcher, whose `readEvents` goroutine sends a write event on the unbuffered events
//! channel (after a 300 ns sleep) until the watcher is closed, then sleeps 300 ns and selects on
//! the events and the close notifier. When the reader was registered before the reset and the
//! select takes the close notifier, the reader calls `Remove`, which waits on the watcher's
//! condition until the watch is gone; nothing signals it (the loop broadcasts only on the
//! non-write event that tells the watch was removed, and it only makes write events), and the
//! loop is left blocked sending, as the reader's deferred `Close` never runs (a leak). Fix: the
//! upstream fix moved the `Remove` to a goroutine of its own and kept reading meanwhile; in the
//! kernel, where `Remove` can never return, that goroutine, and the `Remove` that fix also adds
//! as the reader returns, would be left blocked instead. The port's fix is the watcher library's
//! own fix of this deadlock, which moby took in with moby PR #35453: `Remove` deletes the watch
//! itself and no longer waits for the event loop; the reader then returns and its `Close` ends
//! the loop.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, RecvArm, Select, Selected, SendArm, TryRecvError};
use patterns::{time, Backend, Cond, Mutex, Once, Receiver, Sender};
use std::sync::Arc;
use std::time::Duration;

zoo_entry! {
    /// A container's logging fails to start while its log reader follows the logs.
    pub struct Moby27782 {}
}

type Error = &'static str;

/// The kernel's event ops are bit flags (create, write, remove, rename, chmod); its watcher only
/// ever makes the write event.
type Op = u32;

const WRITE: Op = 1 << 1;

#[derive(Clone, Copy, Debug)]
struct Event {
    op: Op,
}

impl Event {
    fn new(op: Op) -> Self {
        Self { op }
    }

    /// Broadcasts on the watcher's condition for any event but a write (the kernel's stand-in for
    /// the event that tells a watch was removed), and then says to ignore the event.
    fn ignore_linux<B: Backend>(&self, w: &Watcher<B>) -> bool {
        if self.op != WRITE {
            w.cv.locker().lock();
            w.cv.broadcast();
            w.cv.locker().unlock(); // the deferred Unlock
            return true;
        }
        false
    }
}

/// The file watcher: its unbuffered events and done channels, both ends (Go's channels, which the
/// struct keeps), and a condition over its lock (`cv.L` is the kernel's `mu`).
struct Watcher<B: Backend> {
    events_tx: Sender<Event, B>,
    events: Receiver<Event, B>,
    cv: Cond<B>,
    done_tx: Sender<(), B>,
    done: Receiver<(), B>,
}

impl<B: Backend> Watcher<B> {
    fn new() -> Arc<Self> {
        let (events_tx, events) = chan::bounded_in(0);
        let (done_tx, done) = chan::bounded_in(0);
        let w = Arc::new(Self {
            events_tx,
            events,
            cv: Cond::new(Arc::new(Mutex::new_in())),
            done_tx,
            done,
        });
        let reading = Arc::clone(&w);
        drop(B::spawn("read-events", move || reading.read_events()));
        w
    }

    fn read_events(&self) {
        loop {
            if self.is_closed() {
                break;
            }
            let event = Event::new(WRITE);
            if !event.ignore_linux(self) {
                time::sleep::<B>(Duration::from_nanos(300));
                let chosen = {
                    let mut send = SendArm::new(&self.events_tx, event);
                    let mut done = RecvArm::new(&self.done);
                    // Blocks here once the reader waits in `Remove`.
                    Select::new().send(&mut send).recv(&mut done).wait()
                };
                if chosen == Selected::Arm(1) {
                    break;
                }
            }
        }
        self.events_tx.close().expect("closed once"); // the deferred close
    }

    /// The kernel's select with a default on the done channel: a receive that does not wait.
    fn is_closed(&self) -> bool {
        match self.done.try_recv() {
            Ok(()) | Err(TryRecvError::Closed) => true,
            Err(TryRecvError::Empty) => false,
        }
    }

    fn close(&self) {
        if self.is_closed() {
            return;
        }
        self.done_tx.close().expect("closed once");
    }

    fn remove(&self, fixed: bool) {
        self.cv.locker().lock();
        // The fix deletes the watch here and does not wait.
        if !fixed {
            while self.exists() {
                self.cv.wait(); // blocks here
            }
        }
        self.cv.locker().unlock(); // the deferred Unlock
    }

    /// The kernel's `exists`, which nothing ever clears: its event loop makes no event that
    /// removes the watch.
    fn exists(&self) -> bool {
        true
    }

    /// The kernel's `FileWatcher` interface, and its fsnotify wrapper, only pass the calls on.
    fn events(&self) -> &Receiver<Event, B> {
        &self.events
    }
}

fn watch_file<B: Backend>() -> Arc<Watcher<B>> {
    Watcher::new()
}

struct LogWatcher<B: Backend> {
    close_once: Once<B>,
    /// The unbuffered close notifier, both ends; only ever closed.
    close_notifier_tx: Sender<(), B>,
    close_notifier: Receiver<(), B>,
}

impl<B: Backend> LogWatcher<B> {
    fn new() -> Self {
        let (close_notifier_tx, close_notifier) = chan::bounded_in(0);
        Self {
            close_once: Once::new_in(),
            close_notifier_tx,
            close_notifier,
        }
    }

    fn close(&self) {
        self.close_once
            .call(|| self.close_notifier_tx.close().expect("closed once"));
    }

    fn watch_close(&self) -> &Receiver<(), B> {
        &self.close_notifier
    }
}

fn follow_logs<B: Backend>(log_watcher: &LogWatcher<B>, fixed: bool) {
    let file_watcher = watch_file::<B>();
    let wait_read = || {
        time::sleep::<B>(Duration::from_nanos(300));
        let chosen = {
            let mut event = RecvArm::new(file_watcher.events());
            let mut closed = RecvArm::new(log_watcher.watch_close());
            Select::new().recv(&mut event).recv(&mut closed).wait()
        };
        if chosen == Selected::Arm(1) {
            file_watcher.remove(fixed);
        }
    };
    // The kernel's `handleDecodeErr` only calls `waitRead`.
    wait_read();
    file_watcher.close(); // the deferred Close
}

struct JsonFileLogger<B: Backend> {
    /// The kernel's map of readers, which `readLogs` adds to while `Close` walks it.
    readers: B::Mutex<Vec<Arc<LogWatcher<B>>>>,
}

impl<B: Backend> JsonFileLogger<B> {
    fn read_logs(self: &Arc<Self>, fixed: bool) -> Arc<LogWatcher<B>> {
        let log_watcher = Arc::new(LogWatcher::new());
        let (l, reader) = (Arc::clone(self), Arc::clone(&log_watcher));
        drop(B::spawn("read-logs", move || l.read_logs_of(reader, fixed)));
        log_watcher
    }

    /// The kernel's `readLogs`.
    fn read_logs_of(&self, log_watcher: Arc<LogWatcher<B>>, fixed: bool) {
        B::lock(&self.readers).push(Arc::clone(&log_watcher));
        follow_logs(&log_watcher, fixed);
    }

    fn close(&self) {
        // Every reader is closed and deleted from the map.
        let readers = std::mem::take(&mut *B::lock(&self.readers));
        for r in readers {
            r.close();
        }
    }
}

struct Container<B: Backend> {
    log_driver: Option<Arc<JsonFileLogger<B>>>,
}

impl<B: Backend> Container<B> {
    fn initialize_stdio(&mut self, fixed: bool) {
        if self.start_logging(fixed).is_err() {
            self.reset();
        }
    }

    fn start_logging(&mut self, fixed: bool) -> Result<(), Error> {
        let l = Arc::new(JsonFileLogger {
            readers: B::mutex(Vec::new()),
        });
        self.log_driver = Some(Arc::clone(&l));
        let _ = l.read_logs(fixed);
        Err("Some error")
    }

    fn reset(&self) {
        if let Some(log_driver) = &self.log_driver {
            log_driver.close();
        }
    }
}

impl Scenario for Moby27782 {
    const NAME: &'static str = "goker::moby_27782";
    // Five threads with the timer's; the bug needs one preemption, the starting goroutine's, so that
    // the reader registers before the reset (found at #7,918; the fix passes in 9,070).
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "the log reader and the watcher's event loop finish";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let mut c = Container::<B> { log_driver: None };
        drop(B::spawn("initialize-stdio", move || {
            c.initialize_stdio(fixed)
        }));
    }
}

impl Mistake for Moby27782 {
    const CAUGHT_AS: FailureKind = FailureKind::Leak;
    // The reset closes the notifier inside its `Once`; then the reader waits.
    const TRACE_SHOWS: &'static [&'static str] = &["once", "wait cond (never returned)"];
}

impl Kernel for Moby27782 {
    const GOKER: Goker = Goker {
        project: "moby",
        id: 27782,
        class: Class::Blocking,
        kind: "Communication Deadlock",
        subtype: "Channel & Condition Variable",
    };
}
