//! Helpers the scenarios and zoo entries share: measuring instruments, not properties.

pub mod fixtures;
pub mod gauge;

/// Sorts a copy of `values`, for comparing multisets.
pub(crate) fn sorted<T: Ord + Clone>(values: &[T]) -> Vec<T> {
    let mut values = values.to_vec();
    values.sort();
    values
}
