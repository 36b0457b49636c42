//! GoKer `cockroach_16167` (cockroach PR #16167): `execParsed` read-locks the executor's
//! `systemConfigMu` and, deeper down, `getDatabaseCache` read-locks it again; a writer that comes
//! in between holds the second read lock back while it waits for the first.
//!
//! Ports `gobench/goker/blocking/cockroach/16167/cockroach16167_test.go` (GoBench: resource
//! deadlock, RWR deadlock). The test makes an executor whose `systemConfigCond` waits over the
//! read side of `systemConfigMu` (`RLocker()`), starts `Start` on a goroutine, which write-locks
//! `systemConfigMu` in `updateSystemConfig`, and runs `execParsed` itself: it locks the
//! condition's locker (a read lock) and goes through `runTxnAttempt`, `execStmtsInCurrentTxn`,
//! `execStmtInOpenTxn`, the prepared statements' `New`, `Prepare` and `resetForBatch` (which only
//! pass the call on) to `getDatabaseCache`, which read-locks it again. When the write lock comes
//! between the two read locks, Go's writer preference makes the second read lock wait for the
//! writer, which waits for the first: the whole program blocks. The kit's `Cond` waits over a
//! `Mutex` only; the kernel never waits on the condition, only locks and unlocks its locker, so
//! the port read-locks `systemConfigMu` there directly. Fix (the upstream fix):
//! `getDatabaseCache` reads the database cache from an atomic value and takes no lock; upstream
//! also made `systemConfigMu` a plain mutex, which with no lock taken twice changes nothing here.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{Atomic, Backend, RwMutex};
use std::sync::atomic::Ordering;
use std::sync::Arc;

zoo_entry! {
    /// An executor executes a statement while its system config is updated.
    pub struct Cockroach16167 {}
}

/// The prepared statements of a session (the kernel's also point back at the session, which the
/// port passes along instead).
struct PreparedStatements;

impl PreparedStatements {
    /// The kernel's `New`.
    fn new_statement<B: Backend>(&self, e: &Executor<B>, session: &Session) {
        e.prepare(session);
    }
}

struct Session {
    prepared_statements: PreparedStatements,
}

impl Session {
    fn reset_for_batch<B: Backend>(&self, e: &Executor<B>) {
        e.get_database_cache();
    }
}

struct Executor<B: Backend> {
    system_config_mu: RwMutex<(), B>,
    /// The fix's database cache, read without a lock (upstream's `atomic.Value`).
    database_cache: B::AtomicBool,
    fixed: bool,
}

impl<B: Backend> Executor<B> {
    fn start(&self) {
        self.update_system_config();
    }

    fn exec_parsed(&self, session: &Session) {
        // `systemConfigCond.L.Lock()`: the condition's locker is `systemConfigMu.RLocker()`.
        let held = self.system_config_mu.read();
        run_txn_attempt(self, session);
        drop(held); // the deferred `systemConfigCond.L.Unlock()`
    }

    fn exec_stmts_in_current_txn(&self, session: &Session) {
        self.exec_stmt_in_open_txn(session);
    }

    fn exec_stmt_in_open_txn(&self, session: &Session) {
        session.prepared_statements.new_statement(self, session);
    }

    fn prepare(&self, session: &Session) {
        session.reset_for_batch(self);
    }

    fn get_database_cache(&self) {
        if self.fixed {
            let _cache = self.database_cache.load(Ordering::Acquire);
            return;
        }
        let held = self.system_config_mu.read(); // blocks here
        drop(held); // the deferred RUnlock
    }

    fn update_system_config(&self) {
        let held = self.system_config_mu.write(); // blocks here
        drop(held); // the deferred Unlock
    }
}

fn run_txn_attempt<B: Backend>(e: &Executor<B>, session: &Session) {
    e.exec_stmts_in_current_txn(session);
}

fn new_executor_and_session<B: Backend>(fixed: bool) -> (Arc<Executor<B>>, Session) {
    let session = Session {
        prepared_statements: PreparedStatements,
    };
    let e = Arc::new(Executor {
        system_config_mu: RwMutex::new_in(()),
        database_cache: B::AtomicBool::new(true),
        fixed,
    });
    (e, session)
}

impl Scenario for Cockroach16167 {
    const NAME: &'static str = "goker::cockroach_16167";
    const INVARIANT: &'static str = "executing the statement and updating the system config finish";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let (e, s) = new_executor_and_session::<B>(self.variant == Variant::Correct);
        let starter = Arc::clone(&e);
        drop(B::spawn("start", move || starter.start()));
        e.exec_parsed(&s);
    }
}

impl Mistake for Cockroach16167 {
    const CAUGHT_AS: FailureKind = FailureKind::Deadlock;
    const TRACE_SHOWS: &'static [&'static str] = &[
        "read lock rwmutex",
        "lock rwmutex (never returned)",
        "read lock rwmutex (never returned)",
    ];
}

impl Kernel for Cockroach16167 {
    const GOKER: Goker = Goker {
        project: "cockroach",
        id: 16167,
        class: Class::Blocking,
        kind: "Resource Deadlock",
        subtype: "RWR deadlock",
    };
}
