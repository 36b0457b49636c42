//! GoKer `kubernetes_49404` (kubernetes PR #49404): a test's backend handler sets a plain `called`
//! flag on the server's connection goroutine while the test reads it, with nothing ordering the
//! two: a data race.
//!
//! Ports `gobench/goker/nonblocking/kubernetes/49404/kubernetes49404_test.go` (GoBench:
//! traditional, data race). Inside a function of its own, the test registers a handler that sets
//! `called` on a serve mux, wraps the mux in an unstarted test server and starts it
//! (`StartTLS`, `goServe`: a WaitGroup `Add` and a goroutine that calls `Serve`, which starts a
//! goroutine serving one connection: `conn.serve`, the server handler, the mux, the handler);
//! the function's deferred check then reads `called`, and the test sleeps 10 ms and returns. The
//! handler's write and the deferred read are on different goroutines that never synchronize (the
//! server's WaitGroup is never waited on), so Go's race detector reports them whichever runs
//! first; the port keeps `called` in a `RaceCell`. The kernel's check only formats a message
//! when `called` differs from what it expects, so it is no failure of its own.
//! Fix (the upstream fix, GoReal's fixed commit): the handler counts its calls with an atomic
//! add (`timesCalled`) and the check loads the count atomically; atomics never race.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{time, Atomic, AtomicInt, Backend, RaceCell, WaitGroup};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

zoo_entry! {
    /// A test's backend server calls its handler while the test checks whether it was called.
    pub struct Kubernetes49404 {}
}

/// Go's `Handler` interface: something that serves a request.
type Handler = Arc<dyn Fn() + Send + Sync>;

struct MuxEntry {
    h: Handler,
}

/// The serve mux. Its entries are written by `handle` before the server starts (ordered by the
/// spawn), so they are plain data.
#[derive(Default)]
struct ServeMux {
    es: Vec<MuxEntry>,
}

impl ServeMux {
    fn match_entry(&self) -> Option<Handler> {
        self.es.first().map(|e| Arc::clone(&e.h))
    }

    fn handler(&self) -> Option<Handler> {
        self.match_entry()
    }

    fn handle(&mut self, handler: Handler) {
        let e = MuxEntry { h: handler };
        append_sorted(&mut self.es, e);
    }

    fn serve_http(&self) {
        let h = self.handler().expect("the mux has its handler");
        h();
    }
}

/// The kernel's `appendSorted`: the new entry goes first.
fn append_sorted(es: &mut Vec<MuxEntry>, e: MuxEntry) {
    es.insert(0, e);
}

fn new_serve_mux() -> ServeMux {
    ServeMux::default()
}

/// `http.Server`: its handler is the mux.
struct HttpServer {
    handler: ServeMux,
}

impl HttpServer {
    fn serve<B: Backend>(self: &Arc<Self>) {
        let c = self.new_conn();
        drop(B::spawn("conn-serve", move || c.serve()));
    }

    fn new_conn(self: &Arc<Self>) -> Conn {
        Conn {
            server: Arc::clone(self),
        }
    }
}

struct Conn {
    server: Arc<HttpServer>,
}

impl Conn {
    fn serve(&self) {
        ServerHandler { srv: &self.server }.serve_http();
    }
}

struct ServerHandler<'a> {
    srv: &'a HttpServer,
}

impl ServerHandler<'_> {
    fn serve_http(&self) {
        let handler = &self.srv.handler;
        handler.serve_http();
    }
}

/// `httptest.Server`.
struct Server<B: Backend> {
    config: Arc<HttpServer>,
    wg: WaitGroup<B>,
}

impl<B: Backend> Server<B> {
    fn start_tls(&self) {
        self.go_serve();
    }

    fn go_serve(&self) {
        self.wg.add(1);
        let (config, wg) = (Arc::clone(&self.config), self.wg.clone());
        drop(B::spawn("go-serve", move || {
            config.serve::<B>();
            wg.done(); // the deferred Done
        }));
    }
}

fn new_unstarted_server<B: Backend>(handler: ServeMux) -> Server<B> {
    Server {
        config: Arc::new(HttpServer { handler }),
        wg: WaitGroup::new_in(),
    }
}

impl Scenario for Kubernetes49404 {
    const NAME: &'static str = "goker::kubernetes_49404";
    const INVARIANT: &'static str = "the check of the handler's flag races with no write of it";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let expect_called = true;
        // The bug's flag, and the fix's atomic count.
        let called = Arc::new(RaceCell::<bool, B>::new_in(false));
        let times_called = Arc::new(B::AtomicUsize::new(0));
        {
            let mut backend_handler = new_serve_mux();
            let (flag, count) = (Arc::clone(&called), Arc::clone(&times_called));
            backend_handler.handle(Arc::new(move || {
                if fixed {
                    count.fetch_add(1, Ordering::SeqCst);
                } else {
                    flag.set(true); // races with the deferred check's read
                }
            }));

            let backend_server = new_unstarted_server::<B>(backend_handler);

            backend_server.start_tls();

            // The deferred check, as the function returns.
            let was_called = if fixed {
                times_called.load(Ordering::SeqCst) > 0
            } else {
                called.get()
            };
            if was_called != expect_called {
                // The kernel only formats an error message here.
                let _message = String::from("Error");
            }
        }
        time::sleep::<B>(Duration::from_millis(10));
    }
}

impl Mistake for Kubernetes49404 {
    const CAUGHT_AS: FailureKind = FailureKind::DataRace;
    const TRACE_SHOWS: &'static [&'static str] = &["write cell", "data race"];
}

impl Kernel for Kubernetes49404 {
    const GOKER: Goker = Goker {
        project: "kubernetes",
        id: 49404,
        class: Class::NonBlocking,
        kind: "Traditional",
        subtype: "Data race",
    };
}
