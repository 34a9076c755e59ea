//! Local state locking, as Terraform's local backend does it: an OS advisory lock held for the
//! whole command, and `.<state>.lock.info` beside the state naming who holds it.
//!
//! Terraform locks the state file itself; `LocalStore` replaces that file by rename on every
//! write, which would leave the lock on an old inode, so the OS lock is taken on a separate,
//! stable file `.<state>.lock` that is never removed (removing it would let a waiter lock the
//! unlinked inode while a newcomer locks a new one). The info file is written after the OS
//! lock is taken and removed before it is released, so an info file found while holding the
//! OS lock was left by a run that ended without releasing (killed): that is reported, with the
//! `force-unlock` command that clears it, rather than silently taken over.

use crate::diag::Diagnostic;
use serde::{Deserialize, Serialize};
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long to wait between attempts while `-lock-timeout` runs.
const RETRY_INTERVAL: Duration = Duration::from_millis(100);

/// How long a failed attempt waits for the holder's info to appear before reporting without it.
const INFO_GRACE: Duration = Duration::from_secs(2);

/// Terraform's explanation under every lock error (`clistate.LockErrorMessage`).
const LOCK_ERROR_TAIL: &str = "bcmhcl acquires a state lock to protect the state from being written\nby multiple users at the same time. Please resolve the issue above and try\nagain. For most commands, you can disable locking with the \"-lock=false\"\nflag, but this is not recommended.";

/// The lock information JSON (Terraform's `statemgr.LockInfo`, in its field order), plus the
/// holder's process id so that a lock left by a dead process can be told apart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "Operation", default)]
    pub operation: String,
    #[serde(rename = "Info", default)]
    pub info: String,
    #[serde(rename = "Who", default)]
    pub who: String,
    #[serde(rename = "Version", default)]
    pub version: String,
    #[serde(rename = "Created", default)]
    pub created: String,
    #[serde(rename = "Path", default)]
    pub path: String,
    /// Not in Terraform's info; 0 when absent (a file written by Terraform).
    #[serde(rename = "Pid", default)]
    pub pid: u32,
}

impl LockInfo {
    /// A fresh lock info for `operation` (e.g. `OperationTypeApply`, `state-rm`) on `path`.
    pub fn new(operation: &str, path: &Path) -> LockInfo {
        LockInfo {
            id: uuid::Uuid::new_v4().to_string(),
            operation: operation.to_string(),
            info: String::new(),
            who: format!("{}@{}", user_name(), host_name()),
            version: super::TERRAFORM_VERSION.to_string(),
            created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
            path: path.display().to_string(),
            pid: std::process::id(),
        }
    }

    /// Terraform's `Lock Info:` block (`LockInfo.String`), indented as its error shows it.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "Lock Info:\n  ID:        {}\n  Path:      {}\n  Operation: {}\n  Who:       {}\n  Version:   {}\n  Created:   {}\n  Info:      {}",
            self.id, self.path, self.operation, self.who, self.version, self.created, self.info
        );
        if self.pid != 0 {
            s.push_str(&format!("\n  Pid:       {}", self.pid));
        }
        s
    }

    /// Whether the holder named here is a process on this host that is still running; `None`
    /// when that cannot be told (another host, no pid, no `/proc`).
    pub fn holder_alive(&self) -> Option<bool> {
        let host = self.who.rsplit_once('@').map(|(_, h)| h)?;
        if self.pid == 0 || host != host_name() || !Path::new("/proc/self").exists() {
            return None;
        }
        Some(Path::new(&format!("/proc/{}", self.pid)).exists())
    }
}

/// Why a lock could not be taken or cleared.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds the OS lock; its info when it could be read.
    #[error("resource temporarily unavailable")]
    Held { info: Option<Box<LockInfo>> },
    /// The OS lock was free but an info file remained: a run ended without releasing.
    #[error("the state lock was left behind by a run that did not release it")]
    Stale { info: Box<LockInfo> },
    /// force-unlock found no lock info.
    #[error("no lock information found at {}: the state is not locked", .path.display())]
    NotLocked { path: PathBuf },
    /// force-unlock was given another lock's ID.
    #[error("lock id {given:?} does not match existing lock ({held:?})")]
    IdMismatch { given: String, held: String },
    #[error("{}: {source}", .path.display())]
    Io { path: PathBuf, source: io::Error },
    /// A PostgreSQL advisory lock is held by another session. Advisory locks carry no lock
    /// info, so `holder` describes the session holding it, when the server says.
    #[error("{reason}")]
    Advisory {
        reason: String,
        holder: Option<String>,
    },
    /// The lock could not be asked for (the database failed).
    #[error("{0}")]
    Database(String),
}

