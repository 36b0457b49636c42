//! The [`Std`](super::Std) backend's watchdog: a thread blocked too long ends the process by name.
//!
//! Off unless the environment variable [`VARIABLE`] holds a number of seconds (the workspace's
//! `.cargo/config.toml` sets it for `cargo test`; `0` turns it off). Then every blocking call of
//! `Std` (a condition-variable wait, a contended lock, a join) notes in its thread's own slot what
//! it blocks in and at which line (the kit's blocking calls are `#[track_caller]` down to the
//! backend, so the line is the user's `recv`, `wait` or `lock`). A watchdog thread, started by
//! the first blocking call, looks at the slots every quarter of the limit: once a thread has sat
//! in one blocking call longer than the limit, it writes every blocked thread's name, call, line
//! and time to stderr and exits the process with status 101. A test that would hang `cargo test`
//! silently (a partner that never comes, a lost wake-up) so fails with its name: libtest names
//! each test's thread after the test, and a doc test is a process of its own.
//!
//! Timed waits (`park_until`) are never counted: they end by themselves. Nor are the backend's
//! own service threads (the timer thread), which legitimately wait for work forever.

use parking_lot::Mutex;
use std::cell::{Cell, RefCell};
use std::io::Write as _;
use std::panic::Location;
use std::sync::{Arc, OnceLock, Weak};
use std::time::{Duration, Instant};

/// The environment variable holding the watchdog's limit, in seconds (fractions allowed).
pub const VARIABLE: &str = "PATTERNS_WATCHDOG_SECS";

/// A blocking call in progress: what it is, the line that made it, since when.
#[derive(Clone, Copy)]
struct Blocked {
    call: &'static str,
    location: &'static Location<'static>,
    since: Instant,
}

/// One thread's slot: its name, and the blocking call it is in, if any. Written by its thread
/// alone; the watchdog only reads it.
struct Slot {
    thread: String,
    blocked: Mutex<Option<Blocked>>,
}

thread_local! {
    /// This thread's slot, made and registered by its first blocking call.
    static SLOT: RefCell<Option<Arc<Slot>>> = const { RefCell::new(None) };
    /// Whether this thread belongs to the backend (the timer thread): never watched.
    static SERVICE: Cell<bool> = const { Cell::new(false) };
}

/// Every thread's slot; a thread's ends (the `Weak` dies) when the thread does.
static SLOTS: Mutex<Vec<Weak<Slot>>> = Mutex::new(Vec::new());

/// The limit, read from [`VARIABLE`] once; `None` when the watchdog is off.
fn limit() -> Option<Duration> {
    static LIMIT: OnceLock<Option<Duration>> = OnceLock::new();
    *LIMIT.get_or_init(|| parse(&std::env::var(VARIABLE).ok()?))
}

/// The limit `value` of [`VARIABLE`] sets: `None` for 0.
///
/// # Panics
///
/// If `value` is not a non-negative number of seconds.
fn parse(value: &str) -> Option<Duration> {
    match value.trim().parse::<f64>() {
        Ok(0.0) => None,
        Ok(seconds) if seconds.is_finite() && seconds > 0.0 => {
            Some(Duration::from_secs_f64(seconds))
        }
        _ => panic!(
            "{VARIABLE}={value:?}: the watchdog's limit must be a number of seconds \
             (0 turns it off)"
        ),
    }
}

/// Whether the watchdog is on ([`VARIABLE`] set to a limit).
#[inline]
pub(super) fn is_on() -> bool {
    limit().is_some()
}

/// Marks the calling thread as one of the backend's own, which the watchdog never counts.
pub(super) fn exempt_this_thread() {
    SERVICE.with(|service| service.set(true));
}

