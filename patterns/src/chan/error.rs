//! The channel's errors: each names the mistake or the state, and hands back any value it refused.

use std::fmt;

/// A send that could not happen; the value comes back inside.
#[derive(PartialEq, Eq)]
pub enum SendError<T> {
    /// The channel is closed (Go panics here: "send on closed channel").
    Closed(T),
    /// Every receiver is gone, so nobody could ever take the value.
    Disconnected(T),
}

/// A non-blocking send that could not happen now; the value comes back inside.
#[derive(PartialEq, Eq)]
pub enum TrySendError<T> {
    /// The buffer is full (or, at capacity 0, no receiver is waiting).
    Full(T),
    /// The channel is closed.
    Closed(T),
    /// Every receiver is gone.
    Disconnected(T),
}

/// A non-blocking receive that got nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TryRecvError {
    /// Nothing is buffered and no sender is waiting.
    Empty,
    /// The channel is closed and drained.
    Closed,
}

/// A receive with a timeout that got nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecvTimeoutError {
    /// The timeout passed first.
    Timeout,
    /// The channel is closed and drained.
    Closed,
}

/// `close` on a channel that is already closed (Go panics: "close of closed channel").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CloseError;

impl<T> SendError<T> {
    /// The value that was not sent.
    pub fn into_inner(self) -> T {
        match self {
            SendError::Closed(value) | SendError::Disconnected(value) => value,
        }
    }
}

impl<T> TrySendError<T> {
    /// The value that was not sent.
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(value)
            | TrySendError::Closed(value)
            | TrySendError::Disconnected(value) => value,
        }
    }
}

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Closed(_) => f.write_str("Closed(..)"),
            SendError::Disconnected(_) => f.write_str("Disconnected(..)"),
        }
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Closed(_) => {
                f.write_str("send on a closed channel (the value is handed back)")
            }
            SendError::Disconnected(_) => {
                f.write_str("send on a channel with no receiver left (the value is handed back)")
            }
        }
    }
}

impl<T> std::error::Error for SendError<T> {}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("Full(..)"),
            TrySendError::Closed(_) => f.write_str("Closed(..)"),
            TrySendError::Disconnected(_) => f.write_str("Disconnected(..)"),
        }
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("channel full (the value is handed back)"),
            TrySendError::Closed(_) => {
                f.write_str("send on a closed channel (the value is handed back)")
            }
            TrySendError::Disconnected(_) => {
                f.write_str("send on a channel with no receiver left (the value is handed back)")
            }
        }
    }
}

impl<T> std::error::Error for TrySendError<T> {}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("channel empty"),
            TryRecvError::Closed => f.write_str("channel closed and drained"),
        }
    }
}

impl std::error::Error for TryRecvError {}

impl fmt::Display for RecvTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvTimeoutError::Timeout => f.write_str("timed out waiting on channel"),
            RecvTimeoutError::Closed => f.write_str("channel closed and drained"),
        }
    }
}

impl std::error::Error for RecvTimeoutError {}

impl fmt::Display for CloseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("close of a closed channel")
    }
}

impl std::error::Error for CloseError {}
