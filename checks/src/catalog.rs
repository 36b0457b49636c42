//! Every scenario, zoo entry and GoKer kernel by name, with the budgets the xtask and the tests
//! run them at.

use crate::goker::{Goker, Kernel};
use crate::harness::replay::{read_replay_file, replay_as};
use crate::harness::{check, Checker, FailureKind, ReplayFile, Scenario, Stats};
use crate::zoo::{Mistake, Variant};
use std::path::Path;

/// Which instance of a scenario to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    /// [`Scenario::small`]: sized for loom.
    Small,
    /// [`Scenario::large`]: sized for shuttle and real threads.
    Large,
}

/// One named scenario, type-erased.
pub struct Entry {
    /// `pattern::property`.
    pub name: &'static str,
    /// loom's preemption bound for the small instance (see [`Scenario::LOOM_PREEMPTION_BOUND`]).
    pub loom_bound: Option<usize>,
    /// Runs an instance under a checker.
    pub run: fn(Size, &Checker) -> Stats,
    /// Replays a replay file of this scenario; `true`: with the failure's trace.
    pub replay: fn(&ReplayFile, bool) -> Result<Stats, String>,
}

impl Entry {
    /// The pattern or primitive: the part of the name before `::`.
    pub fn pattern(&self) -> &'static str {
        self.name.split("::").next().unwrap_or(self.name)
    }
}

fn entry<S: Scenario>() -> Entry {
    Entry {
        name: S::NAME,
        loom_bound: S::LOOM_PREEMPTION_BOUND,
        run: |size, checker| {
            let instance = match size {
                Size::Small => S::small(),
                Size::Large => S::large(),
            };
            check(&instance, checker)
        },
        replay: replay_as::<S>,
    }
}

