//! Failure traces: the steps of a failing schedule, one column per thread and one row per step,
//! with why it failed in words (the failing step, or who holds what and waits for what).
//!
//! `steps.rs` holds the data ([`Trace`]), `build.rs` makes it from a recorded execution, `labels.rs`
//! names its objects and lines, `story.rs` tells a deadlock's wait-for story, `render.rs` draws it
//! as text, Markdown and HTML.

mod build;
mod labels;
mod render;
mod steps;
mod story;

pub use render::html_escape;
pub use steps::{Ending, Mark, Trace, TraceStep, LEGEND};
