//! The kit's channel against crossbeam-channel and std's `sync_channel`: throughput of N messages
//! from P producers to C consumers, by capacity (0 is a rendezvous), and the capacity-1 hand-off.
//!
//! Group = `channel/{P}x{C}`, function = implementation, value = capacity, so every
//! implementation is measured beside the others in the same run. `channel/ping_pong` times one
//! round trip after another between two threads over two capacity-1 channels.
//! `channel/select_timeout` times a receive in a select with a timeout: `not_taken` is the
//! ping-pong with every receive timed (the value always comes first), `taken` a run of selects
//! on a channel that stays empty, each ending at its timeout.
//!
//! `BENCH_BUSY=N` runs the same groups as `busy/channel/…` on a busy machine: N spinning
//! neighbour threads per core (see `benches::group_name`).

#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use patterns::chan::{RecvArm, Select, Selected};
use std::thread;
use std::time::Duration;

/// Messages per iteration of the throughput groups.
const MESSAGES: u64 = 20_000;
/// Round trips per iteration of the ping-pong.
const ROUND_TRIPS: u64 = 10_000;
/// Timed-out selects per iteration of `select_timeout/taken`.
const TIMEOUTS: u64 = 200;
/// The timeout of `select_timeout/taken`.
const SHORT: Duration = Duration::from_micros(20);
/// The timeout of `select_timeout/not_taken`: never reached.
const LONG: Duration = Duration::from_secs(10);

/// A bounded channel implementation, as the benches drive it.
trait Channel {
    const NAME: &'static str;
    type Tx: Clone + Send;
    type Rx: Send;
    fn bounded(capacity: usize) -> (Self::Tx, Self::Rx);
    fn send(tx: &Self::Tx, value: u64);
    fn recv(rx: &Self::Rx) -> Option<u64>;
    /// A receive in a select with a timeout arm: `None` if the timeout came first.
    fn recv_timed(rx: &Self::Rx, timeout: Duration) -> Option<u64>;
    /// `consumers` receivers of the same channel, if the implementation has multi-consumer ones.
    fn share(rx: Self::Rx, consumers: usize) -> Option<Vec<Self::Rx>>;
}

struct Kit;
struct Crossbeam;
struct StdSync;

impl Channel for Kit {
    const NAME: &'static str = "kit";
    type Tx = patterns::chan::Sender<u64>;
    type Rx = patterns::chan::Receiver<u64>;
    fn bounded(capacity: usize) -> (Self::Tx, Self::Rx) {
        patterns::chan::bounded(capacity)
    }
    fn send(tx: &Self::Tx, value: u64) {
        tx.send(value).expect("a receiver is alive");
    }
    fn recv(rx: &Self::Rx) -> Option<u64> {
        rx.recv()
    }
    fn recv_timed(rx: &Self::Rx, timeout: Duration) -> Option<u64> {
        let mut arm = RecvArm::new(rx);
        match Select::new().recv(&mut arm).timeout(timeout).wait() {
            Selected::Arm(_) => arm.take(),
            _ => None,
        }
    }
    fn share(rx: Self::Rx, consumers: usize) -> Option<Vec<Self::Rx>> {
        Some(vec![rx; consumers])
    }
}

impl Channel for Crossbeam {
    const NAME: &'static str = "crossbeam";
    type Tx = crossbeam_channel::Sender<u64>;
    type Rx = crossbeam_channel::Receiver<u64>;
    fn bounded(capacity: usize) -> (Self::Tx, Self::Rx) {
        crossbeam_channel::bounded(capacity)
    }
    fn send(tx: &Self::Tx, value: u64) {
        tx.send(value).expect("a receiver is alive");
    }
    fn recv(rx: &Self::Rx) -> Option<u64> {
        rx.recv().ok()
    }
    fn recv_timed(rx: &Self::Rx, timeout: Duration) -> Option<u64> {
        crossbeam_channel::select! {
            recv(rx) -> value => value.ok(),
            default(timeout) => None,
        }
    }
    fn share(rx: Self::Rx, consumers: usize) -> Option<Vec<Self::Rx>> {
        Some(vec![rx; consumers])
    }
}

impl Channel for StdSync {
    const NAME: &'static str = "std";
    type Tx = std::sync::mpsc::SyncSender<u64>;
    type Rx = std::sync::mpsc::Receiver<u64>;
    fn bounded(capacity: usize) -> (Self::Tx, Self::Rx) {
        std::sync::mpsc::sync_channel(capacity)
    }
    fn send(tx: &Self::Tx, value: u64) {
        tx.send(value).expect("a receiver is alive");
    }
    fn recv(rx: &Self::Rx) -> Option<u64> {
        rx.recv().ok()
    }
    fn recv_timed(rx: &Self::Rx, timeout: Duration) -> Option<u64> {
        // std has no select: its own timed receive stands in.
        rx.recv_timeout(timeout).ok()
    }
    fn share(rx: Self::Rx, consumers: usize) -> Option<Vec<Self::Rx>> {
        (consumers == 1).then(|| vec![rx])
    }
}

