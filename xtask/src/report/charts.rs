//! Bench charts for the HTML report: for each group, ours ÷ each baseline at each parameter
//! value, dots on a log scale around the 1.0 line, as inline SVG drawn with plotters. The legend
//! is HTML beside the chart, so no label is drawn over a dot.

use crate::bench::BenchResult;
use plotters::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// Each baseline's colour, the same in every chart of a report: Go's is fixed, the others take
/// the palette's colours in name order.
pub struct Palette(BTreeMap<String, RGBColor>);

/// Go's colour.
const GO: RGBColor = RGBColor(0x00, 0x9a, 0xb8);

/// Colours for the other baselines (Tableau's ten, Go's cyan left out), distinct side by side.
const COLOURS: [RGBColor; 9] = [
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x7f, 0x7f, 0x7f),
    RGBColor(0xbc, 0xbd, 0x22),
    RGBColor(0x1f, 0x77, 0xb4),
];

impl Palette {
    /// A colour for every baseline of `results`.
    pub fn new(results: &[BenchResult]) -> Self {
        let all: Vec<&BenchResult> = results.iter().collect();
        let names: BTreeSet<String> = functions(&all)
            .into_iter()
            .filter(|f| !OURS.contains(&f.as_str()) && f != "go")
            .collect();
        let mut palette = Self::of(&names.into_iter().collect::<Vec<_>>());
        palette.0.insert("go".to_owned(), GO);
        palette
    }

    /// The palette's colours for `names`, in their order (the checkers of the runs-to-failure
    /// charts).
    pub fn of(names: &[String]) -> Self {
        Self(
            names
                .iter()
                .cloned()
                .zip(COLOURS.iter().cycle().copied())
                .collect(),
        )
    }

    fn rgb(&self, baseline: &str) -> RGBColor {
        self.0.get(baseline).copied().unwrap_or(COLOURS[6])
    }

    /// `baseline`'s colour as CSS.
    pub fn css(&self, baseline: &str) -> String {
        let RGBColor(r, g, b) = self.rgb(baseline);
        format!("#{r:02x}{g:02x}{b:02x}")
    }
}

/// The bench groups of `results` in order, each with its results.
pub fn groups(results: &[BenchResult]) -> Vec<(String, Vec<&BenchResult>)> {
    let mut groups: Vec<(String, Vec<&BenchResult>)> = Vec::new();
    for result in results {
        match groups.iter_mut().find(|(group, _)| *group == result.group) {
            Some((_, members)) => members.push(result),
            None => groups.push((result.group.clone(), vec![result])),
        }
    }
    groups
}

/// The implementations that are ours: the kit, or the harness in its own overhead benches.
const OURS: [&str; 2] = ["kit", "harness"];

/// Which implementation of `results` is ours, if one is.
pub fn ours(results: &[&BenchResult]) -> Option<&'static str> {
    OURS.into_iter()
        .find(|ours| results.iter().any(|r| r.function == *ours))
}

/// The implementations of `results`, ours first, then in name order.
pub fn functions(results: &[&BenchResult]) -> Vec<String> {
    let mut names: Vec<String> = results.iter().map(|r| r.function.clone()).collect();
    names.sort_by_key(|name| (!OURS.contains(&name.as_str()), name.clone()));
    names.dedup();
    names
}

/// The parameter values of `results` in numeric order where they are numbers.
pub fn values(results: &[&BenchResult]) -> Vec<String> {
    let mut values: Vec<String> = results.iter().map(|r| r.value.clone()).collect();
    values.sort_by(|a, b| match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.total_cmp(&y),
        _ => a.cmp(b),
    });
    values.dedup();
    values
}

/// Ours ÷ each baseline, in median time, at each parameter value of one group.
pub struct Ratios {
    /// The parameter values, one row each.
    pub values: Vec<String>,
    /// The baselines, one column each.
    pub baselines: Vec<String>,
    /// `ratio[row][col]`: ours ÷ that baseline at that value, where both ran.
    pub ratio: Vec<Vec<Option<f64>>>,
}

/// The ratios of one group's results: none if no implementation is ours.
pub fn ratios(results: &[&BenchResult]) -> Ratios {
    let values = values(results);
    let ours = ours(results);
    let baselines: Vec<String> = functions(results)
        .into_iter()
        .filter(|f| ours.is_some_and(|ours| f != ours))
        .collect();
    let median = |function: &str, value: &str| {
        results
            .iter()
            .find(|r| r.function == function && r.value == value)
            .map(|r| r.median_ns)
            .filter(|ns| *ns > 0.0)
    };
    let ratio = values
        .iter()
        .map(|value| {
            baselines
                .iter()
                .map(|baseline| Some(median(ours?, value)? / median(baseline, value)?))
                .collect()
        })
        .collect();
    Ratios {
        values,
        baselines,
        ratio,
    }
}

/// Chart width in pixels: three fit side by side at a laptop's width.
pub const WIDTH: u32 = 360;

/// Ratios the axis may mark: 1-2-5 steps, from a hundredth to a hundredfold.
const TICKS: [f64; 13] = [
    0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0,
];