/// Calls the macro `$callback` with `test_name => ScenarioType,` for every scenario of the kit and
/// the patterns: the one list the catalog and each checker's test binary are built from.
#[macro_export]
macro_rules! for_each_scenario {
    ($callback:ident) => {
        $callback! {
            chan_fifo_per_sender => $crate::scenario::chan::FifoPerSender,
            chan_buffered_values_keep_each_senders_order => $crate::scenario::chan::BufferedFifoPerSender,
            chan_every_value_received_once => $crate::scenario::chan::EveryValueReceivedOnce,
            chan_close_keeps_buffered_values => $crate::scenario::chan::CloseKeepsBufferedValues,
            chan_close_wakes_everyone_and_loses_nothing => $crate::scenario::chan::CloseWakesEveryone,
            chan_buffered_close_wakes_everyone_and_loses_nothing => $crate::scenario::chan::BufferedCloseWakesEveryone,
            chan_select_takes_exactly_one_arm => $crate::scenario::chan::SelectTakesExactlyOneArm,
            chan_crossed_selects_pair_up_once => $crate::scenario::chan::CrossedSelectsPairUpOnce,
            chan_timed_send_never_loses_value => $crate::scenario::chan::TimedSendNeverLosesValue,
            chan_buffered_timeouts_lose_nothing => $crate::scenario::chan::BufferedTimeoutsLoseNothing,
            chan_send_waits_for_the_receive_that_frees_its_place => $crate::scenario::chan::SendWaitsForTheReceiveThatFreesItsPlace,
            chan_buffered_send_waits_for_the_receive_that_frees_its_place => $crate::scenario::chan::BufferedSendWaitsForTheReceiveThatFreesItsPlace,
            chan_buffered_round_trips_complete => $crate::scenario::chan::BufferedRoundTripsComplete,
            chan_close_hands_parked_senders_their_values => $crate::scenario::chan::CloseHandsParkedSendersTheirValues,
            chan_last_receiver_leaving_hands_senders_their_values => $crate::scenario::chan::LastReceiverLeavingHandsSendersTheirValues,
            chan_ready_arm_wins_over_a_passed_timeout => $crate::scenario::chan::ReadyArmWinsOverAPassedTimeout,
            chan_default_only_when_no_arm_is_ready => $crate::scenario::chan::DefaultOnlyWhenNoArmIsReady,
            chan_ready_arms_are_chosen_uniformly => $crate::scenario::chan::ReadyArmsAreChosenUniformly,
            chan_select_twice_on_one_channel_leaves_its_queue_intact => $crate::scenario::chan::SelectTwiceOnOneChannelLeavesItsQueueIntact,
            chan_select_with_no_ready_arm_ends_only_at_its_timeout => $crate::scenario::chan::SelectWithNoReadyArmEndsOnlyAtItsTimeout,
            chan_len_never_exceeds_capacity => $crate::scenario::chan::LenNeverExceedsCapacity,
            wait_group_wait_returns_after_every_done => $crate::scenario::wait_group::WaitReturnsAfterEveryDone,
            wait_group_reuse_after_wait_returns => $crate::scenario::wait_group::ReuseAfterWaitReturns,
            context_cancel_reaches_every_descendant => $crate::scenario::context::CancelReachesEveryDescendant,
            context_deadline_or_cancel_set_once => $crate::scenario::context::DeadlineOrCancelSetOnce,
            context_cancel_is_synchronous => $crate::scenario::context::CancelIsSynchronous,
            context_values_are_scoped_to_their_subtree => $crate::scenario::context::ValuesAreScopedToTheirSubtree,
            context_after_func_runs_once_unless_stopped => $crate::scenario::context::AfterFuncRunsOnceUnlessStopped,
            context_cause_is_set_once_and_inherited => $crate::scenario::context::CauseIsSetOnceAndInherited,
            context_without_cancel_keeps_values_only => $crate::scenario::context::WithoutCancelKeepsValuesOnly,
            context_deadline_is_the_earliest_in_its_chain => $crate::scenario::context::DeadlineIsTheEarliestInItsChain,
            context_cancel_stops_the_deadline_timer => $crate::scenario::context::CancelStopsTheDeadlineTimer,
            context_concurrent_cancels_cancel_once => $crate::scenario::context::ConcurrentCancelsCancelOnce,
            semaphore_holders_never_exceed_capacity => $crate::scenario::semaphore::HoldersNeverExceedCapacity,
            semaphore_cancelled_waiter_takes_no_permit => $crate::scenario::semaphore::CancelledWaiterTakesNoPermit,
            semaphore_done_context_takes_no_free_permit => $crate::scenario::semaphore::DoneContextTakesNoFreePermit,
            errgroup_first_error_cancels_group => $crate::scenario::errgroup::FirstErrorCancelsGroup,
            errgroup_try_go_never_exceeds_limit => $crate::scenario::errgroup::TryGoNeverExceedsLimit,
            errgroup_parent_cancel_reaches_every_task => $crate::scenario::errgroup::ParentCancelReachesEveryTask,
            weighted_held_never_exceeds_size => $crate::scenario::weighted::HeldNeverExceedsSize,
            weighted_waiters_are_served_in_order => $crate::scenario::weighted::WaitersAreServedInOrder,
            weighted_cancelled_waiter_takes_nothing => $crate::scenario::weighted::CancelledWaiterTakesNothing,
            time_timers_fire_in_deadline_order => $crate::scenario::time::TimersFireInDeadlineOrder,
            time_reset_fires_once_more => $crate::scenario::time::ResetFiresOnceMore,
            ticker_ticks_keep_their_period => $crate::scenario::ticker::TicksKeepTheirPeriod,
            ticker_no_tick_after_stop => $crate::scenario::ticker::NoTickAfterStop,
            context_background_is_never_done => $crate::scenario::context::BackgroundIsNeverDone,
            context_deadline_ends_a_context_with_deadline_exceeded => $crate::scenario::context::DeadlineEndsAContextWithDeadlineExceeded,
            errgroup_limit_bounds_running_tasks => $crate::scenario::errgroup::LimitBoundsRunningTasks,
            time_after_delivers_the_time_once_its_delay_has_passed => $crate::scenario::time::AfterDeliversTheTimeOnceItsDelayHasPassed,
            time_after_func_runs_once_after_its_delay => $crate::scenario::time::AfterFuncRunsOnceAfterItsDelay,
            time_stop_reports_whether_it_kept_the_timer_from_firing => $crate::scenario::time::StopReportsWhetherItKeptTheTimerFromFiring,
            time_select_leaves_no_timer_pending => $crate::scenario::time::SelectLeavesNoTimerPending,
            worker_pool_every_job_accounted_once => $crate::scenario::worker_pool::EveryJobAccountedOnce,
            worker_pool_in_flight_never_exceeds_workers => $crate::scenario::worker_pool::InFlightNeverExceedsWorkers,
            fan_merge_keeps_every_value_in_input_order => $crate::scenario::fan::MergeKeepsEveryValueInInputOrder,
            fan_early_stop_leaves_no_thread_blocked => $crate::scenario::fan::EarlyStopLeavesNoThreadBlocked,
            fan_fan_out_processes_each_value_once => $crate::scenario::fan::FanOutProcessesEachValueOnce,
            pipeline_output_is_composition_in_order => $crate::scenario::pipeline::OutputIsCompositionInOrder,
            pipeline_downstream_stop_ends_every_stage => $crate::scenario::pipeline::DownstreamStopEndsEveryStage,
            limiter_calls_never_exceed_limit => $crate::scenario::limiter::CallsNeverExceedLimit,
            request_root_cancel_stops_every_part => $crate::scenario::request::RootCancelStopsEveryPart,
            panic_safety_caught_panic_releases_everything => $crate::scenario::panic_safety::CaughtPanicReleasesEverything,
            rw_mutex_readers_share_writers_exclude => $crate::scenario::rw_mutex::ReadersShareWritersExclude,
            rw_mutex_waiting_writer_holds_back_new_readers => $crate::scenario::rw_mutex::WaitingWriterHoldsBackNewReaders,
            shared_state_cache_computes_each_key_once => $crate::scenario::shared_state::CacheComputesEachKeyOnce,
            shared_state_registry_iteration_is_consistent => $crate::scenario::shared_state::RegistryIterationIsConsistent,
            shared_state_metrics_count_every_event => $crate::scenario::shared_state::MetricsCountEveryEvent,
            memory_model_send_before_receive => $crate::scenario::memory_model::SendBeforeReceive,
            memory_model_close_before_closed_receive => $crate::scenario::memory_model::CloseBeforeClosedReceive,
            memory_model_unlock_before_lock => $crate::scenario::memory_model::UnlockBeforeLock,
            memory_model_runlock_before_lock => $crate::scenario::memory_model::RunlockBeforeLock,
            memory_model_done_before_wait => $crate::scenario::memory_model::DoneBeforeWait,
            memory_model_cancel_before_done_observed => $crate::scenario::memory_model::CancelBeforeDoneObserved,
            memory_model_release_before_acquire => $crate::scenario::memory_model::ReleaseBeforeAcquire,
            memory_model_go_before_wait => $crate::scenario::memory_model::GoBeforeWait,
            memory_model_arm_before_callback => $crate::scenario::memory_model::ArmBeforeCallback,
            mutex_holders_are_alone => $crate::scenario::mutex::HoldersAreAlone,
            mutex_another_thread_may_unlock => $crate::scenario::mutex::AnotherThreadMayUnlock,
            cond_wait_unlocks_and_relocks => $crate::scenario::cond::WaitUnlocksAndRelocks,
            cond_wait_returns_only_when_signalled => $crate::scenario::cond::WaitReturnsOnlyWhenSignalled,
            cond_signal_wakes_the_longest_waiter => $crate::scenario::cond::SignalWakesTheLongestWaiter,
            cond_broadcast_wakes_every_waiter => $crate::scenario::cond::BroadcastWakesEveryWaiter,
            once_runs_the_first_function_once => $crate::scenario::once::RunsTheFirstFunctionOnce,
            memory_model_mutex_unlock_before_lock => $crate::scenario::memory_model::MutexUnlockBeforeLock,
            memory_model_once_before_every_return => $crate::scenario::memory_model::OnceBeforeEveryReturn,
            time_sleep_lasts_at_least_its_delay => $crate::scenario::time::SleepLastsAtLeastItsDelay,
            race_cell_ordered_accesses_are_not_races => $crate::scenario::race_cell::OrderedAccessesAreNotRaces,
        }
    };
}

