//! GoKer `etcd_5509` (etcd PR #5509): `acquire` returns its "connection closed" error still
//! holding the client's read lock, so `Close`, which locks the client again, blocks forever.
//!
//! Ports `gobench/goker/blocking/etcd/5509/etcd5509_test.go` (GoBench: resource deadlock, double
//! locking). The test starts a `Get` on a goroutine, which closes a channel once it returns, then
//! closes the client and waits for that channel. `Get` reaches the remote client's `acquire`
//! (through `Do`, `do` and `getRemote`, which only pass the call on), which read-locks the client
//! in a loop until it finds the client closed. `Close` write-locks the client, cancels it,
//! unlocks and locks again; when `acquire` finds the client closed in between, its read lock is
//! never released and `Close`'s second lock blocks: the whole program blocks. The kernel's loop
//! spins while the client is open; the port yields once per round, as a spin loop must for loom.
//! Fix (the upstream fix, the `RUnlock` GoKer marks missing): release the read lock before
//! returning the error.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{chan, Backend, Canceller, Context, Mutex, RwMutex};
use std::sync::Arc;

zoo_entry! {
    /// A client is closed while a `Get` on it is under way.
    pub struct Etcd5509 {}
}

type Error = &'static str;

const ERR_CONN_CLOSED: Error = "connection closed";

struct Client<B: Backend> {
    /// `c.mu` guarding `c.cancel`, which `Close` sets to nil.
    mu: RwMutex<Option<Canceller<B>>, B>,
    /// `c.ctx`: the kernel keeps it and never reads it.
    _ctx: Context<B>,
}

impl<B: Backend> Client<B> {
    fn close(&self) {
        let mut held = self.mu.write();
        let Some(cancel) = held.take() else {
            return;
        };
        cancel.cancel();
        drop(held);
        let held = self.mu.write(); // blocks here
        drop(held); // the kernel's deferred Unlock
    }
}

struct RemoteClient<B: Backend> {
    client: Arc<Client<B>>,
    mu: Mutex<B>,
}

impl<B: Backend> RemoteClient<B> {
    fn acquire(&self, fixed: bool) -> Result<(), Error> {
        loop {
            let shared = self.client.mu.read();
            let closed = shared.is_none();
            self.mu.lock();
            self.mu.unlock();
            if closed {
                if fixed {
                    drop(shared);
                } else {
                    // The kernel returns without `RUnlock`: the read lock stays held for good.
                    std::mem::forget(shared);
                }
                return Err(ERR_CONN_CLOSED);
            }
            drop(shared);
            B::yield_now();
        }
    }
}

struct Kv<B: Backend> {
    rc: RemoteClient<B>,
}

impl<B: Backend> Kv<B> {
    fn get(&self, fixed: bool) -> Result<(), Error> {
        self.rc.acquire(fixed)
    }
}

impl Scenario for Etcd5509 {
    const NAME: &'static str = "goker::etcd_5509";
    const INVARIANT: &'static str = "closing the client returns, and so does the Get";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let (ctx, cancel) = Context::<B>::background_in().with_cancel();
        let cli = Arc::new(Client {
            mu: RwMutex::new_in(Some(cancel)),
            _ctx: ctx,
        });
        let kv = Kv {
            rc: RemoteClient {
                client: Arc::clone(&cli),
                mu: Mutex::new_in(),
            },
        };
        let (done_tx, donec) = chan::bounded_in::<B, ()>(0);
        drop(B::spawn("get", move || {
            let _ = kv.get(fixed);
            done_tx.close().expect("closed once"); // the deferred close(donec)
        }));
        cli.close();
        donec.recv();
    }
}

impl Mistake for Etcd5509 {
    const CAUGHT_AS: FailureKind = FailureKind::Deadlock;
    const TRACE_SHOWS: &'static [&'static str] =
        &["read lock rwmutex", "lock rwmutex", "(never returned)"];
}

impl Kernel for Etcd5509 {
    const GOKER: Goker = Goker {
        project: "etcd",
        id: 5509,
        class: Class::Blocking,
        kind: "Resource Deadlock",
        subtype: "Double locking",
    };
}
