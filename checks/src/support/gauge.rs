//! A concurrency gauge: how many threads are inside a section now, and the most there ever were.

use patterns::trace::{self, Object};
use patterns::{Atomic, AtomicInt, Backend};
use std::sync::atomic::Ordering;

/// Counts the threads inside a section and remembers the peak, for "never more than k at once".
///
/// ```
/// use checks::support::gauge::Gauge;
/// use patterns::Std;
///
/// let gauge = Gauge::<Std>::new();
/// {
///     let _inside = gauge.enter();
///     let _also = gauge.enter();
/// }
/// assert_eq!(gauge.peak(), 2);
/// ```
pub struct Gauge<B: Backend> {
    inside: B::AtomicUsize,
    peak: B::AtomicUsize,
}

/// A thread's presence inside a [`Gauge`]'s section; leaving is dropping it.
pub struct Inside<'a, B: Backend> {
    gauge: &'a Gauge<B>,
}

impl<B: Backend> Gauge<B> {
    /// An empty gauge.
    pub fn new() -> Self {
        Self {
            inside: B::AtomicUsize::new(0),
            peak: B::AtomicUsize::new(0),
        }
    }

    /// Enters the section until the returned guard drops.
    #[track_caller]
    pub fn enter(&self) -> Inside<'_, B> {
        // One step in a failure trace, not the three atomics it takes.
        let step = trace::enter::<B>("enter section", self.object());
        // SeqCst: the count and the peak are read as one story by the invariant.
        let now = self.inside.fetch_add(1, Ordering::SeqCst) + 1;
        step.outcome(format_args!("{now} inside"));
        let mut seen = self.peak.load(Ordering::SeqCst);
        while now > seen {
            match self
                .peak
                .compare_exchange(seen, now, Ordering::SeqCst, Ordering::SeqCst)
            {
                Ok(_) => break,
                Err(actual) => seen = actual,
            }
        }
        Inside { gauge: self }
    }

    /// The most threads that were ever inside at once.
    #[track_caller]
    pub fn peak(&self) -> usize {
        let step = trace::enter::<B>("read peak", self.object());
        let peak = self.peak.load(Ordering::SeqCst);
        step.outcome(format_args!("{peak}"));
        peak
    }

    /// The gauge as a traced object.
    fn object(&self) -> Object {
        Object::at("gauge", self, None)
    }
}

impl<B: Backend> Default for Gauge<B> {
    fn default() -> Self {
        Self::new()
    }
}

impl<B: Backend> Drop for Inside<'_, B> {
    fn drop(&mut self) {
        let step = trace::enter::<B>("leave section", self.gauge.object());
        let now = self.gauge.inside.fetch_sub(1, Ordering::SeqCst) - 1;
        step.outcome(format_args!("{now} inside"));
    }
}
