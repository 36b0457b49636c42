//! Scenarios of the kit's ErrGroup.

use crate::harness::Scenario;
use crate::invariant;
use patterns::{Backend, Context, CtxError, ErrGroup};
use serde::{Deserialize, Serialize};

/// One task fails while the others wait for cancellation: `wait` returns that error, the others
/// are woken by the group's context, and every task is joined.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FirstErrorCancelsGroup {
    /// Tasks; task 0 fails, the rest wait on the group's context.
    pub tasks: usize,
    /// At most this many tasks at once.
    pub limit: usize,
}

impl Scenario for FirstErrorCancelsGroup {
    const NAME: &'static str = "errgroup::first_error_cancels_group";
    fn small() -> Self {
        Self { tasks: 2, limit: 2 }
    }
    fn large() -> Self {
        Self { tasks: 6, limit: 3 }
    }
    fn run<B: Backend>(&self) {
        let (group, ctx) = ErrGroup::<String, B>::with_context_in(&Context::background_in());
        let group = group.with_limit(self.limit);
        for t in 0..self.tasks {
            let ctx = ctx.clone();
            group.go(move || {
                if t == 0 {
                    return Err(format!("task {t} failed"));
                }
                ctx.done().recv();
                Ok(())
            });
        }
        let result = group.wait();
        invariant!(
            result == Err("task 0 failed".to_owned()),
            "wait returned {result:?}"
        );
        invariant!(
            ctx.err() == Some(CtxError::Canceled),
            "the group's context is {:?}",
            ctx.err()
        );
    }
}
