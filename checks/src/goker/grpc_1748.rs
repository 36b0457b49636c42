//! GoKer `grpc_1748` (grpc-go PR #1748): a test restores the package variable
//! `minConnectTimeout` while a transport monitor goroutine started by the balancer still reads
//! it (a data race).
//!
//! Ports `gobench/goker/nonblocking/grpc/1748/grpc1748_test.go` (GoBench: traditional, data race).
//! The test starts a goroutine and waits for it on a WaitGroup. The goroutine backs up
//! `minConnectTimeout` (a read), switches a new client connection to the pick-first balancer and
//! returns, restoring the backup (a deferred write). Switching starts the balancer wrapper's
//! watcher and builds the balancer under `balanceMutex`; the watcher loops ten times, and in
//! each round that finds the balancer built (under `balanceMutex`) it has the balancer make a
//! sub-connection and connect it, which starts a transport monitor goroutine that reads
//! `minConnectTimeout`. The lock orders the build before the watcher's round, but the restore
//! comes after the unlock, so nothing orders it against a monitor's read: Go's race detector
//! reports it on any schedule where a watcher round runs after the build (a round before it
//! starts nothing). The package variable is a `RaceCell`, reached through the connection (the
//! port has no globals: each run makes its own, before any goroutine starts); the fields Go
//! guards by a lock or touches on one goroutine only (`ccb.balancer`, `b.sc`, `ac.acbw`) sit in
//! std mutexes for Rust's interior mutability, each taken only where Go accesses the field
//! (under its Go lock, if any) and never across a kit operation, so they order nothing the
//! checkers see. The small instance runs one round of the watcher's loop (loom's thread limit:
//! each round can start a monitor), the large the kernel's ten. The kernel names no fix; the
//! port's is grpc-go's own for this race (grpc-go PR #1897, which has the tests modify the variable
//! atomically and the code read it atomically): atomic accesses, which Go's detector does not
//! report.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{Atomic, Backend, Mutex, RaceCell, WaitGroup};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::Duration;

zoo_entry! {
    /// A test switches a connection's balancer between saving and restoring a package variable.
    pub struct Grpc1748 {
        /// Rounds of the balancer wrapper's watcher loop (the kernel has ten).
        pub rounds: usize,
    }
}

/// The package variable `minConnectTimeout`: plain in the bug, atomic in the fix.
struct MinConnectTimeout<B: Backend> {
    plain: RaceCell<Duration, B>,
    /// The fix's atomic copy, in milliseconds.
    atomic: B::AtomicUsize,
    fixed: bool,
}

impl<B: Backend> MinConnectTimeout<B> {
    fn new(value: Duration, fixed: bool) -> Self {
        Self {
            plain: RaceCell::new_in(value),
            atomic: B::AtomicUsize::new(value.as_millis() as usize),
            fixed,
        }
    }

    #[track_caller]
    fn get(&self) -> Duration {
        if self.fixed {
            Duration::from_millis(self.atomic.load(Ordering::SeqCst) as u64)
        } else {
            self.plain.get()
        }
    }

    #[track_caller]
    fn set(&self, value: Duration) {
        if self.fixed {
            self.atomic
                .store(value.as_millis() as usize, Ordering::SeqCst);
        } else {
            self.plain.set(value);
        }
    }
}

/// The kernel's package variables.
struct Globals<B: Backend> {
    min_connect_timeout: MinConnectTimeout<B>,
    /// `balanceMutex`.
    balance_mutex: Mutex<B>,
}

struct ClientConn<B: Backend> {
    globals: Arc<Globals<B>>,
}

impl<B: Backend> ClientConn<B> {
    fn switch_balancer(self: &Arc<Self>, rounds: usize) {
        let builder = new_pickfirst_builder();
        new_cc_balancer_wrapper(self, builder, rounds);
    }

    fn new_addr_conn(self: &Arc<Self>) -> Arc<AddrConn<B>> {
        Arc::new(AddrConn {
            cc: Arc::clone(self),
            acbw: RaceCell::new_in(None),
            mu: Mutex::new_in(),
        })
    }
}

struct PickfirstBuilder;

fn new_pickfirst_builder() -> PickfirstBuilder {
    PickfirstBuilder
}

impl PickfirstBuilder {
    fn build<B: Backend>(&self, cc: &Arc<CcBalancerWrapper<B>>) -> Arc<PickfirstBalancer<B>> {
        Arc::new(PickfirstBalancer {
            cc: Arc::downgrade(cc),
            sc: RaceCell::new_in(None),
        })
    }
}

struct PickfirstBalancer<B: Backend> {
    /// `b.cc`, the wrapper that owns this balancer (weak: the wrapper holds the balancer).
    cc: Weak<CcBalancerWrapper<B>>,
    /// `b.sc`, touched by the watcher only.
    sc: RaceCell<Option<Arc<AcBalancerWrapper<B>>>, B>,
}

