//! The harness's ground floor: one execution and what it yields. What a scenario and a checker
//! are, running one body under a model, the panic hook, classifying a failure, the verdict, and
//! where replay files go.

pub(crate) mod checker;
pub(crate) mod classify;
pub(crate) mod confidence;
pub(crate) mod execute;
pub(crate) mod files;
pub(crate) mod scenario;
pub(crate) mod verdict;
