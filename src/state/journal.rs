//! The state journal: one line per finished operation, appended and synced, so that saving
//! after every operation costs the size of the operation. Each line is a small state document
//! holding the one instance (`op: "set"`) or naming it (`op: "remove"`), with the lineage of the
//! state it belongs to. `LocalStore` replays the journal on load and empties it after every full
//! write. A torn last line (a crash while appending) was never acknowledged and is ignored, and
//! the first append of a run cuts it off, so that a new record never continues a torn one.
//!
//! With a key, each line is its own sealed envelope (`super::encryption`, content `journal`),
//! so appending stays the cost of one record. A torn last envelope is ignored like a torn line;
//! a complete one that does not open (another key, altered bytes) is an error, never skipped.

use super::encryption::{self, Content, CryptError, Encryption};
use super::{State, StateError};
use crate::addr::ResourceInstanceAddr;
use std::fs;
use std::io::{self, Read, Seek, SeekFrom, Write};
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

/// Appends `record` (one line, newline included) and syncs the file; returns the bytes
/// written. With `cut_torn_tail`, a last line without its newline is cut off first.
pub fn append(path: &Path, record: &[u8], cut_torn_tail: bool) -> io::Result<u64> {
    let mut options = fs::OpenOptions::new();
    options.create(true).append(true).read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    if cut_torn_tail {
        if let Some(end) = torn_tail_start(&mut f)? {
            f.set_len(end)?;
        }
    }
    f.write_all(record)?;
    f.sync_data()?;
    Ok(record.len() as u64)
}

/// Where a last line without a newline starts, if there is one.
fn torn_tail_start(f: &mut fs::File) -> io::Result<Option<u64>> {
    let len = f.metadata()?.len();
    if len == 0 {
        return Ok(None);
    }
    let mut last = [0u8; 1];
    f.seek(SeekFrom::Start(len - 1))?;
    f.read_exact(&mut last)?;
    if last[0] == b'\n' {
        return Ok(None);
    }
    let mut buf = vec![0u8; 64 * 1024];
    let mut end = len;
    while end > 0 {
        let start = end.saturating_sub(buf.len() as u64);
        let chunk = &mut buf[..(end - start) as usize];
        f.seek(SeekFrom::Start(start))?;
        f.read_exact(chunk)?;
        if let Some(i) = chunk.iter().rposition(|b| *b == b'\n') {
            return Ok(Some(start + i as u64 + 1));
        }
        end = start;
    }
    Ok(Some(0))
}

/// One usable record of the journal.
struct Record {
    /// The record's JSON text.
    text: String,
    /// The envelope it was read from, when sealed.
    sealed: Option<Vec<u8>>,
}

/// The records of the journal at `path` up to the first torn or unreadable plaintext line.
fn records(
    path: &Path,
    bytes: &[u8],
    encryption: Option<&Encryption>,
) -> Result<Vec<Record>, StateError> {
    let mut out = Vec::new();
    for segment in bytes.split_inclusive(|b| *b == b'\n') {
        let complete = segment.ends_with(b"\n");
        let line = segment.strip_suffix(b"\n").unwrap_or(segment);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        if !encryption::is_sealed(line) {
            // Only the last line can be torn, and it was never acknowledged.
            match std::str::from_utf8(line) {
                Ok(text) if serde_json::from_str::<serde_json::Value>(text).is_ok() => {
                    out.push(Record {
                        text: text.to_string(),
                        sealed: None,
                    });
                    continue;
                }
                _ => break,
            }
        }
        let Some(e) = encryption else {
            return Err(StateError::NoKey {
                path: path.to_path_buf(),
            });
        };
        match e.open(Content::JournalRecord, line) {
            Ok(plain) => out.push(Record {
                text: String::from_utf8_lossy(&plain).into_owned(),
                sealed: Some(line.to_vec()),
            }),
            Err(CryptError::Malformed(_)) if !complete => break,
            Err(source) => {
                return Err(StateError::Crypt {
                    path: path.to_path_buf(),
                    source,
                })
            }
        }
    }
    Ok(out)
}

