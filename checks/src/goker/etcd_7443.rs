//! GoKer `etcd_7443` (etcd PR #7443): the simple balancer sends its notifications while holding
//! its lock, on a channel of capacity one that only the client's `lbWatcher` reads; when
//! `lbWatcher` itself tears down a connection, whose `down` notifies with the channel full, it
//! blocks on its own channel holding the balancer's lock, and everyone else blocks on that lock.
//!
//! Ports `gobench/goker/blocking/etcd/7443/etcd7443_test.go` (GoBench: mixed deadlock, channel &
//! lock). The test makes a simple balancer over the addresses 0, 1 and 2 (its notify channel
//! already holding all three), dials a client connection with it, which starts `lbWatcher`, starts
//! a goroutine that closes the balancer and then a channel, starts the connection's `Close` on
//! another, and waits for that channel. For each notification `lbWatcher` adds a connection for
//! each new address (`resetAddrConn`, whose goroutine calls the balancer's `Up` under the
//! connection's lock: `Up` pins the first address and notifies it) and tears down each connection
//! whose address is gone (its `down` unpins the pinned address and notifies every address).
//! Address 0 doubles as "nothing pinned", so `Up(0)` notifies without pinning and the next `Up`
//! pins and notifies too; when `lbWatcher` reads the first of these and tears down the address
//! the second pinned, its `down` finds the channel full with the second notification: the whole
//! program blocks. The kernel's `down` recovers from the panic of a send on the closed channel;
//! here that send returns its error, which `down` ignores. Go ranges over the connections' map in
//! a random order; the port's map is ordered.
//!
//! The bug needs two addresses, so two `resetTransport` goroutines beside `lbWatcher`, the two
//! closing goroutines and the test: six threads, one more than loom holds. The small instance
//! has one address, which cannot fail, and loom honestly misses the bug (`MISSED_BY`); the large
//! instance has the kernel's three.
//!
//! Fix: upstream (etcd PR #7443) moved the notifications to a goroutine of their own
//! (`updateNotifyLoop`), a thread more than loom holds even with one address. The port's fix keeps
//! the sends where they are but makes them never block: under the balancer's lock, which every
//! sender holds, a sender first drops a notification `lbWatcher` has not read yet, as grpc-go's
//! fix of the same balancer does (GoKer `grpc_1353`).

