//! Which file of a crate each file imports from: the `crate::…`, `super::…` and `self::…` paths
//! of its `use` items and of its code, resolved to the file that defines the module they name.
//!
//! A light reader, not a parser: comments, string and character literals are blanked first, so
//! the braces and paths left are the code's. A `$crate::…` path in a macro is the expanding
//! file's import, not the defining file's, and is left out; a `#[macro_export]` macro named as
//! `crate::name` resolves to the file that defines it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One crate's files and the imports between them.
pub struct Crate {
    /// Each file's module path (`crate`, `crate::harness`, `crate::harness::verdict`), by path
    /// relative to the crate's `src/`.
    pub modules: BTreeMap<String, String>,
    /// For each file (relative path), the files it imports from, with the first line of each.
    pub imports: BTreeMap<String, BTreeMap<String, usize>>,
}

impl Crate {
    /// Reads every `.rs` file under `src`.
    pub fn read(src: &Path) -> Self {
        let mut files = Vec::new();
        collect(src, &mut files);
        let mut modules = BTreeMap::new();
        let mut sources = BTreeMap::new();
        for path in files {
            let relative = path
                .strip_prefix(src)
                .expect("under src")
                .to_string_lossy()
                .replace('\\', "/");
            modules.insert(relative.clone(), module_of(&relative));
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            sources.insert(relative, blank_literals_and_comments(&text));
        }
        // `#[macro_export]` macros live at the crate's root, whichever file defines them.
        let mut macros = BTreeMap::new();
        for (file, code) in &sources {
            for (index, _) in code.match_indices("#[macro_export]") {
                let after = &code[index..];
                if let Some(name) = after
                    .split("macro_rules!")
                    .nth(1)
                    .and_then(|rest| rest.split(|c: char| !is_ident(c)).find(|w| !w.is_empty()))
                {
                    macros.insert(format!("crate::{name}"), file.clone());
                }
            }
        }
        let by_module: BTreeMap<&str, &str> = modules
            .iter()
            .map(|(file, module)| (module.as_str(), file.as_str()))
            .collect();
        let mut imports = BTreeMap::new();
        for (file, code) in &sources {
            let mut targets: BTreeMap<String, usize> = BTreeMap::new();
            for (path, line) in paths_in(code, &modules[file]) {
                let target = macros
                    .get(&path)
                    .cloned()
                    .or_else(|| longest_module(&path, &by_module).map(str::to_owned));
                if let Some(target) = target.filter(|t| t != file) {
                    targets.entry(target).or_insert(line);
                }
            }
            imports.insert(file.clone(), targets);
        }
        Self { modules, imports }
    }

    /// One import cycle among the files, if there is one: each file and the line of its import
    /// of the next.
    pub fn cycle(&self) -> Option<Vec<(String, usize)>> {
        // Depth-first search with colours: a grey file reached again closes a cycle.
        fn visit<'a>(
            file: &'a str,
            imports: &'a BTreeMap<String, BTreeMap<String, usize>>,
            state: &mut BTreeMap<&'a str, bool>,
            stack: &mut Vec<(&'a str, usize)>,
        ) -> Option<Vec<(String, usize)>> {
            state.insert(file, false);
            for (target, line) in imports.get(file).into_iter().flatten() {
                stack.push((file, *line));
                match state.get(target.as_str()) {
                    Some(false) => {
                        let start = stack.iter().position(|(f, _)| *f == target).unwrap_or(0);
                        return Some(
                            stack[start..]
                                .iter()
                                .map(|(f, l)| ((*f).to_owned(), *l))
                                .collect(),
                        );
                    }
                    Some(true) => {}
                    None => {
                        if let Some(cycle) = visit(target, imports, state, stack) {
                            return Some(cycle);
                        }
                    }
                }
                stack.pop();
            }
            state.insert(file, true);
            None
        }
        let mut state = BTreeMap::new();
        for file in self.imports.keys() {
            if !state.contains_key(file.as_str()) {
                if let Some(cycle) = visit(file, &self.imports, &mut state, &mut Vec::new()) {
                    return Some(cycle);
                }
            }
        }
        None
    }
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
}

/// `harness/base/verdict.rs` → `crate::harness::base::verdict`; `harness/mod.rs` → `crate::harness`.
fn module_of(relative: &str) -> String {
    let stem = relative.trim_end_matches(".rs");
    let parts: Vec<&str> = stem
        .split('/')
        .filter(|part| !matches!(*part, "mod" | "lib" | "main"))
        .collect();
    std::iter::once("crate")
        .chain(parts)
        .collect::<Vec<_>>()
        .join("::")
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The file of the longest module that `path` starts with.
fn longest_module<'a>(path: &str, by_module: &BTreeMap<&str, &'a str>) -> Option<&'a str> {
    let mut prefix = path;
    loop {
        if let Some(file) = by_module.get(prefix) {
            return Some(file);
        }
        prefix = &prefix[..prefix.rfind("::")?];
    }
}