/// Calls the macro `$callback` with `test_name => MistakeType,` for every bug-zoo entry: the one
/// list the catalog and each checker's zoo tests are built from.
#[macro_export]
macro_rules! for_each_mistake {
    ($callback:ident) => {
        $callback! {
            unbounded_spawning => $crate::zoo::unbounded_spawning::UnboundedSpawning,
            forgotten_cancel => $crate::zoo::forgotten_cancel::ForgottenCancel,
            close_from_receiver => $crate::zoo::close_from_receiver::CloseFromReceiver,
            double_close => $crate::zoo::double_close::DoubleClose,
            lost_update => $crate::zoo::lost_update::LostUpdate,
            check_then_act => $crate::zoo::check_then_act::CheckThenAct,
            wait_group_add_inside_thread => $crate::zoo::wait_group_add_inside_thread::WaitGroupAddInsideThread,
            wait_group_done_twice => $crate::zoo::wait_group_done_twice::WaitGroupDoneTwice,
            lost_wakeup => $crate::zoo::lost_wakeup::LostWakeup,
            lock_order_inversion => $crate::zoo::lock_order_inversion::LockOrderInversion,
            send_without_receiver => $crate::zoo::send_without_receiver::SendWithoutReceiver,
            worker_ignores_done => $crate::zoo::worker_ignores_done::WorkerIgnoresDone,
            child_context_never_cancelled => $crate::zoo::child_context_never_cancelled::ChildContextNeverCancelled,
            cancel_not_propagated => $crate::zoo::cancel_not_propagated::CancelNotPropagated,
            stage_forgets_close => $crate::zoo::stage_forgets_close::StageForgetsClose,
            consumer_holds_sender => $crate::zoo::consumer_holds_sender::ConsumerHoldsSender,
            semaphore_permit_leak => $crate::zoo::semaphore_permit_leak::SemaphorePermitLeak,
            wait_without_loop => $crate::zoo::wait_without_loop::WaitWithoutLoop,
            relaxed_publication => $crate::zoo::relaxed_publication::RelaxedPublication,
            recursive_read_lock => $crate::zoo::recursive_read_lock::RecursiveReadLock,
            read_lock_upgrade => $crate::zoo::read_lock_upgrade::ReadLockUpgrade,
            manager_loses_updates => $crate::zoo::manager_loses_updates::ManagerLosesUpdates,
            context_value_as_parameter => $crate::zoo::context_value_as_parameter::ContextValueAsParameter,
            unsynchronized_counter => $crate::zoo::unsynchronized_counter::UnsynchronizedCounter,
        }
    };
}