impl LockError {
    /// The error as Terraform words it: "Error acquiring the state lock" with the holder.
    pub fn to_diagnostic(&self) -> Diagnostic {
        match self {
            LockError::Held { info } => {
                let holder = match info {
                    Some(i) => i.describe(),
                    None => "Lock Info: unavailable (the holder has not written it yet)".into(),
                };
                Diagnostic::error("Error acquiring the state lock").detail(format!(
                    "Error message: {self}\n{holder}\n\n{LOCK_ERROR_TAIL}"
                ))
            }
            LockError::Stale { info } => {
                let why = match info.holder_alive() {
                    Some(false) => format!(
                        "the process that took it (pid {}) is no longer running",
                        info.pid
                    ),
                    _ => "no process holds it any more".to_string(),
                };
                Diagnostic::error("Error acquiring the state lock").detail(format!(
                    "Error message: {self}: {why}.\n{}\n\nThe run that took this lock may have ended part way; check the state before going on. If no other bcmhcl process is using this state, remove the lock with:\n  bcmhcl force-unlock {}",
                    info.describe(),
                    info.id
                ))
            }
            LockError::Io { .. } | LockError::Database(_) => {
                Diagnostic::error("Error acquiring the state lock")
                    .detail(format!("Error message: {self}\n\n{LOCK_ERROR_TAIL}"))
            }
            LockError::Advisory { holder, .. } => {
                let holder = match holder {
                    Some(h) => h.clone(),
                    None => "Lock Info: unavailable (PostgreSQL advisory locks record no lock \
                             information, and the holding session is not visible to this user)"
                        .to_string(),
                };
                Diagnostic::error("Error acquiring the state lock").detail(format!(
                    "Error message: {self}\n{holder}\n\n{LOCK_ERROR_TAIL}"
                ))
            }
            LockError::NotLocked { .. } | LockError::IdMismatch { .. } => {
                Diagnostic::error("Failed to unlock state").detail(self.to_string())
            }
        }
    }
}

/// A held state lock; dropping it removes the info file and releases the OS lock, so every
/// exit path of a command (errors included) unlocks.
#[derive(Debug)]
pub struct StateLock {
    file: File,
    info_path: PathBuf,
    info: LockInfo,
}

impl StateLock {
    pub fn info(&self) -> &LockInfo {
        &self.info
    }
}

impl Drop for StateLock {
    fn drop(&mut self) {
        // The info goes first: while the OS lock is still held nobody can take it and find
        // the info file half-removed.
        let _ = fs::remove_file(&self.info_path);
        let _ = self.file.unlock();
    }
}

/// `.<name>.lock` and `.<name>.lock.info` beside the state file `<dir>/<name>`.
pub fn lock_paths(state_path: &Path) -> (PathBuf, PathBuf) {
    let dir = state_path.parent().unwrap_or(Path::new(""));
    let name = state_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "terraform.tfstate".to_string());
    (
        dir.join(format!(".{name}.lock")),
        dir.join(format!(".{name}.lock.info")),
    )
}

/// Takes the lock on the state at `state_path` for `operation`, retrying until `timeout`
/// (zero: one attempt, Terraform's default).
pub fn acquire(
    state_path: &Path,
    operation: &str,
    timeout: Duration,
) -> Result<StateLock, LockError> {
    let (lock_path, info_path) = lock_paths(state_path);
    let file = open_lock_file(&lock_path)?;
    let deadline = Instant::now() + timeout;
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) => {
                let now = Instant::now();
                if now >= deadline {
                    // A holder that has just taken the OS lock writes its info a moment
                    // later: wait for it a little, so the error can name the holder.
                    let info = read_info(&info_path);
                    if info.is_some() || now >= deadline + INFO_GRACE {
                        return Err(LockError::Held {
                            info: info.map(Box::new),
                        });
                    }
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                }
                std::thread::sleep(RETRY_INTERVAL.min(deadline - now));
            }
            Err(TryLockError::Error(source)) => {
                return Err(LockError::Io {
                    path: lock_path,
                    source,
                })
            }
        }
    }
    // Holding the OS lock, an info file can only be a leftover of a run that never released.
    if let Some(old) = read_info(&info_path) {
        let _ = file.unlock();
        return Err(LockError::Stale {
            info: Box::new(old),
        });
    }
    let info = LockInfo::new(operation, state_path);
    if let Err(source) = write_info(&info_path, &info) {
        let _ = file.unlock();
        return Err(LockError::Io {
            path: info_path,
            source,
        });
    }
    Ok(StateLock {
        file,
        info_path,
        info,
    })
}

