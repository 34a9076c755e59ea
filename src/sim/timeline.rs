//! The provisioning timeline: each node's status as power operations move it through
//! DOWN → PENDING → BOOTING → INSTALLING → INSTALLER_CALLINGINIT → UP, the provisioning slots
//! and their FIFO queue.
//!
//! The timeline is a discrete-event simulation evaluated on demand: every phase has a deadline,
//! and `advance(now)` fires the deadlines that have passed in time order, so a slot freed at
//! time t starts the next queued node at t, not at the moment someone next asks. Nothing runs
//! in the background and nothing polls; the clock is whatever `Instant` the caller passes
//! (tokio's, so a paused test clock works too).

use crate::provider::bcm::wire::{NodeStatus, PowerOp};
use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;
use tokio::time::Instant;

/// How long each phase lasts. The real durations (bcm-api.md §10) are 30 s of PXE boot,
/// 300 s of node-installer rsync and 30 s of switching to the local root.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Timing {
    pub booting: Duration,
    pub installing: Duration,
    pub calling_init: Duration,
    pub going_down: Duration,
}

impl Timing {
    /// The durations of a real headnode at time scale 1.
    pub const REAL: Timing = Timing {
        booting: Duration::from_secs(30),
        installing: Duration::from_secs(300),
        calling_init: Duration::from_secs(30),
        going_down: Duration::from_secs(10),
    };

    /// Real durations divided by `time_scale` (100 makes a full provisioning 3.6 s).
    pub fn scaled(time_scale: f64) -> Timing {
        let divide = |d: Duration| d.div_f64(time_scale);
        Timing {
            booting: divide(Self::REAL.booting),
            installing: divide(Self::REAL.installing),
            calling_init: divide(Self::REAL.calling_init),
            going_down: divide(Self::REAL.going_down),
        }
    }

    /// Durations whose provisioning phases add up to `total`, in the real proportions.
    pub fn with_provision_total(total: Duration) -> Timing {
        let scale = Self::REAL.provision_total().as_secs_f64() / total.as_secs_f64();
        Self::scaled(scale)
    }

    /// BOOTING + INSTALLING + INSTALLER_CALLINGINIT: one node's time from slot to UP.
    pub fn provision_total(&self) -> Duration {
        self.booting + self.installing + self.calling_init
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Down,
    Pending,
    Booting,
    Installing,
    CallingInit,
    Up,
    InstallerFailed,
    GoingDown,
}

impl Phase {
    fn status(self) -> NodeStatus {
        match self {
            Phase::Down => NodeStatus::Down,
            Phase::Pending => NodeStatus::Pending,
            Phase::Booting => NodeStatus::Booting,
            Phase::Installing => NodeStatus::Installing,
            Phase::CallingInit => NodeStatus::InstallerCallingInit,
            Phase::Up => NodeStatus::Up,
            Phase::InstallerFailed => NodeStatus::InstallerFailed,
            Phase::GoingDown => NodeStatus::GoingDown,
        }
    }

    fn info_message(self) -> &'static str {
        match self {
            Phase::Pending => "waiting for a free provisioning slot",
            Phase::Booting => "node booting over PXE",
            Phase::Installing => "provisioning started",
            Phase::CallingInit => "provisioning completed",
            Phase::InstallerFailed => "node-installer failed (simulated fault)",
            Phase::GoingDown => "node shutting down",
            Phase::Down | Phase::Up => "",
        }
    }
}

#[derive(Clone, Debug)]
struct NodeState {
    phase: Phase,
    since: Instant,
    /// Key of this node's pending event in `Timeline::events`, if its phase ends by itself.
    deadline: Option<(Instant, u64)>,
    holds_slot: bool,
    /// Captured when provisioning starts: the install of this run ends in INSTALLER_FAILED.
    fail_install: bool,
    provisioning_failed: bool,
    last_up: Option<Instant>,
}

/// What `cmstatus.getStatusForDevices` reports for one node.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeView {
    pub status: NodeStatus,
    pub since: Instant,
    pub provisioning_failed: bool,
    pub info_message: &'static str,
    pub last_up: Option<Instant>,
}

