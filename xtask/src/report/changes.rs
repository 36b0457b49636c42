//! What changed between two reports: the report's "Changes" section.

use super::cells::{verdict_class, verdict_text, zoo_cell};
use super::charts;
use super::schema::Report;
use checks::harness::Stats;

/// What changed since the previous report.
pub struct Changes {
    /// Which report this one is compared with.
    pub since: String,
    /// One line per change: a verdict, a zoo or kernel cell, a bench ratio that moved beyond the
    /// noise.
    pub lines: Vec<String>,
}

/// A bench ratio that moves by less than this fraction is noise (quick-mode criterion runs on a
/// shared machine vary by about this much from run to run).
pub const BENCH_NOISE: f64 = 0.15;

impl Changes {
    /// What changed from `previous` to `now`.
    pub fn between(previous: &Report, now: &Report) -> Self {
        let mut lines = Vec::new();
        let key = |s: &Stats| (s.scenario.clone(), s.checker.kind().name());
        for run in &now.scenarios {
            match previous.scenarios.iter().find(|p| key(p) == key(run)) {
                None => lines.push(format!(
                    "new: `{}` under {}: {}",
                    run.scenario,
                    run.checker.kind().name(),
                    verdict_text(run)
                )),
                Some(before) if verdict_class(before) != verdict_class(run) => {
                    lines.push(format!(
                        "`{}` under {}: {} → {}",
                        run.scenario,
                        run.checker.kind().name(),
                        verdict_text(before),
                        verdict_text(run)
                    ));
                }
                Some(_) => {}
            }
        }
        for before in &previous.scenarios {
            if !now.scenarios.iter().any(|run| key(run) == key(before)) {
                lines.push(format!(
                    "gone: `{}` under {}",
                    before.scenario,
                    before.checker.kind().name()
                ));
            }
        }
        for (label, cells, before_cells) in [
            ("zoo", &now.zoo, &previous.zoo),
            ("GoKer", &now.goker, &previous.goker),
        ] {
            // A whole family new since the last report is one line, not one per cell.
            if before_cells.is_empty() && !cells.is_empty() {
                lines.push(format!("new: the {label} cells ({})", cells.len()));
                continue;
            }
            for cell in cells {
                let before = before_cells
                    .iter()
                    .find(|p| p.entry == cell.entry && p.checker == cell.checker);
                let now_text = zoo_cell(cell).text;
                match before {
                    None => lines.push(format!(
                        "new: {label} `{}` under {}: {now_text}",
                        cell.entry, cell.checker
                    )),
                    Some(before) if zoo_cell(before).class != zoo_cell(cell).class => {
                        lines.push(format!(
                            "{label} `{}` under {}: {} → {now_text}",
                            cell.entry,
                            cell.checker,
                            zoo_cell(before).text
                        ));
                    }
                    Some(_) => {}
                }
            }
        }
        let before_groups = charts::groups(&previous.benches);
        for (group, results) in charts::groups(&now.benches) {
            let Some((_, before)) = before_groups.iter().find(|(g, _)| *g == group) else {
                continue;
            };
            let (now_ratios, before_ratios) = (charts::ratios(&results), charts::ratios(before));
            for (row, value) in now_ratios.values.iter().enumerate() {
                for (col, baseline) in now_ratios.baselines.iter().enumerate() {
                    let then = before_ratios
                        .values
                        .iter()
                        .position(|v| v == value)
                        .zip(before_ratios.baselines.iter().position(|b| b == baseline))
                        .and_then(|(r, c)| before_ratios.ratio[r][c]);
                    if let (Some(then), Some(ratio)) = (then, now_ratios.ratio[row][col]) {
                        let moved = ratio / then - 1.0;
                        if moved.abs() > BENCH_NOISE {
                            lines.push(format!(
                                "bench {group} {value}, ours ÷ {baseline}: {then:.2} → {ratio:.2} \
                                 ({:+.0} %)",
                                moved * 100.0
                            ));
                        }
                    }
                }
            }
        }
        let age = now.written.saturating_sub(previous.written);
        Self {
            since: format!(
                "the previous report here (commit {}, {} h {} min earlier)",
                previous.machine.commit,
                age / 3600,
                age % 3600 / 60
            ),
            lines,
        }
    }
}
