//! The local file backend: `terraform.tfstate` in the working directory, written atomically,
//! with `terraform.tfstate.backup` and `errored.tfstate` as Terraform keeps them.
//!
//! Terraform rewrites the state file in place (it holds an fcntl lock on it). This store
//! writes a temporary file in the same directory, syncs it and renames it over the old one, so
//! a crash leaves either the old or the new state, never half of one. A lock, when added,
//! must therefore live on a separate file: the rename replaces the state file's inode.

use super::error::{Recovery, StateError};
use super::write;
use super::{State, TERRAFORM_VERSION};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// The file state is written to when it cannot be saved where it belongs.
pub const ERRORED_STATE_FILE: &str = "errored.tfstate";

/// A state kept in one local file.
///
/// One store should live for one command run: like Terraform's, it writes the `.backup` file
/// once, with the state as it was before the run's first change, so that the backup is the
/// state before the run and not the one before the last operation.
#[derive(Debug)]
pub struct LocalStore {
    path: PathBuf,
    backup_path: PathBuf,
    /// `<path>.journal`: operations recorded since the last full write (see `record`).
    journal_path: PathBuf,
    errored_path: PathBuf,
    memory: Mutex<Memory>,
}

#[derive(Debug, Default)]
struct Memory {
    /// The content (`State::same_content` form) of the file as last read or written.
    content_on_disk: Option<String>,
    /// Whether this store has read the file (or found none) at least once.
    seen_disk: bool,
    backup_written: bool,
    /// Bytes in the journal since the last full write, and the size of that write.
    journal_bytes: u64,
    full_bytes: u64,
}

impl LocalStore {
    /// A store at `path`; the backup goes to `<path>.backup` and the recovery file to
    /// `errored.tfstate` in the working directory.
    pub fn new(path: impl Into<PathBuf>) -> LocalStore {
        let path = path.into();
        let mut backup = path.clone().into_os_string();
        backup.push(".backup");
        let mut journal = path.clone().into_os_string();
        journal.push(".journal");
        LocalStore {
            path,
            backup_path: PathBuf::from(backup),
            journal_path: PathBuf::from(journal),
            errored_path: PathBuf::from(ERRORED_STATE_FILE),
            memory: Mutex::new(Memory::default()),
        }
    }

    /// Where `errored.tfstate` goes when a save fails (the working directory by default).
    pub fn with_errored_path(mut self, path: impl Into<PathBuf>) -> LocalStore {
        self.errored_path = path.into();
        self
    }

