//! The simulated headnode's whole mutable state: the entity store, the provisioning timeline,
//! the faults in force and the counters the statistics report. One lock guards it all, so
//! every call sees the store and the statuses at the same instant.

use super::faults::{Dice, Faults};
use super::store::Store;
use super::timeline::{Timeline, Timing};
use crate::provider::bcm::wire::{
    ChangeResult, Device, DeviceStatus, NodeStatus, PowerOp, PowerOperation, PowerOperationResult,
    PowerStatus, ZERO_MAC,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map};
use std::collections::BTreeMap;
use tokio::time::Instant;

/// What the simulator counted, for tests and benchmarks (`GET /sim/stats`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SimStats {
    /// Seconds since the simulator started, when these statistics were taken.
    pub elapsed_seconds: f64,
    /// Provisioning slots (`--slots`).
    pub slots: usize,
    /// Seconds one node takes from BOOTING to UP.
    pub provision_seconds: f64,
    /// The most nodes that held a provisioning slot at the same time.
    pub peak_provisioning: usize,
    /// Nodes holding a slot now (BOOTING, INSTALLING, INSTALLER_CALLINGINIT).
    pub provisioning: usize,
    /// Nodes waiting in PENDING for a slot.
    pub pending: usize,
    /// `/json` calls received, answered or not.
    pub calls: u64,
    /// Power operations (ON, OFF, RESET, AUXCYCLE; not STATUS) received per hostname.
    pub power_operations: BTreeMap<String, u64>,
    /// Current status per hostname.
    pub status: BTreeMap<String, NodeStatus>,
    /// Seconds after the simulator started at which each node last reached UP.
    pub up_after_seconds: BTreeMap<String, f64>,
}

#[derive(Debug)]
pub struct Headnode {
    store: Store,
    timeline: Timeline,
    faults: Faults,
    dice: Dice,
    power_operations: BTreeMap<String, u64>,
    calls: u64,
    started: Instant,
    started_epoch_ms: u64,
}

