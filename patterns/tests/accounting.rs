//! The counts the kit keeps about its own work, read on `Std`: what a channel's ends say it holds,
//! a timed worker pool's busy and slowest times against what its jobs measured, and the timer
//! heap's size after many stops.

use patterns::chan;
use patterns::time::{TimerService, STALE_SLACK};
use patterns::worker_pool::{Options, WorkerPool};
use patterns::{Context, Std};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

/// Long enough that no timer of these tests fires while they run.
const HOUR: Duration = Duration::from_secs(3600);

/// The heap bound [`TimerService::queued`] promises after a stop.
fn assert_heap_bounded(service: &TimerService<Std>, after: &str) {
    let (queued, pending) = (service.queued(), service.pending());
    assert!(
        queued <= pending + STALE_SLACK.max(pending),
        "after {after}: {queued} heap entries for {pending} pending timers"
    );
}

#[test]
fn stopped_timers_do_not_pile_up_in_the_heap() {
    // One long timer under many short-lived ones (a timeout per loop turn), and many long ones.
    for live in [1, 40] {
        let service = Arc::new(TimerService::<Std>::new());
        let _live: Vec<_> = (0..live).map(|_| service.after_func(HOUR, || {})).collect();
        for turn in 0..200 {
            let timeout = service.after_func(HOUR, || {});
            assert!(timeout.stop(), "a pending timer's stop returned false");
            assert_heap_bounded(&service, &format!("stop {turn} beside {live} live timers"));
        }
        assert_eq!(
            service.pending(),
            live,
            "the live timers are the pending ones"
        );
        service.shutdown();
    }
}

#[test]
fn resets_count_towards_compacting_the_heap() {
    let service = Arc::new(TimerService::<Std>::new());
    let timer = service.after_func(HOUR, || {});
    for delay in 1..=100 {
        // A new deadline each time: each reset leaves its old heap entry stale.
        assert!(
            timer.reset(HOUR + Duration::from_secs(delay)),
            "a pending timer's reset returned false"
        );
    }
    assert!(service.after_func(HOUR, || {}).stop());
    assert_heap_bounded(&service, "100 resets and a stop");
    assert_eq!(service.pending(), 1, "the reset timer is the one pending");
    service.shutdown();
}

#[test]
fn a_reset_to_the_deadline_it_has_keeps_one_heap_entry() {
    // `Duration::MAX` saturates: every reset lands on the deadline the timer already has.
    let service = Arc::new(TimerService::<Std>::new());
    let timer = service.after_func(Duration::MAX, || {});
    for _ in 0..100 {
        assert!(
            timer.reset(Duration::MAX),
            "a pending timer's reset returned false"
        );
    }
    assert_eq!(service.queued(), 1, "100 resets to one deadline");
    assert!(service.after_func(HOUR, || {}).stop());
    assert_heap_bounded(&service, "100 resets to one deadline and a stop");
    service.shutdown();
}

#[test]
fn a_timed_pool_counts_every_attempt() {
    let jobs = 8;
    // What the jobs measured themselves, in nanoseconds: the pool times around each of them.
    let measured = Arc::new(AtomicU64::new(0));
    let longest = Arc::new(AtomicU64::new(0));
    // Jobs 0 and 1 wait for each other, so each of the two workers runs one: both tallies count.
    let both_workers = Arc::new(Barrier::new(2));
    let pool = {
        let (measured, longest) = (Arc::clone(&measured), Arc::clone(&longest));
        WorkerPool::<u32, u32, Std>::start(
            &Context::background(),
            Options {
                workers: 2,
                queue: jobs,
                retries: 0,
                timed: true,
            },
            move |&job: &u32| {
                let start = Instant::now();
                if job < 2 {
                    both_workers.wait();
                }
                std::thread::sleep(Duration::from_millis(1));
                let took = u64::try_from(start.elapsed().as_nanos()).expect("under 584 years");
                measured.fetch_add(took, Ordering::Relaxed);
                longest.fetch_max(took, Ordering::Relaxed);
                Ok::<u32, String>(job)
            },
        )
    };
    for job in 0..jobs {
        pool.submit(u32::try_from(job).expect("few jobs"))
            .expect("a live pool takes every job");
    }
    let summary = pool.shutdown();
    // The workers are joined: every job's measurement is in.
    let measured = Duration::from_nanos(measured.load(Ordering::Relaxed));
    let longest = Duration::from_nanos(longest.load(Ordering::Relaxed));
    let (busy, slowest) = (
        summary.busy.expect("a timed pool reports its busy time"),
        summary
            .slowest
            .expect("a timed pool reports its slowest attempt"),
    );
    assert_eq!(summary.succeeded, jobs);
    assert!(
        busy >= measured,
        "busy {busy:?}, yet the jobs measured {measured:?} between them"
    );
    assert!(
        slowest >= longest && slowest <= busy,
        "slowest attempt {slowest:?}: the longest job measured {longest:?}, busy {busy:?}"
    );
}

#[test]
fn a_timed_pool_without_jobs_reports_zero_times() {
    let options = Options {
        workers: 2,
        queue: 0,
        retries: 0,
        timed: true,
    };
    let pool = WorkerPool::<u32, u32, Std>::start(&Context::background(), options, |&job: &u32| {
        Ok::<u32, String>(job)
    });
    let summary = pool.shutdown();
    assert_eq!(
        (summary.busy, summary.slowest),
        (Some(Duration::ZERO), Some(Duration::ZERO)),
        "a timed pool reports its times, zero when it ran nothing"
    );
}

#[test]
fn both_ends_of_a_channel_report_what_it_holds() {
    let (tx, rx) = chan::bounded::<u8>(2);
    let (other_tx, other_rx) = chan::bounded::<u8>(2);
    assert!(tx.same_channel(&tx.clone()) && rx.same_channel(&rx.clone()));
    assert!(!tx.same_channel(&other_tx) && !rx.same_channel(&other_rx));
    let state = || {
        (
            (tx.len(), tx.is_empty(), tx.is_closed()),
            (rx.len(), rx.is_empty(), rx.is_closed()),
        )
    };
    assert_eq!(
        state(),
        ((0, true, false), (0, true, false)),
        "a new channel"
    );
    tx.send(1).unwrap();
    assert_eq!(
        state(),
        ((1, false, false), (1, false, false)),
        "one value sent"
    );
    tx.close().unwrap();
    // Go: a closed channel keeps its buffered values for its receivers.
    assert_eq!(
        state(),
        ((1, false, true), (1, false, true)),
        "closed with one value"
    );
    assert_eq!(rx.recv(), Some(1));
    assert_eq!(
        state(),
        ((0, true, true), (0, true, true)),
        "closed and drained"
    );
    assert_eq!(tx.capacity(), 2);
}
