//! What the harness needs of a backend beyond `patterns::Backend`: resetting a run's state.

/// A backend the harness can run a scenario on: it resets per-run state between runs.
pub trait Harnessed: patterns::Backend {
    /// Called at the start of every model execution (every stress run), before the scenario.
    fn begin_run();
    /// Called at the end of every run that did not fail: stops the run's timer thread.
    fn end_run();
}
