//! Runs the kit and the patterns under loom, shuttle and real threads.
//!
//! * [`backend`]: the `Loom`, `Shuttle` and `Real` backends, with thread tracking.
//! * [`harness`]: [`harness::Scenario`], [`harness::Checker`], [`harness::check`], failure reports
//!   and replay.
//! * [`scenario`]: one module per primitive or pattern, each scenario stating its property.
//! * [`zoo`]: the course's common mistakes, each beside its correct version.
//! * [`catalog`]: every scenario and zoo entry by name, for the xtask and for replay.
//! * [`support`]: helpers the scenarios share (a concurrency gauge).
#![forbid(unsafe_code)]

pub mod backend;
pub mod catalog;
pub mod goker;
pub mod harness;
pub mod scenario;
pub mod support;
pub mod zoo;
