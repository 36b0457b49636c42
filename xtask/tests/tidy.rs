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

/// Rule: every GoKer kernel is named `goker::<project>_<id>` after its GoBench labels, lives in
/// `checks/src/goker/<project>_<id>.rs`, whose header names the GoBench test it ports, and has
/// its row in docs/goker.md; and every file there is a kernel of the catalog.
#[test]
fn goker_kernels_are_named_and_filed_as_gobench_labels_them() {
    let goker = root().join("checks/src/goker");
    let table = read(&root().join("docs/goker.md"));
    let mut named = BTreeSet::new();
    for kernel in checks::catalog::kernels() {
        let stem = format!("{}_{}", kernel.goker.project, kernel.goker.id);
        assert_eq!(
            kernel.zoo.entry.name,
            format!("goker::{stem}"),
            "a kernel is named after its GoBench project and id"
        );
        let header = read(&goker.join(format!("{stem}.rs")));
        let ports = format!("Ports `{}`", kernel.goker.path());
        assert!(
            header.contains(&ports),
            "{stem}.rs does not say it ports {}",
            kernel.goker.path()
        );
        assert!(
            table.contains(&format!("| `{stem}` |")),
            "docs/goker.md has no row for {stem}"
        );
        named.insert(stem);
    }
    let files: BTreeSet<String> = files(&goker, &[".rs"])
        .iter()
        .filter_map(|path| path.file_stem()?.to_str().map(str::to_owned))
        .filter(|stem| stem != "mod")
        .collect();
    assert_eq!(
        files, named,
        "checks/src/goker/ holds one file per kernel of the catalog (left: files, right: kernels)"
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

/// The projects whose bugs GoBench's GoKer kernels come from, as a kernel's header names them: a
/// kernel names the upstream issue or pull request it ports ("moby PR #4395"), which is the
/// bug's public record, not a rule of ours.
const UPSTREAM: [&str; 10] = [
    "cockroach",
    "etcd",
    "grpc",
    "grpc-go",
    "hugo",
    "istio",
    "kubernetes",
    "moby",
    "serving",
    "syncthing",
];

/// Whether `text` points at an issue or a pull request of ours by its number (the word, then a
/// number or `#` and a number, not after an upstream project's name): a rule the code relies on
/// is written in the repository instead.
fn cites_an_issue(text: &str) -> bool {
    let lower = text.to_lowercase();
    ["issue", "pull request", "pr"].iter().any(|word| {
        lower.match_indices(word).any(|(at, _)| {
            let before = lower[..at].chars().next_back();
            let after = lower[at + word.len()..].trim_start_matches(' ');
            let project = lower[..at].split_whitespace().next_back().unwrap_or("");
            let project = project.trim_start_matches(|c: char| !c.is_alphanumeric());
            !before.is_some_and(char::is_alphanumeric)
                && after.starts_with(|c: char| c == '#' || c.is_ascii_digit())
                && !UPSTREAM.contains(&project)
        })
    })
}

/// Rule (invariant 14): nothing in the repository cites a document outside it (users cannot see
/// it), nor an issue or a pull request by number.
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
            let mut cited: Vec<&str> = OUTSIDE
                .iter()
                .copied()
                .filter(|needle| text.contains(needle))
                .collect();
            if cites_an_issue(&text) {
                cited.push("an issue or a pull request by number");
            }
            (!cited.is_empty()).then(|| format!("{} cites {cited:?}", relative(&path)))
        })
        .collect();
    assert!(
        offending.is_empty(),
        "point to ARCHITECTURE.md or docs/ instead: {offending:?}"
    );
    assert!(
        cites_an_issue(concat!("as issue", " #19 says")) && cites_an_issue(concat!("see P", "R 7"))
    );
    assert!(!cites_an_issue("an issue or a pull request") && !cites_an_issue("prints 2"));
    assert!(
        !cites_an_issue(concat!("(moby P", "R #4395)")) && cites_an_issue(concat!("our P", "R #4"))
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

/// The files `file` imports from, as the import reader sees them.
fn targets_of(krate: &imports::Crate, file: &str) -> Vec<String> {
    krate.imports[file].keys().cloned().collect()
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
    let targets = |file: &str| targets_of(&krate, file);
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
    // A child module named bare in its parent (`x::f`, `use y::Y`) is the parent's import too.
    write("a/y.rs", "pub struct Y;\nfn g() { super::shout(); }\n");
    write(
        "a/mod.rs",
        "//! a\npub mod x;\npub mod y;\npub use y::Y;\npub fn shout() {}\n",
    );
    let krate = imports::Crate::read(&dir);
    assert_eq!(targets_of(&krate, "a/mod.rs"), ["a/y.rs"]);
    assert!(krate.cycle().is_some(), "mod → y → mod is a cycle");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The text of ARCHITECTURE.md's invariant `number`, up to the next one.
fn invariant_text(number: usize) -> String {
    let architecture = read(&root().join("ARCHITECTURE.md"));
    let start = format!("\n{number}. **");
    let next = format!("\n{}. **", number + 1);
    let text = architecture
        .split(start.as_str())
        .nth(1)
        .unwrap_or_else(|| panic!("ARCHITECTURE.md has no invariant {number}"));
    text.split(next.as_str())
        .next()
        .unwrap_or(text)
        .split("\n## ")
        .next()
        .unwrap_or(text)
        .to_owned()
}

/// The code of `path`, comments and literals blanked, test modules cut off.
fn code_of(path: &Path) -> String {
    let blanked = imports::blank_literals_and_comments(&read(path));
    imports::without_tests(&blanked).to_owned()
}

/// Rule (invariant 1 and 8): the code that runs inside a model names no std or `parking_lot` lock,
/// condition variable, channel, atomic type, thread, sleep or clock, outside the backends and the
/// exceptions invariant 1 lists.
#[test]
fn model_code_goes_through_the_backend() {
    const FORBIDDEN: [&str; 12] = [
        "std::sync::Mutex",
        "std::sync::RwLock",
        "std::sync::Condvar",
        "std::sync::Barrier",
        "std::sync::mpsc",
        "std::sync::Once",
        "std::sync::LazyLock",
        "std::sync::atomic::Atomic",
        "std::thread::",
        "std::time::Instant",
        "std::time::SystemTime",
        "parking_lot",
    ];
    // What std::thread offers that neither blocks nor runs anything.
    const HARMLESS: [&str; 2] = ["std::thread::Result", "std::thread::panicking"];
    let exceptions: Vec<String> = invariant_text(1)
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|quoted| quoted.ends_with(".rs") && quoted.contains("/src/"))
        .map(str::to_owned)
        .collect();
    assert!(
        exceptions.len() >= 4,
        "invariant 1's exceptions not found: {exceptions:?}"
    );
    let mut offending = Vec::new();
    let mut checked = 0;
    for dir in [
        "patterns/src",
        "checks/src/scenario",
        "checks/src/zoo",
        "checks/src/goker",
        "checks/src/support",
    ] {
        for path in files(&root().join(dir), &[".rs"]) {
            let name = relative(&path);
            if name.starts_with("patterns/src/backend/") || exceptions.contains(&name) {
                continue;
            }
            checked += 1;
            for (segments, line) in imports::paths(&code_of(&path)) {
                let path = segments.join("::");
                let joined = format!("{path}::");
                if FORBIDDEN.iter().any(|f| joined.starts_with(f))
                    && !HARMLESS.iter().any(|h| path.starts_with(h))
                {
                    offending.push(format!("{name}:{line}: {path}"));
                }
            }
        }
    }
    assert!(checked > 40, "only {checked} files read");
    assert!(
        offending.is_empty(),
        "model code must go through `B: Backend` (ARCHITECTURE.md, invariant 1), or be listed there \
         as an exception with its reason:\n{}",
        offending.join("\n")
    );
}

/// Rule (invariant 2): shared ownership is std's `Arc`; no checker's `Arc` anywhere.
#[test]
fn shared_ownership_is_std_arc() {
    let mut offending = Vec::new();
    for path in files(&root(), &[".rs"]) {
        for (segments, line) in imports::paths(&imports::blank_literals_and_comments(&read(&path)))
        {
            // `x::sync::Arc` anywhere in the path: `loom::sync::Arc::new(…)` as well.
            let arc = segments
                .windows(2)
                .any(|pair| pair[0] == "sync" && pair[1] == "Arc");
            if arc && !matches!(segments[0].as_str(), "std" | "alloc") {
                offending.push(format!(
                    "{}:{line}: {}",
                    relative(&path),
                    segments.join("::")
                ));
            }
        }
    }
    assert!(
        offending.is_empty(),
        "shared ownership is std's Arc on every backend (ARCHITECTURE.md, invariant 2):\n{}",
        offending.join("\n")
    );
}

/// Which model checkers the code of one test, bench or example target names.
fn checkers_named(code: &str) -> (bool, bool) {
    let (mut loom, mut shuttle) = (false, false);
    for (segments, _) in imports::paths(code) {
        // A `CheckerKind` names a checker without running it.
        if segments.iter().any(|segment| segment == "CheckerKind") {
            continue;
        }
        let first = segments[0].as_str();
        let last = segments[segments.len() - 1].as_str();
        let checker = segments
            .windows(2)
            .find(|pair| pair[0] == "Checker")
            .map(|pair| pair[1].as_str());
        loom |= first == "loom"
            || last == "Loom"
            || checker.is_some_and(|c| c.starts_with("loom") || c == "Loom");
        shuttle |= first == "shuttle"
            || first == "shuttle_engine"
            || last == "Shuttle"
            || matches!(
                checker,
                Some(
                    "random"
                        | "pct"
                        | "urw"
                        | "pos"
                        | "dfs"
                        | "ShuttleRandom"
                        | "ShuttlePct"
                        | "ShuttleUrw"
                        | "ShuttlePos"
                        | "ShuttleDfs"
                )
            );
    }
    (loom, shuttle)
}

/// Rule (invariant 10): no test, bench or example target names a loom checker and a shuttle one;
/// each crate's own unit tests count as one target.
#[test]
fn loom_and_shuttle_never_share_a_test_binary() {
    let mut targets: Vec<(String, String)> = Vec::new();
    for dir in [
        "checks/tests",
        "patterns/tests",
        "xtask/tests",
        "benches/benches",
        "examples/user-crate/tests",
    ] {
        for path in std::fs::read_dir(root().join(dir))
            .unwrap_or_else(|e| panic!("{dir}: {e}"))
            .map(|entry| entry.expect("a directory entry").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        {
            let code = imports::blank_literals_and_comments(&read(&path));
            targets.push((relative(&path), code));
        }
    }
    for krate in ["checks/src", "patterns/src", "benches/src", "xtask/src"] {
        let unit_tests: String = files(&root().join(krate), &[".rs"])
            .iter()
            .map(|path| {
                let code = imports::blank_literals_and_comments(&read(path));
                let tests = code.split_once("#[cfg(test)]").map(|(_, tests)| tests);
                tests.unwrap_or("").to_owned()
            })
            .collect();
        targets.push((format!("{krate} (unit tests)"), unit_tests));
    }
    let both: Vec<&String> = targets
        .iter()
        .filter(|(_, code)| checkers_named(code) == (true, true))
        .map(|(name, _)| name)
        .collect();
    let (loom, shuttle) =
        checkers_named("fn f() { check(&s, &Checker::loom()); Checker::pct(1, 2, 3); }");
    assert!(loom && shuttle, "the checker reader misses a checker");
    assert!(
        both.is_empty(),
        "these targets run loom and shuttle in one process (ARCHITECTURE.md, invariant 10): \
         {both:?}"
    );
}

/// Rule (invariant 13): every crate's root forbids `unsafe` (`patterns` denies it), every member
/// takes the workspace's lints, and the one module invariant 13 names is the only file with
/// `unsafe`, each use after a `// SAFETY:` comment, its slot touched only after the backend heard.
#[test]
fn unsafe_lives_only_in_the_ring() {
    let ring = invariant_text(13)
        .split('`')
        .skip(1)
        .step_by(2)
        .find(|quoted| quoted.ends_with(".rs") && quoted.contains("/src/"))
        .expect("invariant 13 names the module allowed unsafe")
        .to_owned();
    let mut missing = Vec::new();
    for krate in [
        "patterns",
        "checks",
        "benches",
        "xtask",
        "examples/user-crate",
    ] {
        let dir = root().join(krate);
        let roots: Vec<PathBuf> = ["src/lib.rs", "src/main.rs"]
            .iter()
            .map(|file| dir.join(file))
            .filter(|path| path.exists())
            .collect();
        assert!(
            !roots.is_empty(),
            "{krate} has no src/lib.rs or src/main.rs"
        );
        let attribute = if krate == "patterns" {
            "#![deny(unsafe_code)]"
        } else {
            "#![forbid(unsafe_code)]"
        };
        for path in roots {
            if !read(&path).contains(attribute) {
                missing.push(format!("{} lacks {attribute}", relative(&path)));
            }
        }
        let manifest = read(&dir.join("Cargo.toml"));
        let workspace_lints = manifest.contains("[lints]\nworkspace = true");
        if krate != "examples/user-crate" && !workspace_lints {
            missing.push(format!("{krate}/Cargo.toml lacks [lints] workspace = true"));
        }
    }
    let workspace = read(&root().join("Cargo.toml"));
    if !workspace.contains("unsafe_code = \"deny\"") {
        missing.push("Cargo.toml's workspace lints do not deny unsafe_code".to_owned());
    }
    let mut files_with_unsafe = Vec::new();
    for path in files(&root(), &[".rs"]) {
        let name = relative(&path);
        let code = imports::blank_literals_and_comments(&read(&path));
        if !code.lines().any(uses_unsafe) {
            continue;
        }
        files_with_unsafe.push(name.clone());
        if name != ring {
            missing.push(format!("{name} uses unsafe (only {ring} may)"));
            continue;
        }
        // Each `unsafe` of the code (an `allow(unsafe_code)` attribute aside) has a `// SAFETY:`
        // comment in the lines just above it.
        let text = read(&path);
        let lines: Vec<&str> = text.lines().collect();
        let code_lines: Vec<&str> = code.lines().collect();
        for (index, line) in code_lines.iter().enumerate() {
            if !uses_unsafe(line) || line.contains("allow(unsafe_code)") {
                continue;
            }
            // The comment block right above the line, its last `// SAFETY:` line at most two
            // lines up (a multi-line SAFETY comment starts farther up and reads as missing).
            let documented = lines[index.saturating_sub(2)..index]
                .iter()
                .any(|above| above.trim_start().starts_with("// SAFETY:"));
            if !documented {
                missing.push(format!(
                    "{name}:{}: unsafe without a // SAFETY: comment above it",
                    index + 1
                ));
            }
        }
        for accessor in ["fn put(", "fn take("] {
            let body = text
                .split(accessor)
                .nth(1)
                .unwrap_or_else(|| panic!("{name} has no {accessor}"));
            let before_unsafe = body.split("unsafe").next().unwrap_or(body);
            if !before_unsafe.contains("B::access(") {
                missing.push(format!(
                    "{name}: {accessor}…) touches the slot before telling the backend"
                ));
            }
        }
    }
    assert!(
        files_with_unsafe.contains(&ring),
        "{ring} has no unsafe: invariant 13's exception is stale"
    );
    assert!(missing.is_empty(), "{missing:?}");
}

/// Whether a line of code (comments and literals blanked) has the `unsafe` keyword or allows it.
fn uses_unsafe(line: &str) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    line.contains("allow(unsafe_code)")
        || line.match_indices("unsafe").any(|(at, _)| {
            let before = line[..at].chars().next_back();
            let after = line[at + "unsafe".len()..].chars().next();
            !before.is_some_and(is_word) && !after.is_some_and(is_word)
        })
}

/// Rule (invariant 12): every scenario and zoo entry the code defines is in the catalog.
#[test]
fn every_scenario_is_in_the_catalog() {
    let listed: BTreeSet<String> = checks::catalog::scenarios()
        .iter()
        .map(|entry| entry.name.to_owned())
        .chain(catalog_zoo().into_iter().map(|name| format!("zoo::{name}")))
        .collect();
    // A scenario's name is a string `"<pattern>::<property>"` in its pattern's file (written in
    // its `NAME`, or handed to a macro that writes it), `"zoo::<entry>"` in a zoo file.
    let mut defined = BTreeSet::new();
    for dir in ["checks/src/scenario", "checks/src/zoo"] {
        for path in files(&root().join(dir), &[".rs"]) {
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            let prefix = if dir.ends_with("zoo") {
                "\"zoo::".to_owned()
            } else {
                format!("\"{stem}::")
            };
            for piece in read(&path).split(prefix.as_str()).skip(1) {
                let property: String = piece
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                    .collect();
                if !property.is_empty() && piece[property.len()..].starts_with('"') {
                    defined.insert(format!("{}{property}", &prefix[1..]));
                }
            }
        }
    }
    assert!(defined.len() > 40, "only {} scenarios found", defined.len());
    let unlisted: Vec<&String> = defined.difference(&listed).collect();
    assert!(
        unlisted.is_empty(),
        "defined but not in checks/src/catalog.rs, so run nowhere: {unlisted:?}"
    );
}
