//! The report checked in a real browser: headless Chromium loads a copy of `index.html` with a
//! checking script added, at a laptop's window size, and the check fails on a script error, a
//! missing section, a chart wider than its box or the window, labels drawn over each other, or a
//! page wider than the window. Run when Chromium is installed; the report itself stays script-free.

use anyhow::{bail, Context};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The window the report must fit: a common laptop's.
pub const WINDOW: (u32, u32) = (1280, 800);

/// The sections the page must have, by id, in reading order.
pub const SECTIONS: [&str; 10] = [
    "verdict",
    "scenarios",
    "cost",
    "zoo",
    "goker",
    "speed",
    "benches",
    "traces",
    "runs",
    "machine",
];

/// The names Chromium goes by on Debian and elsewhere.
const BROWSERS: [&str; 4] = [
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
];

/// The first Chromium on the PATH, if any.
pub fn find() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    BROWSERS.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    })
}

/// Runs when the page has loaded; writes what it found wrong, a JSON list (empty: nothing), into
/// the body's `data-browser-check` attribute, which the DOM dump then carries out.
fn checking_script() -> String {
    let sections = SECTIONS
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(",");
    format!(
        r#"<script>
(function () {{
  var problems = [];
  window.addEventListener('error', function (e) {{ problems.push('script error: ' + e.message); }});
  window.addEventListener('load', function () {{
    try {{
      [{sections}].forEach(function (id) {{
        if (!document.getElementById(id)) problems.push('missing section #' + id);
      }});
      var width = document.documentElement.clientWidth;
      if (document.documentElement.scrollWidth > width + 1)
        problems.push('the page is ' + document.documentElement.scrollWidth + ' px wide in a ' + width + ' px window');
      var overlap = function (a, b) {{
        return Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 &&
               Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
      }};
      document.querySelectorAll('figure svg').forEach(function (svg, i) {{
        var box = svg.getBoundingClientRect();
        var frame = svg.parentElement.getBoundingClientRect();
        var name = 'chart ' + (i + 1);
        if (box.width < 50) problems.push(name + ' is ' + box.width + ' px wide');
        if (box.right > frame.right + 1 || box.right > width + 1)
          problems.push(name + ' overflows its box (' + Math.round(box.right) + ' px)');
        var labels = [];
        svg.querySelectorAll('text').forEach(function (t) {{
          if (t.textContent.trim()) labels.push([t.textContent.trim(), t.getBoundingClientRect()]);
        }});
        labels.forEach(function (a, j) {{
          var r = a[1];
          if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)
            problems.push(name + ': label "' + a[0] + '" is cut off');
          labels.slice(j + 1).forEach(function (b) {{
            if (overlap(r, b[1])) problems.push(name + ': labels "' + a[0] + '" and "' + b[0] + '" overlap');
          }});
        }});
      }});
    }} catch (e) {{
      problems.push('the check itself failed: ' + e);
    }}
    document.body.setAttribute('data-browser-check', JSON.stringify(problems));
  }});
}})();
</script>"#
    )
}

/// Loads `html` in `browser` and returns the problems it found: empty when the page passes.
pub fn check(browser: &Path, html: &str, scratch: &Path) -> anyhow::Result<Vec<String>> {
    let page = scratch.join("browser-check.html");
    // First in the document (after the doctype), so its error listener sees every later script.
    let at = if html.to_ascii_lowercase().starts_with("<!doctype") {
        html.find('>').map_or(0, |end| end + 1)
    } else {
        0
    };
    let checked = format!("{}{}{}", &html[..at], checking_script(), &html[at..]);
    std::fs::write(&page, checked).with_context(|| format!("cannot write {}", page.display()))?;
    let page = page
        .canonicalize()
        .with_context(|| format!("cannot resolve {}", page.display()))?;
    let output = Command::new(browser)
        .args(headless_args(WINDOW.1))
        .arg("--dump-dom")
        .arg(file_url(&page))
        .output()
        .with_context(|| format!("cannot run {}", browser.display()))?;
    let dom = String::from_utf8_lossy(&output.stdout);
    let Some(start) = dom.find("data-browser-check=\"") else {
        bail!(
            "{} loaded the page but the check did not report (exit {}): {}",
            browser.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .last()
                .unwrap_or("")
        );
    };
    // The attribute holds a JSON list of problems, entity-escaped in the dumped HTML.
    let value = &dom[start + "data-browser-check=\"".len()..];
    let value = value.split('"').next().unwrap_or("");
    let json = value
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    serde_json::from_str(&json).with_context(|| format!("the check reported {json:?}"))
}

/// Saves a screenshot of the page at `html` (its top, at [`WINDOW`]'s width) to `png`.
pub fn screenshot(browser: &Path, html: &Path, png: &Path, height: u32) -> anyhow::Result<()> {
    let html = html
        .canonicalize()
        .with_context(|| format!("cannot resolve {}", html.display()))?;
    let status = Command::new(browser)
        .args(headless_args(height))
        .arg(format!("--screenshot={}", png.display()))
        .arg(file_url(&html))
        .output()
        .with_context(|| format!("cannot run {}", browser.display()))?
        .status;
    anyhow::ensure!(status.success(), "the screenshot failed ({status})");
    Ok(())
}

/// The `file://` URL of the absolute path `path`, with what a URL path cannot hold escaped.
fn file_url(path: &Path) -> String {
    const ESCAPED: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'#')
        .add(b'%')
        .add(b'?')
        .add(b'<')
        .add(b'>');
    let path = path.to_string_lossy();
    format!(
        "file://{}",
        percent_encoding::utf8_percent_encode(&path, ESCAPED)
    )
}

/// Headless, no sandbox (CI runs as root), the laptop window's width at `height`.
fn headless_args(height: u32) -> Vec<String> {
    vec![
        "--headless".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        "--hide-scrollbars".to_owned(),
        "--no-first-run".to_owned(),
        "--virtual-time-budget=5000".to_owned(),
        format!("--window-size={},{height}", WINDOW.0),
    ]
}