/// The journal at `path` with every record plaintext, or every record sealed (`encrypt`); `None`
/// when there is no journal or it is in that form already. A torn tail is dropped.
pub fn rewrite(
    path: &Path,
    encryption: Option<&Encryption>,
    encrypt: bool,
) -> Result<Option<Vec<u8>>, StateError> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(_) => return Ok(None),
    };
    let mut changed = false;
    let mut out = Vec::with_capacity(bytes.len());
    for record in records(path, &bytes, encryption)? {
        match (encrypt, record.sealed, encryption) {
            (true, Some(sealed), _) => out.extend_from_slice(&sealed),
            (true, None, Some(e)) => {
                changed = true;
                let sealed = e
                    .seal(Content::JournalRecord, record.text.as_bytes())
                    .map_err(|source| StateError::Crypt {
                        path: path.to_path_buf(),
                        source,
                    })?;
                out.extend_from_slice(&sealed);
            }
            (false, sealed, _) => {
                changed |= sealed.is_some();
                out.extend_from_slice(record.text.as_bytes());
            }
            (true, None, None) => return Err(StateError::KeyRequired),
        }
        out.push(b'\n');
    }
    Ok(changed.then_some(out))
}

/// Removes the journal after a full write.
pub fn clear(path: &Path) {
    let _ = fs::remove_file(path);
}

/// Applies the journal at `path` to `state` (which may be absent when the run created it),
/// opening sealed records with `encryption`.
pub fn replay(
    path: &Path,
    state: Option<State>,
    encryption: Option<&Encryption>,
) -> Result<Option<State>, StateError> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(_) => return Ok(state),
    };
    replay_bytes(path, &bytes, state, encryption)
}

