//! The text of a caught panic, for reports: a worker pool's failed job, a checker's failure.

use std::any::Any;

/// The message a panic was raised with: the `String` or `&str` payload that `panic!` builds, or a
/// placeholder for any other payload.
///
/// ```
/// let caught = std::panic::catch_unwind(|| panic!("job {} failed", 7)).unwrap_err();
/// assert_eq!(patterns::panic_message(caught.as_ref()), "job 7 failed");
/// ```
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else if let Some(message) = payload.downcast_ref::<&str>() {
        (*message).to_owned()
    } else {
        "(a panic with a non-string payload)".to_owned()
    }
}
