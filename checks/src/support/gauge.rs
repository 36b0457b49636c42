//! A concurrency gauge: how many threads are inside a section now, and the most there ever were.

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
    pub fn enter(&self) -> Inside<'_, B> {
        // SeqCst: the count and the peak are read as one story by the invariant.
        let now = self.inside.fetch_add(1, Ordering::SeqCst) + 1;
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
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }
}

impl<B: Backend> Default for Gauge<B> {
    fn default() -> Self {
        Self::new()
    }
}

impl<B: Backend> Drop for Inside<'_, B> {
    fn drop(&mut self) {
        self.gauge.inside.fetch_sub(1, Ordering::SeqCst);
    }
}
