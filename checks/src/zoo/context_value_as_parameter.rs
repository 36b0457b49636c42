//! Misusing context values: a page size carried in the context as an optional parameter of the
//! calls that read it, which one part of a request "overrides" for its own call while a sibling
//! part reads it.
//!
//! Go:
//!
//! ```go
//! type settings struct{ mu sync.Mutex; pageSize int }
//! ctx = context.WithValue(ctx, settingsKey{}, &settings{pageSize: 100})
//! go func() { // the export wants small pages, for its own call only
//!     s := ctx.Value(settingsKey{}).(*settings)
//!     s.mu.Lock(); s.pageSize = 10; s.mu.Unlock()
//!     defer func() { s.mu.Lock(); s.pageSize = 100; s.mu.Unlock() }()
//!     export(fetch(ctx)) // fetch reads s.pageSize
//! }()
//! go func() { list(fetch(ctx)) }() // pages of 10 when it runs in between
//! ```
//!
//! A context's values are shared by every part of the request, so an override through the value
//! reaches the siblings. The mutex keeps `go test -race` silent: there is no data race, only a
//! result that depends on the interleaving. The course's advice: context values carry
//! request-scoped data (a request id), not optional parameters. Correct: the page size is a
//! parameter of `fetch`; the context carries only the request id, which nobody changes. (Binding
//! the override with `with_value` on the part's own context would also keep it from the siblings,
//! since a binding is seen only by its own subtree.)

use super::{broken_instances, zoo_entry, Mistake, Variant};
use crate::harness::{FailureKind, Scenario};
use crate::invariant;
use patterns::context::Key;
use patterns::{Backend, Context};
use std::marker::PhantomData;

/// The request id: request-scoped data, bound once.
struct RequestId;
impl Key for RequestId {
    type Value = u64;
}

/// The broken variant's settings: a page size behind a lock, shared through the context.
struct Settings<B>(PhantomData<B>);
impl<B: Backend> Key for Settings<B> {
    type Value = B::Mutex<usize>;
}

const REQUEST_ID: u64 = 7;
const DEFAULT_PAGE: usize = 100;
const EXPORT_PAGE: usize = 10;

/// What a call saw: the request id and the page size it fetched with.
type Seen = (Option<u64>, usize);

zoo_entry! {
    /// An export part that needs small pages and `listings` parts that use the request's page size,
    /// all parts of one request: each fetches with the page size its own caller chose.
    pub struct ContextValueAsParameter {
        /// Sibling parts that fetch with the request's page size.
        pub listings: usize,
    }
}

impl Scenario for ContextValueAsParameter {
    const NAME: &'static str = "zoo::context_value_as_parameter";
    const INVARIANT: &'static str =
        "each part fetches with the page size its own caller chose, and the request's id";
    broken_instances! {
        small: { listings: 1 },
        large: { listings: 3 },
    }
    fn run<B: Backend>(&self) {
        let broken = self.variant == Variant::Broken;
        let request = Context::<B>::background_in().with_value::<RequestId>(REQUEST_ID);
        let request = if broken {
            request.with_value::<Settings<B>>(B::mutex(DEFAULT_PAGE))
        } else {
            request
        };
        let ctx = request.clone();
        let export = B::spawn("export", move || {
            if broken {
                let settings = ctx.value::<Settings<B>>().expect("bound by the request");
                *B::lock(settings) = EXPORT_PAGE;
                patterns::trace!(B, "page size ← {EXPORT_PAGE} in the shared settings");
                let seen = fetch_with_settings(&ctx);
                *B::lock(settings) = DEFAULT_PAGE;
                patterns::trace!(B, "page size ← {DEFAULT_PAGE} again");
                seen
            } else {
                fetch(&ctx, EXPORT_PAGE)
            }
        });
        let listings: Vec<_> = (0..self.listings)
            .map(|l| {
                let ctx = request.clone();
                B::spawn(&format!("listing-{l}"), move || {
                    if broken {
                        fetch_with_settings(&ctx)
                    } else {
                        fetch(&ctx, DEFAULT_PAGE)
                    }
                })
            })
            .collect();
        let seen = B::join(export).expect("export panicked");
        check_seen("the export", seen, EXPORT_PAGE);
        for (l, listing) in listings.into_iter().enumerate() {
            let seen = B::join(listing).expect("listing panicked");
            check_seen(&format!("listing-{l}"), seen, DEFAULT_PAGE);
        }
    }
}

/// Asserts that `part` fetched for this request with the page size its caller chose.
fn check_seen(part: &str, (id, page): Seen, expected: usize) {
    invariant!(
        id == Some(REQUEST_ID),
        "{part} read request id {id:?}, not {REQUEST_ID}"
    );
    invariant!(
        page == expected,
        "{part} fetched pages of {page}, not the {expected} its caller chose"
    );
}

/// A call that takes its page size as a parameter, and the request id from the context.
fn fetch<B: Backend>(ctx: &Context<B>, page: usize) -> Seen {
    (ctx.value::<RequestId>().copied(), page)
}

/// The broken call: its page size is an optional parameter read from the context.
fn fetch_with_settings<B: Backend>(ctx: &Context<B>) -> Seen {
    let settings = ctx.value::<Settings<B>>().expect("bound by the request");
    let page = *B::lock(settings);
    patterns::trace!(B, "fetch reads page size {page}");
    fetch(ctx, page)
}

impl Mistake for ContextValueAsParameter {
    const CAUGHT_AS: FailureKind = FailureKind::Assertion;
    const TRACE_SHOWS: &'static [&'static str] = &[
        "page size ← 10 in the shared settings",
        "fetch reads page size 10",
        "fetch reads page size 10",
        "listing-0 fetched pages of 10",
    ];
}