/// The lock info beside the state at `state_path`, if there is a readable one.
pub fn current_info(state_path: &Path) -> Option<LockInfo> {
    read_info(&lock_paths(state_path).1)
}

/// `force-unlock ID`: removes the lock info left beside the state when its ID is `id`. A lock
/// still held by a running process is never broken (the OS lock cannot be taken away from it).
pub fn force_unlock(state_path: &Path, id: &str) -> Result<LockInfo, LockError> {
    let (lock_path, info_path) = lock_paths(state_path);
    if !lock_path.exists() && !info_path.exists() {
        return Err(LockError::NotLocked { path: info_path });
    }
    let file = open_lock_file(&lock_path)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            return Err(LockError::Held {
                info: read_info(&info_path).map(Box::new),
            })
        }
        Err(TryLockError::Error(source)) => {
            return Err(LockError::Io {
                path: lock_path,
                source,
            })
        }
    }
    let result = match read_info(&info_path) {
        None => Err(LockError::NotLocked {
            path: info_path.clone(),
        }),
        Some(info) if info.id != id => Err(LockError::IdMismatch {
            given: id.to_string(),
            held: info.id,
        }),
        Some(info) => fs::remove_file(&info_path)
            .map(|()| info)
            .map_err(|source| LockError::Io {
                path: info_path.clone(),
                source,
            }),
    };
    let _ = file.unlock();
    result
}

fn open_lock_file(lock_path: &Path) -> Result<File, LockError> {
    let io_err = |source| LockError::Io {
        path: lock_path.to_path_buf(),
        source,
    };
    if let Some(dir) = lock_path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(io_err)?;
    }
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(lock_path)
        .map_err(io_err)
}

/// The info file's content; a missing or unreadable one is `None` (a holder may be between
/// taking the OS lock and writing it).
fn read_info(path: &Path) -> Option<LockInfo> {
    let text = fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

/// Writes the info through a temporary file and a rename, so a reader never sees half of it.
fn write_info(path: &Path, info: &LockInfo) -> io::Result<()> {
    let json = serde_json::to_string(info).map_err(io::Error::other)?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".{}.tmp", std::process::id()));
    let tmp = PathBuf::from(tmp);
    fs::write(&tmp, json)?;
    fs::rename(&tmp, path).inspect_err(|_| {
        let _ = fs::remove_file(&tmp);
    })
}

pub(crate) fn user_name() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "unknown".to_string())
}

pub(crate) fn host_name() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| {
            fs::read_to_string(p)
                .ok()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        })
        .unwrap_or_else(|| "localhost".to_string())
}

