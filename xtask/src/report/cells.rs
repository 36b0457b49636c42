//! How a verdict is told in a cell: its words and class, which the changes compare and the view
//! shows, and numbers with thousands separators.

use super::schema::ZooCell;
use checks::harness::{CheckerKind, Coverage, Stats, Verdict};

/// One cell: a verdict, coloured by its class.
pub struct Cell {
    /// The CSS class: `exhaustive`, `bounded`, `sampled`, `capped`, `fail`, `caught`, `missed`,
    /// `unseen` (a racy mistake real threads did not hit), `by-nature` or `none`.
    pub class: &'static str,
    /// The verdict, short.
    pub text: String,
    /// Schedules and time.
    pub detail: String,
    /// What a hover shows: the instance and the full verdict.
    pub title: String,
}

/// `12345678` → `12,345,678`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A run's verdict in words, as the full table shows it.
pub(super) fn verdict_text(stats: &Stats) -> String {
    match &stats.verdict {
        Verdict::Pass(_) if stats.schedules == 0 => "NOT A PASS: nothing explored".to_owned(),
        Verdict::Pass(Coverage::Sampled) => format!("pass ({} sampled)", stats.schedules),
        Verdict::Pass(coverage) => format!("pass, {coverage}"),
        Verdict::Fail(report) => format!("FAIL: {} at schedule #{}", report.kind, report.schedule),
    }
}

/// A run's class: how much its verdict proves.
pub(super) fn verdict_class(stats: &Stats) -> &'static str {
    match &stats.verdict {
        Verdict::Pass(_) if stats.schedules == 0 => "fail",
        Verdict::Pass(Coverage::Exhaustive) => "exhaustive",
        Verdict::Pass(Coverage::Bounded { .. }) => "bounded",
        Verdict::Pass(Coverage::Sampled) => "sampled",
        Verdict::Pass(Coverage::Capped { .. }) => "capped",
        Verdict::Fail(_) => "fail",
    }
}

pub(super) fn zoo_cell(cell: &ZooCell) -> Cell {
    let correct_failed = !cell.correct.passed();
    let (class, text, detail) = match cell.broken.failure() {
        _ if correct_failed => (
            "fail",
            "✗ correct variant failed".to_owned(),
            verdict_text(&cell.correct),
        ),
        Some(f) if f.kind == cell.expected => (
            "caught",
            format!("✓ caught at #{}", thousands(f.schedule)),
            format!("{:.2} s", cell.broken.elapsed.as_secs_f64()),
        ),
        // Real threads cannot see a race at all; what they saw is a consequence of it. (A model
        // checker's other kind stays a wrong kind, `MISSED_BY` or not.)
        Some(f) if cell.race_on_real_threads() => (
            "by-nature",
            format!("cannot see it; failed as {}", f.kind),
            format!("#{}", f.schedule),
        ),
        Some(f) => (
            "fail",
            format!("✗ wrong kind: {}", f.kind),
            format!("#{}", f.schedule),
        ),
        None if cell.missed_by_nature => (
            "by-nature",
            "missed, as expected".to_owned(),
            format!("{} schedules", thousands(cell.broken.schedules)),
        ),
        None if cell.checker == CheckerKind::Stress.name() && !cell.deterministic => (
            "unseen",
            "not seen (racy)".to_owned(),
            format!("{} runs", thousands(cell.broken.schedules)),
        ),
        None => (
            "missed",
            "missed".to_owned(),
            format!("{} schedules", thousands(cell.broken.schedules)),
        ),
    };
    Cell {
        class,
        text,
        detail,
        title: format!(
            "{} on {}: broken {}; correct {}{}",
            cell.broken.checker,
            cell.broken.instance,
            verdict_text(&cell.broken),
            verdict_text(&cell.correct),
            cell.correct
                .rules_out()
                .map_or_else(String::new, |rules_out| format!(
                    " (rules out: {rules_out})"
                ))
        ),
    }
}