    /// Where the backup goes instead of `<path>.backup` (`terraform state rm|mv` write a
    /// timestamped `<path>.<unix time>.backup`, or the file named by `-backup`).
    pub fn with_backup_path(mut self, path: impl Into<PathBuf>) -> LocalStore {
        self.backup_path = path.into();
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn backup_path(&self) -> &Path {
        &self.backup_path
    }

    /// The stored state, or `None` when there is no file or it is empty (Terraform treats an
    /// empty file as no state).
    pub fn load(&self) -> Result<Option<State>, StateError> {
        let state = self.read_disk()?;
        let mut memory = self.memory();
        memory.content_on_disk = state.as_ref().map(write::content_json);
        memory.seen_disk = true;
        drop(memory);
        // Operations recorded after the last full write (a run that ended before it could
        // write the whole state) are replayed, so that nothing completed is lost.
        let replayed = super::journal::replay(&self.journal_path, state)?;
        Ok(replayed)
    }

    /// Records that the instance at `addr` was written or removed in `state` (already changed
    /// in memory). Appends one line to the journal and syncs it, which costs the size of the
    /// instance, not of the state; the whole state is rewritten (and the journal emptied)
    /// only when the journal has grown as large as the last full write. Saving after every
    /// one of N operations thus stays linear in N, and a crash loses no finished operation.
    pub fn record(
        &self,
        state: &mut State,
        addr: &crate::addr::ResourceInstanceAddr,
    ) -> Result<(), StateError> {
        let line = super::journal::entry(state, addr);
        let appended = super::journal::append(&self.journal_path, &line);
        let mut memory = self.memory();
        // A journal that cannot be written falls back to a full write.
        if let Ok(n) = appended {
            memory.journal_bytes += n;
            if memory.journal_bytes < memory.full_bytes.max(256 * 1024) {
                return Ok(());
            }
        }
        drop(memory);
        self.save(state)
    }

    fn read_disk(&self) -> Result<Option<State>, StateError> {
        let text = match fs::read_to_string(&self.path) {
            Ok(t) => t,
            // A path under a regular file cannot exist either.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                ) =>
            {
                return Ok(None)
            }
            Err(e) => {
                return Err(StateError::Read {
                    path: self.path.clone(),
                    source: e,
                })
            }
        };
        if text.trim().is_empty() {
            return Ok(None);
        }
        State::from_json(&text)
            .map(Some)
            .map_err(|e| StateError::Load {
                path: self.path.clone(),
                source: Box::new(e),
            })
    }

    /// Writes `state`, recording this build's Terraform version. The serial is incremented
    /// only when the content differs from the file's (Terraform's rule), so saving an
    /// unchanged state keeps its serial. On the first change the previous file is kept as
    /// `<path>.backup`. When writing fails, the state goes to `errored.tfstate` instead and
    /// the error says how to push it back.
    pub fn save(&self, state: &mut State) -> Result<(), StateError> {
        let mut memory = self.memory();
        if !memory.seen_disk {
            // A file that cannot be read is never overwritten (it may be a newer format):
            // the state goes to errored.tfstate instead.
            match self.read_disk() {
                Ok(on_disk) => memory.content_on_disk = on_disk.as_ref().map(write::content_json),
                Err(e) => return Err(self.recover(state, io::Error::other(e.to_string()))),
            }
            memory.seen_disk = true;
        }
        state.terraform_version = TERRAFORM_VERSION.to_string();
        let content = write::content_json(state);
        let changed = memory.content_on_disk.as_deref() != Some(content.as_str());
        if changed {
            state.serial += 1;
        }
        let text = write::assemble(state, &content);

        let result = (|| {
            if changed && !memory.backup_written {
                match fs::read(&self.path) {
                    Ok(previous) => write_atomically(&self.backup_path, &previous)?,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                }
                memory.backup_written = true;
            }
            write_atomically(&self.path, text.as_bytes())
        })();

        match result {
            Ok(()) => {
                memory.content_on_disk = Some(content);
                memory.full_bytes = text.len() as u64;
                memory.journal_bytes = 0;
                // Everything in the journal is now in the file.
                super::journal::clear(&self.journal_path);
                Ok(())
            }
            Err(source) => Err(self.persist_error(text, source)),
        }
    }

    /// Keeps `state` in errored.tfstate after it could not be saved.
    fn recover(&self, state: &State, source: io::Error) -> StateError {
        self.persist_error(state.to_json(), source)
    }

    fn persist_error(&self, text: String, source: io::Error) -> StateError {
        let recovery = match write_file(&self.errored_path, text.as_bytes()) {
            Ok(()) => Recovery::Errored(self.errored_path.clone()),
            Err(error) => Recovery::Unsaved {
                error,
                state_json: text,
            },
        };
        StateError::Persist {
            path: self.path.clone(),
            source,
            recovery,
        }
    }

    fn memory(&self) -> std::sync::MutexGuard<'_, Memory> {
        // A panic while holding the lock leaves nothing half-updated that matters here.
        self.memory.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Writes `bytes` to a new temporary file beside `path` (mode 0600), syncs it, renames it over
/// `path` and syncs the directory, so that `path` is always either old or new.
fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(
        ".{}.{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let tmp = dir.join(tmp_name);
    let written = (|| {
        let mut f = create_private(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    sync_dir(&dir);
    Ok(())
}

/// Writes a file in place (the recovery file: there is nothing to keep atomic there).
fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = create_private(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

fn create_private(path: &Path) -> io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let f = options.open(path)?;
    // The mode applies only to new files; an existing one is tightened too.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(fs::Permissions::from_mode(0o600))?;
    }
    Ok(f)
}

/// Makes a rename durable. Failure is ignored: some filesystems cannot sync directories, and
/// the rename itself has already happened.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::{InstanceKey, ModuleInstance, ResourceAddr};
    use crate::config::ResourceMode;
    use crate::state::InstanceState;
    use std::os::unix::fs::PermissionsExt;

    fn one_resource(id: &str) -> State {
        let mut s = State::new();
        let addr = ResourceAddr {
            module: ModuleInstance::root(),
            mode: ResourceMode::Managed,
            type_name: "null_resource".into(),
            name: "n".into(),
        }
        .instance(InstanceKey::None);
        s.set_instance(
            &addr,
            "provider[\"registry.terraform.io/hashicorp/null\"]",
            InstanceState::new(InstanceKey::None, serde_json::json!({ "id": id })),
        );
        s
    }

    fn files_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn missing_and_empty_files_are_no_state() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("terraform.tfstate");
        let store = LocalStore::new(&path);
        assert!(store.load().unwrap().is_none());
        fs::write(&path, "").unwrap();
        assert!(store.load().unwrap().is_none());
    }

    #[test]
    fn save_writes_a_private_file_that_loads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("terraform.tfstate");
        let store = LocalStore::new(&path);
        let mut state = one_resource("1");
        store.save(&mut state).unwrap();
        assert_eq!(state.serial, 1);
        assert_eq!(state.terraform_version, TERRAFORM_VERSION);
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(fs::read_to_string(&path).unwrap(), state.to_json());
        let loaded = LocalStore::new(&path).load().unwrap().unwrap();
        assert_eq!(loaded.lineage, state.lineage);
        assert!(loaded.same_content(&state));
        // No backup without a previous file, and no temporary files left behind.
        assert_eq!(files_in(dir.path()), ["terraform.tfstate"]);
    }

    #[test]
    fn serial_increments_only_when_content_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("terraform.tfstate");
        let store = LocalStore::new(&path);
        let mut state = one_resource("1");
        store.save(&mut state).unwrap();
        store.save(&mut state).unwrap();
        assert_eq!(state.serial, 1);

        let mut changed = one_resource("2");
        changed.lineage = state.lineage.clone();
        changed.serial = state.serial;
        store.save(&mut changed).unwrap();
        assert_eq!(changed.serial, 2);

        // A new store compares with what the file holds.
        let again = LocalStore::new(&path);
        let mut loaded = again.load().unwrap().unwrap();
        again.save(&mut loaded).unwrap();
        assert_eq!(loaded.serial, 2);
        // The first store found no file, so it had nothing to back up (as Terraform).
        assert_eq!(files_in(dir.path()), ["terraform.tfstate"]);
    }

