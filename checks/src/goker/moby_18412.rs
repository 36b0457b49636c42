//! GoKer `moby_18412` (moby PR #18412): `RunCommandWithOutputForDuration` gives up on its command
//! at the time box and reads the output buffer the command's copying goroutine may still be
//! writing, and returns its `exitCode` result while its own waiting goroutine may still write it:
//! data races (and that goroutine then blocks forever sending the exit error nobody reads).
//!
//! Ports `gobench/goker/nonblocking/moby/18412/moby18412_test.go` (GoBench: traditional, order
//! violation). The test runs `sh -c ls` with a time box of 1 ms, then sleeps 100 ms. The function
//! sets the command's stdout and stderr to a buffer and starts it (os/exec starts a goroutine
//! that copies the process's output into the buffer); a goroutine waits for the command (which
//! returns once the output is copied), sets the function's named result `exitCode` and sends the
//! exit error on an unbuffered channel; the function selects between that channel and the time
//! box, kills the process when the time box passes first, and reads the buffer. When it times
//! out, its read of the buffer is unordered with the copying goroutine's write (GoBench's `-race`
//! report), and its return (which reads `exitCode`) with the waiting goroutine's write: the port
//! keeps both as `RaceCell`s, and Go's `-race` report, not the order the test checks (it checks
//! nothing), is the failure. The port's process is the copying goroutine itself, which writes the
//! listing and ends; it cannot be cut short, so the kill has nothing to do (it would not take
//! back output already copied); the command never fails to start. Fix (the upstream fix, with
//! the wait after the kill that the buffer's race still needed): the waiting goroutine sends the
//! exit code with the error on a channel with a buffer of one and leaves the result alone, and
//! the function, once the kill is done, waits for that exit report before it reads the output.
//! The upstream fix alone (moby PR #18412) leaves the buffer's read racing on a time-out (moby issue
//! #22965 reports it).
//!
//! One deviation: in Go the bug also strands the waiting goroutine, whose send nobody receives
//! after a time-out, a leak GoBench's kernel does not check. The port lets the function's
//! receiver go when it returns, so that send ends (the kit hands the value back), and the
//! failure is the one the kernel is labelled with. The kit's channel is also stricter than Go's
//! race detector: a select that looked at the channel, found the goroutine's send waiting and
//! still took the time box, is ordered after that send under the models, so some time-out
//! schedules show no race; loom, PCT and random each find one that does.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan::{self, RecvArm, Select, Selected};
use patterns::{time, Backend, RaceCell, Receiver};
use std::sync::Arc;
use std::time::Duration;

zoo_entry! {
    /// `sh -c ls` runs under a time box of 1 ms.
    pub struct Moby18412 {}
}

type Error = &'static str;

/// What the port's `ls` writes.
const LISTING: &str = "moby18412_test.go\n";

/// A started command (`exec.Cmd` after `Start`).
struct Cmd<B: Backend> {
    /// os/exec's `errch`: the copying goroutine's result, once the output is copied.
    errch: Receiver<Result<(), Error>, B>,
}

impl<B: Backend> Cmd<B> {
    /// `exec.Command("sh", "-c", "ls")` with its stdout and stderr set to `output`, then `Start`:
    /// the process runs, and os/exec's goroutine copies what it writes into `output`.
    fn start(output: Arc<RaceCell<String, B>>) -> Self {
        let (errch_tx, errch) = chan::bounded_in::<B, Result<(), Error>>(1);
        drop(B::spawn("exec-copy", move || {
            // `io.Copy` into the `bytes.Buffer`.
            output.update(|buffer| buffer.push_str(LISTING));
            let _ = errch_tx.send(Ok(()));
        }));
        Self { errch }
    }

    /// `Wait`: returns once the process has exited and its output is copied.
    fn wait(&self) -> Result<(), Error> {
        self.errch
            .recv()
            .unwrap_or(Err("exec: the copying goroutine is gone"))
    }
}

/// What the waiting goroutine sends: the kernel's channel carries the exit error only (no
/// code); the fix's `exitInfo` carries the exit code too.
struct ExitInfo {
    exit_err: Result<(), Error>,
    exit_code: Option<i32>,
}

/// The function's results.
struct CommandOutput {
    output: String,
    exit_code: i32,
    timed_out: bool,
    err: Option<Error>,
}

fn run_command_with_output_for_duration<B: Backend>(
    duration: Duration,
    fixed: bool,
) -> CommandOutput {
    let output_buffer = Arc::new(RaceCell::<String, B>::new_in(String::new()));
    // The named result `exitCode`, which the kernel's goroutine writes.
    let exit_code = Arc::new(RaceCell::<i32, B>::new_in(0));
    let mut timed_out = false;
    let mut err = None;
    let (done_tx, done) = chan::bounded_in::<B, ExitInfo>(usize::from(fixed));
    // Started in the calling goroutine.
    let cmd = Cmd::<B>::start(Arc::clone(&output_buffer));
    let result_of_goroutine = Arc::clone(&exit_code);
    drop(B::spawn("wait", move || {
        let exit_err = cmd.wait();
        let info = if fixed {
            ExitInfo {
                exit_err,
                exit_code: Some(1),
            }
        } else {
            result_of_goroutine.set(1);
            ExitInfo {
                exit_err,
                exit_code: None,
            }
        };
        // In Go, blocks for good in the bug when the time box passed first.
        let _ = done_tx.send(info);
    }));
    {
        let mut exited = RecvArm::new(&done);
        let selected = Select::new().recv(&mut exited).timeout(duration).wait();
        if selected == Selected::Timeout {
            // `cmd.Process.Kill()`: nothing to do in the port (see the header).
            timed_out = true;
            if fixed {
                // Waits for the command to end before reading its output.
                let _ = done.recv();
            }
        } else if let Some(info) = exited.take() {
            err = info.exit_err.err();
            if let Some(code) = info.exit_code {
                exit_code.set(code);
            }
        }
    }
    let output = output_buffer.get();
    let result = CommandOutput {
        output,
        exit_code: exit_code.get(),
        timed_out,
        err,
    };
    // The function returns and stops reading. Go keeps the channel, and the goroutine's send
    // blocks for good; the port lets it go (see the header), so that send ends with its value
    // handed back.
    drop(done);
    result
}

impl Scenario for Moby18412 {
    const NAME: &'static str = "goker::moby_18412";
    // Bounded like the other kernels with timers (`kubernetes_5316`), before any measurement of
    // this one.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "no access of the output or the exit code races";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let out = run_command_with_output_for_duration::<B>(Duration::from_millis(1), fixed);
        if out.exit_code != 0 || !out.timed_out || out.err.is_some() {
            let _shown = format!("{:?}", out.output);
        }
        time::sleep::<B>(Duration::from_millis(100));
    }
}

impl Mistake for Moby18412 {
    const CAUGHT_AS: FailureKind = FailureKind::DataRace;
    const TRACE_SHOWS: &'static [&'static str] = &["select", "read cell", "data race"];
}

impl Kernel for Moby18412 {
    const GOKER: Goker = Goker {
        project: "moby",
        id: 18412,
        class: Class::NonBlocking,
        kind: "Traditional",
        subtype: "Order violation",
    };
}
