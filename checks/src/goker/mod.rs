//! GoBench's GoKer kernels: real concurrency bugs of Go projects, each ported to the kit beside
//! its fix. GoKer (Yuan et al., "GoBench: A Benchmark Suite of Real-World Go Concurrency Bugs",
//! CGO 2021) distils each bug of cockroach, etcd, grpc, hugo, istio, kubernetes, moby, serving
//! and syncthing into one small Go test; the kernel `gobench/goker/<class>/<project>/<id>/` is
//! ported here as `goker::<project>_<id>`, one file each, named as the kernel.
//!
//! A kernel is a zoo entry ([`Mistake`]): [`Variant::Broken`](crate::zoo::Variant::Broken) runs
//! the bug as GoKer has it, [`Variant::Correct`](crate::zoo::Variant::Correct) the fix (as the
//! kernel's header or the upstream fix describes it; where neither does, the file says which fix
//! it chose). The port keeps the kernel's goroutines, channel capacities, lock order, select arms
//! and loop counts; where loom needs a smaller loop, the small instance says so. Go's test
//! returning while goroutines stay blocked is the harness's leak check; the whole program blocked
//! is a deadlock. A non-blocking kernel keeps the variable Go's race detector reports in a
//! [`patterns::RaceCell`]: its unordered accesses fail as a data race under loom and shuttle.
//!
//! Translation is ours; no Go code is copied. Where Go uses `math/rand`, the port draws an input
//! (`B::input`): loom explores every value, shuttle's random and PCT schedulers sample them.

pub mod cockroach_10214;
pub mod cockroach_10790;
pub mod cockroach_13197;
pub mod cockroach_13755;
pub mod cockroach_1462;
pub mod cockroach_16167;
pub mod cockroach_18101;
pub mod cockroach_2448;
pub mod cockroach_24808;
pub mod cockroach_25456;
pub mod cockroach_35073;
pub mod cockroach_35501;
pub mod cockroach_35931;
pub mod cockroach_3710;
pub mod cockroach_4407;
pub mod cockroach_584;
pub mod cockroach_6181;
pub mod cockroach_7504;
pub mod cockroach_9935;
pub mod etcd_10492;
pub mod etcd_3077;
pub mod etcd_4876;
pub mod etcd_5509;
pub mod etcd_6708;
pub mod etcd_6857;
pub mod etcd_6873;
pub mod etcd_7443;
pub mod etcd_7492;
pub mod etcd_7902;
pub mod etcd_8194;
pub mod etcd_9446;
pub mod grpc_1275;
pub mod grpc_1353;
pub mod grpc_1424;
pub mod grpc_1460;
pub mod grpc_1687;
pub mod grpc_1748;
pub mod grpc_2371;
pub mod grpc_3017;
pub mod grpc_3090;
pub mod grpc_660;
pub mod grpc_795;
pub mod grpc_862;
pub mod hugo_3251;
pub mod hugo_5379;
pub mod istio_16224;
pub mod istio_16742;
pub mod istio_17860;
pub mod istio_18454;
pub mod istio_8144;
pub mod istio_8214;
pub mod istio_8967;
pub mod kubernetes_10182;
pub mod kubernetes_11298;
pub mod kubernetes_13058;
pub mod kubernetes_13135;
pub mod kubernetes_1321;
pub mod kubernetes_25331;
pub mod kubernetes_26980;
pub mod kubernetes_30872;
pub mod kubernetes_38669;
pub mod kubernetes_49404;
pub mod kubernetes_5316;
pub mod kubernetes_58107;
pub mod kubernetes_62464;
pub mod kubernetes_6632;
pub mod kubernetes_70277;
pub mod kubernetes_70892;
pub mod kubernetes_77796;
pub mod kubernetes_79631;
pub mod kubernetes_80284;
pub mod kubernetes_81091;
pub mod kubernetes_81148;
pub mod kubernetes_82239;
pub mod kubernetes_82550;
pub mod kubernetes_88331;
pub mod kubernetes_89164;
pub mod moby_17176;
pub mod moby_18412;
pub mod moby_21233;
pub mod moby_22941;
pub mod moby_25384;
pub mod moby_27037;
pub mod moby_27782;
pub mod moby_28462;
pub mod moby_29733;
pub mod moby_30408;
pub mod moby_33293;
pub mod moby_33781;
pub mod moby_36114;
pub mod moby_4395;
pub mod moby_4951;
pub mod moby_7559;
pub mod serving_2137;
pub mod serving_3068;
pub mod serving_3148;
pub mod serving_4908;
pub mod serving_5865;
pub mod serving_6171;
pub mod serving_6472;
pub mod syncthing_4829;
pub mod syncthing_5795;

