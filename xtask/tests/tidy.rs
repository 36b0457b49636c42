//! Tidy: the rules of ARCHITECTURE.md that a machine can check, so the code, the README, `docs/`
//! and the architecture page cannot drift apart unnoticed.

#[path = "tidy/imports.rs"]
mod imports;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// Every file below `dir` whose name ends with one of `extensions`, skipping build output, git
/// and the test fixtures.
fn files(dir: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if path.is_dir() {
                if !matches!(name, "target" | ".git" | "fixtures") {
                    pending.push(path);
                }
            } else if extensions.iter().any(|ext| name.ends_with(ext)) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Rule: every Rust file opens with a `//!` line saying what it is.
#[test]
fn every_rust_file_opens_with_a_module_doc() {
    let missing: Vec<String> = files(&root(), &[".rs"])
        .into_iter()
        .filter(|path| !read(path).starts_with("//!"))
        .map(|path| relative(&path))
        .collect();
    assert!(
        missing.is_empty(),
        "these files do not open with a `//!` line saying what they are: {missing:?}"
    );
}

/// The zoo entries of the catalog, without their `zoo::` prefix.
fn catalog_zoo() -> BTreeSet<String> {
    checks::catalog::zoo()
        .iter()
        .map(|zoo| {
            zoo.entry
                .name
                .strip_prefix("zoo::")
                .unwrap_or_else(|| panic!("zoo entry {} is not named zoo::…", zoo.entry.name))
                .to_owned()
        })
        .collect()
}

/// Rule: every zoo file is named as its entry, and every entry has its file.
#[test]
fn zoo_files_are_named_as_their_entries() {
    let files: BTreeSet<String> = files(&root().join("checks/src/zoo"), &[".rs"])
        .iter()
        .filter_map(|path| path.file_stem()?.to_str().map(str::to_owned))
        .filter(|stem| stem != "mod")
        .collect();
    let entries = catalog_zoo();
    assert_eq!(
        files, entries,
        "checks/src/zoo/ holds one file per zoo entry, named as the entry (left: files, right: \
         catalog entries)"
    );
}

/// Rule: every scenario `pattern::property` lives in `checks/src/scenario/pattern.rs`.
#[test]
fn scenarios_live_in_the_module_of_their_pattern() {
    let misplaced: Vec<String> = checks::catalog::scenarios()
        .iter()
        .filter(|entry| {
            !root()
                .join("checks/src/scenario")
                .join(format!("{}.rs", entry.pattern()))
                .exists()
        })
        .map(|entry| entry.name.to_owned())
        .collect();
    assert!(
        misplaced.is_empty(),
        "no checks/src/scenario/<pattern>.rs for {misplaced:?}"
    );
}

/// Rule: the zoo table of `docs/zoo.md` lists exactly the catalog's entries, each with the
/// failure kind the entry is caught as and whether it fails on every schedule.
#[test]
fn docs_zoo_table_matches_the_catalog() {
    let zoo_doc = read(&root().join("docs/zoo.md"));
    let table = zoo_doc
        .split("| entry | caught as | on every schedule? |")
        .nth(1)
        .expect("docs/zoo.md has the zoo table (| entry | caught as | on every schedule? |)");
    let mut rows = std::collections::BTreeMap::new();
    for line in table.lines().skip(2) {
        if !line.starts_with('|') {
            break;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let name = cells[1]
            .split('`')
            .nth(1)
            .unwrap_or_else(|| panic!("no `entry` in docs/zoo.md row {line:?}"));
        rows.insert(name.to_owned(), (cells[2].to_owned(), cells[3].to_owned()));
    }
    let listed: BTreeSet<String> = rows.keys().cloned().collect();
    assert_eq!(
        listed,
        catalog_zoo(),
        "docs/zoo.md's table and the catalog disagree (left: docs/zoo.md, right: catalog)"
    );
    for zoo in checks::catalog::zoo() {
        let name = zoo.entry.name.trim_start_matches("zoo::");
        let (caught_as, every) = &rows[name];
        assert!(
            caught_as.starts_with(&zoo.caught_as.to_string()),
            "docs/zoo.md says {name} is caught as {caught_as:?}; the catalog says {}",
            zoo.caught_as
        );
        let expected = if zoo.deterministic { "yes" } else { "no" };
        assert_eq!(
            every, expected,
            "docs/zoo.md's 'on every schedule?' for {name} disagrees with Mistake::DETERMINISTIC"
        );
    }
}

/// Rule: nothing in the repository cites a document outside it; users cannot see it.
#[test]
fn no_reference_leaves_the_repository() {
    // Spelled in pieces, so this file does not cite them itself.
    const OUTSIDE: [&str; 4] = [
        concat!("../", "shared"),
        concat!("DESIGN", " section"),
        concat!("DESIGN", ".md"),
        concat!("STYLE", ".md"),
    ];
    let offending: Vec<String> = files(&root(), &[".rs", ".md", ".toml", ".go", "run"])
        .into_iter()
        .filter_map(|path| {
            let text = read(&path);
            let cited: Vec<&str> = OUTSIDE
                .iter()
                .copied()
                .filter(|needle| text.contains(needle))
                .collect();
            (!cited.is_empty()).then(|| format!("{} cites {cited:?}", relative(&path)))
        })
        .collect();
    assert!(
        offending.is_empty(),
        "point to ARCHITECTURE.md or docs/ instead: {offending:?}"
    );
}

/// Rule: every source path that ARCHITECTURE.md, the README and the pages of `docs/` name
/// exists, so the code map moves when the code does. A path under a `### \`crate/\`` heading may
/// be written relative to that crate (`src/chan/`).
#[test]
fn paths_named_in_the_docs_exist() {
    const CRATES: [&str; 5] = ["patterns/", "checks/", "benches/", "xtask/", "docs/"];
    let mut missing = Vec::new();
    let mut checked = 0;
    let mut docs = vec![root().join("ARCHITECTURE.md"), root().join("README.md")];
    docs.extend(files(&root().join("docs"), &[".md"]));
    for doc in &docs {
        let doc_name = relative(doc);
        let mut crate_dir = String::new();
        for line in read(doc).lines() {
            if let Some(heading) = line.strip_prefix("### `") {
                crate_dir = heading.split('`').next().unwrap_or("").to_owned();
            } else if line.starts_with("## ") {
                crate_dir.clear();
            }
            for quoted in line.split('`').skip(1).step_by(2) {
                let looks_like_path = (quoted.ends_with(".rs") || quoted.ends_with('/'))
                    && quoted.contains('/')
                    && !quoted.contains(['<', '*', ' ', ':']);
                let path = if CRATES.iter().any(|dir| quoted.starts_with(dir)) {
                    quoted.to_owned()
                } else if quoted.starts_with("src/") || quoted.starts_with("tests/") {
                    format!("{crate_dir}{quoted}")
                } else {
                    continue;
                };
                if looks_like_path {
                    checked += 1;
                    if !root().join(&path).exists() {
                        missing.push(format!("{doc_name}: {path}"));
                    }
                }
            }
        }
    }
    assert!(
        checked > 10,
        "only {checked} paths found: is the parsing broken?"
    );
    assert!(missing.is_empty(), "named but not there: {missing:?}");
}

/// The layers of `checks` as ARCHITECTURE.md's "Layers of `checks`" table lists them: (layer,
/// path relative to `checks/src/`), bottom first.
fn checks_layers() -> Vec<(usize, String)> {
    let architecture = read(&root().join("ARCHITECTURE.md"));
    let table = architecture
        .split("| layer | paths | what |")
        .nth(1)
        .expect("ARCHITECTURE.md has the layer table (| layer | paths | what |)");
    let mut layers = Vec::new();
    for line in table.lines().skip(2) {
        if !line.starts_with('|') {
            break;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let layer: usize = cells[1]
            .parse()
            .unwrap_or_else(|_| panic!("layer table row without a number: {line:?}"));
        for path in cells[2].split('`').skip(1).step_by(2) {
            let path = path
                .strip_prefix("checks/src/")
                .unwrap_or_else(|| panic!("layer path {path:?} is not under checks/src/"));
            layers.push((layer, path.to_owned()));
        }
    }
    assert!(layers.len() > 5, "only {} layer paths parsed", layers.len());
    layers
}

/// Rule: in `checks`, imports run downward. Every file belongs to a layer of ARCHITECTURE.md's
/// table; none imports from a higher layer; no files import each other in a circle.
#[test]
fn checks_imports_run_downward() {
    let layers = checks_layers();
    let krate = imports::Crate::read(&root().join("checks/src"));
    let homeless: Vec<&String> = krate
        .modules
        .keys()
        .filter(|file| imports::layer_of(file, &layers).is_none())
        .collect();
    assert!(
        homeless.is_empty(),
        "no row of ARCHITECTURE.md's layer table holds {homeless:?}: add it to the layer it \
         belongs to"
    );
    let climbing = imports::climbing(&krate, &layers);
    assert!(
        climbing.is_empty(),
        "imports that climb a layer (ARCHITECTURE.md, \"Layers of `checks`\"):\n{}",
        climbing.join("\n")
    );
    if let Some(cycle) = krate.cycle() {
        let steps: Vec<String> = cycle
            .iter()
            .map(|(file, line)| format!("{file}:{line}"))
            .collect();
        panic!(
            "files of checks/src import each other in a circle: {} → back to the first",
            steps.join(" → ")
        );
    }
}

/// The import reader sees `use` trees, inline paths, `super` in inline modules and exported
/// macros, and nothing in comments or strings.
#[test]
fn the_import_reader_reads_what_rust_resolves() {
    let dir = std::env::temp_dir().join(format!("tidy-imports-{}", std::process::id()));
    let write = |path: &str, text: &str| {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("a temp dir");
        std::fs::write(path, text).expect("a temp file");
    };
    write("lib.rs", "//! root\npub mod a;\npub mod b;\n");
    write(
        "a/mod.rs",
        "//! a\npub mod x;\npub mod y;\n#[macro_export]\nmacro_rules! shout { () => { $crate::b::loud() } }\n",
    );
    write(
        "a/x.rs",
        "use super::y::{Y, self};\nfn f() { let s = \"crate::b\"; } // crate::b\n",
    );
    write("a/y.rs", "pub struct Y;\nfn g() { crate::shout!(); }\n#[cfg(test)]\nmod tests {\n    use super::*;\n}\n");
    write("b.rs", "fn h() { super::a::x::f(); let c = '{'; }\n");
    let krate = imports::Crate::read(&dir);
    let targets = |file: &str| -> Vec<String> { krate.imports[file].keys().cloned().collect() };
    assert_eq!(targets("a/x.rs"), ["a/y.rs"]);
    assert_eq!(targets("a/y.rs"), ["a/mod.rs"], "the exported macro's file");
    assert_eq!(
        targets("a/mod.rs"),
        Vec::<String>::new(),
        "$crate is the caller's"
    );
    assert_eq!(targets("b.rs"), ["a/x.rs"]);
    assert!(krate.cycle().is_none());
    write("a/y.rs", "use super::x;\n");
    let krate = imports::Crate::read(&dir);
    assert!(krate.cycle().is_some(), "x → y → x is a cycle");
    let _ = std::fs::remove_dir_all(&dir);
}