/// `0.5` → `0.5×`, `2` → `2×`.
fn ratio_label(ratio: f64) -> String {
    format!("{}×", (ratio * 100.0).round() / 100.0)
}

/// An SVG chart of one group's ratios: a row per parameter value, a dot per baseline (nudged
/// apart vertically so they never cover each other), a log axis marked in 1-2-5 steps, and the
/// 1.0 line. `None` if no ratio exists (no baseline ran, or ours did not).
pub fn ratio_chart(
    group: &str,
    ratios: &Ratios,
    palette: &Palette,
) -> anyhow::Result<Option<String>> {
    let all: Vec<f64> = ratios.ratio.iter().flatten().flatten().copied().collect();
    if all.is_empty() {
        return Ok(None);
    }
    let low = all.iter().copied().fold(1.0_f64, f64::min) / 1.2;
    let high = all.iter().copied().fold(1.0_f64, f64::max) * 1.2;
    // The axis runs from the tick below the lowest ratio to the tick above the highest.
    let lo = TICKS
        .iter()
        .copied()
        .rev()
        .find(|&t| t <= low)
        .unwrap_or(low);
    let hi = TICKS.iter().copied().find(|&t| t >= high).unwrap_or(high);
    let ticks: Vec<f64> = TICKS
        .iter()
        .copied()
        .filter(|&t| t >= lo && t <= hi)
        .collect();
    let rows = ratios.values.len();
    let height = 70 + 26 * rows as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let labels = ratios.values.clone();
        let mut chart = ChartBuilder::on(&root)
            .caption(group, ("sans-serif", 15))
            .margin(8)
            .x_label_area_size(30)
            .y_label_area_size(60)
            .build_cartesian_2d(
                (lo..hi).log_scale().with_key_points(ticks),
                -0.5_f64..rows as f64 - 0.5,
            )?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_label_formatter(&|x| ratio_label(*x))
            .y_labels(rows)
            .y_label_formatter(&|y| {
                let index = y.round();
                if (y - index).abs() < 1e-6 && index >= 0.0 {
                    // Row 0 at the top.
                    labels
                        .get(rows - 1 - index as usize)
                        .cloned()
                        .unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .x_desc("ours ÷ baseline (time; below 1: ours faster)")
            .label_style(("sans-serif", 12))
            .draw()?;
        chart.draw_series(LineSeries::new(
            [(1.0, -0.5), (1.0, rows as f64 - 0.5)],
            BLACK.stroke_width(1),
        ))?;
        let columns = ratios.baselines.len();
        for (col, baseline) in ratios.baselines.iter().enumerate() {
            let colour = palette.rgb(baseline);
            let nudge = (col as f64 - (columns as f64 - 1.0) / 2.0) * 0.15;
            let dots = ratios.ratio.iter().enumerate().filter_map(|(row, cols)| {
                let y = (rows - 1 - row) as f64 + nudge;
                cols[col].map(|ratio| Circle::new((ratio, y), 4, colour.filled()))
            });
            chart.draw_series(dots)?;
        }
        root.present()?;
    }
    Ok(Some(svg))
}

/// One checker's line in a runs-to-failure chart.
pub struct Found {
    /// The checker.
    pub checker: String,
    /// Of each entry it found under at least half its seeds, the median schedule of the first
    /// failure.
    pub medians: Vec<usize>,
}

/// An SVG chart of how many of `entries` each checker finds within x schedules (its median over
/// the seeds), x on a log axis up to `budget`: a rising step line per checker, the higher and
/// further left the faster. The legend is HTML beside the chart.
pub fn found_within_chart(
    title: &str,
    series: &[Found],
    entries: usize,
    budget: usize,
    palette: &Palette,
) -> anyhow::Result<String> {
    let longest = series
        .iter()
        .flat_map(|s| s.medians.iter().copied())
        .max()
        .unwrap_or(1);
    let right = budget.max(longest).max(2) as f64;
    let ticks: Vec<f64> = [1.0, 10.0, 100.0, 1_000.0, 10_000.0, 100_000.0]
        .into_iter()
        .filter(|&t| t <= right)
        .collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (2 * WIDTH, 300)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 15))
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(44)
            .build_cartesian_2d(
                (1.0..right).log_scale().with_key_points(ticks),
                0.0..entries as f64,
            )?;
        chart
            .configure_mesh()
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y:.0}"))
            .x_desc("schedules to the first failure (median over the seeds)")
            .y_desc("entries found")
            .label_style(("sans-serif", 12))
            .draw()?;
        for line in series {
            let mut medians = line.medians.clone();
            medians.sort_unstable();
            // A step up at each entry's median, flat to the budget after the last.
            let mut points = vec![(1.0, 0.0)];
            for (found, &median) in medians.iter().enumerate() {
                points.push((median as f64, found as f64));
                points.push((median as f64, found as f64 + 1.0));
            }
            points.push((right, medians.len() as f64));
            chart.draw_series(LineSeries::new(
                points,
                palette.rgb(&line.checker).stroke_width(2),
            ))?;
        }
        root.present()?;
    }
    Ok(svg)
}