/// All nodes' phases, the slots and the queue. Keys are device UUIDs.
#[derive(Debug)]
pub struct Timeline {
    timing: Timing,
    slots: usize,
    nodes: BTreeMap<String, NodeState>,
    queue: VecDeque<String>,
    events: BTreeMap<(Instant, u64), String>,
    next_sequence: u64,
    slots_in_use: usize,
    peak_slots_in_use: usize,
    clock: Instant,
}

impl Timeline {
    pub fn new(timing: Timing, slots: usize, start: Instant) -> Timeline {
        Timeline {
            timing,
            slots,
            nodes: BTreeMap::new(),
            queue: VecDeque::new(),
            events: BTreeMap::new(),
            next_sequence: 0,
            slots_in_use: 0,
            peak_slots_in_use: 0,
            clock: start,
        }
    }

    pub fn timing(&self) -> Timing {
        self.timing
    }

    /// Registers a device, UP or DOWN, as it was found (inventory) or created (DOWN).
    pub fn insert(&mut self, uuid: &str, up: bool, now: Instant) {
        self.advance(now);
        let phase = if up { Phase::Up } else { Phase::Down };
        self.nodes.insert(
            uuid.to_string(),
            NodeState {
                phase,
                since: self.clock,
                deadline: None,
                holds_slot: false,
                fail_install: false,
                provisioning_failed: false,
                last_up: None,
            },
        );
    }

    /// Forgets a removed device; a slot it held goes to the next queued node.
    pub fn remove(&mut self, uuid: &str, now: Instant) {
        self.advance(now);
        let at = self.clock;
        self.leave_phase(uuid, at);
        self.nodes.remove(uuid);
    }

    /// Fires every deadline up to `now`, in time order.
    pub fn advance(&mut self, now: Instant) {
        while let Some((&(at, sequence), _)) = self.events.first_key_value() {
            if at > now {
                break;
            }
            let Some(uuid) = self.events.remove(&(at, sequence)) else {
                break;
            };
            self.clock = self.clock.max(at);
            if let Some(node) = self.nodes.get_mut(&uuid) {
                node.deadline = None;
            }
            self.phase_ended(&uuid, at);
        }
        self.clock = self.clock.max(now);
    }

    /// Applies a power operation to a registered node at `now`. `fail_install` marks the
    /// provisioning this starts to fail after INSTALLING. Returns false for an unknown UUID.
    pub fn power(
        &mut self,
        uuid: &str,
        operation: PowerOp,
        fail_install: bool,
        now: Instant,
    ) -> bool {
        self.advance(now);
        let at = self.clock;
        let Some(node) = self.nodes.get_mut(uuid) else {
            return false;
        };
        let phase = node.phase;
        match operation {
            PowerOp::Status => {}
            PowerOp::On => {
                if matches!(
                    phase,
                    Phase::Down | Phase::InstallerFailed | Phase::GoingDown
                ) {
                    self.request_provisioning(uuid, fail_install, at);
                }
            }
            PowerOp::Reset | PowerOp::Auxcycle => match phase {
                Phase::Pending => {}
                Phase::Booting | Phase::Installing | Phase::CallingInit => {
                    // A hard reset interrupts the installer; the node keeps its slot and
                    // boots again.
                    node.fail_install = fail_install;
                    node.provisioning_failed = false;
                    let booting = self.timing.booting;
                    self.set_phase(uuid, Phase::Booting, at, Some(booting));
                }
                Phase::Down | Phase::Up | Phase::InstallerFailed | Phase::GoingDown => {
                    self.request_provisioning(uuid, fail_install, at);
                }
            },
            PowerOp::Off => match phase {
                Phase::Up => {
                    let going_down = self.timing.going_down;
                    self.set_phase(uuid, Phase::GoingDown, at, Some(going_down));
                }
                Phase::Pending
                | Phase::Booting
                | Phase::Installing
                | Phase::CallingInit
                | Phase::InstallerFailed => {
                    self.leave_phase(uuid, at);
                    self.set_phase(uuid, Phase::Down, at, None);
                }
                Phase::Down | Phase::GoingDown => {}
            },
        }
        true
    }

    /// Whether the node's power is on (what a STATUS power operation reports).
    pub fn powered_on(&self, uuid: &str) -> Option<bool> {
        self.nodes
            .get(uuid)
            .map(|node| !matches!(node.phase, Phase::Down | Phase::GoingDown))
    }

