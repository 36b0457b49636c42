//! `cargo xtask mutants-score`: one mutation score per file from cargo-mutants' output directories
//! (one per shard), with each missed mutant either explained in `docs/mutants.md` or named.

use anyhow::Context as _;
use clap::Parser;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The share of the viable, non-equivalent mutants of each file the checks must catch.
const TARGET: f64 = 0.90;

/// Arguments of `mutants-score`.
#[derive(Parser)]
pub struct Args {
    /// cargo-mutants output directories (`mutants.out`, or a directory holding one), one per shard.
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
    /// The page listing equivalent mutants (a table whose rows start `| file | mutant |`).
    #[arg(long, default_value = "docs/mutants.md")]
    equivalents: PathBuf,
}

/// What became of a mutant, from the list cargo-mutants wrote it in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Caught,
    Timeout,
    Missed,
    Unviable,
}

impl Outcome {
    const ALL: [(Outcome, &'static str); 4] = [
        (Outcome::Caught, "caught.txt"),
        (Outcome::Timeout, "timeout.txt"),
        (Outcome::Missed, "missed.txt"),
        (Outcome::Unviable, "unviable.txt"),
    ];
}

/// One mutant: its file, where, and what cargo-mutants says it changes (`replace … with …`).
/// The column tells apart two mutants of one line that read the same (`replace > with ==` of each
/// of two comparisons).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Mutant {
    file: String,
    line: u32,
    column: u32,
    change: String,
}

impl Mutant {
    /// Parses a line of cargo-mutants' lists: `path:line:column: change`.
    fn parse(line: &str) -> Option<Self> {
        let mut parts = line.splitn(4, ':');
        let file = parts.next()?.trim().to_owned();
        let number = parts.next()?.trim().parse().ok()?;
        let column = parts.next()?.trim().parse().ok()?;
        let change = parts.next()?.trim().to_owned();
        (!file.is_empty() && !change.is_empty()).then_some(Self {
            file,
            line: number,
            column,
            change,
        })
    }
}

/// Per file: how many mutants ended each way, and the missed ones.
#[derive(Default)]
struct FileScore {
    counts: BTreeMap<Outcome, usize>,
    missed: Vec<Mutant>,
    equivalent: usize,
}

impl FileScore {
    fn count(&self, outcome: Outcome) -> usize {
        self.counts.get(&outcome).copied().unwrap_or(0)
    }
    /// Caught (a timeout counts: the mutant stopped the checks from passing) over the viable
    /// mutants that are not equivalent.
    fn score(&self) -> Option<f64> {
        let detected = self.count(Outcome::Caught) + self.count(Outcome::Timeout);
        let scored = detected + self.count(Outcome::Missed) - self.equivalent;
        (scored > 0).then(|| detected as f64 / scored as f64)
    }
}

/// The mutants of every shard, each once, with their outcome.
fn read_outcomes(dirs: &[PathBuf]) -> anyhow::Result<BTreeMap<Mutant, Outcome>> {
    let mut all = BTreeMap::new();
    for dir in dirs {
        let out = if dir.join("mutants.out").is_dir() {
            dir.join("mutants.out")
        } else {
            dir.clone()
        };
        if !out.join("outcomes.json").is_file() {
            anyhow::bail!(
                "{} is not a cargo-mutants output directory (no outcomes.json)",
                out.display()
            );
        }
        for (outcome, list) in Outcome::ALL {
            let path = out.join(list);
            let text = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
                Err(error) => {
                    return Err(error).with_context(|| format!("cannot read {}", path.display()))
                }
            };
            for line in text.lines().filter(|line| !line.trim().is_empty()) {
                let mutant = Mutant::parse(line)
                    .with_context(|| format!("{}: not a mutant: {line:?}", path.display()))?;
                all.insert(mutant, outcome);
            }
        }
    }
    Ok(all)
}

/// The (file, change) pairs `page` explains as equivalent: rows `| file | change | reason |`,
/// with file and change in backticks (a `|` of the change escaped as `\|`, as tables need).
fn equivalents(page: &str) -> BTreeSet<(String, String)> {
    page.lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split(" | ").collect();
            let file = cells.first()?.trim_start_matches('|').trim();
            let change = cells.get(1)?.trim();
            let unquote = |cell: &str| {
                cell.strip_prefix('`')
                    .and_then(|c| c.strip_suffix('`'))
                    .map(|c| c.replace("\\|", "|"))
            };
            Some((unquote(file)?, unquote(change)?))
        })
        .collect()
}

