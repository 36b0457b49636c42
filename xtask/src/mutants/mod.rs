//! Mutation testing of the kit (docs/mutants.md): `run.rs` runs cargo-mutants at the quick budget
//! after checking the unmutated tree itself, `score.rs` merges its outputs into one score per file.

pub mod run;
pub mod score;
