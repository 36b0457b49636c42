//! Benchmarks of the kit and patterns on real cores (see `benches/`).
