//! The report as one self-contained HTML page (`index.html`), rendered from the [`View`] by
//! `templates/report.html`: a verdict box, the two matrices, the bench ratio charts, then the
//! traces and the full tables folded.

use super::view::View;
use askama::Template;

/// `templates/report.html` over a view (every value HTML-escaped; the charts' SVG and the traces'
/// tables, built by the harness and plotters, go in as they are).
#[derive(Template)]
#[template(path = "report.html")]
struct Html<'a> {
    v: &'a View,
}

/// Renders `view` as HTML.
pub fn render(view: &View) -> anyhow::Result<String> {
    Ok(Html { v: view }.render()?)
}
