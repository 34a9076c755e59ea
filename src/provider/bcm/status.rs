//! `StatusWatcher`: one per provider, it polls `cmstatus.getStatusForDevices` for every device
//! someone is waiting on in a single call per tick, so hundreds of nodes waiting to come UP cost
//! one request per interval; waiters get each device's status through a watch channel.

use super::client::Headnode;
use super::wire::{DeviceStatus, NodeStatus, Request};
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// What the last poll said about one device.
#[derive(Clone, Debug)]
pub(crate) enum Observation {
    /// Not polled yet (or the headnode did not list the device).
    Nothing,
    Status(DeviceStatus),
    /// The poll itself failed (after the client's retries).
    Failed(String),
}

/// What a wait is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    Up,
    Down,
    /// Back UP after a reset: a node still UP before the reset took effect does not count
    /// until it has been seen in another state.
    UpAgain,
}

impl Target {
    pub fn status(self) -> NodeStatus {
        match self {
            Target::Down => NodeStatus::Down,
            _ => NodeStatus::Up,
        }
    }
}

#[derive(Debug)]
pub(crate) enum WaitError {
    TimedOut {
        last: Option<NodeStatus>,
        elapsed: Duration,
    },
    FailureState {
        status: NodeStatus,
        info: String,
        elapsed: Duration,
    },
    Poll(String),
}

struct Watched {
    sender: watch::Sender<Observation>,
    waiters: usize,
}

#[derive(Default)]
struct WatchState {
    watched: BTreeMap<String, Watched>,
    running: bool,
    polls: u64,
}

struct Shared {
    headnode: Arc<dyn Headnode>,
    interval: Duration,
    state: Mutex<WatchState>,
}

#[derive(Clone)]
pub(crate) struct StatusWatcher {
    shared: Arc<Shared>,
}

/// A registration for one device; dropping it stops polling the device once no one else waits.
struct Subscription {
    shared: Arc<Shared>,
    uuid: String,
    receiver: watch::Receiver<Observation>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let Ok(mut state) = self.shared.state.lock() else {
            return;
        };
        let gone = match state.watched.get_mut(&self.uuid) {
            Some(w) => {
                w.waiters = w.waiters.saturating_sub(1);
                w.waiters == 0
            }
            None => false,
        };
        if gone {
            state.watched.remove(&self.uuid);
        }
    }
}

impl StatusWatcher {
    pub fn new(headnode: Arc<dyn Headnode>, interval: Duration) -> StatusWatcher {
        StatusWatcher {
            shared: Arc::new(Shared {
                headnode,
                interval,
                state: Mutex::new(WatchState::default()),
            }),
        }
    }

    /// How many `getStatusForDevices` calls were made so far.
    #[cfg(test)]
    pub fn polls(&self) -> u64 {
        self.shared.state.lock().map(|s| s.polls).unwrap_or(0)
    }

    fn subscribe(&self, uuid: &str) -> Subscription {
        let mut state = match self.shared.state.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        let receiver = match state.watched.get_mut(uuid) {
            Some(w) => {
                w.waiters += 1;
                w.sender.subscribe()
            }
            None => {
                let (sender, receiver) = watch::channel(Observation::Nothing);
                state
                    .watched
                    .insert(uuid.to_string(), Watched { sender, waiters: 1 });
                receiver
            }
        };
        if !state.running {
            state.running = true;
            tokio::spawn(poll_loop(self.shared.clone()));
        }
        Subscription {
            shared: self.shared.clone(),
            uuid: uuid.to_string(),
            receiver,
        }
    }