/// Calls the macro `$callback` with `test_name => KernelType,` for every ported GoKer kernel
/// (`checks/src/goker/`): the one list the catalog and the kernel tests are built from.
#[macro_export]
macro_rules! for_each_kernel {
    ($callback:ident) => {
        $callback! {
            cockroach_10214 => $crate::goker::cockroach_10214::Cockroach10214,
            cockroach_10790 => $crate::goker::cockroach_10790::Cockroach10790,
            cockroach_13197 => $crate::goker::cockroach_13197::Cockroach13197,
            cockroach_13755 => $crate::goker::cockroach_13755::Cockroach13755,
            cockroach_1462 => $crate::goker::cockroach_1462::Cockroach1462,
            cockroach_16167 => $crate::goker::cockroach_16167::Cockroach16167,
            cockroach_18101 => $crate::goker::cockroach_18101::Cockroach18101,
            cockroach_2448 => $crate::goker::cockroach_2448::Cockroach2448,
            cockroach_24808 => $crate::goker::cockroach_24808::Cockroach24808,
            cockroach_25456 => $crate::goker::cockroach_25456::Cockroach25456,
            cockroach_35073 => $crate::goker::cockroach_35073::Cockroach35073,
            cockroach_35501 => $crate::goker::cockroach_35501::Cockroach35501,
            cockroach_35931 => $crate::goker::cockroach_35931::Cockroach35931,
            cockroach_3710 => $crate::goker::cockroach_3710::Cockroach3710,
            cockroach_4407 => $crate::goker::cockroach_4407::Cockroach4407,
            cockroach_584 => $crate::goker::cockroach_584::Cockroach584,
            cockroach_6181 => $crate::goker::cockroach_6181::Cockroach6181,
            cockroach_7504 => $crate::goker::cockroach_7504::Cockroach7504,
            cockroach_9935 => $crate::goker::cockroach_9935::Cockroach9935,
            etcd_10492 => $crate::goker::etcd_10492::Etcd10492,
            etcd_3077 => $crate::goker::etcd_3077::Etcd3077,
            etcd_4876 => $crate::goker::etcd_4876::Etcd4876,
            etcd_5509 => $crate::goker::etcd_5509::Etcd5509,
            etcd_6708 => $crate::goker::etcd_6708::Etcd6708,
            etcd_6857 => $crate::goker::etcd_6857::Etcd6857,
            etcd_6873 => $crate::goker::etcd_6873::Etcd6873,
            etcd_7443 => $crate::goker::etcd_7443::Etcd7443,
            etcd_7492 => $crate::goker::etcd_7492::Etcd7492,
            etcd_7902 => $crate::goker::etcd_7902::Etcd7902,
            etcd_8194 => $crate::goker::etcd_8194::Etcd8194,
            etcd_9446 => $crate::goker::etcd_9446::Etcd9446,
            grpc_1275 => $crate::goker::grpc_1275::Grpc1275,
            grpc_1353 => $crate::goker::grpc_1353::Grpc1353,
            grpc_1424 => $crate::goker::grpc_1424::Grpc1424,
            grpc_1460 => $crate::goker::grpc_1460::Grpc1460,
            grpc_1687 => $crate::goker::grpc_1687::Grpc1687,
            grpc_1748 => $crate::goker::grpc_1748::Grpc1748,
            grpc_2371 => $crate::goker::grpc_2371::Grpc2371,
            grpc_3017 => $crate::goker::grpc_3017::Grpc3017,
            grpc_3090 => $crate::goker::grpc_3090::Grpc3090,
            grpc_660 => $crate::goker::grpc_660::Grpc660,
            grpc_795 => $crate::goker::grpc_795::Grpc795,
            grpc_862 => $crate::goker::grpc_862::Grpc862,
            hugo_3251 => $crate::goker::hugo_3251::Hugo3251,
            hugo_5379 => $crate::goker::hugo_5379::Hugo5379,
            istio_16224 => $crate::goker::istio_16224::Istio16224,
            istio_16742 => $crate::goker::istio_16742::Istio16742,
            istio_17860 => $crate::goker::istio_17860::Istio17860,
            istio_18454 => $crate::goker::istio_18454::Istio18454,
            istio_8144 => $crate::goker::istio_8144::Istio8144,
            istio_8214 => $crate::goker::istio_8214::Istio8214,
            istio_8967 => $crate::goker::istio_8967::Istio8967,
            kubernetes_10182 => $crate::goker::kubernetes_10182::Kubernetes10182,
            kubernetes_11298 => $crate::goker::kubernetes_11298::Kubernetes11298,
            kubernetes_13058 => $crate::goker::kubernetes_13058::Kubernetes13058,
            kubernetes_13135 => $crate::goker::kubernetes_13135::Kubernetes13135,
            kubernetes_1321 => $crate::goker::kubernetes_1321::Kubernetes1321,
            kubernetes_25331 => $crate::goker::kubernetes_25331::Kubernetes25331,
            kubernetes_26980 => $crate::goker::kubernetes_26980::Kubernetes26980,
            kubernetes_30872 => $crate::goker::kubernetes_30872::Kubernetes30872,
            kubernetes_38669 => $crate::goker::kubernetes_38669::Kubernetes38669,
            kubernetes_49404 => $crate::goker::kubernetes_49404::Kubernetes49404,
            kubernetes_5316 => $crate::goker::kubernetes_5316::Kubernetes5316,
            kubernetes_58107 => $crate::goker::kubernetes_58107::Kubernetes58107,
            kubernetes_62464 => $crate::goker::kubernetes_62464::Kubernetes62464,
            kubernetes_6632 => $crate::goker::kubernetes_6632::Kubernetes6632,
            kubernetes_70277 => $crate::goker::kubernetes_70277::Kubernetes70277,
            kubernetes_70892 => $crate::goker::kubernetes_70892::Kubernetes70892,
            kubernetes_77796 => $crate::goker::kubernetes_77796::Kubernetes77796,
            kubernetes_79631 => $crate::goker::kubernetes_79631::Kubernetes79631,
            kubernetes_80284 => $crate::goker::kubernetes_80284::Kubernetes80284,
            kubernetes_81091 => $crate::goker::kubernetes_81091::Kubernetes81091,
            kubernetes_81148 => $crate::goker::kubernetes_81148::Kubernetes81148,
            kubernetes_82239 => $crate::goker::kubernetes_82239::Kubernetes82239,
            kubernetes_82550 => $crate::goker::kubernetes_82550::Kubernetes82550,
            kubernetes_88331 => $crate::goker::kubernetes_88331::Kubernetes88331,
            kubernetes_89164 => $crate::goker::kubernetes_89164::Kubernetes89164,
            moby_17176 => $crate::goker::moby_17176::Moby17176,
            moby_18412 => $crate::goker::moby_18412::Moby18412,
            moby_21233 => $crate::goker::moby_21233::Moby21233,
            moby_22941 => $crate::goker::moby_22941::Moby22941,
            moby_25384 => $crate::goker::moby_25384::Moby25384,
            moby_27037 => $crate::goker::moby_27037::Moby27037,
            moby_27782 => $crate::goker::moby_27782::Moby27782,
            moby_28462 => $crate::goker::moby_28462::Moby28462,
            moby_29733 => $crate::goker::moby_29733::Moby29733,
            moby_30408 => $crate::goker::moby_30408::Moby30408,
            moby_33293 => $crate::goker::moby_33293::Moby33293,
            moby_33781 => $crate::goker::moby_33781::Moby33781,
            moby_36114 => $crate::goker::moby_36114::Moby36114,
            moby_4395 => $crate::goker::moby_4395::Moby4395,
            moby_4951 => $crate::goker::moby_4951::Moby4951,
            moby_7559 => $crate::goker::moby_7559::Moby7559,
            serving_2137 => $crate::goker::serving_2137::Serving2137,
            serving_3068 => $crate::goker::serving_3068::Serving3068,
            serving_3148 => $crate::goker::serving_3148::Serving3148,
            serving_4908 => $crate::goker::serving_4908::Serving4908,
            serving_5865 => $crate::goker::serving_5865::Serving5865,
            serving_6171 => $crate::goker::serving_6171::Serving6171,
            serving_6472 => $crate::goker::serving_6472::Serving6472,
            syncthing_4829 => $crate::goker::syncthing_4829::Syncthing4829,
            syncthing_5795 => $crate::goker::syncthing_5795::Syncthing5795,
        }
    };
}