/// `MESSAGES` from `producers` threads to `consumers` threads; returns how many arrived.
fn throughput<C: Channel>(producers: u64, consumers: Vec<C::Rx>, tx: C::Tx) -> u64 {
    thread::scope(|s| {
        for _ in 0..producers {
            let tx = tx.clone();
            s.spawn(move || (0..MESSAGES / producers).for_each(|v| C::send(&tx, v)));
        }
        drop(tx);
        let counts: Vec<_> = consumers
            .into_iter()
            .map(|rx| s.spawn(move || std::iter::from_fn(|| C::recv(&rx)).count() as u64))
            .collect();
        counts
            .into_iter()
            .map(|c| c.join().expect("consumer"))
            .sum()
    })
}

/// One round trip after another: a value out on `ping`, its echo back on `pong`.
fn ping_pong<C: Channel>() {
    let (ping_tx, ping_rx) = C::bounded(1);
    let (pong_tx, pong_rx) = C::bounded(1);
    thread::scope(|s| {
        s.spawn(move || {
            while let Some(v) = C::recv(&ping_rx) {
                C::send(&pong_tx, v);
            }
        });
        for v in 0..ROUND_TRIPS {
            C::send(&ping_tx, v);
            assert_eq!(C::recv(&pong_rx), Some(v));
        }
        drop(ping_tx);
    });
}

/// The ping-pong with every receive in a select with a timeout that never comes first.
fn timed_ping_pong<C: Channel>() {
    let (ping_tx, ping_rx) = C::bounded(1);
    let (pong_tx, pong_rx) = C::bounded(1);
    thread::scope(|s| {
        s.spawn(move || {
            for _ in 0..ROUND_TRIPS {
                let v = C::recv_timed(&ping_rx, LONG).expect("the ping comes first");
                C::send(&pong_tx, v);
            }
        });
        for v in 0..ROUND_TRIPS {
            C::send(&ping_tx, v);
            assert_eq!(
                C::recv_timed(&pong_rx, LONG),
                Some(v),
                "the pong comes first"
            );
        }
    });
}

/// `TIMEOUTS` selects on a channel that stays empty (its sender alive), each ending at `SHORT`.
fn timeouts<C: Channel>() {
    let (_tx, rx) = C::bounded(1);
    for _ in 0..TIMEOUTS {
        assert_eq!(C::recv_timed(&rx, SHORT), None, "nothing was sent");
    }
}

fn bench_throughput<C: Channel>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    (producers, consumers): (u64, usize),
    capacity: usize,
) {
    let (_, probe) = C::bounded(capacity);
    if C::share(probe, consumers).is_none() {
        return;
    }
    group.bench_with_input(BenchmarkId::new(C::NAME, capacity), &capacity, |b, &cap| {
        b.iter(|| {
            let (tx, rx) = C::bounded(cap);
            let rxs = C::share(rx, consumers).expect("checked above");
            assert_eq!(throughput::<C>(producers, rxs, tx), MESSAGES);
        })
    });
}

fn channel(c: &mut Criterion) {
    for (producers, consumers) in [(1, 1), (2, 2), (4, 4)] {
        let mut group = c.benchmark_group(benches::group_name(&format!(
            "channel/{producers}x{consumers}"
        )));
        group.throughput(Throughput::Elements(MESSAGES));
        for capacity in [0, 1, 64, 1024] {
            bench_throughput::<Kit>(&mut group, (producers, consumers), capacity);
            bench_throughput::<Crossbeam>(&mut group, (producers, consumers), capacity);
            bench_throughput::<StdSync>(&mut group, (producers, consumers), capacity);
        }
        group.finish();
    }
    let mut group = c.benchmark_group(benches::group_name("channel/ping_pong"));
    group.throughput(Throughput::Elements(ROUND_TRIPS));
    group.bench_function(BenchmarkId::new(Kit::NAME, 1), |b| b.iter(ping_pong::<Kit>));
    group.bench_function(BenchmarkId::new(Crossbeam::NAME, 1), |b| {
        b.iter(ping_pong::<Crossbeam>)
    });
    group.bench_function(BenchmarkId::new(StdSync::NAME, 1), |b| {
        b.iter(ping_pong::<StdSync>)
    });
    group.finish();

    let mut group = c.benchmark_group(benches::group_name("channel/select_timeout"));
    group.throughput(Throughput::Elements(ROUND_TRIPS));
    group.bench_function(BenchmarkId::new(Kit::NAME, "not_taken"), |b| {
        b.iter(timed_ping_pong::<Kit>)
    });
    group.bench_function(BenchmarkId::new(Crossbeam::NAME, "not_taken"), |b| {
        b.iter(timed_ping_pong::<Crossbeam>)
    });
    group.bench_function(BenchmarkId::new(StdSync::NAME, "not_taken"), |b| {
        b.iter(timed_ping_pong::<StdSync>)
    });
    group.throughput(Throughput::Elements(TIMEOUTS));
    group.bench_function(BenchmarkId::new(Kit::NAME, "taken"), |b| {
        b.iter(timeouts::<Kit>)
    });
    group.bench_function(BenchmarkId::new(Crossbeam::NAME, "taken"), |b| {
        b.iter(timeouts::<Crossbeam>)
    });
    group.bench_function(BenchmarkId::new(StdSync::NAME, "taken"), |b| {
        b.iter(timeouts::<StdSync>)
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = benches::criterion();
    targets = channel
}
criterion_main!(benches);
