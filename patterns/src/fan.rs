//! Fan-out and fan-in: spread one stream over several workers; merge several streams into one.
//!
//! Go:
//!
//! ```go
//! func merge(ctx context.Context, inputs ...<-chan T) <-chan T {
//!     out := make(chan T)
//!     var wg sync.WaitGroup
//!     wg.Add(len(inputs))
//!     for _, in := range inputs {
//!         go func(in <-chan T) {
//!             defer wg.Done()
//!             for v := range in {
//!                 select { case out <- v: case <-ctx.Done(): return }
//!             }
//!         }(in)
//!     }
//!     go func() { wg.Wait(); close(out) }()
//!     return out
//! }
//! ```
//!
//! Here the output closes when its last forwarder's sender drops — exactly once, after every
//! input has closed (or the context is done). A consumer that stops early cancels the context or
//! drops the output; either way every forwarder and worker exits, none is left blocked.
//!
//! ```
//! use patterns::{chan, fan, Context};
//!
//! let ctx = Context::background();
//! let (a_tx, a) = chan::bounded(1);
//! let (b_tx, b) = chan::bounded(1);
//! std::thread::spawn(move || (0..3).for_each(|i| a_tx.send(i).unwrap()));
//! std::thread::spawn(move || (10..13).for_each(|i| b_tx.send(i).unwrap()));
//! let mut all: Vec<i32> = fan::merge(&ctx, vec![a, b]).iter().collect();
//! all.sort();
//! assert_eq!(all, vec![0, 1, 2, 10, 11, 12]);
//!
//! let (jobs_tx, jobs) = chan::bounded(4);
//! (1..=4).for_each(|i| jobs_tx.send(i).unwrap());
//! drop(jobs_tx);
//! let mut squares: Vec<i32> = fan::fan_out(&ctx, jobs, 2, |x| x * x).iter().collect();
//! squares.sort();
//! assert_eq!(squares, vec![1, 4, 9, 16]);
//! ```

use crate::backend::Backend;
use crate::chan::{self, Receiver};
use crate::context::Context;
use crate::or_done;
use std::sync::Arc;

/// Merges `inputs` into one channel (fan-in). Values of one input keep their order; the output
/// closes once every input is closed and drained, or the context is done.
pub fn merge<T: Send + 'static, B: Backend>(
    ctx: &Context<B>,
    inputs: Vec<Receiver<T, B>>,
) -> Receiver<T, B> {
    let (output, merged) = chan::bounded_in::<B, T>(0);
    for (index, input) in inputs.into_iter().enumerate() {
        let (ctx, output) = (ctx.clone(), output.clone());
        // Detached: it ends when its input closes, the context is done or the output is dropped.
        drop(B::spawn(&format!("merge-{index}"), move || {
            while let Some(value) = or_done::recv(&ctx, &input) {
                if or_done::send(&ctx, &output, value).is_err() {
                    return;
                }
            }
        }));
    }
    merged
}

/// Spreads `input` over `workers` threads applying `f` (fan-out), and merges their results into
/// one channel, which closes once the input is closed and drained, or the context is done.
/// Results come out in completion order.
///
/// # Panics
/// If `workers` is 0.
pub fn fan_out<T, U, F, B>(
    ctx: &Context<B>,
    input: Receiver<T, B>,
    workers: usize,
    f: F,
) -> Receiver<U, B>
where
    T: Send + 'static,
    U: Send + 'static,
    F: Fn(T) -> U + Send + Sync + 'static,
    B: Backend,
{
    assert!(
        workers > 0,
        "fan_out over 0 workers: the input would never be read"
    );
    let (output, results) = chan::bounded_in::<B, U>(0);
    let f = Arc::new(f);
    for worker in 0..workers {
        let (ctx, input, output, f) = (ctx.clone(), input.clone(), output.clone(), Arc::clone(&f));
        drop(B::spawn(&format!("fan-out-{worker}"), move || {
            while let Some(value) = or_done::recv(&ctx, &input) {
                if or_done::send(&ctx, &output, f(value)).is_err() {
                    return;
                }
            }
        }));
    }
    results
}
