//! The `Std` backend's watchdog seen from outside: each check runs an ignored test of this binary
//! in a child process with a short limit and reads how the child ended.

use patterns::backend::watchdog::VARIABLE;
use patterns::chan::{self, RecvArm, Select, Selected};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How long a child may run: far past its limit of half a second, so a child still running then
/// was not ended by its watchdog.
const CHILD_LIMIT: Duration = Duration::from_secs(30);

/// Runs this binary's ignored test `name` alone, with the watchdog's limit set to `limit`; kills
/// it and fails if it outlives [`CHILD_LIMIT`].
fn run_child(name: &str, limit: &str) -> Output {
    let mut child = Command::new(std::env::current_exe().expect("the test binary's path"))
        .args([
            name,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(VARIABLE, limit)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the test binary runs");
    let started = Instant::now();
    while child.try_wait().expect("the child's status").is_none() {
        if started.elapsed() > CHILD_LIMIT {
            child.kill().expect("the child can be killed");
            let output = child.wait_with_output().expect("the child's output");
            panic!(
                "{name} still ran after {CHILD_LIMIT:?}: no watchdog ended it\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("the child's output")
}

#[test]
#[ignore = "hangs on purpose: run in a child process by a_hang_ends_as_a_named_failure"]
fn receive_that_never_completes() {
    let (tx, rx) = chan::bounded::<u8>(0);
    let received = rx.recv();
    drop(tx);
    assert!(received.is_none(), "nobody sends");
}

#[test]
fn a_hang_ends_as_a_named_failure() {
    let output = run_child("receive_that_never_completes", "0.5");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(101), "stderr:\n{stderr}");
    let report = stderr
        .lines()
        .find(|line| line.contains("thread 'receive_that_never_completes': wait at "))
        .unwrap_or_else(|| panic!("no line names the test's blocked thread:\n{stderr}"));
    // The line named is the test's own receive, not a line inside the kit.
    let at = report
        .split(" at ")
        .nth(1)
        .and_then(|rest| rest.split(", for ").next())
        .expect("a location");
    let mut parts = at.rsplitn(3, ':');
    let (_column, line, file) = (parts.next(), parts.next(), parts.next());
    assert!(
        file.is_some_and(|file| file.ends_with("tests/watchdog.rs")),
        "{report}"
    );
    let line: usize = line.and_then(|l| l.parse().ok()).expect("a line number");
    let source = include_str!("watchdog.rs");
    let blocked = source.lines().nth(line - 1).expect("the line exists");
    assert!(
        blocked.contains("rx.recv()"),
        "{report} points at {blocked:?}"
    );
}

#[test]
#[ignore = "run in a child process by timed_waits_and_the_timer_thread_are_not_hangs"]
fn waits_that_end_by_themselves() {
    let (_tx, rx) = chan::bounded::<u8>(0);
    let mut idle = RecvArm::new(&rx);
    let timed = Select::new()
        .recv(&mut idle)
        .timeout(Duration::from_millis(1_500))
        .wait();
    assert_eq!(timed, Selected::Timeout);
    // The timer thread now waits for work for as long as the process lives.
    let fired = chan::after(Duration::from_millis(10)).recv();
    assert!(fired.is_some());
    std::thread::sleep(Duration::from_millis(1_500));
}

#[test]
fn timed_waits_and_the_timer_thread_are_not_hangs() {
    let output = run_child("waits_that_end_by_themselves", "0.5");
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
