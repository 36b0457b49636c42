//! GoKer `istio_16742` (istio PR #16742): `WorkloadUpdate` clears a connected proxy's workload
//! labels while the connection's own goroutine reads them to build its routes: a data race.
//!
//! Ports `gobench/goker/nonblocking/istio/16742/istio16742_test.go` (GoBench: traditional, data
//! race). The test adds three to a WaitGroup and starts a goroutine that makes a discovery
//! server (inside a memory service registry) and starts two more, then calls `Done`; the test
//! waits for all three. `StreamAggregatedResources` makes a connection, registers it in the ADS
//! client map under the map's write lock, then pushes routes, which read the connection's
//! proxy's `WorkloadLabels` with no lock. `AddWorkload` calls `WorkloadUpdate`, which, under the
//! map's read lock, sets the labels of every registered connection to nil. When the update finds
//! the connection registered, the read lock orders its write after the registration but not
//! after the push's read, which comes after the unlock: Go's race detector reports the write and
//! the read (the field is a `RaceCell` here), in whichever order they ran. When the update runs
//! first, the map is empty and nothing races. The map itself is only touched under its lock (the
//! kernel's package-level `adsClients` and `adsClientsMutex`, one `RwMutex` holding the map
//! here). Fix (the upstream fix): `WorkloadUpdate` no longer writes the connection's proxy; it
//! offers an update event on the connection's update channel without waiting, and the
//! connection's own goroutine applies it (upstream in its stream loop; the kernel's
//! `StreamAggregatedResources` makes one pass, so the port's takes an event, if one is waiting,
//! after its push). The update channel has a buffer of one, the port's choice, so that an offer
//! made before the connection looks is kept.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::chan;
use patterns::{Backend, RaceCell, Receiver, RwMutex, Sender, WaitGroup};
use std::collections::BTreeMap;
use std::sync::Arc;

zoo_entry! {
    /// A proxy connects to the discovery server while a workload update comes in.
    pub struct Istio16742 {}
}

/// The kernel's `Collection`, a slice; Go's nil is the empty one here.
type Collection = Vec<()>;

fn build_sidecar_virtual_hosts_from_config_and_registry(_proxy_labels: Collection) {}

struct ConfigGeneratorImpl;

impl ConfigGeneratorImpl {
    fn build_http_routes<B: Backend>(&self, node: &Proxy<B>) {
        self.build_sidecar_outbound_http_route_config(node);
    }

    fn build_sidecar_outbound_http_route_config<B: Backend>(&self, node: &Proxy<B>) {
        // The push's read of the labels, with no lock.
        build_sidecar_virtual_hosts_from_config_and_registry(node.workload_labels.get());
    }
}

struct Proxy<B: Backend> {
    /// Go's `WorkloadLabels`, a plain field: the push reads it, the update writes it.
    workload_labels: RaceCell<Collection, B>,
}

/// What the fix's update channel carries.
struct UpdateEvent {
    workload_label: bool,
}

struct XdsConnection<B: Backend> {
    model_node: Proxy<B>,
    /// The fix's update channel, both ends.
    update_tx: Sender<UpdateEvent, B>,
    update_channel: Receiver<UpdateEvent, B>,
}

fn new_xds_connection<B: Backend>() -> XdsConnection<B> {
    let (update_tx, update_channel) = chan::bounded_in(1);
    XdsConnection {
        model_node: Proxy {
            workload_labels: RaceCell::new_in(Collection::new()),
        },
        update_tx,
        update_channel,
    }
}

struct DiscoveryServer<B: Backend> {
    config_generator: ConfigGeneratorImpl,
    /// The kernel's package-level `adsClients` map and its `adsClientsMutex`.
    ads_clients: RwMutex<BTreeMap<&'static str, Arc<XdsConnection<B>>>, B>,
    fixed: bool,
}

impl<B: Backend> DiscoveryServer<B> {
    fn add_con(&self, con: Arc<XdsConnection<B>>) {
        let mut clients = self.ads_clients.write();
        clients.insert("1", con);
        drop(clients); // the deferred Unlock
    }

    fn stream_aggregated_resources(&self) {
        let con = Arc::new(new_xds_connection());
        self.add_con(Arc::clone(&con));
        self.push_route(&con);
        if self.fixed {
            // The fix: the connection applies a waiting update itself.
            if let Ok(event) = con.update_channel.try_recv() {
                if event.workload_label {
                    con.model_node.workload_labels.set(Collection::new());
                }
            }
        }
    }

    fn generate_raw_routes(&self, con: &XdsConnection<B>) {
        self.config_generator.build_http_routes(&con.model_node);
    }

    fn push_route(&self, con: &XdsConnection<B>) {
        self.generate_raw_routes(con);
    }

    fn workload_update(&self) {
        let clients = self.ads_clients.read();
        for connection in clients.values() {
            if self.fixed {
                // The fix: offer the update to the connection, without waiting.
                let _ = connection.update_tx.try_send(UpdateEvent {
                    workload_label: true,
                });
            } else {
                // Races with the push's read.
                connection.model_node.workload_labels.set(Collection::new());
            }
        }
        drop(clients); // RUnlock
    }
}

struct MemServiceDiscovery<B: Backend> {
    eds_updater: DiscoveryServer<B>,
}

impl<B: Backend> MemServiceDiscovery<B> {
    fn add_workload(&self) {
        self.eds_updater.workload_update();
    }
}

impl Scenario for Istio16742 {
    const NAME: &'static str = "goker::istio_16742";
    // Unbounded, the fix passes in 241,151 schedules (12 s); a data race shows on any schedule that
    // makes both accesses, whatever its preemptions, so a bound of 2 loses little.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str =
        "the workload update and the connection's push never touch the labels unordered";
    broken_instances! {
        small: {},
        large: {},
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let wg = WaitGroup::<B>::new_in();
        wg.add(3);
        let body_wg = wg.clone();
        drop(B::spawn("test-body", move || {
            let registry = Arc::new(MemServiceDiscovery {
                eds_updater: DiscoveryServer::<B> {
                    config_generator: ConfigGeneratorImpl,
                    ads_clients: RwMutex::new_in(BTreeMap::new()),
                    fixed,
                },
            });
            let (streaming, stream_wg) = (Arc::clone(&registry), body_wg.clone());
            drop(B::spawn("stream-aggregated-resources", move || {
                streaming.eds_updater.stream_aggregated_resources();
                stream_wg.done(); // the deferred Done
            }));
            let workload_wg = body_wg.clone();
            drop(B::spawn("add-workload", move || {
                registry.add_workload();
                workload_wg.done(); // the deferred Done
            }));
            body_wg.done(); // the deferred Done
        }));
        wg.wait();
    }
}

impl Mistake for Istio16742 {
    const CAUGHT_AS: FailureKind = FailureKind::DataRace;
    // The update's read lock (after the registration), its write of the labels, the race with
    // the push's read.
    const TRACE_SHOWS: &'static [&'static str] = &["read lock rwmutex", "write cell", "data race"];
}

impl Kernel for Istio16742 {
    const GOKER: Goker = Goker {
        project: "istio",
        id: 16742,
        class: Class::NonBlocking,
        kind: "Traditional",
        subtype: "Data race",
    };
}