/// Scores every file: the table, then each missed mutant nobody explained.
fn score(
    outcomes: &BTreeMap<Mutant, Outcome>,
    explained: &BTreeSet<(String, String)>,
) -> (String, bool) {
    let mut files: BTreeMap<&str, FileScore> = BTreeMap::new();
    for (mutant, outcome) in outcomes {
        let file = files.entry(&mutant.file).or_default();
        *file.counts.entry(*outcome).or_default() += 1;
        if *outcome == Outcome::Missed {
            if explained.contains(&(mutant.file.clone(), mutant.change.clone())) {
                file.equivalent += 1;
            } else {
                file.missed.push(mutant.clone());
            }
        }
    }
    let mut text = String::from(
        "| file | mutants | caught | timeout | missed | of which equivalent | unviable | score |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut met = true;
    for (name, file) in &files {
        let score = file.score();
        met &= score.is_none_or(|s| s >= TARGET) && file.missed.is_empty();
        text.push_str(&format!(
            "| `{name}` | {} | {} | {} | {} | {} | {} | {} |\n",
            file.counts.values().sum::<usize>(),
            file.count(Outcome::Caught),
            file.count(Outcome::Timeout),
            file.count(Outcome::Missed),
            file.equivalent,
            file.count(Outcome::Unviable),
            score.map_or("–".to_owned(), |s| format!("{:.1} %", 100.0 * s)),
        ));
    }
    let unexplained: Vec<&Mutant> = files.values().flat_map(|f| &f.missed).collect();
    if unexplained.is_empty() {
        text.push_str("\nEvery missed mutant is explained in docs/mutants.md.\n");
    } else {
        text.push_str(&format!(
            "\n{} missed mutants neither caught nor explained in docs/mutants.md:\n\n",
            unexplained.len()
        ));
        for mutant in unexplained {
            text.push_str(&format!(
                "* `{}:{}`: {}\n",
                mutant.file, mutant.line, mutant.change
            ));
        }
    }
    text.push_str(&format!(
        "\nTarget: {:.0} % of each file's viable, non-equivalent mutants caught, every survivor \
         explained: {}.\n",
        100.0 * TARGET,
        if met { "met" } else { "not met" }
    ));
    (text, met)
}

/// Prints the scores; exit 1 when a file misses the target or a survivor is unexplained.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let outcomes = read_outcomes(&args.dirs)?;
    let page = read_page(&args.equivalents)?;
    let (text, met) = score(&outcomes, &equivalents(&page));
    print!("{text}");
    Ok(if met {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn read_page(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_mutants_of_one_line_that_read_the_same_count_twice() {
        let first = Mutant::parse("src/t.rs:232:28: replace > with == in stop").expect("a mutant");
        let second = Mutant::parse("src/t.rs:232:52: replace > with == in stop").expect("a mutant");
        assert_ne!(first, second);
    }

    #[test]
    fn an_escaped_bar_in_a_change_is_read_as_a_bar() {
        let page = "| `src/a.rs` | `replace && with \\|\\| in f` | only wakes more |\n";
        let read = equivalents(page);
        assert!(
            read.contains(&("src/a.rs".to_owned(), "replace && with || in f".to_owned())),
            "{read:?}"
        );
    }

    fn shard(dir: &Path, lists: &[(&str, &str)]) {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("outcomes.json"), "{}").unwrap();
        for (list, text) in lists {
            std::fs::write(dir.join(list), text).unwrap();
        }
    }

    #[test]
    fn shards_merge_into_one_score_per_file_and_survivors_are_named() {
        let root = std::env::temp_dir().join(format!("xtask-mutants-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let a = root.join("a/mutants.out");
        let b = root.join("b/mutants.out");
        shard(
            &a,
            &[
                (
                    "caught.txt",
                    "src/w.rs:10:5: replace add with ()\nsrc/w.rs:12:9: replace + with -\n",
                ),
                (
                    "missed.txt",
                    "src/w.rs:20:5: replace done -> bool with true\n",
                ),
            ],
        );
        shard(
            &b,
            &[
                ("caught.txt", "src/w.rs:30:5: replace wait with ()\n"),
                ("timeout.txt", "src/w.rs:31:5: replace < with <=\n"),
                ("missed.txt", "src/w.rs:40:5: replace len -> usize with 1\n"),
                (
                    "unviable.txt",
                    "src/w.rs:50:5: replace new -> Self with Default::default()\n",
                ),
            ],
        );
        let outcomes =
            read_outcomes(&[root.join("a"), root.join("b/mutants.out")]).expect("both shards read");
        assert_eq!(outcomes.len(), 7);

        let (text, met) = score(&outcomes, &BTreeSet::new());
        assert!(
            text.contains("| `src/w.rs` | 7 | 3 | 1 | 2 | 0 | 1 | 66.7 % |"),
            "{text}"
        );
        assert!(
            text.contains("`src/w.rs:40`: replace len -> usize with 1"),
            "{text}"
        );
        assert!(!met);

        let page = "| file | mutant | why |\n|---|---|---|\n\
                    | `src/w.rs` | `replace done -> bool with true` | done is never false here |\n\
                    | `src/w.rs` | `replace len -> usize with 1` | len only sizes a hint |\n";
        let (text, met) = score(&outcomes, &equivalents(page));
        assert!(text.contains("| 2 | 2 | 1 | 100.0 % |"), "{text}");
        assert!(text.contains("Every missed mutant is explained"), "{text}");
        assert!(met);
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn a_directory_that_is_not_a_mutation_run_is_refused() {
        let error = read_outcomes(&[PathBuf::from("/nonexistent-mutants")]).unwrap_err();
        assert!(error
            .to_string()
            .contains("not a cargo-mutants output directory"));
    }
}
