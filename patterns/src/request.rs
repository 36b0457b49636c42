//! Context cancellation, request-scoped: a handler derives one context per part of a request (a
//! database call, a downstream call, a worker task…), runs the parts concurrently, and a cancel or
//! deadline at the root stops all of them.
//!
//! Go:
//!
//! ```go
//! func handle(ctx context.Context) (Response, error) {
//!     ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
//!     defer cancel()
//!     g, ctx := errgroup.WithContext(ctx)
//!     g.Go(func() error { return queryDB(ctx) })
//!     g.Go(func() error { return callDownstream(ctx) })
//!     g.Go(func() error { return runWorker(ctx) })
//!     return response, g.Wait()
//! }
//! ```
//!
//! Here [`handle`] runs each part on its own thread with a child of the request's context and
//! returns every part's result once all have returned — so when it returns, no part is left
//! running, and the request's contexts are all unlinked from the parent.
//!
//! ```
//! use patterns::request::{handle, Part};
//! use patterns::{chan, Context, CtxError};
//! use std::time::Duration;
//!
//! let (root, cancel) = Context::background().with_cancel();
//! let slow: Part<&str> = Box::new(|ctx: &Context| {
//!     // A call that would take an hour, but watches its context.
//!     let mut done = chan::RecvArm::new(ctx.done());
//!     let late = chan::after(Duration::from_secs(3600));
//!     let mut timer = chan::RecvArm::new(&late);
//!     match chan::Select::new().recv(&mut done).recv(&mut timer).wait() {
//!         chan::Selected::Arm(0) => Err(ctx.err().unwrap()),
//!         _ => Ok("db rows"),
//!     }
//! });
//! let fast: Part<&str> = Box::new(|_ctx: &Context| Ok("downstream reply"));
//! let canceller = std::thread::spawn(move || cancel.cancel());
//! let results = handle(&root, Duration::from_secs(2), vec![("db", slow), ("downstream", fast)]);
//! canceller.join().unwrap();
//! assert_eq!(results[0], Err(CtxError::Canceled)); // the hour-long call stopped at the cancel
//! assert_eq!(results[1], Ok("downstream reply"));
//! ```

use crate::backend::{Backend, Std};
use crate::context::{Context, CtxError};
use std::time::Duration;

/// One part of a request: it gets its own context and should return once that context is done.
pub type Part<R, B = Std> = Box<dyn FnOnce(&Context<B>) -> Result<R, CtxError> + Send>;

/// Runs every part of a request concurrently under a context derived from `parent` with
/// `timeout`, each part on its own thread with its own child context, and returns their results
/// in order once every part has returned.
#[track_caller]
pub fn handle<R: Send + 'static, B: Backend>(
    parent: &Context<B>,
    timeout: Duration,
    parts: Vec<(&str, Part<R, B>)>,
) -> Vec<Result<R, CtxError>> {
    let (request, _cancel_request) = parent.with_timeout(timeout);
    let threads: Vec<_> = parts
        .into_iter()
        .map(|(name, part)| {
            let (ctx, cancel_part) = request.with_cancel();
            B::spawn(name, move || {
                let result = part(&ctx);
                // The part is over: unlink its context now rather than when the request ends.
                cancel_part.cancel();
                result
            })
        })
        .collect();
    threads
        .into_iter()
        .map(|thread| B::join(thread).unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
        .collect()
}