/// Runs the blocking `call` made at `location`, noting it in this thread's slot meanwhile when the
/// watchdog is on.
#[inline]
pub(super) fn blocking<R>(
    call: &'static str,
    location: &'static Location<'static>,
    f: impl FnOnce() -> R,
) -> R {
    let Some(limit) = limit() else {
        return f();
    };
    if SERVICE.with(Cell::get) {
        return f();
    }
    let slot = SLOT.with(|slot| {
        slot.borrow_mut()
            .get_or_insert_with(|| register(limit))
            .clone()
    });
    /// Clears the slot however the call ends.
    struct Clear<'a>(&'a Slot);
    impl Drop for Clear<'_> {
        fn drop(&mut self) {
            *self.0.blocked.lock() = None;
        }
    }
    *slot.blocked.lock() = Some(Blocked {
        call,
        location,
        since: Instant::now(),
    });
    let _clear = Clear(&slot);
    f()
}

/// Makes the calling thread's slot and registers it, starting the watchdog thread the first time.
fn register(limit: Duration) -> Arc<Slot> {
    let current = std::thread::current();
    let slot = Arc::new(Slot {
        thread: match current.name() {
            Some(name) => name.to_owned(),
            None => format!("{:?}", current.id()),
        },
        blocked: Mutex::new(None),
    });
    SLOTS.lock().push(Arc::downgrade(&slot));
    static STARTED: OnceLock<()> = OnceLock::new();
    STARTED.get_or_init(|| {
        std::thread::Builder::new()
            .name("patterns-watchdog".to_owned())
            .spawn(move || watch(limit))
            .unwrap_or_else(|e| panic!("cannot spawn the watchdog thread: {e}"));
    });
    slot
}

/// The watchdog thread: looks every quarter of the limit (at most every second) and ends the
/// process once a thread has been blocked in one call longer than the limit.
fn watch(limit: Duration) {
    let period = (limit / 4).min(Duration::from_secs(1));
    loop {
        std::thread::sleep(period);
        let blocked = snapshot();
        if blocked.iter().any(|(_, b)| b.since.elapsed() > limit) {
            report(limit, &blocked);
            std::process::exit(101);
        }
    }
}

/// Every live thread's blocking call, dropping the slots of threads that ended.
fn snapshot() -> Vec<(String, Blocked)> {
    let mut slots = SLOTS.lock();
    slots.retain(|slot| slot.strong_count() > 0);
    slots
        .iter()
        .filter_map(Weak::upgrade)
        .filter_map(|slot| {
            let blocked = *slot.blocked.lock();
            blocked.map(|blocked| (slot.thread.clone(), blocked))
        })
        .collect()
}

/// Writes the blocked threads to stderr, past libtest's output capture (which holds `eprintln!`
/// from a test's threads, and would be lost with the process).
fn report(limit: Duration, blocked: &[(String, Blocked)]) {
    let mut text = format!(
        "\npatterns watchdog: a thread has been blocked in one call for more than {:.1} s \
         ({VARIABLE}): a hang (a partner that never comes, a lost wake-up, a lock never \
         released). Blocked threads:\n",
        limit.as_secs_f64()
    );
    for (thread, b) in blocked {
        text.push_str(&format!(
            "  thread '{thread}': {} at {}, for {:.1} s\n",
            b.call,
            b.location,
            b.since.elapsed().as_secs_f64()
        ));
    }
    let _ = std::io::stderr().write_all(text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_is_seconds_and_zero_is_off() {
        assert_eq!(parse("60"), Some(Duration::from_secs(60)));
        assert_eq!(parse(" 0.5 "), Some(Duration::from_millis(500)));
        assert_eq!(parse("0"), None);
    }

    #[test]
    #[should_panic(
        expected = "PATTERNS_WATCHDOG_SECS=\"soon\": the watchdog's limit must be a number of seconds"
    )]
    fn a_limit_that_is_not_seconds_is_refused_by_name() {
        parse("soon");
    }

    #[test]
    #[should_panic(expected = "must be a number of seconds")]
    fn a_negative_limit_is_refused() {
        parse("-1");
    }
}