/// `text` with every comment, string literal and character literal replaced by spaces (line
/// breaks kept, so line numbers stay right).
pub fn blank_literals_and_comments(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && !chars[..i].last().copied().is_some_and(is_ident)
        {
            // A raw string: r"…" or r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let closing: String = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let body_start = j + 1;
            let rest: String = chars[body_start..].iter().collect();
            let end = rest
                .find(&closing)
                .map(|at| body_start + rest[..at].chars().count() + closing.chars().count())
                .unwrap_or(chars.len());
            for &skipped in &chars[i..end] {
                out.push(blank(skipped));
            }
            i = end;
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < chars.len() {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{..}'), not a lifetime ('a).
            let close = if next == Some('\\') {
                (i + 3..chars.len().min(i + 12)).find(|&j| chars[j] == '\'')
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match close {
                Some(end) => {
                    for _ in i..=end {
                        out.push(' ');
                    }
                    i = end + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Every `crate::`, `super::` and `self::` path in `code` (blanked) of the file whose module is
/// `module`, made absolute, with its line: `use` trees expanded, inline modules (`mod tests {`)
/// taken into account for `super` and `self`.
fn paths_in(code: &str, module: &str) -> Vec<(String, usize)> {
    let tokens = tokenize(code);
    // The child modules this file declares (`mod x;`): a path may name them bare (`x::Y`),
    // which Rust reads as `self::x::Y`.
    let children: Vec<&str> = tokens
        .windows(3)
        .filter(|w| w[0].0 == "mod" && w[2].0 == ";")
        .map(|w| w[1].0.as_str())
        .collect();
    let child_path = |path: Vec<String>| -> Vec<String> {
        if path
            .first()
            .is_some_and(|first| children.contains(&first.as_str()))
        {
            std::iter::once("self".to_owned()).chain(path).collect()
        } else {
            path
        }
    };
    let mut found = Vec::new();
    // The module of each open brace: `Some(name)` where the brace opens `mod name {`.
    let mut braces: Vec<Option<String>> = Vec::new();
    let scope = |braces: &[Option<String>]| -> Vec<String> {
        module
            .split("::")
            .map(str::to_owned)
            .chain(braces.iter().flatten().cloned())
            .collect()
    };
    let mut i = 0;
    while i < tokens.len() {
        let (token, line) = (&tokens[i].0, tokens[i].1);
        match token.as_str() {
            "{" => {
                let opens_mod = i >= 2 && tokens[i - 2].0 == "mod";
                braces.push(opens_mod.then(|| tokens[i - 1].0.clone()));
                i += 1;
            }
            "}" => {
                braces.pop();
                i += 1;
            }
            "use" => {
                let end = (i..tokens.len())
                    .find(|&j| tokens[j].0 == ";")
                    .unwrap_or(tokens.len());
                let tree: Vec<&str> = tokens[i + 1..end].iter().map(|t| t.0.as_str()).collect();
                for path in expand_use(&tree) {
                    if let Some(absolute) = absolute(&child_path(path), &scope(&braces)) {
                        found.push((absolute, line));
                    }
                }
                i = end + 1;
            }
            word if (matches!(word, "crate" | "super" | "self")
                || (children.contains(&word)
                    && tokens.get(i + 1).is_some_and(|next| next.0 == "::")))
                && (i == 0 || !matches!(tokens[i - 1].0.as_str(), "$" | "::")) =>
            {
                let mut path = vec![token.clone()];
                let mut j = i + 1;
                while j + 1 < tokens.len() && tokens[j].0 == "::" && is_word(&tokens[j + 1].0) {
                    path.push(tokens[j + 1].0.clone());
                    j += 2;
                }
                if path.len() > 1 {
                    if let Some(absolute) = absolute(&child_path(path), &scope(&braces)) {
                        found.push((absolute, line));
                    }
                }
                i = j;
            }
            _ => i += 1,
        }
    }
    found
}

fn is_word(token: &str) -> bool {
    token.chars().all(is_ident) && !token.is_empty()
}

/// The code's tokens that matter here (words, `::`, braces, `;`, `,`, `*`, `$`), with lines.
fn tokenize(code: &str) -> Vec<(String, usize)> {
    let mut tokens = Vec::new();
    for (number, line) in code.lines().enumerate() {
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if is_ident(c) {
                let start = i;
                while i < chars.len() && is_ident(chars[i]) {
                    i += 1;
                }
                tokens.push((chars[start..i].iter().collect(), number + 1));
            } else if c == ':' && chars.get(i + 1) == Some(&':') {
                tokens.push(("::".to_owned(), number + 1));
                i += 2;
            } else {
                if "{};,*$".contains(c) {
                    tokens.push((c.to_string(), number + 1));
                }
                i += 1;
            }
        }
    }
    tokens
}

/// `a::{b, c::{d, e}}` (tokens) → `a::b`, `a::c::d`, `a::c::e`; an `as` rename dropped, a glob
/// `a::*` kept as `a`.
fn expand_use(tree: &[&str]) -> Vec<Vec<String>> {
    fn walk(tree: &[&str], prefix: &[String], out: &mut Vec<Vec<String>>) {
        let mut path = prefix.to_vec();
        for (i, token) in tree.iter().enumerate() {
            match *token {
                "{" => {
                    // Each part of the group between its top-level commas.
                    let mut depth = 0;
                    let mut start = i + 1;
                    for (j, inner) in tree.iter().enumerate().skip(i) {
                        match *inner {
                            "{" => depth += 1,
                            "}" => {
                                depth -= 1;
                                if depth == 0 {
                                    walk(&tree[start..j], &path, out);
                                    return;
                                }
                            }
                            "," if depth == 1 => {
                                walk(&tree[start..j], &path, out);
                                start = j + 1;
                            }
                            _ => {}
                        }
                    }
                    return;
                }
                "*" | "as" => break,
                "::" => {}
                word => path.push(word.to_owned()),
            }
        }
        if path.len() > prefix.len() {
            out.push(path);
        }
    }
    let mut out = Vec::new();
    walk(tree, &[], &mut out);
    out
}

/// `path` as seen from the module `scope`, made absolute (`crate::…`); `None` for a path into
/// another crate.
fn absolute(path: &[String], scope: &[String]) -> Option<String> {
    let mut resolved: Vec<String> = match path.first()?.as_str() {
        "crate" => vec!["crate".to_owned()],
        "self" => scope.to_vec(),
        "super" => scope.to_vec(),
        _ => return None,
    };
    let mut rest = &path[1..];
    if path[0] == "super" {
        resolved.pop();
        while rest.first().is_some_and(|p| p == "super") {
            resolved.pop();
            rest = &rest[1..];
        }
    }
    resolved.extend(rest.iter().filter(|p| *p != "self").cloned());
    Some(resolved.join("::"))
}

/// The layer of `file`: the one whose path is the file itself or, failing that, the longest
/// directory holding it.
pub fn layer_of<'a>(file: &str, layers: &'a [(usize, String)]) -> Option<&'a (usize, String)> {
    layers
        .iter()
        .filter(|(_, path)| {
            file == path.as_str() || (path.ends_with('/') && file.starts_with(path.as_str()))
        })
        .max_by_key(|(_, path)| path.len())
}

/// Every import of `krate` from a file of a higher layer, as a line of text.
pub fn climbing(krate: &Crate, layers: &[(usize, String)]) -> Vec<String> {
    let mut climbing = BTreeSet::new();
    for (file, targets) in &krate.imports {
        let Some((from, _)) = layer_of(file, layers) else {
            continue;
        };
        for (target, line) in targets {
            if let Some((to, _)) = layer_of(target, layers) {
                if to > from {
                    climbing.insert(format!(
                        "{file}:{line} (layer {from}) imports {target} (layer {to})"
                    ));
                }
            }
        }
    }
    climbing.into_iter().collect()
}

/// Every path of `code` (blanked: see [`blank_literals_and_comments`]) with its line: each `use`
/// tree expanded, and each path written in the code (`a::b::c`, two segments or more), `$m` kept
/// as a macro variable's first segment.
pub fn paths(code: &str) -> Vec<(Vec<String>, usize)> {
    let tokens = tokenize(code);
    let mut found = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let (token, line) = (tokens[i].0.as_str(), tokens[i].1);
        if token == "use" {
            let end = (i..tokens.len())
                .find(|&j| tokens[j].0 == ";")
                .unwrap_or(tokens.len());
            let tree: Vec<&str> = tokens[i + 1..end].iter().map(|t| t.0.as_str()).collect();
            found.extend(expand_use(&tree).into_iter().map(|path| (path, line)));
            i = end + 1;
        } else if is_word(token) {
            let mut path = vec![if i > 0 && tokens[i - 1].0 == "$" {
                format!("${token}")
            } else {
                token.to_owned()
            }];
            let mut j = i + 1;
            while j + 1 < tokens.len() && tokens[j].0 == "::" && is_word(&tokens[j + 1].0) {
                path.push(tokens[j + 1].0.clone());
                j += 2;
            }
            if path.len() > 1 {
                found.push((path, line));
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    found
}

/// `code` up to its first `#[cfg(test)]`: the part that is compiled outside tests (a file's test
/// module comes last).
pub fn without_tests(code: &str) -> &str {
    code.split("#[cfg(test)]").next().unwrap_or(code)
}
