//! The state journal: one line per finished operation, appended and synced, so that saving
//! after every operation costs the size of the operation. Each line is a small state document
//! holding the one instance (`op: "set"`) or naming it (`op: "remove"`), with the lineage of the
//! state it belongs to. `LocalStore` replays the journal on load and empties it after every full
//! write. A torn last line (a crash while appending) was never acknowledged and is ignored.

use super::{State, StateError};
use crate::addr::ResourceInstanceAddr;
use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// The journal line for the instance at `addr` as it now is in `state`.
pub fn entry(state: &State, addr: &ResourceInstanceAddr) -> String {
    let mut mini = State::new();
    mini.lineage = state.lineage.clone();
    mini.terraform_version = state.terraform_version.clone();
    let (op, inst, provider) = match (state.instance(addr), state.resource(&addr.resource)) {
        (Some(inst), Some(r)) => ("set", inst.clone(), r.provider.clone()),
        _ => (
            "remove",
            super::InstanceState::new(addr.key.clone(), serde_json::json!({})),
            String::from("provider[\"removed\"]"),
        ),
    };
    mini.set_instance(addr, &provider, inst);
    let doc: serde_json::Value = serde_json::from_str(&mini.to_json()).unwrap_or_default();
    let mut line = serde_json::json!({ "op": op, "state": doc }).to_string();
    line.push('\n');
    line
}

/// Appends `line` and syncs the file; returns the bytes written.
pub fn append(path: &Path, line: &str) -> io::Result<u64> {
    let mut options = fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    f.write_all(line.as_bytes())?;
    f.sync_data()?;
    Ok(line.len() as u64)
}

/// Removes the journal after a full write.
pub fn clear(path: &Path) {
    let _ = fs::remove_file(path);
}

/// Applies the journal at `path` to `state` (which may be absent when the run created it).
pub fn replay(path: &Path, state: Option<State>) -> Result<Option<State>, StateError> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(_) => return Ok(state),
    };
    let mut state = state;
    for line in text.lines() {
        let Ok(entry) = serde_json::from_str::<serde_json::Value>(line) else {
            // Only the last line can be torn, and it was never acknowledged.
            break;
        };
        let Some(doc) = entry.get("state") else {
            continue;
        };
        let Ok(mini) = State::from_json(&doc.to_string()) else {
            continue;
        };
        let target = state.get_or_insert_with(|| {
            let mut s = State::new();
            s.lineage = mini.lineage.clone();
            s
        });
        if target.lineage != mini.lineage {
            // A journal of another state (left by an unrelated run): not ours to apply.
            continue;
        }
        let remove = entry.get("op").and_then(|o| o.as_str()) == Some("remove");
        let instances: Vec<_> = mini.instances().map(|(a, i)| (a, i.clone())).collect();
        for (addr, inst) in instances {
            if remove {
                target.remove_instance(&addr);
            } else {
                let provider = mini
                    .resource(&addr.resource)
                    .map(|r| r.provider.clone())
                    .unwrap_or_default();
                target.set_instance(&addr, &provider, inst);
            }
        }
    }
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::{InstanceKey, ModuleInstance, ResourceAddr};
    use crate::config::ResourceMode;
    use crate::state::{InstanceState, LocalStore};

    fn addr(key: &str) -> ResourceInstanceAddr {
        ResourceAddr {
            module: ModuleInstance::root(),
            mode: ResourceMode::Managed,
            type_name: "terraform_data".into(),
            name: "n".into(),
        }
        .instance(InstanceKey::Str(key.into()))
    }

    #[test]
    fn recorded_operations_survive_without_a_full_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("terraform.tfstate");
        let store = LocalStore::new(&path);
        let mut state = State::new();
        store.save(&mut state).unwrap();
        for k in ["a", "b", "c"] {
            state.set_instance(
                &addr(k),
                "provider[\"terraform.io/builtin/terraform\"]",
                InstanceState::new(InstanceKey::None, serde_json::json!({"id": k})),
            );
            store.record(&mut state, &addr(k)).unwrap();
        }
        state.remove_instance(&addr("b"));
        store.record(&mut state, &addr("b")).unwrap();
        // The process "dies" here: the state file itself still has no instances.
        let on_disk = State::from_json(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(on_disk.instances().count(), 0);
        // A new run sees every finished operation.
        let loaded = LocalStore::new(&path).load().unwrap().unwrap();
        let keys: Vec<String> = loaded.instances().map(|(a, _)| a.to_string()).collect();
        assert_eq!(keys, ["terraform_data.n[\"a\"]", "terraform_data.n[\"c\"]"]);
        assert_eq!(loaded.lineage, state.lineage);
    }

    #[test]
    fn a_full_write_empties_the_journal_and_a_torn_line_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("terraform.tfstate");
        let store = LocalStore::new(&path);
        let mut state = State::new();
        state.set_instance(
            &addr("a"),
            "provider[\"x\"]",
            InstanceState::new(InstanceKey::None, serde_json::json!({})),
        );
        store.record(&mut state, &addr("a")).unwrap();
        let journal = dir.path().join("terraform.tfstate.journal");
        assert!(journal.exists());
        std::fs::OpenOptions::new()
            .append(true)
            .open(&journal)
            .unwrap()
            .write_all(b"{\"op\":\"set\",\"sta")
            .unwrap();
        let loaded = LocalStore::new(&path).load().unwrap().unwrap();
        assert_eq!(loaded.instances().count(), 1);
        store.save(&mut state).unwrap();
        assert!(!journal.exists());
    }
}
