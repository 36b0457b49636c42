//! How a trace names things: each object by kind (`chan#2`), each line by file (`file.rs:57`),
//! and the step a blocked thread never returned from.

use crate::backend::recorder::RawStep;
use std::collections::HashMap;

/// The label of each object, in order of first appearance: `chan`, or `chan#2` where a trace
/// names several objects of a kind.
pub(super) struct Labels {
    labels: HashMap<(&'static str, usize), String>,
    pub(super) legend: Vec<String>,
}

impl Labels {
    pub(super) fn new(raw: &[RawStep], names: &[String]) -> Self {
        let mut order: Vec<(&'static str, usize, Option<String>)> = Vec::new();
        for step in raw {
            let Some(object) = step.object else { continue };
            if matches!(object.kind, "thread" | "select" | "note") {
                continue;
            }
            if !order
                .iter()
                .any(|(kind, addr, _)| *kind == object.kind && *addr == object.addr)
            {
                let site = object
                    .site
                    .map(|site| short_location(site.file(), site.line()));
                order.push((object.kind, object.addr, site));
            }
        }
        let mut per_kind: HashMap<&str, usize> = HashMap::new();
        for (kind, _, _) in &order {
            *per_kind.entry(kind).or_default() += 1;
        }
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut labels = HashMap::new();
        let mut legend = Vec::new();
        for (kind, addr, site) in order {
            let n = seen.entry(kind).or_default();
            *n += 1;
            let label = if per_kind[kind] == 1 {
                kind.to_owned()
            } else {
                format!("{kind}#{n}")
            };
            if let Some(site) = site {
                legend.push(format!("{label}: created at {site}"));
            }
            labels.insert((kind, addr), label);
        }
        for (index, name) in names.iter().enumerate() {
            labels.insert(("thread", index), format!("'{name}'"));
        }
        Self { labels, legend }
    }

    pub(super) fn of(&self, step: &RawStep) -> Option<&str> {
        let object = step.object?;
        self.labels
            .get(&(object.kind, object.addr))
            .map(String::as_str)
    }
}

/// `path/to/file.rs:57` → `file.rs:57`.
/// The kit's own files keep their module path (`kit chan/mod.rs:366`), std's say so
/// (`std iterator.rs:2468`, a `for` loop's `next`).
pub(super) fn short_location(file: &str, line: u32) -> String {
    let name = file.rsplit(['/', '\\']).next().unwrap_or(file);
    if file.starts_with("/rustc/") {
        format!("std {name}:{line}")
    } else if let Some(path) = patterns::trace::kit_source(file) {
        format!("kit {path}:{line}")
    } else {
        format!("{name}:{line}")
    }
}

/// The step thread `thread` is blocked in: the one it never returned from (a thread blocked in
/// a call no step stands for has none).
pub(super) fn waiting_step(raw: &[RawStep], thread: usize) -> Option<usize> {
    raw.iter().position(|s| s.thread == thread && !s.completed)
}
