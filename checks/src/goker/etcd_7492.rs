//! GoKer `etcd_7492` (etcd PR #7492): `assignSimpleTokenToUser` holds the simple tokens' lock
//! while it sends the new token to the TTL keeper's run loop on a channel of capacity one, and the
//! run loop, deleting an expired token on a tick, needs that lock: once the channel is full, each
//! waits for the other.
//!
//! Ports `gobench/goker/blocking/etcd/7492/etcd7492_test.go` (GoBench: mixed deadlock, channel &
//! lock). The test sets up an auth store, whose simple-token provider starts the TTL keeper's
//! `run` loop (a select over the add channel, a ticker of 1 ns and the stop channel); starts three
//! goroutines that authenticate, each assigning a token (under the lock, a send on the add
//! channel); waits for them; and tears the store down (stops the keeper, then locks). Once the
//! loop has taken one token, a tick makes it delete that token; when meanwhile a second token
//! fills the channel and the third authentication blocks in its send holding the lock, the loop
//! blocks on the lock, the test in its wait, and the whole program blocks. Fix (the upstream fix,
//! etcd commit 1b1fabef): the add channel goes; the keeper gets a lock of its own, `tokensMu`,
//! which `assignSimpleTokenToUser` takes before the simple tokens' lock to add the token itself,
//! and which the loop holds around its deletions: both take the two locks in the same order.
//!
//! The kernel's ticker ticks every nanosecond, so a tick is ready whenever the loop selects: the
//! port's select takes the tick as its default, when neither the add nor the stop channel is
//! ready (Go would also pick a ready tick at random over those; the bug needs only a tick taken
//! while the add channel is empty), and the loop yields after each tick, as a polling loop must
//! for the model checkers. A kit `Ticker` would need the timer thread, one past loom's five, and
//! would go on ticking once every goroutine is blocked, which the checkers would report as a
//! livelock rather than the deadlock it is. The tokens map only ever holds the kernel's one
//! token, "1": the port keeps whether it does.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, RecvArm, Select, Selected};
use patterns::{Atomic, Backend, Mutex, Receiver, RwMutex, Sender, WaitGroup};
use std::sync::atomic::Ordering;
use std::sync::Arc;

zoo_entry! {
    /// Three goroutines authenticate against an auth store whose token keeper ticks.
    pub struct Etcd7492 {}
}

/// Goroutines of the test that authenticate.
const AUTHENTICATIONS: usize = 3;

/// The kernel's `deleteTokenFunc`.
type DeleteTokenFunc = Box<dyn Fn(&str) + Send + Sync>;

/// The kernel's `simpleTokenTTLKeeper`.
struct SimpleTokenTtlKeeper<B: Backend> {
    /// Whether `tokens` holds the token "1". Relaxed: in the kernel only the run loop touches it,
    /// in the fix only under `tokens_mu`.
    tokens: B::AtomicBool,
    /// The fix's `tokensMu`.
    tokens_mu: Mutex<B>,
    /// `addSimpleTokenCh`, of capacity one (both ends: the keeper keeps the channel).
    add_simple_token_tx: Sender<(), B>,
    add_simple_token_ch: Receiver<(), B>,
    /// `stopCh`, unbuffered: it carries the channel `stop` waits on.
    stop_tx: Sender<Sender<(), B>, B>,
    stop_ch: Receiver<Sender<(), B>, B>,
    delete_token_func: DeleteTokenFunc,
    fixed: bool,
}

/// The case the run loop's select took.
enum Event<B: Backend> {
    AddSimpleToken,
    Tick,
    Stop(Option<Sender<(), B>>),
}

impl<B: Backend> SimpleTokenTtlKeeper<B> {
    fn new(delete_func: DeleteTokenFunc, fixed: bool) -> Arc<Self> {
        let (add_simple_token_tx, add_simple_token_ch) = chan::bounded_in(1);
        let (stop_tx, stop_ch) = chan::bounded_in(0);
        let stk = Arc::new(Self {
            tokens: B::AtomicBool::new(false),
            tokens_mu: Mutex::new_in(),
            add_simple_token_tx,
            add_simple_token_ch,
            stop_tx,
            stop_ch,
            delete_token_func: delete_func,
            fixed,
        });
        let keeper = Arc::clone(&stk);
        drop(B::spawn("run", move || keeper.run()));
        stk
    }

    /// The loop's select; its default is the tick (see the module doc).
    fn next_event(&self) -> Event<B> {
        let mut stop = RecvArm::new(&self.stop_ch);
        if self.fixed {
            // The fix's loop selects on the ticker and the stop channel only.
            let chosen = Select::new().recv(&mut stop).or_default().wait();
            return match chosen {
                Selected::Arm(_) => Event::Stop(stop.take()),
                _ => Event::Tick,
            };
        }
        let mut add = RecvArm::new(&self.add_simple_token_ch);
        let chosen = Select::new()
            .recv(&mut add)
            .recv(&mut stop)
            .or_default()
            .wait();
        match chosen {
            Selected::Arm(0) => Event::AddSimpleToken,
            Selected::Arm(_) => Event::Stop(stop.take()),
            _ => Event::Tick,
        }
    }