/// Every scenario of the kit and the patterns.
pub fn scenarios() -> Vec<Entry> {
    macro_rules! entries {
        ($($test:ident => $scenario:ty,)*) => {
            vec![$(entry::<$scenario>(),)*]
        };
    }
    crate::for_each_scenario!(entries)
}

/// One bug-zoo entry, type-erased: its scenario runs the broken or the correct variant.
pub struct ZooEntry {
    /// The entry as a scenario (its instances run the broken variant).
    pub entry: Entry,
    /// The failure kind that must catch the broken variant.
    pub caught_as: FailureKind,
    /// Whether it fails on every schedule ([`Mistake::DETERMINISTIC`]).
    pub deterministic: bool,
    /// The checkers that cannot see it ([`Mistake::MISSED_BY`]).
    pub missed_by: &'static [crate::harness::CheckerKind],
    /// Runs an instance with the given variant under a checker.
    pub run_variant: fn(Size, Variant, &Checker) -> Stats,
    /// Runs an instance of the broken variant until its first failure, no more
    /// ([`crate::harness::first_failure`]: not shrunk, traced or saved).
    pub first_failure: fn(Size, &Checker) -> Stats,
}

fn zoo_entry<M: Mistake>() -> ZooEntry {
    ZooEntry {
        entry: entry::<M>(),
        caught_as: M::CAUGHT_AS,
        deterministic: M::DETERMINISTIC,
        missed_by: M::MISSED_BY,
        run_variant: |size, variant, checker| {
            check(&instance::<M>(size).with_variant(variant), checker)
        },
        first_failure: |size, checker| {
            let broken = instance::<M>(size).with_variant(Variant::Broken);
            crate::harness::first_failure(&broken, checker)
        },
    }
}