impl Headnode {
    /// A headnode whose head nodes are UP and every other device DOWN.
    pub fn new(
        store: Store,
        timing: Timing,
        slots: usize,
        faults: Faults,
        started: Instant,
        started_epoch_ms: u64,
    ) -> Headnode {
        let mut timeline = Timeline::new(timing, slots, started);
        for device in store.devices() {
            timeline.insert(&device.uuid, device.child_type == "HeadNode", started);
        }
        Headnode {
            store,
            timeline,
            dice: Dice::new(faults.seed),
            faults,
            power_operations: BTreeMap::new(),
            calls: 0,
            started,
            started_epoch_ms,
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Wall-clock milliseconds since the epoch at a simulator instant.
    pub fn epoch_ms(&self, at: Instant) -> u64 {
        let since_start = at.saturating_duration_since(self.started).as_millis();
        self.started_epoch_ms
            .saturating_add(u64::try_from(since_start).unwrap_or(u64::MAX))
    }

    /// Brings every node's status up to `now`; each call does this before it looks.
    pub fn advance(&mut self, now: Instant) {
        self.timeline.advance(now);
    }

    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Replaces the faults; a new seed restarts the 503 schedule.
    pub fn set_faults(&mut self, faults: Faults) {
        if faults.seed != self.faults.seed {
            self.dice = Dice::new(faults.seed);
        }
        self.faults = faults;
    }

    /// Counts a received call and decides whether it is answered with 503.
    pub fn receive_call(&mut self) -> bool {
        self.calls += 1;
        self.dice.hits(self.faults.error_rate)
    }

    pub fn add_device(&mut self, device: Device, now: Instant) -> ChangeResult {
        let creation_time = self.epoch_ms(now) / 1000;
        let (result, uuid) = self.store.add_device(device, creation_time);
        if let Some(uuid) = uuid {
            self.timeline.insert(&uuid, false, now);
        }
        result
    }

    pub fn update_device(&mut self, device: Device) -> ChangeResult {
        self.store.update_device(device)
    }

    /// Removes a device by UUID; `None` when there is none.
    pub fn remove_device(&mut self, uuid: &str, now: Instant) -> Option<Device> {
        let removed = self.store.remove_device(uuid)?;
        self.timeline.remove(uuid, now);
        Some(removed)
    }

    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    /// `cmdevice.powerOperation`: devices are UUIDs. A device acted on counts; an unknown one
    /// or one whose BMC does not answer reports FAILED and does not.
    pub fn power(&mut self, operation: &PowerOperation, now: Instant) -> PowerOperationResult {
        self.timeline.advance(now);
        let mut result = PowerOperationResult::default();
        for id in &operation.devices {
            let Some(device) = self.store.devices().find(|d| &d.uuid == id) else {
                result.statuses.push(PowerStatus {
                    device: id.clone(),
                    state: "FAILED".to_string(),
                    msg: format!("No device with UUID {id}"),
                });
                continue;
            };
            let (uuid, hostname) = (device.uuid.clone(), device.hostname.clone());
            if operation.operation != PowerOp::Status {
                *self.power_operations.entry(hostname.clone()).or_default() += 1;
            }
            if self.faults.bmc_unreachable(&hostname) {
                result.statuses.push(PowerStatus {
                    device: uuid,
                    state: "FAILED".to_string(),
                    msg: format!("{hostname}: BMC did not respond (simulated fault)"),
                });
                continue;
            }
            let fail_install = self.faults.install_fails(&hostname);
            self.timeline
                .power(&uuid, operation.operation, fail_install, now);
            let state = match operation.operation {
                PowerOp::Status => match self.timeline.powered_on(&uuid) {
                    Some(true) => "ON",
                    _ => "OFF",
                },
                PowerOp::On => "ON",
                PowerOp::Off => "OFF",
                PowerOp::Reset => "RESET",
                PowerOp::Auxcycle => "AUXCYCLE",
            };
            result.statuses.push(PowerStatus {
                device: uuid,
                state: state.to_string(),
                msg: String::new(),
            });
            result.count += 1;
        }
        result
    }

    /// One device's `DeviceStatus`, as of the last `advance`.
    pub fn device_status(&self, uuid: &str) -> Option<DeviceStatus> {
        let device = self.store.devices().find(|d| d.uuid == uuid)?;
        let view = self.timeline.view(uuid)?;
        let up = view.status == NodeStatus::Up;
        let unassigned = device.mac.is_empty() || device.mac.eq_ignore_ascii_case(ZERO_MAC);
        let mut extra = Map::new();
        for (name, value) in [
            ("hostname", json!(device.hostname)),
            ("pingable", json!(up)),
            ("sshable", json!(up)),
            ("hasClientDaemon", json!(up)),
            ("unassigned", json!(unassigned)),
            ("muted", json!(false)),
            ("burning", json!(false)),
            ("restartRequired", json!(false)),
            ("healthCheckFailed", json!(false)),
            ("stateFlapping", json!(false)),
            ("userMessage", json!("")),
            ("toolMessage", json!("")),
        ] {
            extra.insert(name.to_string(), value);
        }
        Some(DeviceStatus {
            ref_device_uuid: device.uuid.clone(),
            status: view.status,
            reported_status: Some(view.status),
            reported_status_timestamp: self.epoch_ms(view.since),
            closed: false,
            provisioning_failed: view.provisioning_failed,
            info_message: view.info_message.to_string(),
            extra,
        })
    }

    pub fn stats(&mut self, now: Instant) -> SimStats {
        self.timeline.advance(now);
        let mut status = BTreeMap::new();
        let mut up_after_seconds = BTreeMap::new();
        for device in self.store.devices() {
            if let Some(view) = self.timeline.view(&device.uuid) {
                status.insert(device.hostname.clone(), view.status);
                if let Some(up) = view.last_up {
                    let seconds = up.saturating_duration_since(self.started).as_secs_f64();
                    up_after_seconds.insert(device.hostname.clone(), seconds);
                }
            }
        }
        SimStats {
            elapsed_seconds: now.saturating_duration_since(self.started).as_secs_f64(),
            slots: self.timeline.slots(),
            provision_seconds: self.timeline.timing().provision_total().as_secs_f64(),
            peak_provisioning: self.timeline.peak_slots_in_use(),
            provisioning: self.timeline.slots_in_use(),
            pending: self.timeline.queued(),
            calls: self.calls,
            power_operations: self.power_operations.clone(),
            status,
            up_after_seconds,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::time::Duration;

    fn headnode(faults: Faults, start: Instant) -> Headnode {
        let store =
            Store::from_inventory(crate::sim::demo::inventory().unwrap(), 1_700_000_000).unwrap();
        let timing = Timing::with_provision_total(Duration::from_secs(36));
        Headnode::new(store, timing, 2, faults, start, 1_700_000_000_000)
    }

    fn add(headnode: &mut Headnode, hostname: &str, now: Instant) -> String {
        let category = headnode.store().category("default").unwrap().uuid.clone();
        let uuid = uuid::Uuid::new_v4().to_string();
        let device: Device = serde_json::from_value(json!({
            "uuid": uuid, "hostname": hostname, "category": category,
        }))
        .unwrap();
        assert!(headnode.add_device(device, now).success);
        uuid
    }

    #[test]
    fn an_unreachable_bmc_fails_the_operation_and_leaves_the_node_down() {
        let start = Instant::now();
        let faults = Faults {
            bmc_unreachable: BTreeSet::from(["node002".to_string()]),
            ..Faults::default()
        };
        let mut headnode = headnode(faults, start);
        let reachable = add(&mut headnode, "node001", start);
        let unreachable = add(&mut headnode, "node002", start);
        let operation = PowerOperation::new(
            vec![reachable.clone(), unreachable.clone(), "nope".into()],
            PowerOp::On,
            true,
        );
        let result = headnode.power(&operation, start);
        assert_eq!(result.count, 1);
        let states: Vec<&str> = result.statuses.iter().map(|s| s.state.as_str()).collect();
        assert_eq!(states, ["ON", "FAILED", "FAILED"]);
        let status = |h: &Headnode, uuid: &str| h.device_status(uuid).unwrap().status;
        assert_eq!(status(&headnode, &reachable), NodeStatus::Booting);
        assert_eq!(status(&headnode, &unreachable), NodeStatus::Down);
        let stats = headnode.stats(start);
        assert_eq!(stats.power_operations["node001"], 1);
        assert_eq!(stats.power_operations["node002"], 1);
        assert_eq!(stats.status["bcm-head"], NodeStatus::Up);
    }

    #[test]
    fn statuses_carry_wall_clock_timestamps_and_failure_flags() {
        let start = Instant::now();
        let faults = Faults {
            fail_install: BTreeSet::from(["node001".to_string()]),
            ..Faults::default()
        };
        let mut headnode = headnode(faults, start);
        let uuid = add(&mut headnode, "node001", start);
        headnode.power(
            &PowerOperation::new(vec![uuid.clone()], PowerOp::On, false),
            start,
        );
        headnode.advance(start + Duration::from_secs(40));
        let status = headnode.device_status(&uuid).unwrap();
        assert_eq!(status.status, NodeStatus::InstallerFailed);
        assert!(status.provisioning_failed);
        assert_eq!(status.reported_status_timestamp, 1_700_000_033_000);
        assert!(!status.info_message.is_empty());
        let stats = headnode.stats(start + Duration::from_secs(40));
        assert_eq!(stats.peak_provisioning, 1);
        assert!(!stats.up_after_seconds.contains_key("node001"));
    }
}
