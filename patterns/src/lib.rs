//! Go's concurrency kit and the course's patterns, each written once over a swappable sync backend.
//!
//! Every type here takes a [`Backend`] parameter that defaults to [`Std`] (real threads, real
//! clock), so a plain user never writes generics:
//!
//! ```
//! use patterns::chan;
//!
//! let (tx, rx) = chan::bounded(2);
//! let producer = std::thread::spawn(move || {
//!     for i in 0..5 {
//!         tx.send(i).unwrap();
//!     }
//!     // Dropping the last sender closes the channel, like Go's `close(ch)`.
//! });
//! let got: Vec<i32> = rx.iter().collect();
//! producer.join().unwrap();
//! assert_eq!(got, vec![0, 1, 2, 3, 4]);
//! ```
//!
//! The same code runs under loom and shuttle through the model backends of the `checks` crate,
//! which is how every invariant documented here is verified.
// Denied, not forbidden, so that the one module with `unsafe`, the channel ring's slot storage
// (`chan/ring.rs`), can allow it for itself; no other module may (ARCHITECTURE.md, invariant 13).
#![deny(unsafe_code)]

pub mod backend;
mod backoff;
pub mod chan;
pub mod cond;
pub mod context;
pub mod errgroup;
pub mod fan;
pub mod limiter;
pub mod mutex;
pub mod once;
pub mod or_done;
mod panic_message;
pub mod pipeline;
pub mod race_cell;
pub mod request;
pub mod rw_mutex;
pub mod semaphore;
pub mod shared_state;
pub mod ticker;
pub mod time;
pub mod trace;
pub mod wait_group;
pub mod weighted;
pub mod worker_pool;

pub use backend::{Access, Atomic, AtomicInt, Backend, Std};
pub use chan::{Receiver, Select, Sender};
pub use cond::Cond;
pub use context::{AfterFunc, Canceller, Cause, Context, CtxError};
pub use errgroup::ErrGroup;
pub use mutex::Mutex;
pub use once::Once;
pub use panic_message::panic_message;
pub use race_cell::RaceCell;
pub use rw_mutex::RwMutex;
pub use semaphore::{Permit, Semaphore};
pub use ticker::Ticker;
pub use wait_group::WaitGroup;
pub use weighted::{Weighted, WeightedPermit};
pub use worker_pool::WorkerPool;
