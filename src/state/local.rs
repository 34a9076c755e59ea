//! The local file backend: `terraform.tfstate` in the working directory, written atomically,
//! with `terraform.tfstate.backup` and `errored.tfstate` as Terraform keeps them.
//!
//! Terraform rewrites the state file in place (it holds an fcntl lock on it). This store
//! writes a temporary file in the same directory, syncs it and renames it over the old one, so
//! a crash leaves either the old or the new state, never half of one. A lock, when added,
//! must therefore live on a separate file: the rename replaces the state file's inode.
//!
//! With an `Encryption` (`with_encryption`), the state file, the backup, every journal record
//! and `errored.tfstate` are written sealed (`super::encryption`). A plaintext state is still
//! read, as OpenTofu's `fallback` reads it while migrating: `plaintext_warning` says so, and the
//! next write encrypts it (its backup too). A sealed file without a key, with another key, or
//! damaged is an error, and the file is never overwritten.

use super::encryption::{self, Content, Encryption};
use super::error::{Recovery, StateError};
use super::write;
use super::{State, TERRAFORM_VERSION};
use crate::diag::Diagnostic;
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
    /// Seals what is written and opens sealed files; `None` writes plaintext.
    encryption: Option<Encryption>,
    memory: Mutex<Memory>,
}