    /// The node's status as of the last `advance`.
    pub fn view(&self, uuid: &str) -> Option<NodeView> {
        self.nodes.get(uuid).map(|node| NodeView {
            status: node.phase.status(),
            since: node.since,
            provisioning_failed: node.provisioning_failed,
            info_message: node.phase.info_message(),
            last_up: node.last_up,
        })
    }

    /// The largest number of nodes that held a provisioning slot at the same time.
    pub fn peak_slots_in_use(&self) -> usize {
        self.peak_slots_in_use
    }

    pub fn slots_in_use(&self) -> usize {
        self.slots_in_use
    }

    pub fn slots(&self) -> usize {
        self.slots
    }

    /// Nodes waiting in PENDING for a slot.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    fn request_provisioning(&mut self, uuid: &str, fail_install: bool, at: Instant) {
        if let Some(node) = self.nodes.get_mut(uuid) {
            node.fail_install = fail_install;
            node.provisioning_failed = false;
        }
        if self.slots_in_use < self.slots {
            self.take_slot_and_boot(uuid, at);
        } else {
            self.set_phase(uuid, Phase::Pending, at, None);
            self.queue.push_back(uuid.to_string());
        }
    }

    fn take_slot_and_boot(&mut self, uuid: &str, at: Instant) {
        if let Some(node) = self.nodes.get_mut(uuid) {
            node.holds_slot = true;
            self.slots_in_use += 1;
            self.peak_slots_in_use = self.peak_slots_in_use.max(self.slots_in_use);
        }
        let booting = self.timing.booting;
        self.set_phase(uuid, Phase::Booting, at, Some(booting));
    }

    /// Undoes what the node's current phase holds: its queue place or its slot.
    fn leave_phase(&mut self, uuid: &str, at: Instant) {
        let Some(node) = self.nodes.get_mut(uuid) else {
            return;
        };
        if let Some(key) = node.deadline.take() {
            self.events.remove(&key);
        }
        if node.phase == Phase::Pending {
            self.queue.retain(|queued| queued != uuid);
        }
        if node.holds_slot {
            node.holds_slot = false;
            self.release_slot(at);
        }
    }

    fn release_slot(&mut self, at: Instant) {
        self.slots_in_use = self.slots_in_use.saturating_sub(1);
        while self.slots_in_use < self.slots {
            let Some(next) = self.queue.pop_front() else {
                break;
            };
            if self.nodes.get(&next).map(|n| n.phase) == Some(Phase::Pending) {
                self.take_slot_and_boot(&next, at);
            }
        }
    }

    fn set_phase(&mut self, uuid: &str, phase: Phase, at: Instant, lasts: Option<Duration>) {
        let Some(node) = self.nodes.get_mut(uuid) else {
            return;
        };
        if let Some(key) = node.deadline.take() {
            self.events.remove(&key);
        }
        node.phase = phase;
        node.since = at;
        if phase == Phase::Up {
            node.last_up = Some(at);
        }
        if let Some(lasts) = lasts {
            let key = (at + lasts, self.next_sequence);
            self.next_sequence += 1;
            node.deadline = Some(key);
            self.events.insert(key, uuid.to_string());
        }
    }

    fn phase_ended(&mut self, uuid: &str, at: Instant) {
        let Some(node) = self.nodes.get(uuid) else {
            return;
        };
        match node.phase {
            Phase::Booting => {
                let installing = self.timing.installing;
                self.set_phase(uuid, Phase::Installing, at, Some(installing));
            }
            Phase::Installing if node.fail_install => {
                self.leave_phase(uuid, at);
                if let Some(node) = self.nodes.get_mut(uuid) {
                    node.provisioning_failed = true;
                }
                self.set_phase(uuid, Phase::InstallerFailed, at, None);
            }
            Phase::Installing => {
                let calling_init = self.timing.calling_init;
                self.set_phase(uuid, Phase::CallingInit, at, Some(calling_init));
            }
            Phase::CallingInit => {
                self.leave_phase(uuid, at);
                self.set_phase(uuid, Phase::Up, at, None);
            }
            Phase::GoingDown => self.set_phase(uuid, Phase::Down, at, None),
            Phase::Down | Phase::Pending | Phase::Up | Phase::InstallerFailed => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seconds(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    fn status(timeline: &Timeline, uuid: &str) -> NodeStatus {
        timeline
            .view(uuid)
            .map(|v| v.status)
            .unwrap_or(NodeStatus::Undefined)
    }

    #[test]
    fn provision_total_splits_in_real_proportions() {
        let timing = Timing::with_provision_total(seconds(3.6));
        assert_eq!(timing, Timing::scaled(100.0));
        assert!((timing.booting.as_secs_f64() - 0.3).abs() < 1e-9);
        assert!((timing.installing.as_secs_f64() - 3.0).abs() < 1e-9);
        assert!((timing.provision_total().as_secs_f64() - 3.6).abs() < 1e-9);
    }

    #[test]
    fn power_on_walks_every_phase_to_up() {
        let start = Instant::now();
        let mut timeline = Timeline::new(Timing::REAL, 10, start);
        timeline.insert("n1", false, start);
        assert_eq!(status(&timeline, "n1"), NodeStatus::Down);
        assert!(timeline.power("n1", PowerOp::On, false, start));
        let expected = [
            (0.0, NodeStatus::Booting),
            (29.9, NodeStatus::Booting),
            (30.0, NodeStatus::Installing),
            (329.9, NodeStatus::Installing),
            (330.0, NodeStatus::InstallerCallingInit),
            (360.0, NodeStatus::Up),
            (10_000.0, NodeStatus::Up),
        ];
        for (at, want) in expected {
            timeline.advance(start + seconds(at));
            assert_eq!(status(&timeline, "n1"), want, "at {at} s");
        }
        let view = timeline.view("n1").unwrap();
        assert_eq!(view.last_up, Some(start + seconds(360.0)));
        assert_eq!(view.since, start + seconds(360.0));
        assert_eq!(timeline.slots_in_use(), 0);
    }

    #[test]
    fn queued_nodes_start_when_a_slot_frees_not_when_asked() {
        let start = Instant::now();
        let mut timeline = Timeline::new(Timing::with_provision_total(seconds(1.0)), 2, start);
        for n in ["a", "b", "c", "d", "e"] {
            timeline.insert(n, false, start);
            timeline.power(n, PowerOp::On, false, start);
        }
        assert_eq!(status(&timeline, "c"), NodeStatus::Pending);
        assert_eq!(timeline.queued(), 3);
        // Nobody looks until long after everything should have finished.
        timeline.advance(start + seconds(100.0));
        let up_at = |n: &str| {
            timeline
                .view(n)
                .unwrap()
                .last_up
                .unwrap()
                .duration_since(start)
                .as_secs_f64()
        };
        assert!((up_at("a") - 1.0).abs() < 1e-6);
        assert!((up_at("c") - 2.0).abs() < 1e-6);
        assert!((up_at("d") - 2.0).abs() < 1e-6);
        assert!((up_at("e") - 3.0).abs() < 1e-6);
        assert_eq!(timeline.peak_slots_in_use(), 2);
        assert_eq!(timeline.slots_in_use(), 0);
    }

    #[test]
    fn queue_is_first_in_first_out() {
        let start = Instant::now();
        let mut timeline = Timeline::new(Timing::with_provision_total(seconds(1.0)), 1, start);
        for (i, n) in ["a", "b", "c"].iter().enumerate() {
            let at = start + seconds(0.01 * i as f64);
            timeline.insert(n, false, at);
            timeline.power(n, PowerOp::On, false, at);
        }
        timeline.advance(start + seconds(1.5));
        assert_eq!(status(&timeline, "a"), NodeStatus::Up);
        assert_eq!(status(&timeline, "b"), NodeStatus::Installing);
        assert_eq!(status(&timeline, "c"), NodeStatus::Pending);
    }

    #[test]
    fn failed_install_frees_its_slot_for_the_next_node() {
        let start = Instant::now();
        let mut timeline = Timeline::new(Timing::with_provision_total(seconds(3.6)), 1, start);
        timeline.insert("bad", false, start);
        timeline.insert("good", false, start);
        timeline.power("bad", PowerOp::On, true, start);
        timeline.power("good", PowerOp::On, false, start);
        timeline.advance(start + seconds(3.3));
        let bad = timeline.view("bad").unwrap();
        assert_eq!(bad.status, NodeStatus::InstallerFailed);
        assert!(bad.provisioning_failed);
        assert_eq!(bad.since, start + seconds(3.3));
        assert_eq!(status(&timeline, "good"), NodeStatus::Booting);
        timeline.advance(start + seconds(10.0));
        assert_eq!(status(&timeline, "good"), NodeStatus::Up);
        assert_eq!(status(&timeline, "bad"), NodeStatus::InstallerFailed);
        // Powering on again retries the install.
        timeline.power("bad", PowerOp::On, false, start + seconds(10.0));
        timeline.advance(start + seconds(20.0));
        let bad = timeline.view("bad").unwrap();
        assert_eq!(bad.status, NodeStatus::Up);
        assert!(!bad.provisioning_failed);
    }

    #[test]
    fn power_on_of_a_node_up_or_booting_changes_nothing() {
        let start = Instant::now();
        let mut timeline = Timeline::new(Timing::REAL, 10, start);
        timeline.insert("up", true, start);
        timeline.insert("booting", false, start);
        timeline.power("booting", PowerOp::On, false, start);
        let later = start + seconds(20.0);
        timeline.power("up", PowerOp::On, false, later);
        timeline.power("booting", PowerOp::On, false, later);
        assert_eq!(timeline.view("up").unwrap().since, start);
        assert_eq!(timeline.view("booting").unwrap().since, start);
        timeline.advance(start + seconds(30.0));
        assert_eq!(status(&timeline, "booting"), NodeStatus::Installing);
        assert_eq!(timeline.peak_slots_in_use(), 1);
    }

    #[test]
    fn power_off_goes_down_through_going_down_and_frees_slots() {
        let start = Instant::now();
        let mut timeline = Timeline::new(Timing::REAL, 1, start);
        timeline.insert("up", true, start);
        timeline.insert("installing", false, start);
        timeline.insert("queued", false, start);
        timeline.power("installing", PowerOp::On, false, start);
        timeline.power("queued", PowerOp::On, false, start);
        timeline.power("up", PowerOp::Off, false, start);
        assert_eq!(status(&timeline, "up"), NodeStatus::GoingDown);
        assert_eq!(timeline.powered_on("up"), Some(false));
        timeline.advance(start + seconds(10.0));
        assert_eq!(status(&timeline, "up"), NodeStatus::Down);
        timeline.power("installing", PowerOp::Off, false, start + seconds(40.0));
        assert_eq!(status(&timeline, "installing"), NodeStatus::Down);
        assert_eq!(status(&timeline, "queued"), NodeStatus::Booting);
        assert_eq!(
            timeline.view("queued").unwrap().since,
            start + seconds(40.0)
        );
        timeline.power("queued", PowerOp::Off, false, start + seconds(41.0));
        assert_eq!(timeline.slots_in_use(), 0);
    }

    #[test]
    fn reset_reprovisions_an_up_node_and_restarts_an_install() {
        let start = Instant::now();
        let mut timeline = Timeline::new(Timing::REAL, 10, start);
        timeline.insert("n", true, start);
        timeline.power("n", PowerOp::Reset, false, start);
        assert_eq!(status(&timeline, "n"), NodeStatus::Booting);
        timeline.advance(start + seconds(100.0));
        assert_eq!(status(&timeline, "n"), NodeStatus::Installing);
        timeline.power("n", PowerOp::Reset, false, start + seconds(100.0));
        assert_eq!(status(&timeline, "n"), NodeStatus::Booting);
        assert_eq!(timeline.slots_in_use(), 1);
        timeline.advance(start + seconds(100.0 + 360.0));
        assert_eq!(status(&timeline, "n"), NodeStatus::Up);
        assert_eq!(timeline.slots_in_use(), 0);
    }

    #[test]
    fn removing_a_provisioning_node_hands_its_slot_on() {
        let start = Instant::now();
        let mut timeline = Timeline::new(Timing::REAL, 1, start);
        timeline.insert("a", false, start);
        timeline.insert("b", false, start);
        timeline.power("a", PowerOp::On, false, start);
        timeline.power("b", PowerOp::On, false, start);
        timeline.remove("a", start + seconds(5.0));
        assert!(timeline.view("a").is_none());
        assert_eq!(status(&timeline, "b"), NodeStatus::Booting);
        assert!(!timeline.power("a", PowerOp::On, false, start + seconds(6.0)));
    }
}
