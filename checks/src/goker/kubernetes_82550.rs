//! GoKer `kubernetes_82550` (kubernetes PR #82550): the lazy ECR credential provider creates its
//! actual provider on first use with no lock, so concurrent `LazyProvide` calls read and write
//! the provider pointer at once: a data race.
//!
//! Ports `gobench/goker/nonblocking/kubernetes/82550/kubernetes82550_test.go` (GoBench:
//! traditional, data race). The test makes one lazy provider, starts ten goroutines that each
//! call its `LazyProvide`, and returns. `LazyProvide` reads `actualProvider`, sets it to a new
//! caching provider if it is nil, then reads it again to look up an entry in what it provides.
//! Nothing orders one goroutine's write of the pointer with another's reads: Go's race detector
//! reports them, and the port's `RaceCell` (the pointer) fails the run as a data race, on every
//! schedule of two goroutines or more (the first goroutine to look finds nil and writes, every
//! other reads). Fix (the upstream fix, GoReal's fixed commit): the provider gets a
//! `sync.RWMutex`, write-locked across the whole of `LazyProvide`. The small instance starts two
//! goroutines, not ten (loom's thread limit); the large one ten, as the kernel. The kernel's
//! caching provider has an unused cache field, left out.

use super::{Class, Goker, Kernel};
use crate::harness::{FailureKind, Scenario};
use crate::zoo::{broken_instances, zoo_entry, Mistake, Variant};
use patterns::{Backend, RaceCell, RwMutex};
use std::collections::HashMap;
use std::sync::Arc;

zoo_entry! {
    /// Goroutines ask one lazy credential provider for an entry at once.
    pub struct Kubernetes82550 {
        /// Goroutines calling `LazyProvide` (the kernel starts ten).
        pub goroutines: usize,
    }
}

#[derive(Clone, Default)]
struct DockerConfigEntry;

type DockerConfig = HashMap<String, DockerConfigEntry>;

struct CachingDockerConfigProvider;

impl CachingDockerConfigProvider {
    fn provide(&self) -> DockerConfig {
        DockerConfig::new()
    }
}

struct LazyEcrProvider<B: Backend> {
    /// The fix's `mu`, a `sync.RWMutex` only ever write-locked.
    mu: RwMutex<(), B>,
    /// `actualProvider`, a plain pointer, nil until first use.
    actual_provider: RaceCell<Option<Arc<CachingDockerConfigProvider>>, B>,
}

impl<B: Backend> LazyEcrProvider<B> {
    fn lazy_provide(&self, fixed: bool) -> DockerConfigEntry {
        // The fix's Lock, released at the end: the deferred Unlock.
        let _locked = fixed.then(|| self.mu.write());

        if self.actual_provider.read(Option::is_none) {
            self.actual_provider
                .set(Some(Arc::new(CachingDockerConfigProvider)));
        }
        let actual_provider = self.actual_provider.get().expect("set above");
        // A lookup of a missing key gives the zero entry.
        actual_provider
            .provide()
            .get("0")
            .cloned()
            .unwrap_or_default()
    }
}

impl Scenario for Kubernetes82550 {
    const NAME: &'static str = "goker::kubernetes_82550";
    // Unbounded, the fix ran past 90 s; a data race shows on any schedule that makes both accesses,
    // whatever its preemptions, so a bound of 2 loses little.
    const LOOM_PREEMPTION_BOUND: Option<usize> = Some(2);
    const INVARIANT: &'static str = "no two accesses of the lazy provider's pointer race";
    broken_instances! {
        small: { goroutines: 2 },
        large: { goroutines: 10 },
    }
    fn run<B: Backend>(&self) {
        let fixed = self.variant == Variant::Correct;
        let provider = Arc::new(LazyEcrProvider::<B> {
            mu: RwMutex::new_in(()),
            actual_provider: RaceCell::new_in(None),
        });
        for i in 0..self.goroutines {
            let provider = Arc::clone(&provider);
            drop(B::spawn(&format!("lazy-provide-{i}"), move || {
                provider.lazy_provide(fixed);
            }));
        }
    }
}

impl Mistake for Kubernetes82550 {
    const CAUGHT_AS: FailureKind = FailureKind::DataRace;
    const TRACE_SHOWS: &'static [&'static str] = &["write cell", "data race"];
}

impl Kernel for Kubernetes82550 {
    const GOKER: Goker = Goker {
        project: "kubernetes",
        id: 82550,
        class: Class::NonBlocking,
        kind: "Traditional",
        subtype: "Data race",
    };
}