    /// Waits until the device reaches the target status, a failure state, or the deadline.
    /// `on_change` hears every new status.
    pub async fn wait(
        &self,
        uuid: &str,
        target: Target,
        timeout: Duration,
        on_change: &(dyn Fn(NodeStatus) + Send + Sync),
    ) -> Result<NodeStatus, WaitError> {
        let started = Instant::now();
        let deadline = tokio::time::Instant::now() + timeout;
        let mut sub = self.subscribe(uuid);
        let mut last: Option<NodeStatus> = None;
        let mut left_up = target != Target::UpAgain;
        loop {
            match tokio::time::timeout_at(deadline, sub.receiver.changed()).await {
                Err(_) => {
                    return Err(WaitError::TimedOut {
                        last,
                        elapsed: started.elapsed(),
                    })
                }
                Ok(Err(_)) => return Err(WaitError::Poll("the status watcher stopped".into())),
                Ok(Ok(())) => {}
            }
            let observation = sub.receiver.borrow_and_update().clone();
            match observation {
                Observation::Nothing => {}
                Observation::Failed(why) => return Err(WaitError::Poll(why)),
                Observation::Status(s) => {
                    if last != Some(s.status) {
                        on_change(s.status);
                        last = Some(s.status);
                    }
                    if s.status.is_failure() {
                        return Err(WaitError::FailureState {
                            status: s.status,
                            info: s.info_message.clone(),
                            elapsed: started.elapsed(),
                        });
                    }
                    if s.status != NodeStatus::Up {
                        left_up = true;
                    }
                    if s.status == target.status() && left_up {
                        return Ok(s.status);
                    }
                }
            }
        }
    }
}