/// Applies journal records (`bytes`, one per line) to `state`; `path` names them in errors.
pub fn replay_bytes(
    path: &Path,
    bytes: &[u8],
    state: Option<State>,
    encryption: Option<&Encryption>,
) -> Result<Option<State>, StateError> {
    let mut state = state;
    for record in records(path, bytes, encryption)? {
        let Ok(entry) = serde_json::from_str::<serde_json::Value>(&record.text) else {
            continue;
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
    use std::path::Path;

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

    fn record_one(store: &LocalStore, state: &mut State, key: &str) {
        state.set_instance(
            &addr(key),
            "provider[\"terraform.io/builtin/terraform\"]",
            InstanceState::new(InstanceKey::None, serde_json::json!({"id": key})),
        );
        store.record(state, &addr(key)).unwrap();
    }

    fn keys_of(state: &State) -> Vec<String> {
        state.instances().map(|(a, _)| a.to_string()).collect()
    }

    #[test]
    fn records_after_a_torn_one_are_not_glued_to_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("terraform.tfstate");
        let store = LocalStore::new(&path);
        let mut state = State::new();
        store.save(&mut state).unwrap();
        record_one(&store, &mut state, "a");
        let journal = store.journal_path().to_path_buf();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&journal)
            .unwrap()
            .write_all(b"{\"op\":\"set\",\"sta")
            .unwrap();
        // The next run goes on recording: its records must survive the torn one.
        let next = LocalStore::new(&path);
        let mut state = next.load().unwrap().unwrap();
        record_one(&next, &mut state, "b");
        let loaded = LocalStore::new(&path).load().unwrap().unwrap();
        assert_eq!(
            keys_of(&loaded),
            ["terraform_data.n[\"a\"]", "terraform_data.n[\"b\"]"]
        );
    }

    mod encrypted {
        use super::*;
        use crate::state::{CryptError, Encryption, KdfParams, Passphrase};

        fn key(passphrase: &str) -> Encryption {
            Encryption::with_kdf_params(
                Passphrase::new(passphrase).unwrap(),
                KdfParams {
                    memory_kib: 64,
                    iterations: 1,
                    parallelism: 1,
                },
            )
        }

        fn store(path: &Path, passphrase: &str) -> LocalStore {
            LocalStore::new(path).with_encryption(Some(key(passphrase)))
        }

        /// A state file with no instances and a journal with records for `keys`.
        fn journal_with(path: &Path, keys: &[&str]) -> State {
            let store = store(path, "pw");
            let mut state = State::new();
            store.save(&mut state).unwrap();
            for k in keys {
                record_one(&store, &mut state, k);
            }
            state
        }

        #[test]
        fn each_record_is_sealed_on_its_own_and_replayed() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("terraform.tfstate");
            let state = journal_with(&path, &["a", "b", "c"]);
            let journal =
                std::fs::read_to_string(dir.path().join("terraform.tfstate.journal")).unwrap();
            let lines: Vec<&str> = journal.lines().collect();
            assert_eq!(lines.len(), 3);
            for line in &lines {
                assert!(encryption::is_sealed(line.as_bytes()), "{line}");
                assert!(line.contains("\"content\":\"journal\""), "{line}");
                assert!(!line.contains("terraform_data"), "{line}");
            }
            let loaded = store(&path, "pw").load().unwrap().unwrap();
            assert_eq!(keys_of(&loaded), keys_of(&state));
            assert_eq!(loaded.lineage, state.lineage);
        }

        #[test]
        fn a_torn_last_record_is_ignored_and_cut_before_the_next_append() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("terraform.tfstate");
            journal_with(&path, &["a", "b"]);
            let journal = dir.path().join("terraform.tfstate.journal");
            let whole = std::fs::read(&journal).unwrap();
            // Keep "a" and half of "b".
            let first_end = whole.iter().position(|b| *b == b'\n').unwrap() + 1;
            let torn = &whole[..first_end + (whole.len() - first_end) / 2];
            std::fs::write(&journal, torn).unwrap();
            let next = store(&path, "pw");
            let mut state = next.load().unwrap().unwrap();
            assert_eq!(keys_of(&state), ["terraform_data.n[\"a\"]"]);
            record_one(&next, &mut state, "c");
            let loaded = store(&path, "pw").load().unwrap().unwrap();
            assert_eq!(
                keys_of(&loaded),
                ["terraform_data.n[\"a\"]", "terraform_data.n[\"c\"]"]
            );
        }

        #[test]
        fn a_complete_record_that_does_not_open_is_an_error() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("terraform.tfstate");
            journal_with(&path, &["a", "b"]);
            let journal = dir.path().join("terraform.tfstate.journal");
            // Only the journal is left (a run that never wrote the whole state).
            std::fs::remove_file(&path).unwrap();
            let err = store(&path, "other").load().unwrap_err();
            assert!(
                matches!(&err, StateError::Crypt { source: CryptError::WrongKey, path }
                    if path.ends_with("terraform.tfstate.journal")),
                "{err:?}"
            );
            assert!(matches!(
                LocalStore::new(&path).load().unwrap_err(),
                StateError::NoKey { .. }
            ));
            // One changed byte inside the first (complete) record.
            let mut bytes = std::fs::read(&journal).unwrap();
            let at = bytes.iter().position(|b| *b == b'\n').unwrap() - 10;
            bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
            std::fs::write(&journal, &bytes).unwrap();
            let err = store(&path, "pw").load().unwrap_err();
            assert!(
                matches!(
                    err,
                    StateError::Crypt {
                        source: CryptError::Tampered,
                        ..
                    }
                ),
                "{err:?}"
            );
        }

        #[test]
        fn plaintext_records_of_an_earlier_run_are_still_replayed() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("terraform.tfstate");
            let plain = LocalStore::new(&path);
            let mut state = State::new();
            plain.save(&mut state).unwrap();
            record_one(&plain, &mut state, "a");
            let keyed = store(&path, "pw");
            let mut state = keyed.load().unwrap().unwrap();
            record_one(&keyed, &mut state, "b");
            let loaded = store(&path, "pw").load().unwrap().unwrap();
            assert_eq!(
                keys_of(&loaded),
                ["terraform_data.n[\"a\"]", "terraform_data.n[\"b\"]"]
            );
        }
    }
}
