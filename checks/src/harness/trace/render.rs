//! Rendering a trace: a terminal table, Markdown, HTML, each followed by the objects and the story.

use super::steps::{Mark, Trace, LEGEND};
use std::fmt::Write as _;

/// Traces longer than this fold the runs of steps that touch nothing another thread touches.
const FOLD_ABOVE: usize = 30;
/// The shortest run of such steps that is folded into one row.
const FOLD_RUN: usize = 3;
/// The widest a cell of the terminal table gets before it is cut short.
const CELL_WIDTH: usize = 38;

/// One row of a rendered trace: a step, or a run of a thread's steps folded into one.
enum Row {
    Step(usize),
    Folded { thread: usize, steps: usize },
}

impl Trace {
    /// The rows to show: every step, or for a long trace, runs of unshared steps folded.
    fn rows(&self) -> Vec<Row> {
        let mut rows = Vec::new();
        let mut index = 0;
        while index < self.steps.len() {
            let step = &self.steps[index];
            let run = self.steps[index..]
                .iter()
                .take_while(|s| s.thread == step.thread && s.mark == Mark::Plain)
                .count();
            if self.steps.len() > FOLD_ABOVE && run >= FOLD_RUN {
                rows.push(Row::Folded {
                    thread: step.thread,
                    steps: run,
                });
                index += run;
            } else {
                rows.push(Row::Step(index));
                index += 1;
            }
        }
        rows
    }

    /// The number of rows the rendered tables have.
    pub fn row_count(&self) -> usize {
        self.rows().len()
    }

    /// The cells of each row: the step number, the line, and one cell per thread.
    fn table(&self) -> Vec<(String, String, usize, String, Mark)> {
        let mut number = 0;
        self.rows()
            .into_iter()
            .map(|row| match row {
                Row::Step(index) => {
                    number += 1;
                    let step = &self.steps[index];
                    let cell = format!("{}{}", step.mark.symbol(), step.text);
                    (
                        number.to_string(),
                        step.at.clone(),
                        step.thread,
                        cell,
                        step.mark,
                    )
                }
                Row::Folded { thread, steps } => {
                    let first = number + 1;
                    number += steps;
                    (
                        format!("{first}–{number}"),
                        String::new(),
                        thread,
                        format!("… {steps} steps touching nothing shared"),
                        Mark::Plain,
                    )
                }
            })
            .collect()
    }

    /// The trace as a terminal table, then the objects and the story.
    pub fn to_text(&self) -> String {
        let table = self.table();
        let clip = |text: &str| -> String {
            if text.chars().count() > CELL_WIDTH {
                let cut: String = text.chars().take(CELL_WIDTH - 1).collect();
                format!("{cut}…")
            } else {
                text.to_owned()
            }
        };
        let mut widths: Vec<usize> = self.threads.iter().map(|t| t.chars().count()).collect();
        for (_, _, column, cell, _) in &table {
            widths[*column] = widths[*column].max(clip(cell).chars().count());
        }
        let number_width = table.iter().map(|r| r.0.len()).max().unwrap_or(1).max(1);
        let at_width = table.iter().map(|r| r.1.len()).max().unwrap_or(0).max(4);
        let pad = |text: &str, width: usize| {
            let len = text.chars().count();
            format!("{text}{}", " ".repeat(width.saturating_sub(len)))
        };
        let mut out = String::new();
        let mut header = format!("{} | {} ", pad("#", number_width), pad("line", at_width));
        for (column, name) in self.threads.iter().enumerate() {
            let _ = write!(header, "| {} ", pad(name, widths[column]));
        }
        let _ = writeln!(out, "{}", header.trim_end());
        let _ = writeln!(out, "{}", "-".repeat(header.trim_end().chars().count()));
        for (number, at, column, cell, _) in &table {
            let mut line = format!("{} | {} ", pad(number, number_width), pad(at, at_width));
            for (c, width) in widths.iter().enumerate() {
                let text = if c == *column {
                    clip(cell)
                } else {
                    String::new()
                };
                let _ = write!(line, "| {} ", pad(&text, *width));
            }
            let _ = writeln!(out, "{}", line.trim_end());
        }
        let _ = writeln!(out, "{LEGEND}");
        for object in &self.objects {
            let _ = writeln!(out, "{object}");
        }
        for line in &self.story {
            let _ = writeln!(out, "why: {line}");
        }
        out
    }

    /// The trace as a Markdown table, then the objects and the story.
    pub fn to_markdown(&self) -> String {
        let escape = |text: &str| text.replace('|', "\\|").replace('\n', " ");
        let mut out = String::from("| # | line |");
        for name in &self.threads {
            let _ = write!(out, " `{}` |", escape(name));
        }
        out.push_str("\n|---|---|");
        out.push_str(&"---|".repeat(self.threads.len()));
        out.push('\n');
        for (number, at, column, cell, mark) in self.table() {
            let _ = write!(out, "| {number} | {at} |");
            for c in 0..self.threads.len() {
                if c == column {
                    let strong = matches!(mark, Mark::Failing | Mark::Blocked);
                    let cell = escape(&cell);
                    if strong {
                        let _ = write!(out, " **{cell}** |");
                    } else {
                        let _ = write!(out, " {cell} |");
                    }
                } else {
                    out.push_str(" |");
                }
            }
            out.push('\n');
        }
        let _ = writeln!(out, "\n{LEGEND}\n");
        for object in &self.objects {
            let _ = writeln!(out, "* {}", escape(object));
        }
        for line in &self.story {
            let _ = writeln!(out, "* **Why:** {}", escape(line));
        }
        out
    }

    /// The trace as an HTML table (class `trace`, each marked cell classed by its mark), then the
    /// objects and the story.
    pub fn to_html(&self) -> String {
        let mut out = String::from("<table class=\"trace\"><thead><tr><th>#</th><th>line</th>");
        for name in &self.threads {
            let _ = write!(out, "<th>{}</th>", html_escape(name));
        }
        out.push_str("</tr></thead><tbody>");
        for (number, at, column, cell, mark) in self.table() {
            let _ = write!(
                out,
                "<tr><td>{number}</td><td><code>{}</code></td>",
                html_escape(&at)
            );
            for c in 0..self.threads.len() {
                if c == column {
                    let class = match mark {
                        Mark::Plain => "step",
                        Mark::Shared => "step shared",
                        Mark::Blocked => "step blocked",
                        Mark::Failing => "step failing",
                    };
                    let _ = write!(out, "<td class=\"{class}\">{}</td>", html_escape(&cell));
                } else {
                    out.push_str("<td></td>");
                }
            }
            out.push_str("</tr>");
        }
        let _ = write!(
            out,
            "</tbody></table><p class=\"legend\">{}</p>",
            html_escape(LEGEND)
        );
        if !self.objects.is_empty() || !self.story.is_empty() {
            out.push_str("<ul class=\"story\">");
            for object in &self.objects {
                let _ = write!(out, "<li>{}</li>", html_escape(object));
            }
            for line in &self.story {
                let _ = write!(out, "<li><strong>Why:</strong> {}</li>", html_escape(line));
            }
            out.push_str("</ul>");
        }
        out
    }
}

/// Escapes `&`, `<`, `>` and `"` for HTML.
pub fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