/// The form `rewrite_at_rest` leaves the files in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AtRest {
    Plaintext,
    Encrypted,
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
    /// A key is set and the state file read was plaintext (it is encrypted on the next write).
    plaintext_with_key: bool,
    /// Whether the journal's tail was checked for a torn record before this store's first
    /// append.
    journal_tail_checked: bool,
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
            encryption: None,
            memory: Mutex::new(Memory::default()),
        }
    }

    /// Encrypts everything this store writes with `encryption` (`None`: plaintext, as
    /// Terraform), and opens encrypted files with it.
    pub fn with_encryption(mut self, encryption: Option<Encryption>) -> LocalStore {
        self.encryption = encryption;
        self
    }

    pub fn encryption(&self) -> Option<&Encryption> {
        self.encryption.as_ref()
    }

    pub fn journal_path(&self) -> &Path {
        &self.journal_path
    }

    /// After `load`: a warning when a key is set but the state file was plaintext, which the
    /// next write encrypts.
    pub fn plaintext_warning(&self) -> Option<Diagnostic> {
        if !self.memory().plaintext_with_key {
            return None;
        }
        Some(
            Diagnostic::warning("The state is not encrypted yet").detail(format!(
            "A state key is set, but {} is plaintext. It was read as it is, and the next write \
             encrypts it (and its backup). Run \"bcmhcl state encrypt\" to encrypt it now.",
            self.path.display()
        )),
        )
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
        let (state, plaintext) = self.read_disk()?;
        let mut memory = self.memory();
        memory.content_on_disk = state.as_ref().map(write::content_json);
        memory.seen_disk = true;
        memory.plaintext_with_key = plaintext && state.is_some() && self.encryption.is_some();
        drop(memory);
        // Operations recorded after the last full write (a run that ended before it could
        // write the whole state) are replayed, so that nothing completed is lost.
        let replayed = super::journal::replay(&self.journal_path, state, self.encryption.as_ref())?;
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
        let mut memory = self.memory();
        let check_tail = !memory.journal_tail_checked;
        let appended = match &self.encryption {
            None => super::journal::append(&self.journal_path, line.as_bytes(), check_tail),
            Some(e) => match e.seal(Content::JournalRecord, line.trim_end().as_bytes()) {
                Ok(mut sealed) => {
                    sealed.push(b'\n');
                    super::journal::append(&self.journal_path, &sealed, check_tail)
                }
                Err(e) => Err(io::Error::other(e)),
            },
        };
        memory.journal_tail_checked |= appended.is_ok();
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

    /// The state in the file (`None`: no file, or an empty one), and whether the file was
    /// plaintext.
    fn read_disk(&self) -> Result<(Option<State>, bool), StateError> {
        let bytes = match fs::read(&self.path) {
            Ok(t) => t,
            // A path under a regular file cannot exist either.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                ) =>
            {
                return Ok((None, false))
            }
            Err(e) => {
                return Err(StateError::Read {
                    path: self.path.clone(),
                    source: e,
                })
            }
        };
        let (text, plaintext) = open_state_bytes(&self.path, bytes, self.encryption.as_ref())?;
        if text.trim().is_empty() {
            return Ok((None, plaintext));
        }
        State::from_json(&text)
            .map(|s| (Some(s), plaintext))
            .map_err(|e| StateError::Load {
                path: self.path.clone(),
                source: Box::new(e),
            })
    }

    /// `bytes` as written to this store's files: sealed when a key is set.
    fn sealed(&self, bytes: &[u8]) -> io::Result<Vec<u8>> {
        match &self.encryption {
            None => Ok(bytes.to_vec()),
            Some(e) => {
                let mut sealed = e.seal(Content::State, bytes).map_err(io::Error::other)?;
                sealed.push(b'\n');
                Ok(sealed)
            }
        }
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
                Ok((on_disk, _)) => {
                    memory.content_on_disk = on_disk.as_ref().map(write::content_json)
                }
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
                    // A plaintext file being migrated is sealed for the backup as well; a
                    // sealed one was opened with this key and is kept byte for byte.
                    Ok(previous)
                        if self.encryption.is_some() && !encryption::is_sealed(&previous) =>
                    {
                        write_atomically(&self.backup_path, &self.sealed(&previous)?)?
                    }
                    Ok(previous) => write_atomically(&self.backup_path, &previous)?,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                }
                memory.backup_written = true;
            }
            let bytes = self.sealed(text.as_bytes())?;
            write_atomically(&self.path, &bytes)?;
            Ok(bytes.len())
        })();

        match result {
            Ok(written) => {
                memory.content_on_disk = Some(content);
                memory.plaintext_with_key = false;
                memory.full_bytes = written as u64;
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
        persist_error(
            &self.errored_path,
            self.encryption.as_ref(),
            self.path.display().to_string(),
            text,
            source,
        )
    }

    fn memory(&self) -> std::sync::MutexGuard<'_, Memory> {
        // A panic while holding the lock leaves nothing half-updated that matters here.
        self.memory.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The error for a state that could not be saved at `location`: the state goes to
/// `errored_path` (sealed when there is a key), or, when that fails too, into the error.
pub(super) fn persist_error(
    errored_path: &Path,
    encryption: Option<&Encryption>,
    location: String,
    text: String,
    source: io::Error,
) -> StateError {
    let sealed = match encryption {
        None => Ok(text.as_bytes().to_vec()),
        Some(e) => e
            .seal(Content::State, text.as_bytes())
            .map(|mut s| {
                s.push(b'\n');
                s
            })
            .map_err(io::Error::other),
    };
    let written = sealed.and_then(|bytes| write_file(errored_path, &bytes));
    let recovery = match written {
        Ok(()) => Recovery::Errored(errored_path.to_path_buf()),
        Err(error) => Recovery::Unsaved {
            error,
            state_json: text,
        },
    };
    StateError::Persist {
        location,
        source,
        recovery,
    }
}

/// The text of a state file's `bytes`: opened with `encryption` when sealed, as it is when
/// plaintext (the flag says which). `path` names the file in errors.
pub fn open_state_bytes(
    path: &Path,
    bytes: Vec<u8>,
    encryption: Option<&Encryption>,
) -> Result<(String, bool), StateError> {
    let sealed = encryption::is_sealed(&bytes);
    let bytes = match (sealed, encryption) {
        (false, _) => bytes,
        (true, None) => {
            return Err(StateError::NoKey {
                path: path.to_path_buf(),
            })
        }
        (true, Some(e)) => e
            .open(Content::State, &bytes)
            .map_err(|source| StateError::Crypt {
                path: path.to_path_buf(),
                source,
            })?,
    };
    match String::from_utf8(bytes) {
        Ok(text) => Ok((text, !sealed)),
        Err(_) => Err(StateError::Read {
            path: path.to_path_buf(),
            source: io::Error::new(io::ErrorKind::InvalidData, "the file is not UTF-8 text"),
        }),
    }
}

impl LocalStore {
    /// Rewrites the state file, its backup and its journal in the `target` form, for
    /// `state encrypt` and `state decrypt`; the caller holds the state lock. Every file is
    /// read, opened and checked first, and nothing is written unless all of them are usable,
    /// so a bad file leaves every file as it was. Each file is then replaced atomically, the
    /// state file last; its content is kept byte for byte (serial and lineage unchanged).
    /// Files already in the target form are left alone. Returns the files rewritten.
    pub fn rewrite_at_rest(&self, target: AtRest) -> Result<Vec<PathBuf>, StateError> {
        if target == AtRest::Encrypted && self.encryption.is_none() {
            return Err(StateError::KeyRequired);
        }
        let backup = self.converted(&self.backup_path, target)?;
        let state = self.converted(&self.path, target)?;
        let journal = super::journal::rewrite(
            &self.journal_path,
            self.encryption.as_ref(),
            target == AtRest::Encrypted,
        )?;
        let mut done = Vec::new();
        for (path, bytes) in [
            (&self.backup_path, backup),
            (&self.journal_path, journal),
            (&self.path, state),
        ] {
            let Some(bytes) = bytes else { continue };
            write_atomically(path, &bytes).map_err(|source| StateError::Write {
                path: path.clone(),
                source,
            })?;
            done.push(path.clone());
        }
        Ok(done)
    }

    /// The state file at `path` in the `target` form, or `None` when it is already in that
    /// form (or missing or empty). Fails when it does not open or is not a usable state.
    fn converted(&self, path: &Path, target: AtRest) -> Result<Option<Vec<u8>>, StateError> {
        let bytes = match fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(StateError::Read {
                    path: path.to_path_buf(),
                    source,
                })
            }
        };
        let (text, plaintext) = open_state_bytes(path, bytes, self.encryption.as_ref())?;
        if text.trim().is_empty() {
            return Ok(None);
        }
        State::from_json(&text).map_err(|e| StateError::Load {
            path: path.to_path_buf(),
            source: Box::new(e),
        })?;
        match (target, plaintext) {
            (AtRest::Encrypted, true) => {
                self.sealed(text.as_bytes())
                    .map(Some)
                    .map_err(|source| StateError::Write {
                        path: path.to_path_buf(),
                        source,
                    })
            }
            (AtRest::Plaintext, false) => Ok(Some(text.into_bytes())),
            _ => Ok(None),
        }
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

    mod encrypted {
        use super::*;
        use crate::state::{Content, CryptError, Encryption, KdfParams, Passphrase};

        const FAST: KdfParams = KdfParams {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        };

        fn key(passphrase: &str) -> Encryption {
            Encryption::with_kdf_params(Passphrase::new(passphrase).unwrap(), FAST)
        }

        fn store(path: &Path, passphrase: &str) -> LocalStore {
            LocalStore::new(path).with_encryption(Some(key(passphrase)))
        }

        #[test]
        fn an_encrypted_state_hides_its_content_and_loads_back() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("terraform.tfstate");
            let store = store(&path, "pw");
            let mut state = one_resource("secret-id-42");
            store.save(&mut state).unwrap();
            let bytes = fs::read(&path).unwrap();
            assert!(bytes.starts_with(crate::state::encryption::MAGIC.as_bytes()));
            let text = String::from_utf8(bytes).unwrap();
            assert!(!text.contains("secret-id-42") && !text.contains("null_resource"));
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            let loaded = LocalStore::new(&path)
                .with_encryption(Some(key("pw")))
                .load()
                .unwrap()
                .unwrap();
            assert!(loaded.same_content(&state));
            assert_eq!(loaded.serial, 1);
        }

        #[test]
        fn the_key_is_derived_once_for_many_writes() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("terraform.tfstate");
            let encryption = key("pw");
            let store = LocalStore::new(&path).with_encryption(Some(encryption.clone()));
            let mut state = State::new();
            store.save(&mut state).unwrap();
            for i in 0..50 {
                let addr = one_resource("x").instances().next().unwrap().0;
                state.set_instance(
                    &addr,
                    "provider[\"registry.terraform.io/hashicorp/null\"]",
                    InstanceState::new(InstanceKey::None, serde_json::json!({ "id": i })),
                );
                store.record(&mut state, &addr).unwrap();
                store.save(&mut state).unwrap();
            }
            // The next run opens the file and writes it back with the same single key.
            let next = key("pw");
            let again = LocalStore::new(&path).with_encryption(Some(next.clone()));
            let mut loaded = again.load().unwrap().unwrap();
            loaded.outputs.insert(
                "o".into(),
                crate::state::OutputState {
                    value: crate::value::Value::from("v"),
                    sensitive: false,
                },
            );
            again.save(&mut loaded).unwrap();
            assert_eq!((encryption.kdf_runs(), next.kdf_runs()), (1, 1));
        }

        #[test]
        fn a_plaintext_state_is_read_with_a_warning_and_encrypted_on_the_next_write() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("terraform.tfstate");
            let mut first = one_resource("1");
            LocalStore::new(&path).save(&mut first).unwrap();
            let plaintext = fs::read_to_string(&path).unwrap();

            let keyed = store(&path, "pw");
            let mut state = keyed.load().unwrap().unwrap();
            let warning = keyed.plaintext_warning().unwrap();
            assert!(
                warning.detail.contains("next write encrypts it"),
                "{warning:?}"
            );
            state.outputs.insert(
                "o".into(),
                crate::state::OutputState {
                    value: crate::value::Value::from("v"),
                    sensitive: false,
                },
            );
            keyed.save(&mut state).unwrap();
            assert!(keyed.plaintext_warning().is_none());
            assert!(encryption::is_sealed(&fs::read(&path).unwrap()));
            // The backup holds the plaintext state from before, sealed.
            let backup = fs::read(keyed.backup_path()).unwrap();
            assert!(encryption::is_sealed(&backup));
            assert_eq!(
                key("pw").open(Content::State, &backup).unwrap(),
                plaintext.as_bytes()
            );
            // Without a key, or without a state file yet, nothing warns.
            let plain = LocalStore::new(dir.path().join("other.tfstate"));
            plain.load().unwrap();
            assert!(plain.plaintext_warning().is_none());
            let first_run = store(&dir.path().join("new.tfstate"), "pw");
            assert!(first_run.load().unwrap().is_none());
            assert!(first_run.plaintext_warning().is_none());
        }

        #[test]
        fn an_encrypted_state_needs_the_right_key_and_is_never_overwritten_without_it() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("terraform.tfstate");
            let mut state = one_resource("1");
            store(&path, "right").save(&mut state).unwrap();
            let on_disk = fs::read(&path).unwrap();

            let err = LocalStore::new(&path).load().unwrap_err();
            assert!(matches!(err, StateError::NoKey { .. }), "{err:?}");
            assert!(err.to_string().contains("BCMHCL_STATE_PASSPHRASE"), "{err}");
            assert_eq!(err.to_diagnostic().summary, "Encrypted state without a key");

            let err = store(&path, "wrong").load().unwrap_err();
            assert!(
                matches!(
                    err,
                    StateError::Crypt {
                        source: CryptError::WrongKey,
                        ..
                    }
                ),
                "{err:?}"
            );
            assert!(
                err.to_string()
                    .contains("The state is encrypted and the key does not open it"),
                "{err}"
            );

            // A save over a file that does not open goes to errored.tfstate, sealed.
            let errored = dir.path().join("errored.tfstate");
            let wrong = store(&path, "wrong").with_errored_path(&errored);
            let mut other = one_resource("2");
            assert!(wrong.save(&mut other).is_err());
            let no_key = LocalStore::new(&path).with_errored_path(&errored);
            assert!(no_key.save(&mut other).is_err());
            assert_eq!(fs::read(&path).unwrap(), on_disk);
            // With a key, errored.tfstate is sealed with it.
            let wrong = store(&path, "wrong").with_errored_path(&errored);
            assert!(wrong.save(&mut other).is_err());
            let recovered = fs::read(&errored).unwrap();
            assert!(encryption::is_sealed(&recovered));
            assert_eq!(
                key("wrong").open(Content::State, &recovered).unwrap(),
                other.to_json().as_bytes()
            );
            assert_eq!(fs::read(&path).unwrap(), on_disk);
        }

        #[test]
        fn a_cut_short_or_altered_encrypted_state_is_a_clear_error() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("terraform.tfstate");
            let mut state = one_resource("1");
            store(&path, "pw").save(&mut state).unwrap();
            let whole = fs::read(&path).unwrap();
            fs::write(&path, &whole[..whole.len() / 2]).unwrap();
            let err = store(&path, "pw").load().unwrap_err();
            assert!(err.to_string().contains("cut short"), "{err}");
            assert_eq!(err.to_diagnostic().summary, "Failed to decrypt state");

            let mut altered = whole.clone();
            let at = altered.len() - 10;
            altered[at] = if altered[at] == b'A' { b'B' } else { b'A' };
            fs::write(&path, &altered).unwrap();
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
            assert_eq!(fs::read(&path).unwrap(), altered);
        }

        #[test]
        fn state_encrypt_and_decrypt_keep_the_content_byte_for_byte() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("terraform.tfstate");
            let mut first = one_resource("1");
            LocalStore::new(&path).save(&mut first).unwrap();
            let plain_store = LocalStore::new(&path);
            let mut second = plain_store.load().unwrap().unwrap();
            second.outputs.insert(
                "o".into(),
                crate::state::OutputState {
                    value: crate::value::Value::from("v"),
                    sensitive: true,
                },
            );
            plain_store.save(&mut second).unwrap();
            // A journal record left by an interrupted run.
            let addr = first.instances().next().unwrap().0;
            plain_store.record(&mut second, &addr).unwrap();
            let state_text = fs::read(&path).unwrap();
            let backup_text = fs::read(plain_store.backup_path()).unwrap();
            let journal_text = fs::read(plain_store.journal_path()).unwrap();

            let store = store(&path, "pw");
            let done = store.rewrite_at_rest(AtRest::Encrypted).unwrap();
            assert_eq!(done.len(), 3, "{done:?}");
            for p in &done {
                let bytes = fs::read(p).unwrap();
                assert!(
                    !String::from_utf8_lossy(&bytes).contains("null_resource"),
                    "{p:?}"
                );
            }
            // Encrypting again changes nothing.
            assert!(store.rewrite_at_rest(AtRest::Encrypted).unwrap().is_empty());
            let loaded = store.load().unwrap().unwrap();
            assert_eq!(loaded.serial, second.serial);

            let done = store.rewrite_at_rest(AtRest::Plaintext).unwrap();
            assert_eq!(done.len(), 3);
            assert_eq!(fs::read(&path).unwrap(), state_text);
            assert_eq!(fs::read(store.backup_path()).unwrap(), backup_text);
            assert_eq!(fs::read(store.journal_path()).unwrap(), journal_text);
            assert!(LocalStore::new(&path)
                .rewrite_at_rest(AtRest::Encrypted)
                .is_err());
        }

        #[test]
        fn a_bad_file_stops_the_rewrite_before_anything_is_written() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("terraform.tfstate");
            let mut state = one_resource("1");
            LocalStore::new(&path).save(&mut state).unwrap();
            let store = store(&path, "pw");
            fs::write(store.backup_path(), "{\"version\": 4, \"trunc").unwrap();
            let before = fs::read(&path).unwrap();
            let err = store.rewrite_at_rest(AtRest::Encrypted).unwrap_err();
            assert!(
                err.to_string().contains("terraform.tfstate.backup"),
                "{err}"
            );
            assert_eq!(fs::read(&path).unwrap(), before);
            assert_eq!(
                fs::read_to_string(store.backup_path()).unwrap(),
                "{\"version\": 4, \"trunc"
            );
        }
    }
}
