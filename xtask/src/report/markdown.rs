//! The report as Markdown (`report.md`), rendered from the [`View`] by `templates/report.md`.

use super::view::View;
use askama::Template;

/// `templates/report.md` over a view (Markdown: nothing escaped).
#[derive(Template)]
#[template(path = "report.md")]
struct Markdown<'a> {
    v: &'a View,
}

/// Renders `view` as Markdown.
pub fn render(view: &View) -> anyhow::Result<String> {
    Ok(Markdown { v: view }.render()?)
}
