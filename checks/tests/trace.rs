//! Every zoo entry's and GoKer kernel's failure, shrunk and traced: the minimal trace shows the
//! steps that make the bug (the entry's `TRACE_SHOWS`, in order) in at most `MAX_ROWS` steps
//! (`MAX_KERNEL_ROWS` for a kernel), and the harness's shrinking is what keeps it that short. Its
//! own test binary (shuttle's panic hook is process-wide).
//!
//! Each entry runs under PCT on its large instance, so shrinking has an instance and a schedule
//! to shrink. An entry PCT cannot see is traced under loom, in `loom.rs` (loom and shuttle never
//! share a test binary).

use checks::harness::{
    check, set_shrinking, Checker, CheckerKind, Mark, MinimalFailure, Stats, Trace, TraceStep,
};
use checks::zoo::{lost_update::LostUpdate, Mistake, Variant};

#[path = "common/traces.rs"]
mod traces;

use traces::MAX_ROWS;

const SEED: u64 = 0x5eed;

/// The most rows a GoKer kernel's minimal trace may have: a real program's bug comes after its
/// own set-up (etcd_7443 deadlocks once its balancer has started three connections, in 39 steps;
/// grpc_3017 after rounds of removing and renewing a sub-connection, in 36).
const MAX_KERNEL_ROWS: usize = 40;

/// The broken variant of `M` under PCT on its large instance, shrinking as set on this thread.
fn broken_run<M: Mistake>() -> Stats {
    check(
        &M::large().with_variant(Variant::Broken),
        &Checker::pct(1000, 3, SEED),
    )
}

/// The trace of `M`'s broken variant traced as found, with shrinking off (`None`: untraced).
fn unshrunk_trace<M: Mistake>() -> Option<MinimalFailure> {
    set_shrinking(false);
    let unshrunk = broken_run::<M>();
    set_shrinking(true);
    unshrunk
        .failure()
        .and_then(|report| report.minimal.as_deref())
        .cloned()
}

fn trace_shows_the_bug<M: Mistake>(max_steps: usize) {
    if M::MISSED_BY.contains(&CheckerKind::ShuttlePct) {
        // Only loom sees it: its trace is checked in loom.rs. PCT honestly misses it.
        let stats = broken_run::<M>();
        assert!(
            stats.failure().is_none(),
            "PCT caught {}:\n{stats}",
            M::NAME
        );
        return;
    }
    let stats = broken_run::<M>();
    println!("{stats}");
    let minimal = traces::assert_trace_shows_the_bug::<M>(&stats, max_steps);

    // What shrinking bought, for the record (`--nocapture` shows it).
    let unshrunk_steps =
        unshrunk_trace::<M>().map_or("untraced".to_owned(), |m| m.trace.steps.len().to_string());
    println!(
        "trace steps of {}: {unshrunk_steps} unshrunk → {} shrunk",
        M::NAME,
        minimal.trace.steps.len()
    );
}

macro_rules! trace_tests {
    ($($test:ident => $mistake:ty,)*) => {
        $(
            #[test]
            fn $test() {
                trace_shows_the_bug::<$mistake>(MAX_ROWS);
            }
        )*
    };
}

checks::for_each_mistake!(trace_tests);

macro_rules! kernel_trace_tests {
    ($($test:ident => $kernel:ty,)*) => {
        mod goker {
            $(
                #[test]
                fn $test() {
                    super::trace_shows_the_bug::<$kernel>(super::MAX_KERNEL_ROWS);
                }
            )*
        }
    };
}

checks::for_each_kernel!(kernel_trace_tests);

/// Without shrinking, the same failure's trace is longer than `MAX_ROWS`: the bound above holds
/// because the harness shrinks, not because the failures are short anyway.
#[test]
fn shrinking_is_what_keeps_traces_short() {
    let minimal = unshrunk_trace::<LostUpdate>().expect("an unshrunk failure is traced too");
    println!("{}", minimal.trace.to_text());
    assert!(minimal.shrunk.is_empty(), "nothing was to be shrunk");
    assert!(
        minimal.trace.steps.len() > MAX_ROWS,
        "the unshrunk trace has only {} steps",
        minimal.trace.steps.len()
    );
}

/// A trace's JSON round-trips, and its Markdown and HTML tables have one row per step row.
#[test]
fn trace_renders_in_every_format() {
    let stats = broken_run::<LostUpdate>();
    let minimal = stats
        .failure()
        .and_then(|report| report.minimal.as_ref())
        .expect("traced");
    let trace = &minimal.trace;
    let json = serde_json::to_string(trace).expect("a trace serializes");
    let back: checks::harness::Trace = serde_json::from_str(&json).expect("and reads back");
    assert_eq!(&back, trace);
    let markdown_rows = trace
        .to_markdown()
        .lines()
        .filter(|l| l.starts_with("| "))
        .count();
    assert_eq!(
        markdown_rows,
        trace.row_count() + 1,
        "a header, then a row per step row"
    );
    assert_eq!(
        trace.to_html().matches("<tr>").count(),
        trace.row_count() + 1
    );
}

/// Names and texts reach the HTML escaped, and a line break cannot split a Markdown row.
#[test]
fn trace_tables_escape_what_they_show() {
    let trace = Trace {
        threads: vec!["<b>&\"x\"".to_owned()],
        steps: vec![TraceStep {
            thread: 0,
            text: "panics → a | b\nsecond line".to_owned(),
            at: "x.rs:1".to_owned(),
            mark: Mark::Failing,
        }],
        objects: Vec::new(),
        story: Vec::new(),
    };
    let html = trace.to_html();
    assert!(html.contains("&lt;b&gt;&amp;&quot;x&quot;"), "{html}");
    assert!(!html.contains("<b>"), "{html}");
    let markdown = trace.to_markdown();
    let row = markdown
        .lines()
        .find(|line| line.contains("panics"))
        .expect("the step's row");
    assert!(row.contains("a \\| b second line"), "{markdown}");
}