/// A zoo entry's instance of `size`.
fn instance<M: Mistake>(size: Size) -> M {
    match size {
        Size::Small => M::small(),
        Size::Large => M::large(),
    }
}

/// Every bug-zoo entry.
pub fn zoo() -> Vec<ZooEntry> {
    macro_rules! entries {
        ($($test:ident => $mistake:ty,)*) => {
            vec![$(zoo_entry::<$mistake>(),)*]
        };
    }
    crate::for_each_mistake!(entries)
}

/// One ported GoKer kernel, type-erased: a zoo entry (the bug broken, the fix correct) and what
/// GoBench says of it.
pub struct KernelEntry {
    /// The kernel as a zoo entry.
    pub zoo: ZooEntry,
    /// GoBench's labels.
    pub goker: Goker,
}

/// Every ported GoKer kernel.
pub fn kernels() -> Vec<KernelEntry> {
    macro_rules! entries {
        ($($test:ident => $kernel:ty,)*) => {
            vec![$(KernelEntry {
                zoo: zoo_entry::<$kernel>(),
                goker: <$kernel as Kernel>::GOKER,
            },)*]
        };
    }
    crate::for_each_kernel!(entries)
}

/// Every bug-zoo entry, then every ported GoKer kernel, as zoo entries.
pub fn zoo_and_kernels() -> Vec<ZooEntry> {
    zoo()
        .into_iter()
        .chain(kernels().into_iter().map(|kernel| kernel.zoo))
        .collect()
}

