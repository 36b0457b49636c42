//! GoKer `grpc_3090` (grpc-go PR #3090): building the resolver starts a polling goroutine that
//! reads the resolver wrapper's `resolver` field under the wrapper's lock, while the dialling
//! goroutine stores the built resolver into that field without it (a data race).
//!
//! Ports `gobench/goker/nonblocking/grpc/3090/grpc3090_test.go` (GoBench: traditional, data race).
//! The test starts a goroutine that dials and sleeps 5 ms, and waits for it on a WaitGroup.
//! Dialling makes a resolver wrapper and builds the resolver on it: `Build` records the wrapper
//! and updates its state, which polls: `poll` holds the wrapper's `mu` while it starts a
//! goroutine that calls `resolveNow`, which takes `mu` and calls `ResolveNow` on the wrapper's
//! `resolver`. Back in the dialling goroutine, `Build`'s result is stored into `resolver` with no
//! lock held, after `poll` unlocked: nothing orders the store and the poller's read, and Go's
//! race detector reports them. The field is a `RaceCell`. On the schedules where the poller takes
//! `mu` before the store, Go would call `ResolveNow` on the nil interface and crash; the port
//! skips the call there, and reports the race with the store that follows (that read is as
//! unordered with it), so every schedule fails the same way. The resolver's back pointer to the
//! wrapper is weak (the wrapper holds the resolver) and set once, by `Build`. Fix (the upstream
//! fix, "use separate mutexes to guard the underlying resolver and the polling channel"): a
//! second lock, `resolverMu`, held by the dialling goroutine around the build and the store, and
//! taken by `resolveNow` instead of `mu`, which `poll` keeps.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{time, Backend, Mutex, RaceCell, WaitGroup};
use std::sync::{Arc, Weak};
use std::time::Duration;

zoo_entry! {
    /// A client connection is dialled, which builds its resolver.
    pub struct Grpc3090 {}
}

/// The kernel's `resolver_Resolver`: the resolver builder and the resolver it builds, in one.
struct ResolverResolver<B: Backend> {
    /// `r.CC`, set by `Build`.
    cc: RaceCell<Option<Weak<CcResolverWrapper<B>>>, B>,
}

impl<B: Backend> ResolverResolver<B> {
    fn build(self: &Arc<Self>, cc: &Arc<CcResolverWrapper<B>>) -> Arc<Self> {
        let first = self
            .cc
            .update(|set| set.replace(Arc::downgrade(cc)).is_none());
        assert!(first, "the test builds its resolver once");
        self.update_state();
        Arc::clone(self)
    }

    fn resolve_now(&self) {}

    fn update_state(&self) {
        let cc = self.cc.read(|set| set.as_ref().and_then(Weak::upgrade));
        cc.expect("the dialling goroutine holds the wrapper")
            .update_state();
    }
}

struct CcResolverWrapper<B: Backend> {
    /// `ccr.resolver`: plain shared data.
    resolver: RaceCell<Option<Arc<ResolverResolver<B>>>, B>,
    mu: Mutex<B>,
    /// The fix's `resolverMu` (the kernel has none).
    resolver_mu: Mutex<B>,
    fixed: bool,
}

impl<B: Backend> CcResolverWrapper<B> {
    fn resolve_now(&self) {
        let mu = if self.fixed {
            &self.resolver_mu
        } else {
            &self.mu
        };
        mu.lock();
        // Go calls `ResolveNow` on whatever the field holds: a nil interface crashes there (see
        // the module doc), where the port goes on, the race already recorded.
        if let Some(resolver) = self.resolver.get() {
            resolver.resolve_now();
        }
        mu.unlock();
    }

    fn poll(self: &Arc<Self>) {
        self.mu.lock();
        let ccr = Arc::clone(self);
        drop(B::spawn("resolve-now", move || ccr.resolve_now()));
        self.mu.unlock(); // the deferred unlock
    }

    fn update_state(self: &Arc<Self>) {
        self.poll();
    }
}

fn new_cc_resolver_wrapper<B: Backend>(cc: &ClientConn<B>, fixed: bool) {
    let rb = cc
        .dopts
        .resolver_builder
        .clone()
        .expect("DialContext sets the builder");
    let ccr = Arc::new(CcResolverWrapper {
        resolver: RaceCell::new_in(None),
        mu: Mutex::new_in(),
        resolver_mu: Mutex::new_in(),
        fixed,
    });
    if fixed {
        ccr.resolver_mu.lock();
    }
    let resolver = rb.build(&ccr);
    ccr.resolver.set(Some(resolver));
    if fixed {
        ccr.resolver_mu.unlock();
    }
}

struct DialOptions<B: Backend> {
    resolver_builder: Option<Arc<ResolverResolver<B>>>,
}

struct ClientConn<B: Backend> {
    dopts: DialOptions<B>,
}

fn dial_context<B: Backend>(fixed: bool) {
    let mut cc = ClientConn::<B> {
        dopts: DialOptions {
            resolver_builder: None,
        },
    };
    if cc.dopts.resolver_builder.is_none() {
        cc.dopts.resolver_builder = Some(Arc::new(ResolverResolver {
            cc: RaceCell::new_in(None),
        }));
    }
    new_cc_resolver_wrapper(&cc, fixed);
}

fn dial<B: Backend>(fixed: bool) {
    dial_context::<B>(fixed);
}

impl Scenario for Grpc3090 {
    const NAME: &'static str = "goker::grpc_3090";
    // Unbounded, the fix passes in 593,073 schedules (33 s); a data race shows on any schedule that
    // makes both accesses, whatever its preemptions, so a bound of 2 loses little.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str =
        "storing the built resolver never races with the poller reading it";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let wg = WaitGroup::<B>::new_in();
        wg.add(1);
        let done = wg.clone();
        drop(B::spawn("dial", move || {
            dial::<B>(fixed);
            time::sleep::<B>(Duration::from_millis(5));
            done.done();
        }));
        wg.wait();
    }
}

impl Mistake for Grpc3090 {
    const CAUGHT_AS: FailureKind = FailureKind::DataRace;
    const TRACE_SHOWS: &'static [&'static str] = &["lock mutex", "write cell", "data race"];
}

impl Kernel for Grpc3090 {
    const GOKER: Goker = Goker {
        project: "grpc",
        id: 3090,
        class: Class::NonBlocking,
        kind: "Traditional",
        subtype: "Data race",
    };
}