async fn poll_loop(shared: Arc<Shared>) {
    // The first poll comes soon (a node may already be there), later ones at the interval.
    let mut delay = shared.interval.min(Duration::from_secs(1));
    loop {
        tokio::time::sleep(delay).await;
        delay = shared.interval;
        let uuids: Vec<String> = {
            let Ok(mut state) = shared.state.lock() else {
                return;
            };
            if state.watched.is_empty() {
                state.running = false;
                return;
            }
            state.polls += 1;
            state.watched.keys().cloned().collect()
        };
        tracing::debug!(devices = uuids.len(), "BCM status poll");
        let answer = shared
            .headnode
            .call(Request::new(
                "cmstatus",
                "getStatusForDevices",
                vec![json!(uuids)],
            ))
            .await;
        let Ok(state) = shared.state.lock() else {
            return;
        };
        match answer {
            Ok(Json::Array(items)) => {
                for item in items {
                    if let Ok(status) = serde_json::from_value::<DeviceStatus>(item) {
                        if let Some(w) = state.watched.get(&status.ref_device_uuid) {
                            w.sender.send_replace(Observation::Status(status));
                        }
                    }
                }
            }
            Ok(other) => {
                let why =
                    format!("cmstatus.getStatusForDevices answered {other} instead of a list");
                for w in state.watched.values() {
                    w.sender.send_replace(Observation::Failed(why.clone()));
                }
            }
            Err(e) => {
                let why = format!("cmstatus.getStatusForDevices failed: {e}");
                for w in state.watched.values() {
                    w.sender.send_replace(Observation::Failed(why.clone()));
                }
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::provider::bcm::error::BcmError;
    use crate::provider::BoxFuture;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A headnode whose devices follow a status script: device `u` reports
    /// `script[u][min(poll, len-1)]` at its n-th poll; counts calls and devices per call.
    pub(crate) struct Scripted {
        pub script: BTreeMap<String, Vec<NodeStatus>>,
        pub calls: AtomicUsize,
        pub batch_sizes: Mutex<Vec<usize>>,
        pub seen: Mutex<BTreeMap<String, usize>>,
    }

    impl Scripted {
        pub fn new(script: &[(&str, &[NodeStatus])]) -> Arc<Scripted> {
            Arc::new(Scripted {
                script: script
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_vec()))
                    .collect(),
                calls: AtomicUsize::new(0),
                batch_sizes: Mutex::new(Vec::new()),
                seen: Mutex::new(BTreeMap::new()),
            })
        }
    }

    impl Headnode for Scripted {
        fn call(&self, req: Request) -> BoxFuture<'_, Result<Json, BcmError>> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let uuids: Vec<String> = req
                .arguments()
                .first()
                .and_then(|a| a.as_array())
                .cloned()
                .unwrap_or_default()
                .iter()
                .filter_map(|u| u.as_str().map(str::to_string))
                .collect();
            self.batch_sizes.lock().unwrap().push(uuids.len());
            let mut seen = self.seen.lock().unwrap();
            let answer: Vec<Json> = uuids
                .iter()
                .filter_map(|u| {
                    let script = self.script.get(u)?;
                    let n = seen.entry(u.clone()).or_insert(0);
                    let status = script[(*n).min(script.len() - 1)];
                    *n += 1;
                    Some(json!({"ref_device_uuid": u, "status": status}))
                })
                .collect();
            Box::pin(std::future::ready(Ok(Json::Array(answer))))
        }
    }

    #[tokio::test]
    async fn many_waiters_share_one_poll_per_tick() {
        use NodeStatus::*;
        let mut script: Vec<(String, Vec<NodeStatus>)> = Vec::new();
        for i in 0..200 {
            script.push((format!("n{i}"), vec![Down, Booting, Installing, Up]));
        }
        let refs: Vec<(&str, &[NodeStatus])> = script
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_slice()))
            .collect();
        let head = Scripted::new(&refs);
        let watcher = StatusWatcher::new(head.clone(), Duration::from_millis(20));
        let waits = (0..200).map(|i| {
            let w = watcher.clone();
            async move {
                w.wait(
                    &format!("n{i}"),
                    Target::Up,
                    Duration::from_secs(10),
                    &|_| {},
                )
                .await
            }
        });
        let results = futures_join_all(waits).await;
        assert!(results.iter().all(|r| matches!(r, Ok(NodeStatus::Up))));
        let calls = head.calls.load(Ordering::SeqCst);
        assert!(calls <= 8, "200 nodes, 4 statuses each: {calls} calls");
        assert!(head.batch_sizes.lock().unwrap().contains(&200));
    }

    /// Joins futures without an extra crate: spawns each on the runtime.
    async fn futures_join_all<F, T>(futs: impl Iterator<Item = F>) -> Vec<T>
    where
        F: std::future::Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        let handles: Vec<_> = futs.map(tokio::spawn).collect();
        let mut out = Vec::new();
        for h in handles {
            out.push(h.await.unwrap());
        }
        out
    }

    #[tokio::test]
    async fn failure_states_and_timeouts_end_the_wait() {
        use NodeStatus::*;
        let head = Scripted::new(&[
            ("bad", &[Booting, InstallerFailed]),
            ("slow", &[Down, Booting]),
            ("off", &[Up, GoingDown, Down]),
        ]);
        let watcher = StatusWatcher::new(head.clone(), Duration::from_millis(10));
        let seen = Mutex::new(Vec::new());
        let err = watcher
            .wait("bad", Target::Up, Duration::from_secs(5), &|s| {
                seen.lock().unwrap().push(s)
            })
            .await
            .unwrap_err();
        assert!(matches!(
            err,
            WaitError::FailureState {
                status: InstallerFailed,
                ..
            }
        ));
        assert_eq!(*seen.lock().unwrap(), [Booting, InstallerFailed]);
        let err = watcher
            .wait("slow", Target::Up, Duration::from_millis(150), &|_| {})
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                WaitError::TimedOut {
                    last: Some(Booting),
                    ..
                }
            ),
            "{err:?}"
        );
        let s = watcher
            .wait("off", Target::Down, Duration::from_secs(5), &|_| {})
            .await
            .unwrap();
        assert_eq!(s, Down);
    }

    #[tokio::test]
    async fn a_reset_waits_for_the_node_to_leave_up_first() {
        use NodeStatus::*;
        let head = Scripted::new(&[("r", &[Up, Up, Down, Booting, Up])]);
        let watcher = StatusWatcher::new(head.clone(), Duration::from_millis(10));
        let seen = Mutex::new(Vec::new());
        watcher
            .wait("r", Target::UpAgain, Duration::from_secs(5), &|s| {
                seen.lock().unwrap().push(s)
            })
            .await
            .unwrap();
        assert_eq!(*seen.lock().unwrap(), [Up, Down, Booting, Up]);
    }

    #[tokio::test]
    async fn polling_stops_when_no_one_waits() {
        use NodeStatus::*;
        let head = Scripted::new(&[("a", &[Up])]);
        let watcher = StatusWatcher::new(head.clone(), Duration::from_millis(10));
        watcher
            .wait("a", Target::Up, Duration::from_secs(5), &|_| {})
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(80)).await;
        let calls = head.calls.load(Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(80)).await;
        assert_eq!(head.calls.load(Ordering::SeqCst), calls);
        assert_eq!(watcher.polls() as usize, calls);
    }
}