use super::{Class, Goker, Kernel};
use crate::harness::{CheckerKind, FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{chan, Backend, Mutex, Receiver, RwMutex, Sender};
use std::collections::BTreeMap;
use std::sync::Arc;

zoo_entry! {
    /// A client connection's balancer and the connection are closed while the connection's
    /// watcher reacts to the balancer's notifications.
    pub struct Etcd7443 {
        /// Addresses of the balancer, from 0 (the kernel has three).
        pub addresses: usize,
    }
}

type Address = usize;

/// The function `Up` returns, which the connection's `tearDown` calls.
type Down = Box<dyn Fn() + Send + Sync>;

/// What the balancer's lock guards.
struct BalancerState {
    closed: bool,
    /// 0 when nothing is pinned (and when address 0 is).
    pin_addr: Address,
}

struct SimpleBalancer<B: Backend> {
    addrs: Vec<Address>,
    /// `notifyCh`, of capacity one (both ends: the balancer keeps the channel for everyone).
    notify_tx: Sender<Vec<Address>, B>,
    notify_ch: Receiver<Vec<Address>, B>,
    /// `b.mu`, an RWMutex the kernel only ever write-locks.
    mu: RwMutex<BalancerState, B>,
    fixed: bool,
}

impl<B: Backend> SimpleBalancer<B> {
    fn new(addresses: usize, fixed: bool) -> Arc<Self> {
        let (notify_tx, notify_ch) = chan::bounded_in(1);
        let addrs: Vec<Address> = (0..addresses).collect();
        let _ = notify_tx.send(addrs.clone());
        Arc::new(Self {
            addrs,
            notify_tx,
            notify_ch,
            mu: RwMutex::new_in(BalancerState {
                closed: false,
                pin_addr: 0,
            }),
            fixed,
        })
    }

    /// A send on the notify channel, made holding the balancer's lock.
    fn notify(&self, addrs: Vec<Address>) {
        if self.fixed {
            // Every sender holds the lock: once drained, the channel has room.
            let _ = self.notify_ch.try_recv();
        }
        // After `close`, an error: the kernel's `down` recovers from that panic.
        let _ = self.notify_tx.send(addrs); // lbWatcher blocks here, holding the lock
    }

    fn up(self: &Arc<Self>, addr: Address) -> Down {
        let mut state = self.mu.write();
        if state.closed {
            return Box::new(|| {});
        }
        if state.pin_addr == 0 {
            state.pin_addr = addr;
            self.notify(vec![addr]);
        }
        drop(state); // the deferred unlock
        let b = Arc::clone(self);
        Box::new(move || {
            let mut state = b.mu.write();
            if state.pin_addr == addr {
                state.pin_addr = 0;
                b.notify(b.addrs.clone());
            }
        })
    }

    fn notify_channel(&self) -> &Receiver<Vec<Address>, B> {
        &self.notify_ch
    }

    fn close(&self) {
        let mut state = self.mu.write();
        if state.closed {
            return;
        }
        state.closed = true;
        self.notify_tx.close().expect("closed once");
        state.pin_addr = 0;
    }
}

struct AddrConn<B: Backend> {
    /// `ac.mu`, which guards `down`.
    mu: Mutex<B>,
    /// The backend lock is held for no blocking step; the kernel's lock is `mu`.
    down: B::Mutex<Option<Down>>,
    addr: Address,
    /// `ac.dopts.balancer`, never nil in the test.
    balancer: Arc<SimpleBalancer<B>>,
}

impl<B: Backend> AddrConn<B> {
    fn tear_down(&self) {
        self.mu.lock();
        let down = B::lock(&self.down).take();
        if let Some(down) = down {
            down();
        }
        self.mu.unlock(); // the deferred unlock
    }

    fn reset_transport(&self) {
        self.mu.lock();
        let down = self.balancer.up(self.addr);
        *B::lock(&self.down) = Some(down);
        self.mu.unlock();
    }
}

struct ClientConn<B: Backend> {
    /// `cc.dopts.balancer`, never nil in the test.
    balancer: Arc<SimpleBalancer<B>>,
    /// `cc.mu`, an RWMutex the kernel only ever write-locks, guarding `cc.conns` (nil once
    /// closed).
    conns: RwMutex<Option<Conns<B>>, B>,
}

/// `cc.conns`: the connection of each address.
type Conns<B> = BTreeMap<Address, Arc<AddrConn<B>>>;

impl<B: Backend> ClientConn<B> {
    fn lb_watcher(self: &Arc<Self>) {
        for addrs in self.balancer.notify_channel() {
            let mut add = Vec::new();
            let mut del = Vec::new();
            let mut conns = self.conns.write();
            // A nil map in Go reads as empty, and deleting from it does nothing.
            for a in &addrs {
                if !conns.as_ref().is_some_and(|conns| conns.contains_key(a)) {
                    add.push(*a);
                }
            }
            if let Some(conns) = conns.as_mut() {
                let gone: Vec<Address> = conns
                    .keys()
                    .copied()
                    .filter(|k| !addrs.contains(k))
                    .collect();
                for k in gone {
                    del.extend(conns.remove(&k));
                }
            }
            drop(conns);
            for a in add {
                self.reset_addr_conn(a);
            }
            for c in del {
                c.tear_down();
            }
        }
    }

    fn reset_addr_conn(&self, addr: Address) {
        let ac = Arc::new(AddrConn {
            mu: Mutex::new_in(),
            down: B::mutex(None),
            addr,
            balancer: Arc::clone(&self.balancer),
        });
        let mut conns = self.conns.write();
        let Some(map) = conns.as_mut() else {
            return;
        };
        map.insert(addr, Arc::clone(&ac));
        drop(conns);
        drop(B::spawn(&format!("reset-transport-{addr}"), move || {
            ac.reset_transport()
        }));
    }

    fn close(&self) {
        let conns = self.conns.write().take();
        self.balancer.close();
        for ac in conns.into_iter().flat_map(|conns| conns.into_values()) {
            ac.tear_down();
        }
    }
}

/// `Dial(WithBalancer(sb))`, through `DialContext`.
fn dial<B: Backend>(balancer: Arc<SimpleBalancer<B>>) -> Arc<ClientConn<B>> {
    let cc = Arc::new(ClientConn {
        balancer,
        conns: RwMutex::new_in(Some(BTreeMap::new())),
    });
    let watcher = Arc::clone(&cc);
    drop(B::spawn("lb-watcher", move || watcher.lb_watcher()));
    cc
}

impl Scenario for Etcd7443 {
    const NAME: &'static str = "goker::etcd_7443";
    // The small instance (five threads) cannot fail; the bound keeps the fix's exploration short
    // (13,212 schedules).
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "closing the balancer returns, and every goroutine finishes";
    broken_instances! {
        small: { addresses: 1 },
        large: { addresses: 3 },
    }
    fn run<B: Backend>(&self) {
        let sb = SimpleBalancer::<B>::new(self.addresses, self.variant == Variant::Correct);
        let conn = dial(Arc::clone(&sb));
        let (closec_tx, closec) = chan::bounded_in::<B, ()>(0);
        drop(B::spawn("close-balancer", move || {
            sb.close();
            closec_tx.close().expect("closed once"); // the deferred close(closec)
        }));
        drop(B::spawn("close", move || conn.close()));
        closec.recv(); // blocks here
    }
}

impl Mistake for Etcd7443 {
    const CAUGHT_AS: FailureKind = FailureKind::Deadlock;
    // The balancer's first notification, a lock, then lbWatcher's blocked send.
    const TRACE_SHOWS: &'static [&'static str] =
        &["send chan", "lock rwmutex", "send chan", "(never returned)"];
    // The bug's smallest instance needs six threads (see the module doc). shuttle's random walk
    // misses it too, in 1,000 schedules (seed 24301); PCT finds it at schedule #18.
    const MISSED_BY: &'static [CheckerKind] = &[
        CheckerKind::Loom,
        CheckerKind::ShuttleRandom,
        CheckerKind::ShuttleUrw,
    ];
}

impl Kernel for Etcd7443 {
    const GOKER: Goker = Goker {
        project: "etcd",
        id: 7443,
        class: Class::Blocking,
        kind: "Mixed Deadlock",
        subtype: "Channel & Lock",
    };
}
