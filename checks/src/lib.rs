//! Runs the harness.