use crate::zoo::Mistake;
use serde::Serialize;

/// Keeps `value` (a channel end, a canceller) alive for the rest of the execution, as Go keeps
/// whatever a goroutine can still reach. A Go channel nobody reads any more still blocks its
/// sender forever, where the kit hands the value back once the last receiver is dropped (a
/// deliberate difference, conformance row CH-10); and a Go context whose cancel is never called
/// stays live, where the kit's `Canceller` cancels when dropped. A port of Go code that merely
/// stops using a channel or a cancel function passes it here, so the Go semantics, and the bug,
/// stay.
pub(crate) fn never_dropped<T>(value: T) {
    std::mem::forget(value);
}

/// Which of GoBench's two classes a kernel belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Class {
    /// The bug blocks goroutines forever (GoBench's `goker/blocking`).
    Blocking,
    /// The bug lets the program go on with a wrong result or a crash: a data race, an order
    /// violation, a misused channel (GoBench's `goker/nonblocking`).
    NonBlocking,
}

impl Class {
    /// Both classes, blocking first.
    pub const ALL: [Class; 2] = [Class::Blocking, Class::NonBlocking];

    /// The directory GoBench keeps the class in.
    pub fn dir(self) -> &'static str {
        match self {
            Class::Blocking => "blocking",
            Class::NonBlocking => "nonblocking",
        }
    }

    /// The class in words.
    pub fn name(self) -> &'static str {
        match self {
            Class::Blocking => "blocking",
            Class::NonBlocking => "non-blocking",
        }
    }

    /// How many kernels GoKer holds in the class, ported or not.
    pub fn in_goker(self) -> usize {
        match self {
            Class::Blocking => 68,
            Class::NonBlocking => 35,
        }
    }

    /// The detection figures GoBench's paper publishes for the class (up to 100,000 runs per
    /// kernel; the paper is cited in `docs/goker.md`), quoted, not measured here.
    pub fn published(self) -> &'static str {
        match self {
            Class::Blocking => {
                "goleak 43 of 68 (63.2 %), go-deadlock 28 of 68 (41.2 %), dingo-hunter 1 of 68"
            }
            Class::NonBlocking => "Go's race detector 32 of 35 (91.4 %)",
        }
    }
}

/// A GoKer kernel not ported, and why.
pub struct NotPorted {
    /// GoBench's labels of the kernel.
    pub goker: Goker,
    /// Why it is not ported, in one sentence.
    pub reason: &'static str,
}

/// The GoKer kernels not ported: with the ported ones (`catalog::kernels`), every kernel of each
/// class ([`Class::in_goker`]).
pub const NOT_PORTED: &[NotPorted] = &[NotPorted {
    goker: Goker {
        project: "cockroach",
        id: 1055,
        class: Class::Blocking,
        kind: "Mixed Deadlock",
        subtype: "Channel & WaitGroup",
    },
    reason: "the kernel as GoKer trimmed it leaves out a `FinishTask` call, so its `Quiesce` \
             blocks whatever the bug does, and the upstream fix still deadlocks on the trimmed \
             code: a faithful port needs a fixed variant we would have to invent",
}];

/// What GoBench says of a kernel.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Goker {
    /// The Go project the bug was found in.
    pub project: &'static str,
    /// The upstream issue or pull request number the kernel is named after.
    pub id: u32,
    /// Blocking or non-blocking.
    pub class: Class,
    /// GoBench's type (`gobench/configures/goker/*.json`): "Resource Deadlock",
    /// "Communication Deadlock", "Mixed Deadlock", "Traditional", "Go-Specific".
    pub kind: &'static str,
    /// GoBench's subtype: "Double locking", "AB-BA deadlock", "Channel & Lock", "Data race", ….
    pub subtype: &'static str,
}

impl Goker {
    /// The kernel's Go test in GoBench's repository.
    pub fn path(&self) -> String {
        format!(
            "gobench/goker/{}/{}/{}/{}{}_test.go",
            self.class.dir(),
            self.project,
            self.id,
            self.project,
            self.id
        )
    }
}

/// A ported GoKer kernel: the bug as the broken variant, its fix as the correct one.
pub trait Kernel: Mistake {
    /// GoBench's labels of the kernel.
    const GOKER: Goker;
}
