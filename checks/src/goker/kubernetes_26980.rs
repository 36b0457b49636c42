//! GoKer `kubernetes_26980` (kubernetes PR #26980): the processor listener's `pop` waits on the
//! stop channel while holding the listener's lock, and the goroutine that would let the test go
//! on, and so close that channel, waits for the same lock.
//!
//! Ports `gobench/goker/blocking/kubernetes/26980/kubernetes26980_test.go` (GoBench: mixed
//! deadlock, channel & lock). The test adds a notification to a listener, starts `pop` on a
//! goroutine, starts a goroutine that locks the listener and then closes a result channel, waits
//! for that channel, unlocks, and returns, closing the stop channel (its deferred close). `pop`
//! locks the listener for its whole run; with a notification pending it goes straight to its
//! select, whose only arm receives from the stop channel. When `pop` takes the lock first, it
//! waits there holding the lock, the other goroutine waits for the lock, and the test waits for
//! the result channel: the whole program blocks. The kernel's lock is a `sync.RWMutex` that is
//! only ever write-locked and is also the condition's locker; the kit's `Cond` waits over a
//! `Mutex`, which is what that lock is here. Neither the kernel nor its README states the fix;
//! the port's fix holds the lock only while `pop` waits for a notification and takes it off the
//! list, and waits on the stop channel without it (client-go's later `pop` holds no lock while it
//! waits on its channels).

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, TryRecvError};
use patterns::{Atomic, AtomicInt, Backend, Cond, Mutex, Receiver};
use std::sync::atomic::Ordering;
use std::sync::Arc;

zoo_entry! {
    /// A listener with a notification pending pops while another goroutine takes its lock.
    pub struct Kubernetes26980 {}
}

type Notification = i32;

/// The kernel's select on the stop channel with a default: a receive that does not wait.
fn stopped<B: Backend>(stop: &Receiver<(), B>) -> bool {
    !matches!(stop.try_recv(), Err(TryRecvError::Empty))
}

struct ProcessorListener<B: Backend> {
    /// The condition over the listener's lock (`p.lock`, which `cond.L` is).
    cond: Cond<B>,
    /// How many notifications are pending (the kernel's `pendingNotifications`, whose values
    /// nothing reads). Relaxed: read and written under the lock.
    pending_notifications: B::AtomicUsize,
}

impl<B: Backend> ProcessorListener<B> {
    fn lock(&self) -> &Mutex<B> {
        self.cond.locker()
    }

    fn add(&self, _notification: Notification) {
        self.lock().lock();
        self.pending_notifications.fetch_add(1, Ordering::Relaxed);
        self.cond.broadcast();
        self.lock().unlock(); // the deferred unlock
    }

    fn pop(&self, stop: &Receiver<(), B>, fixed: bool) {
        if fixed {
            self.pop_fixed(stop);
            return;
        }
        self.lock().lock();
        self.pop_locked(stop);
        self.lock().unlock(); // the deferred unlock
    }

    /// The kernel's `pop` between its lock and its deferred unlock. Its outer loop never goes
    /// round: the select at its end has one arm, which returns.
    fn pop_locked(&self, stop: &Receiver<(), B>) {
        while self.pending_notifications.load(Ordering::Relaxed) == 0 {
            if stopped(stop) {
                return;
            }
            self.cond.wait();
        }
        stop.recv(); // blocks here, holding the lock
    }

    /// The fix: the lock is held while a notification is awaited and taken, not after.
    fn pop_fixed(&self, stop: &Receiver<(), B>) {
        self.lock().lock();
        while self.pending_notifications.load(Ordering::Relaxed) == 0 {
            if stopped(stop) {
                self.lock().unlock();
                return;
            }
            self.cond.wait();
        }
        self.pending_notifications.fetch_sub(1, Ordering::Relaxed);
        self.lock().unlock();
        stop.recv();
    }
}

fn new_process_listener<B: Backend>() -> Arc<ProcessorListener<B>> {
    Arc::new(ProcessorListener {
        cond: Cond::new(Arc::new(Mutex::new_in())),
        pending_notifications: B::AtomicUsize::new(0),
    })
}

impl Scenario for Kubernetes26980 {
    const NAME: &'static str = "goker::kubernetes_26980";
    const INVARIANT: &'static str = "the test, pop and the locking goroutine finish";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let pl = new_process_listener::<B>();
        let (stop_tx, stop_ch) = chan::bounded_in::<B, ()>(0);
        pl.add(1);
        let popping = Arc::clone(&pl);
        drop(B::spawn("pop", move || popping.pop(&stop_ch, fixed)));
        let (result_tx, result_ch) = chan::bounded_in::<B, ()>(0);
        let locking = Arc::clone(&pl);
        drop(B::spawn("lock", move || {
            locking.lock().lock(); // blocks here while pop holds the lock
            result_tx.close().expect("closed once");
        }));
        result_ch.recv(); // blocks here
        pl.lock().unlock();
        stop_tx.close().expect("closed once"); // the deferred close
    }
}

impl Mistake for Kubernetes26980 {
    const CAUGHT_AS: FailureKind = FailureKind::Deadlock;
    const TRACE_SHOWS: &'static [&'static str] = &["lock mutex", "recv chan", "(never returned)"];
}

impl Kernel for Kubernetes26980 {
    const GOKER: Goker = Goker {
        project: "kubernetes",
        id: 26980,
        class: Class::Blocking,
        kind: "Mixed Deadlock",
        subtype: "Channel & Lock",
    };
}