    fn run(&self) {
        loop {
            match self.next_event() {
                Event::AddSimpleToken => {
                    // Only that the map holds a token matters, as the kernel notes.
                    self.tokens.store(true, Ordering::Relaxed);
                }
                Event::Tick => {
                    if self.fixed {
                        self.tokens_mu.lock();
                    }
                    if self.tokens.load(Ordering::Relaxed) {
                        (self.delete_token_func)("1");
                        self.tokens.store(false, Ordering::Relaxed);
                    }
                    if self.fixed {
                        self.tokens_mu.unlock();
                    }
                    // The next tick comes a nanosecond later: the other goroutines run first.
                    B::yield_now();
                }
                Event::Stop(wait_ch) => {
                    // `stop` closes the channel only once this loop has answered: always `Some`.
                    if let Some(wait_ch) = wait_ch {
                        let _ = wait_ch.send(());
                    }
                    return; // the deferred ticker stop: the port's ticks end with the loop
                }
            }
        }
    }

    fn add_simple_token(&self) {
        if self.fixed {
            // The fix writes the map itself, under `tokens_mu`, which the caller holds.
            self.tokens.store(true, Ordering::Relaxed);
        } else {
            let _ = self.add_simple_token_tx.send(()); // blocks here once the channel is full
        }
    }

    fn stop(&self) {
        let (wait_tx, wait_ch) = chan::bounded_in::<B, ()>(0);
        let _ = self.stop_tx.send(wait_tx);
        wait_ch.recv();
        self.stop_tx.close().expect("closed once");
    }
}

/// The kernel's `tokenSimple`, its only `TokenProvider`.
struct TokenSimple<B: Backend> {
    /// `simpleTokenKeeper`, set by `enable` and cleared by `disable` (the backend lock is held
    /// for no blocking step).
    simple_token_keeper: B::Mutex<Option<Arc<SimpleTokenTtlKeeper<B>>>>,
    /// `simpleTokensMu`, an RWMutex the kernel only ever write-locks.
    simple_tokens_mu: Arc<RwMutex<(), B>>,
    fixed: bool,
}

impl<B: Backend> TokenSimple<B> {
    fn assign(&self) {
        self.assign_simple_token_to_user();
    }

    fn assign_simple_token_to_user(&self) {
        let keeper = B::lock(&self.simple_token_keeper)
            .clone()
            .expect("the provider is enabled");
        if self.fixed {
            keeper.tokens_mu.lock();
        }
        let held = self.simple_tokens_mu.write();
        keeper.add_simple_token(); // blocks here, holding the lock
        drop(held);
        if self.fixed {
            keeper.tokens_mu.unlock();
        }
    }

    fn enable(&self) {
        let deleter = new_deleter_func(&self.simple_tokens_mu);
        let keeper = SimpleTokenTtlKeeper::<B>::new(deleter, self.fixed);
        *B::lock(&self.simple_token_keeper) = Some(keeper);
    }

    fn disable(&self) {
        let keeper = B::lock(&self.simple_token_keeper).clone();
        if let Some(keeper) = keeper {
            keeper.stop();
            *B::lock(&self.simple_token_keeper) = None;
        }
        drop(self.simple_tokens_mu.write());
    }
}

/// The deleter locks the simple tokens (it holds their lock only, not the whole provider, which
/// keeps the port free of a reference cycle through the keeper).
fn new_deleter_func<B: Backend>(simple_tokens_mu: &Arc<RwMutex<(), B>>) -> DeleteTokenFunc {
    let mu = Arc::clone(simple_tokens_mu);
    Box::new(move |_tk: &str| {
        let _held = mu.write(); // blocks here while an assignment holds the lock
    })
}

struct AuthStore<B: Backend> {
    token_provider: TokenSimple<B>,
}

impl<B: Backend> AuthStore<B> {
    fn authenticate(&self) {
        self.token_provider.assign();
    }
}

fn setup_auth_store<B: Backend>(fixed: bool) -> (Arc<AuthStore<B>>, impl FnOnce()) {
    let store = Arc::new(AuthStore {
        token_provider: TokenSimple {
            simple_token_keeper: B::mutex(None),
            simple_tokens_mu: Arc::new(RwMutex::new_in(())),
            fixed,
        },
    });
    store.token_provider.enable();
    let torn_down = Arc::clone(&store);
    let tear_down = move || torn_down.token_provider.disable();
    (store, tear_down)
}

impl Scenario for Etcd7492 {
    const NAME: &'static str = "goker::etcd_7492";
    // The bug needs one preemption (the loop's, between the tick and its lock): found at schedule
    // #123; the fix passes in 1,545 schedules (276,673 at 2 preemptions, 19 s).
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(1);
    const INVARIANT: &'static str = "every authentication finishes, and so does the teardown";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let (store, tear_down) = setup_auth_store::<B>(self.variant == Variant::Correct);
        let wg = WaitGroup::<B>::new_in();
        wg.add(AUTHENTICATIONS as i64);
        for i in 0..AUTHENTICATIONS {
            let (wg, store) = (wg.clone(), Arc::clone(&store));
            drop(B::spawn(&format!("authenticate-{i}"), move || {
                store.authenticate();
                wg.done(); // the deferred Done
            }));
        }
        wg.wait(); // blocks here
        tear_down(); // the deferred tearDown
    }
}

impl Mistake for Etcd7492 {
    const CAUGHT_AS: FailureKind = FailureKind::Deadlock;
    // An assignment's send, then the loop's deletion blocked on the simple tokens' lock.
    const TRACE_SHOWS: &'static [&'static str] =
        &["lock rwmutex", "send chan", "lock rwmutex (never returned)"];
}

impl Kernel for Etcd7492 {
    const GOKER: Goker = Goker {
        project: "etcd",
        id: 7492,
        class: Class::Blocking,
        kind: "Mixed Deadlock",
        subtype: "Channel & Lock",
    };
}