/// The scenario, zoo entry or GoKer kernel called `name`.
pub fn find(name: &str) -> Option<Entry> {
    scenarios()
        .into_iter()
        .chain(zoo_and_kernels().into_iter().map(|zoo| zoo.entry))
        .find(|entry| entry.name == name)
}

/// Replays the failure saved in the replay file at `path` (the scenario is looked up by name);
/// `trace`: with its step-by-step trace.
pub fn replay_file(path: &Path, trace: bool) -> Result<Stats, String> {
    let file = read_replay_file(path)?;
    let entry = find(&file.scenario)
        .ok_or_else(|| format!("unknown scenario {:?} in {}", file.scenario, path.display()))?;
    (entry.replay)(&file, trace)
}

#[cfg(test)]
mod tests {
    use crate::goker::{Class, NOT_PORTED};

    #[test]
    fn ported_and_not_ported_kernels_make_up_each_class() {
        let kernels = super::kernels();
        for class in Class::ALL {
            let ported = kernels.iter().filter(|k| k.goker.class == class).count();
            let not_ported = NOT_PORTED.iter().filter(|k| k.goker.class == class).count();
            assert_eq!(
                ported + not_ported,
                class.in_goker(),
                "{} kernels: {ported} ported and {not_ported} listed as not ported",
                class.name()
            );
            let of_class = format!("of {}", class.in_goker());
            assert!(
                class.published().contains(&of_class),
                "the published figures count {} kernels: {}",
                class.in_goker(),
                class.published()
            );
        }
        for left_out in NOT_PORTED {
            let name = format!("goker::{}_{}", left_out.goker.project, left_out.goker.id);
            assert!(
                kernels.iter().all(|k| k.zoo.entry.name != name),
                "{name} is both ported and listed as not ported"
            );
        }
    }
}
