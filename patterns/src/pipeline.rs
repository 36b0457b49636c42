//! The pipeline: stages connected by channels, generator → transform → … → sink, each stage one
//! thread, each cancellable.
//!
//! Go:
//!
//! ```go
//! func stage(ctx context.Context, in <-chan int, f func(int) int) <-chan int {
//!     out := make(chan int)
//!     go func() {
//!         defer close(out)            // close propagates downstream
//!         for v := range in {
//!             select {
//!             case out <- f(v):
//!             case <-ctx.Done(): return  // a stopped downstream ends every stage
//!             }
//!         }
//!     }()
//!     return out
//! }
//! ```
//!
//! Here a stage's output closes when its thread ends (its sender drops): after its input closed and
//! drained, or when the context is done, or when nobody downstream can receive any more (every
//! receiver dropped) — so a downstream that stops early, by cancelling or by dropping its input,
//! ends every stage upstream of it. Values keep their order through every stage.
//!
//! ```
//! use patterns::{pipeline, Context};
//!
//! let ctx = Context::background();
//! let numbers = pipeline::generate(&ctx, 2, 1..=5);
//! let squares = pipeline::stage(&ctx, 2, numbers, |x: i32| x * x);
//! let plus_one = pipeline::stage(&ctx, 2, squares, |x| x + 1);
//! assert_eq!(plus_one.iter().collect::<Vec<_>>(), vec![2, 5, 10, 17, 26]);
//! ```

use crate::backend::Backend;
use crate::chan::{self, Receiver};
use crate::context::Context;
use crate::or_done;

/// The first stage: sends every item of `items`, in order, on a channel of capacity `capacity`.
pub fn generate<T, I, B>(ctx: &Context<B>, capacity: usize, items: I) -> Receiver<T, B>
where
    T: Send + 'static,
    I: IntoIterator<Item = T> + Send + 'static,
    I::IntoIter: Send,
    B: Backend,
{
    let (output, stream) = chan::bounded_in::<B, T>(capacity);
    let ctx = ctx.clone();
    // Detached: it ends when the items run out, the context is done or the output is dropped.
    drop(B::spawn("generate", move || {
        for item in items {
            if or_done::send(&ctx, &output, item).is_err() {
                return;
            }
        }
    }));
    stream
}

/// A stage: applies `f` to every value of `input`, in order, onto a channel of capacity
/// `capacity`.
pub fn stage<T, U, F, B>(
    ctx: &Context<B>,
    capacity: usize,
    input: Receiver<T, B>,
    f: F,
) -> Receiver<U, B>
where
    T: Send + 'static,
    U: Send + 'static,
    F: FnMut(T) -> U + Send + 'static,
    B: Backend,
{
    let (output, stream) = chan::bounded_in::<B, U>(capacity);
    let ctx = ctx.clone();
    let mut f = f;
    drop(B::spawn("stage", move || {
        while let Some(value) = or_done::recv(&ctx, &input) {
            if or_done::send(&ctx, &output, f(value)).is_err() {
                return;
            }
        }
    }));
    stream
}
