//! Closing a channel from the receiving side to say "stop": the producer's next send hits a
//! closed channel.
//!
//! Go: the consumer, having seen enough, calls `close(ch)`; the producer's next `ch <- v` panics
//! with `send on closed channel`. Only a sender knows when sending is over.
//! Here the kit hands the value back (`SendError::Closed(v)`), never losing it, and the producer,
//! like Go's runtime, treats that as the bug it is.
//! Correct: the consumer cancels a context; the producer sends with `or_done::send` and stops.

use super::{broken_instances, zoo_entry, Mistake, Variant};
use crate::harness::{FailureKind, Scenario};
use crate::invariant;
use patterns::{chan, or_done, Backend, Context};

zoo_entry! {
    /// A producer streams values; the consumer stops early. No value may vanish: each is received,
    /// left in the buffer, or handed back to the producer.
    pub struct CloseFromReceiver {
        /// Values the producer would send.
        pub values: usize,
        /// Values the consumer takes before it stops the producer.
        pub wanted: usize,
    }
}

impl Scenario for CloseFromReceiver {
    const NAME: &'static str = "zoo::close_from_receiver";
    const INVARIANT: &'static str =
        "only senders close; every value received, buffered or handed back";
    broken_instances! {
        small: { values: 3, wanted: 1 },
        large: { values: 20, wanted: 5 },
    }
    fn run<B: Backend>(&self) {
        let (ctx, cancel) = Context::<B>::background_in().with_cancel();
        let (tx, rx) = chan::bounded_in::<B, usize>(1);
        let closer = tx.clone();
        let values = self.values;
        let producer = B::spawn("producer", move || {
            for value in 0..values {
                match or_done::send(&ctx, &tx, value) {
                    Ok(()) => {}
                    // The context said stop: the value comes back, nothing more is produced.
                    Err((_, Some(_))) => return (value + 1, 1),
                    Err((value, None)) => panic!("send on a closed channel: value {value} refused"),
                }
            }
            (values, 0)
        });
        let received = rx.iter().take(self.wanted).count();
        match self.variant {
            Variant::Correct => cancel.cancel(),
            Variant::Broken => closer
                .close()
                .expect("the consumer closes the channel once"),
        }
        let (attempted, handed_back) = B::join(producer).expect("producer panicked");
        let left_in_buffer = std::iter::from_fn(|| rx.try_recv().ok()).count();
        invariant!(
            received + left_in_buffer + handed_back == attempted,
            "{attempted} values sent, {received} received, {left_in_buffer} buffered, \
             {handed_back} handed back"
        );
    }
}

impl Mistake for CloseFromReceiver {
    const CAUGHT_AS: FailureKind = FailureKind::Panic;
    const TRACE_SHOWS: &'static [&'static str] = &["close chan", "send on a closed channel"];
    const DETERMINISTIC: bool = true;
}