/// Parses a Go duration (`30s`, `2m`, `1h30m`, `1.5s`, `0`), as `-lock-timeout` takes it.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let invalid = || format!("invalid duration {text:?}");
    let s = text.strip_prefix('+').unwrap_or(text);
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    if s.is_empty() || s.starts_with('-') {
        return Err(invalid());
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| format!("missing unit in duration {text:?}"))?;
        let number: f64 = rest[..num_len].parse().map_err(|_| invalid())?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            u => return Err(format!("unknown unit {u:?} in duration {text:?}")),
        };
        rest = &rest[unit_len..];
        total += number * seconds;
    }
    Duration::try_from_secs_f64(total).map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state_in(dir: &tempfile::TempDir) -> PathBuf {
        dir.path().join("terraform.tfstate")
    }

    #[test]
    fn lock_files_sit_beside_the_state_with_a_leading_dot() {
        let (lock, info) = lock_paths(Path::new("envs/prod/x.tfstate"));
        assert_eq!(lock, Path::new("envs/prod/.x.tfstate.lock"));
        assert_eq!(info, Path::new("envs/prod/.x.tfstate.lock.info"));
        let (lock, _) = lock_paths(Path::new("terraform.tfstate"));
        assert_eq!(lock, Path::new(".terraform.tfstate.lock"));
    }

    #[test]
    fn acquiring_writes_the_info_and_releasing_removes_it() {
        let dir = tempfile::tempdir().unwrap();
        let state = state_in(&dir);
        let lock = acquire(&state, "OperationTypeApply", Duration::ZERO).unwrap();
        let on_disk = current_info(&state).expect("info written");
        assert_eq!(&on_disk, lock.info());
        assert_eq!(on_disk.operation, "OperationTypeApply");
        assert_eq!(on_disk.pid, std::process::id());
        assert!(on_disk.who.contains('@'));
        assert!(chrono::DateTime::parse_from_rfc3339(&on_disk.created).is_ok());
        let raw = fs::read_to_string(lock_paths(&state).1).unwrap();
        assert!(raw.starts_with("{\"ID\":"), "{raw}");
        drop(lock);
        assert_eq!(current_info(&state), None);
        // Released: the next run locks at once.
        let again = acquire(&state, "OperationTypePlan", Duration::ZERO).unwrap();
        assert_eq!(again.info().operation, "OperationTypePlan");
    }

    #[test]
    fn a_second_acquirer_fails_naming_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let state = state_in(&dir);
        let held = acquire(&state, "OperationTypeApply", Duration::ZERO).unwrap();
        let started = Instant::now();
        let err = acquire(&state, "OperationTypePlan", Duration::from_millis(300)).unwrap_err();
        assert!(started.elapsed() >= Duration::from_millis(300));
        match &err {
            LockError::Held { info: Some(info) } => assert_eq!(**info, *held.info()),
            other => panic!("unexpected {other:?}"),
        }
        let d = err.to_diagnostic();
        assert_eq!(d.summary, "Error acquiring the state lock");
        assert!(d.detail.contains(&format!("ID:        {}", held.info().id)));
        assert!(d.detail.contains("Operation: OperationTypeApply"));
        assert!(d.detail.contains("-lock=false"));
    }

    #[test]
    fn a_waiting_acquirer_gets_the_lock_once_it_is_released() {
        let dir = tempfile::tempdir().unwrap();
        let state = state_in(&dir);
        let held = acquire(&state, "OperationTypeApply", Duration::ZERO).unwrap();
        let releaser = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            drop(held);
        });
        let lock = acquire(&state, "OperationTypeApply", Duration::from_secs(10)).unwrap();
        releaser.join().unwrap();
        assert_eq!(current_info(&state).as_ref(), Some(lock.info()));
    }

    fn leave_stale_info(state: &Path, pid: u32) -> LockInfo {
        let mut info = LockInfo::new("OperationTypeApply", state);
        info.pid = pid;
        write_info(&lock_paths(state).1, &info).unwrap();
        info
    }

    #[test]
    fn info_left_without_an_os_lock_is_reported_with_the_force_unlock_command() {
        let dir = tempfile::tempdir().unwrap();
        let state = state_in(&dir);
        // No process has this pid (beyond Linux's pid_max).
        let left = leave_stale_info(&state, 99_999_999);
        assert_eq!(left.holder_alive(), Some(false));
        let err = acquire(&state, "OperationTypePlan", Duration::from_secs(5)).unwrap_err();
        let LockError::Stale { info } = &err else {
            panic!("unexpected {err:?}")
        };
        assert_eq!(**info, left);
        let d = err.to_diagnostic();
        assert!(d.detail.contains("pid 99999999) is no longer running"));
        assert!(d
            .detail
            .contains(&format!("bcmhcl force-unlock {}", left.id)));
        // The stale info stays until force-unlock clears it.
        assert_eq!(current_info(&state), Some(left.clone()));
        force_unlock(&state, &left.id).unwrap();
        assert_eq!(current_info(&state), None);
        assert!(acquire(&state, "OperationTypePlan", Duration::ZERO).is_ok());
    }

    #[test]
    fn force_unlock_needs_the_matching_id() {
        let dir = tempfile::tempdir().unwrap();
        let state = state_in(&dir);
        assert!(matches!(
            force_unlock(&state, "x"),
            Err(LockError::NotLocked { .. })
        ));
        let left = leave_stale_info(&state, 0);
        let err = force_unlock(&state, "not-the-id").unwrap_err();
        assert!(matches!(err, LockError::IdMismatch { .. }), "{err:?}");
        assert_eq!(current_info(&state), Some(left.clone()));
        assert_eq!(force_unlock(&state, &left.id).unwrap(), left);
    }

    #[test]
    fn force_unlock_refuses_while_a_process_holds_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let state = state_in(&dir);
        let held = acquire(&state, "OperationTypeApply", Duration::ZERO).unwrap();
        let err = force_unlock(&state, &held.info().id).unwrap_err();
        assert!(matches!(err, LockError::Held { .. }), "{err:?}");
        assert_eq!(current_info(&state).as_ref(), Some(held.info()));
    }

    #[test]
    fn go_durations_parse() {
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("30").is_err());
        assert!(parse_duration("-1s").is_err());
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("").is_err());
    }
}
