//! Channel operations that give up when a context is done: Go's `select` of a receive or a send
//! with `<-ctx.Done()`, the building block of every cancellable stage.
//!
//! ```go
//! select {
//! case v, ok := <-in:   // recv
//! case <-ctx.Done():
//! }
//! select {
//! case out <- v:        // send
//! case <-ctx.Done():
//! }
//! ```
//!
//! ```
//! use patterns::{chan, or_done, Context};
//!
//! let (ctx, cancel) = Context::background().with_cancel();
//! let (tx, rx) = chan::bounded(0);
//! cancel.cancel();
//! // Nobody receives, but the context is done: the send gives up and hands the value back.
//! assert_eq!(or_done::send(&ctx, &tx, 7), Err((7, Some(patterns::CtxError::Canceled))));
//! assert_eq!(or_done::recv(&ctx, &rx), None);
//! ```

use crate::backend::Backend;
use crate::chan::{Receiver, RecvArm, Select, Selected, SendArm, Sender};
use crate::context::{Context, CtxError};

/// Receives from `input`, unless `ctx` is done first. `None` when the input is closed and drained
/// or the context is done.
#[track_caller]
pub fn recv<T: Send, B: Backend>(ctx: &Context<B>, input: &Receiver<T, B>) -> Option<T> {
    let mut next = RecvArm::new(input);
    let mut done = RecvArm::new(ctx.done());
    match Select::new().recv(&mut next).recv(&mut done).wait() {
        Selected::Arm(0) => next.take(),
        _ => None,
    }
}

/// Sends `value` on `output`, unless `ctx` is done first or nobody can receive any more. On
/// failure the value comes back, with the context's error, or `None` if the channel refused it.
#[track_caller]
pub fn send<T: Send, B: Backend>(
    ctx: &Context<B>,
    output: &Sender<T, B>,
    value: T,
) -> Result<(), (T, Option<CtxError>)> {
    let mut send = SendArm::new(output, value);
    let mut done = RecvArm::new(ctx.done());
    let selected = Select::new().send(&mut send).recv(&mut done).wait();
    match (selected, send.into_unsent()) {
        (_, None) => Ok(()),
        (Selected::Arm(0), Some(value)) => Err((value, None)),
        (_, Some(value)) => Err((value, ctx.err())),
    }
}
