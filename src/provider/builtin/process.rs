//! Running programs the way Go's `os/exec` does, and describing failures in Go's words, since
//! the real providers and provisioners put those words in their error messages.

use std::io;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;

/// Go's `exec.LookPath`: a name with a slash is used as it is (it must be an executable
/// file); otherwise each directory of `$PATH` is searched. The error is Go's text, e.g.
/// `exec: "tool": executable file not found in $PATH`.
pub fn look_path(file: &str) -> Result<PathBuf, LookPathError> {
    if file.contains('/') {
        return match executable(Path::new(file)) {
            Ok(()) => Ok(PathBuf::from(file)),
            Err(e) => Err(LookPathError::Other(format!(
                "exec: {}: {e}",
                go_quote(file)
            ))),
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        // An empty entry means the current directory.
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        let candidate = dir.join(file);
        if executable(&candidate).is_ok() {
            return Ok(candidate);
        }
    }
    Err(LookPathError::NotFound(format!(
        "exec: {}: executable file not found in $PATH",
        go_quote(file)
    )))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookPathError {
    /// Not found in any `$PATH` directory (Go's `exec.ErrNotFound`).
    NotFound(String),
    Other(String),
}

impl std::fmt::Display for LookPathError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LookPathError::NotFound(s) | LookPathError::Other(s) => f.write_str(s),
        }
    }
}

/// Go's `findExecutable`: a file (not a directory) with an execute bit.
fn executable(p: &Path) -> Result<(), String> {
    let m = std::fs::metadata(p).map_err(|e| format!("stat {}: {}", p.display(), go_error(&e)))?;
    if !m.is_dir() && m.permissions().mode() & 0o111 != 0 {
        Ok(())
    } else {
        Err("permission denied".to_string())
    }
}

/// An OS error as Go prints it: `no such file or directory` (strerror, lower case, without
/// Rust's `(os error 2)` suffix).
pub fn go_error(e: &io::Error) -> String {
    let text = e.to_string();
    let text = match text.find(" (os error ") {
        Some(i) => &text[..i],
        None => &text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Why a process failed to start, as Go's `cmd.Start` says it.
pub fn start_error(program: &str, working_dir: Option<&Path>, e: &io::Error) -> String {
    if let Some(dir) = working_dir {
        match std::fs::metadata(dir) {
            Err(de) => return format!("chdir {}: {}", dir.display(), go_error(&de)),
            Ok(m) if !m.is_dir() => return format!("chdir {}: not a directory", dir.display()),
            Ok(_) => {}
        }
    }
    format!("fork/exec {program}: {}", go_error(e))
}

/// An exit status as Go's `ExitError` prints it: `exit status 3`, `signal: killed`.
pub fn exit_status_text(status: &ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exit status {code}");
    }
    match status.signal() {
        Some(sig) => {
            let name = match sig {
                1 => "hangup".to_string(),
                2 => "interrupt".to_string(),
                3 => "quit".to_string(),
                6 => "aborted".to_string(),
                9 => "killed".to_string(),
                11 => "segmentation fault".to_string(),
                13 => "broken pipe".to_string(),
                15 => "terminated".to_string(),
                n => format!("signal {n}"),
            };
            format!("signal: {name}")
        }
        None => status.to_string(),
    }
}

fn go_quote(s: &str) -> String {
    crate::value::go_quote(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_are_found_on_the_path_or_refused_in_gos_words() {
        let sh = look_path("sh").unwrap();
        assert!(sh.is_absolute() && sh.ends_with("sh"));
        assert_eq!(look_path("/bin/sh").unwrap(), PathBuf::from("/bin/sh"));
        assert_eq!(
            look_path("no-such-program-xyz").unwrap_err(),
            LookPathError::NotFound(
                "exec: \"no-such-program-xyz\": executable file not found in $PATH".into()
            )
        );
        assert_eq!(
            look_path("./no/such/file").unwrap_err().to_string(),
            "exec: \"./no/such/file\": stat ./no/such/file: no such file or directory"
        );
        assert_eq!(
            look_path("/tmp").unwrap_err().to_string(),
            "exec: \"/tmp\": permission denied"
        );
    }

    #[test]
    fn exit_statuses_read_as_go_prints_them() {
        assert_eq!(
            exit_status_text(&ExitStatus::from_raw(3 << 8)),
            "exit status 3"
        );
        assert_eq!(exit_status_text(&ExitStatus::from_raw(9)), "signal: killed");
    }

    #[test]
    fn start_errors_name_the_missing_directory_first() {
        let e = io::Error::from_raw_os_error(2);
        assert_eq!(
            start_error("/bin/sh", Some(Path::new("/no/such/dir")), &e),
            "chdir /no/such/dir: no such file or directory"
        );
        assert_eq!(
            start_error("/x/sh", None, &e),
            "fork/exec /x/sh: no such file or directory"
        );
    }
}
