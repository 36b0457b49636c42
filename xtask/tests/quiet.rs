//! The harness's report is the only failure output (ARCHITECTURE.md, invariant 18): `cargo xtask
//! check` on a mistake that panics prints its report, and nothing of the panic itself, unless
//! asked with `--verbose`.

use std::process::Command;

/// The checkers asked: loom, whose panics pass through the harness's panic hook, and shuttle's
/// random scheduler, which also prints a failure text of its own.
const CHECKERS: [&str; 2] = ["loom", "shuttle-random"];

/// `cargo xtask check` of the double-close mistake under `checker`: its stdout and stderr.
fn check_double_close(checker: &str, verbose: bool) -> (String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
    command.args([
        "check",
        "zoo::double_close",
        "--checker",
        checker,
        "--iterations",
        "20",
        "--zoo",
        "broken",
    ]);
    if verbose {
        command.arg("--verbose");
    }
    let output = command.output().expect("the xtask runs");
    assert!(
        !output.status.success(),
        "a caught mistake fails the command"
    );
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// What a panic's own output looks like: Rust's default hook and shuttle's failure text.
fn panic_output(text: &str) -> bool {
    text.contains("panicked at") || text.contains("test panicked in task")
}

#[test]
fn failure_output_is_the_report_alone() {
    for checker in CHECKERS {
        let (stdout, stderr) = check_double_close(checker, false);
        assert!(
            stdout.contains("panic") && stdout.contains("closed channel"),
            "{checker}: the report names the failure:\n{stdout}"
        );
        assert!(
            !panic_output(&stdout) && !panic_output(&stderr),
            "{checker}: a panic's own output escaped the report:\n--- stdout\n{stdout}\n--- \
             stderr\n{stderr}"
        );
        // The same run with --verbose shows it: what the assertion above looks for is there.
        let (stdout, stderr) = check_double_close(checker, true);
        assert!(
            panic_output(&stdout) || panic_output(&stderr),
            "{checker}: --verbose shows the checkers' own output:\n--- stdout\n{stdout}\n--- \
             stderr\n{stderr}"
        );
    }
}
