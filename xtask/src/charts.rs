//! Bench charts for the HTML report: throughput by parameter, one line per implementation, as
//! inline SVG drawn with plotters.

use crate::bench::BenchResult;
use plotters::prelude::*;

/// Line colours, one per implementation in the order they first appear (ours first).
const PALETTE: [RGBColor; 6] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
];

/// The implementations of `results`, ours (`kit`) first, then in name order.
pub fn functions(results: &[&BenchResult]) -> Vec<String> {
    let mut names: Vec<String> = results.iter().map(|r| r.function.clone()).collect();
    names.sort_by_key(|name| (name != "kit", name.clone()));
    names.dedup();
    names
}

/// The parameter values of `results` in the order a chart's x axis shows them: numeric order
/// where they are numbers.
pub fn values(results: &[&BenchResult]) -> Vec<String> {
    let mut values: Vec<String> = results.iter().map(|r| r.value.clone()).collect();
    values.sort_by(|a, b| match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.total_cmp(&y),
        _ => a.cmp(b),
    });
    values.dedup();
    values
}

/// An SVG chart of one bench group's throughput (millions of elements per second) against its
/// parameter, one line per implementation. `None` if no result declares a throughput.
pub fn group_chart(group: &str, results: &[&BenchResult]) -> anyhow::Result<Option<String>> {
    let values = values(results);
    let functions = functions(results);
    let series: Vec<(String, Vec<(usize, f64)>)> = functions
        .iter()
        .map(|function| {
            let points = values
                .iter()
                .enumerate()
                .filter_map(|(x, value)| {
                    results
                        .iter()
                        .find(|r| &r.function == function && &r.value == value)
                        .and_then(|r| r.throughput())
                        .map(|per_second| (x, per_second / 1e6))
                })
                .collect();
            (function.clone(), points)
        })
        .collect();
    let top = series
        .iter()
        .flat_map(|(_, points)| points.iter().map(|&(_, y)| y))
        .fold(0.0_f64, f64::max);
    if top <= 0.0 {
        return Ok(None);
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (480, 300)).into_drawing_area();
        root.fill(&WHITE)?;
        let last = values.len().saturating_sub(1).max(1);
        let mut chart = ChartBuilder::on(&root)
            .caption(group, ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(55)
            .build_cartesian_2d(-0.3_f64..last as f64 + 0.3, 0.0..top * 1.15)?;
        let labels = values.clone();
        chart
            .configure_mesh()
            .x_labels(values.len())
            .x_label_formatter(&|x| {
                let index = x.round();
                if (x - index).abs() < 1e-6 && index >= 0.0 {
                    labels.get(index as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_desc("M elements/s")
            .draw()?;
        for (i, (function, points)) in series.iter().enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            let line: Vec<(f64, f64)> = points.iter().map(|&(x, y)| (x as f64, y)).collect();
            chart
                .draw_series(LineSeries::new(line.clone(), colour.stroke_width(2)))?
                .label(function.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(2))
                });
            chart.draw_series(line.into_iter().map(|p| Circle::new(p, 3, colour.filled())))?;
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperRight)
            .draw()?;
        root.present()?;
    }
    Ok(Some(svg))
}