    #[test]
    fn backup_keeps_the_state_from_before_the_first_change() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("terraform.tfstate");
        let mut first = one_resource("1");
        LocalStore::new(&path).save(&mut first).unwrap();
        let original = fs::read_to_string(&path).unwrap();

        let store = LocalStore::new(&path);
        let mut state = store.load().unwrap().unwrap();
        // Unchanged: no backup yet.
        store.save(&mut state).unwrap();
        assert!(!store.backup_path().exists());

        state.set_instance(
            &first.instances().next().unwrap().0,
            "provider[\"registry.terraform.io/hashicorp/null\"]",
            InstanceState::new(InstanceKey::None, serde_json::json!({ "id": "2" })),
        );
        store.save(&mut state).unwrap();
        assert_eq!(fs::read_to_string(store.backup_path()).unwrap(), original);
        let backup_mode = fs::metadata(store.backup_path())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(backup_mode & 0o777, 0o600);

        // Later saves of the same run keep the pre-run backup.
        state.outputs.insert(
            "o".into(),
            crate::state::OutputState {
                value: crate::value::Value::from("x"),
                sensitive: false,
            },
        );
        store.save(&mut state).unwrap();
        assert_eq!(state.serial, 3);
        assert_eq!(fs::read_to_string(store.backup_path()).unwrap(), original);
        assert_eq!(
            files_in(dir.path()),
            ["terraform.tfstate", "terraform.tfstate.backup"]
        );
    }

    #[test]
    fn a_failed_write_leaves_errored_tfstate_and_says_how_to_push_it() {
        let dir = tempfile::tempdir().unwrap();
        // The parent of the state path is a regular file, so nothing can be created there
        // (tests run as root, which ignores read-only directories).
        let blocker = dir.path().join("not-a-dir");
        fs::write(&blocker, "x").unwrap();
        let errored = dir.path().join("errored.tfstate");
        let store = LocalStore::new(blocker.join("terraform.tfstate")).with_errored_path(&errored);
        let mut state = one_resource("1");
        let err = store.save(&mut state).unwrap_err();
        assert!(matches!(
            &err,
            StateError::Persist {
                recovery: Recovery::Errored(p),
                ..
            } if p == &errored
        ));
        assert_eq!(fs::read_to_string(&errored).unwrap(), state.to_json());
        let text = err.to_string();
        assert!(text.contains("Not a directory"), "the write failed: {text}");
        assert!(text.contains("bcmhcl state push"), "{text}");
        assert!(text.contains("errored.tfstate"), "{text}");
        let d = err.to_diagnostic();
        assert_eq!(d.summary, "Failed to persist state to backend");
        assert_eq!(files_in(dir.path()), ["errored.tfstate", "not-a-dir"]);
    }

    #[test]
    fn a_failed_backup_keeps_the_old_state_and_falls_back_to_errored_tfstate() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("terraform.tfstate");
        let mut first = one_resource("1");
        LocalStore::new(&path).save(&mut first).unwrap();
        let original = fs::read_to_string(&path).unwrap();
        // A directory where the backup should go: it cannot be replaced by a file.
        fs::create_dir(dir.path().join("terraform.tfstate.backup")).unwrap();
        let errored = dir.path().join("errored.tfstate");
        let store = LocalStore::new(&path).with_errored_path(&errored);
        let mut changed = one_resource("2");
        let err = store.save(&mut changed).unwrap_err();
        assert!(matches!(err, StateError::Persist { .. }));
        assert_eq!(fs::read_to_string(&path).unwrap(), original);
        assert_eq!(fs::read_to_string(&errored).unwrap(), changed.to_json());
        assert_eq!(
            files_in(dir.path()),
            [
                "errored.tfstate",
                "terraform.tfstate",
                "terraform.tfstate.backup"
            ]
        );
    }

    #[test]
    fn when_errored_tfstate_fails_too_the_state_text_is_returned() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("not-a-dir");
        fs::write(&blocker, "x").unwrap();
        let store = LocalStore::new(blocker.join("terraform.tfstate"))
            .with_errored_path(blocker.join("errored.tfstate"));
        let mut state = one_resource("1");
        match store.save(&mut state) {
            Err(StateError::Persist {
                recovery: Recovery::Unsaved { state_json, .. },
                ..
            }) => assert_eq!(state_json, state.to_json()),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn a_state_file_that_does_not_read_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("terraform.tfstate");
        let newer = "{\"version\": 5, \"terraform_version\": \"2.0.0\"}";
        fs::write(&path, newer).unwrap();
        let errored = dir.path().join("errored.tfstate");
        let store = LocalStore::new(&path).with_errored_path(&errored);
        let mut state = one_resource("1");
        let err = store.save(&mut state).unwrap_err();
        assert!(err.to_string().contains("format version 5"), "{err}");
        assert_eq!(fs::read_to_string(&path).unwrap(), newer);
        assert!(errored.exists());
    }

    #[test]
    fn unreadable_state_is_reported_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("terraform.tfstate");
        fs::write(&path, "{\"version\": 3}").unwrap();
        let err = LocalStore::new(&path).load().unwrap_err();
        assert!(err.to_string().contains("terraform.tfstate"), "{err}");
        assert_eq!(err.to_diagnostic().summary, "Unsupported state file format");
    }
}
