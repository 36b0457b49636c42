//! The scenarios: one module per primitive or pattern, one type per property.
//!
//! Each scenario's name states its property, so a failing test reads as the broken promise. Sizes:
//! `small()` is what loom explores exhaustively (at most 5 threads, main and timer included);
//! `large()` is what shuttle samples and real threads stress.

pub mod chan;
pub mod cond;
pub mod context;
pub mod errgroup;
pub mod fan;
pub mod limiter;
pub mod memory_model;
pub mod mutex;
pub mod once;
pub mod panic_safety;
pub mod pipeline;
pub mod race_cell;
pub mod request;
pub mod rw_mutex;
pub mod semaphore;
pub mod shared_state;
pub mod ticker;
pub mod time;
pub mod wait_group;
pub mod weighted;
pub mod worker_pool;