impl<B: Backend> PickfirstBalancer<B> {
    fn handle_resolved_addrs(&self) {
        let cc = self.cc.upgrade().expect("the watcher holds its wrapper");
        let sc = cc.new_sub_conn();
        self.sc.set(Some(Arc::clone(&sc)));
        sc.connect();
    }
}

struct AcBalancerWrapper<B: Backend> {
    mu: Mutex<B>,
    ac: Arc<AddrConn<B>>,
}

impl<B: Backend> AcBalancerWrapper<B> {
    fn connect(&self) {
        self.mu.lock();
        self.ac.connect();
        self.mu.unlock(); // the deferred unlock
    }
}

struct AddrConn<B: Backend> {
    cc: Arc<ClientConn<B>>,
    /// `ac.acbw`, set under `mu` (weak: the sub-connection wrapper holds this connection).
    acbw: RaceCell<Option<Weak<AcBalancerWrapper<B>>>, B>,
    mu: Mutex<B>,
}

impl<B: Backend> AddrConn<B> {
    fn reset_transport(&self) {
        let _ = self.cc.globals.min_connect_timeout.get();
    }

    fn transport_monitor(&self) {
        self.reset_transport();
    }

    fn connect(self: &Arc<Self>) {
        let ac = Arc::clone(self);
        drop(B::spawn("transport-monitor", move || {
            ac.transport_monitor()
        }));
    }
}

struct CcBalancerWrapper<B: Backend> {
    cc: Arc<ClientConn<B>>,
    /// `ccb.balancer`, guarded by `balanceMutex`.
    balancer: RaceCell<Option<Arc<PickfirstBalancer<B>>>, B>,
}

impl<B: Backend> CcBalancerWrapper<B> {
    fn watcher(&self, rounds: usize) {
        let balance_mutex = &self.cc.globals.balance_mutex;
        for _ in 0..rounds {
            balance_mutex.lock();
            let balancer = self.balancer.get();
            if let Some(balancer) = balancer {
                balance_mutex.unlock();
                balancer.handle_resolved_addrs();
            } else {
                balance_mutex.unlock();
            }
        }
    }

    fn new_sub_conn(&self) -> Arc<AcBalancerWrapper<B>> {
        let ac = self.cc.new_addr_conn();
        let acbw = Arc::new(AcBalancerWrapper {
            mu: Mutex::new_in(),
            ac: Arc::clone(&ac),
        });
        acbw.ac.mu.lock();
        ac.acbw.set(Some(Arc::downgrade(&acbw)));
        acbw.ac.mu.unlock();
        acbw
    }
}

fn new_cc_balancer_wrapper<B: Backend>(
    cc: &Arc<ClientConn<B>>,
    b: PickfirstBuilder,
    rounds: usize,
) {
    let ccb = Arc::new(CcBalancerWrapper {
        cc: Arc::clone(cc),
        balancer: RaceCell::new_in(None),
    });
    let watching = Arc::clone(&ccb);
    drop(B::spawn("watcher", move || watching.watcher(rounds)));
    let balance_mutex = &cc.globals.balance_mutex;
    balance_mutex.lock();
    let balancer = b.build(&ccb);
    ccb.balancer.set(Some(balancer));
    balance_mutex.unlock(); // the deferred unlock
}

impl Scenario for Grpc1748 {
    const NAME: &'static str = "goker::grpc_1748";
    const INVARIANT: &'static str =
        "restoring minConnectTimeout never races with a transport monitor reading it";
    broken_instances! {
        small: { rounds: 1 },
        large: { rounds: 10 },
    }
    fn run<B: Backend>(&self) {
        let (rounds, fixed) = (self.rounds, self.variant == Variant::Correct);
        let globals = Arc::new(Globals::<B> {
            min_connect_timeout: MinConnectTimeout::new(Duration::from_secs(10), fixed),
            balance_mutex: Mutex::new_in(),
        });
        let wg = WaitGroup::<B>::new_in();
        wg.add(1);
        let done = wg.clone();
        drop(B::spawn("switch-balancer", move || {
            let mct_bkp = globals.min_connect_timeout.get();
            let cc = Arc::new(ClientConn {
                globals: Arc::clone(&globals),
            });
            cc.switch_balancer(rounds);
            // The deferred functions, the last deferred first: the restore, then `Done`.
            globals.min_connect_timeout.set(mct_bkp);
            done.done();
        }));
        wg.wait();
    }
}

impl Mistake for Grpc1748 {
    const CAUGHT_AS: FailureKind = FailureKind::DataRace;
    const TRACE_SHOWS: &'static [&'static str] = &["read cell", "write cell", "data race"];
}

impl Kernel for Grpc1748 {
    const GOKER: Goker = Goker {
        project: "grpc",
        id: 1748,
        class: Class::NonBlocking,
        kind: "Traditional",
        subtype: "Data race",
    };
}
