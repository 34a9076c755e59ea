//! `bcmhcl fmt [options] [DIR or FILE...]`: Terraform 1.0.3's `terraform fmt` — which files
//! it picks, what it lists, writes and prints, and its exit codes (2 on errors, 3 from
//! `-check` when something would change).

use super::terminal::print_diagnostics;
use bcmhcl::diag::{Diagnostic, Diagnostics, SourceMap};
use bcmhcl::fmt::{format_source, unified_diff};
use clap::{ArgAction, Args};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Args, Debug)]
pub struct FmtArgs {
    /// Directories or files to format (default: the current directory); `-` reads stdin and
    /// prints the result.
    #[arg(allow_hyphen_values = true)]
    pub paths: Vec<String>,
    /// List files whose formatting differs (`-list=false` to stop).
    #[arg(long, action = ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_value_t = true, default_missing_value = "true")]
    pub list: bool,
    /// Write the result back to the files (`-write=false` to stop).
    #[arg(long, action = ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_value_t = true, default_missing_value = "true")]
    pub write: bool,
    /// Print unified diffs of the changes.
    #[arg(long, action = ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_value_t = false, default_missing_value = "true")]
    pub diff: bool,
    /// Change nothing; exit 3 when some file is not formatted.
    #[arg(long, action = ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_value_t = false, default_missing_value = "true")]
    pub check: bool,
    /// Also process the files of subdirectories.
    #[arg(long, action = ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_value_t = false, default_missing_value = "true")]
    pub recursive: bool,
    /// Plain text diagnostics without colour.
    #[arg(long = "no-color")]
    pub no_color: bool,
}

/// The extensions `terraform fmt` 1.0.3 formats; JSON files are never touched.
const EXTENSIONS: [&str; 2] = [".tf", ".tfvars"];

struct Run {
    list: bool,
    write: bool,
    diff: bool,
    recursive: bool,
    /// What goes to stdout; with `-check` it is held back and shown only with `-list`.
    output: Vec<u8>,
    sources: SourceMap,
    diags: Diagnostics,
}

pub fn run(args: FmtArgs) -> ExitCode {
    let from_stdin = args.paths.first().is_some_and(|p| p == "-");
    let mut run = Run {
        list: (args.list && !from_stdin) || args.check,
        write: args.write && !from_stdin && !args.check,
        diff: args.diff,
        recursive: args.recursive,
        output: Vec::new(),
        sources: SourceMap::new(),
        diags: Diagnostics::new(),
    };
    if from_stdin {
        let mut text = Vec::new();
        match std::io::stdin().read_to_end(&mut text) {
            Ok(_) => run.file("<stdin>", None, text),
            Err(_) => run.error("Failed to read <stdin>".to_string()),
        }
    } else {
        let paths = if args.paths.is_empty() {
            vec![".".to_string()]
        } else {
            args.paths.clone()
        };
        for path in &paths {
            if !run.path(Path::new(path)) {
                break;
            }
        }
    }
    print_diagnostics(&run.diags, &run.sources, args.no_color);
    let changed = !run.output.is_empty();
    // `-check` shows what it found only when listing was asked for (never for stdin), and
    // not at all after an error.
    let show = !args.check || (args.list && !from_stdin && !run.diags.has_errors());
    if show {
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(&run.output);
        let _ = stdout.flush();
    }
    if run.diags.has_errors() {
        ExitCode::from(2)
    } else if args.check && changed {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    }
}

impl Run {
    fn error(&mut self, summary: String) {
        self.diags.push(Diagnostic::error(summary));
    }

    /// Terraform prints through a writer that ends every write with exactly one newline.
    fn print(&mut self, text: &str) {
        self.output.extend_from_slice(text.as_bytes());
        if !text.ends_with('\n') {
            self.output.push(b'\n');
        }
    }

    /// One command-line path; `false` stops the run, as a missing path stops Terraform.
    fn path(&mut self, path: &Path) -> bool {
        let shown = display_path(path);
        let Ok(meta) = std::fs::metadata(path) else {
            self.error(format!("No file or directory at {shown}"));
            return false;
        };
        if meta.is_dir() {
            self.directory(path);
        } else if EXTENSIONS.iter().any(|e| shown.ends_with(e)) {
            match std::fs::read(path) {
                Ok(text) => self.file(&shown, Some(path), text),
                Err(_) => self.error(format!("Failed to read file {shown}")),
            }
        } else {
            self.error("Only .tf and .tfvars files can be processed with terraform fmt".into());
        }
        true
    }

    fn directory(&mut self, dir: &Path) {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(_) => {
                let shown = display_path(dir);
                return self.error(format!("Cannot read directory {shown}"));
            }
        };
        // Go's ReadDir returns names sorted bytewise.
        let mut names: Vec<(String, bool)> = entries
            .filter_map(Result::ok)
            .map(|e| {
                let is_dir = e.file_type().is_ok_and(|t| t.is_dir())
                    || std::fs::metadata(e.path()).is_ok_and(|m| m.is_dir());
                (e.file_name().to_string_lossy().into_owned(), is_dir)
            })
            .collect();
        names.sort();
        for (name, is_dir) in names {
            if is_ignored(&name) {
                continue;
            }
            let path = dir.join(&name);
            if is_dir {
                if self.recursive {
                    self.directory(&path);
                }
            } else if EXTENSIONS.iter().any(|e| name.ends_with(e)) {
                let shown = display_path(&path);
                match std::fs::read(&path) {
                    Ok(text) => self.file(&shown, Some(&path), text),
                    Err(_) => self.error(format!("Failed to read file {shown}")),
                }
            }
        }
    }

    fn file(&mut self, shown: &str, path: Option<&Path>, bytes: Vec<u8>) {
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(_) => {
                return self.diags.push(
                    Diagnostic::error("Invalid character encoding")
                        .detail(format!("{shown} is not valid UTF-8 text.")),
                );
            }
        };
        let id = self.sources.add(
            shown,
            path.map(Path::to_path_buf).unwrap_or_default(),
            Arc::from(text.as_str()),
        );
        let formatted = match format_source(&text, id) {
            Ok(f) => f,
            Err(d) => return self.diags.push(d),
        };
        if formatted != text {
            if self.list {
                self.print(&format!("{shown}\n"));
            }
            if self.write {
                if let Some(path) = path {
                    if std::fs::write(path, &formatted).is_err() {
                        return self.error(format!("Failed to write {shown}"));
                    }
                }
            }
            if self.diff {
                let diff = unified_diff(&text, &formatted, shown);
                self.print(&diff);
            }
        }
        if !self.list && !self.write && !self.diff {
            self.print(&formatted);
        }
    }
}

/// Terraform skips editor backups and hidden files: `.name`, `name~`, `#name#`.
fn is_ignored(name: &str) -> bool {
    name.starts_with('.') || name.ends_with('~') || (name.starts_with('#') && name.ends_with('#'))
}

/// The path relative to the working directory, as Terraform names files in its output.
fn display_path(path: &Path) -> String {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        match std::env::current_dir() {
            Ok(cwd) => cwd.join(path),
            Err(_) => return path.to_string_lossy().into_owned(),
        }
    };
    let absolute = lexical_clean(&absolute);
    let Ok(cwd) = std::env::current_dir() else {
        return absolute.to_string_lossy().into_owned();
    };
    relative_to(&absolute, &lexical_clean(&cwd))
        .to_string_lossy()
        .into_owned()
}

/// Go's `filepath.Clean`: `.` dropped, `..` folded into its parent, without touching the disk.
fn lexical_clean(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Go's `filepath.Rel` for two clean absolute paths.
fn relative_to(path: &Path, base: &Path) -> PathBuf {
    let p: Vec<_> = path.components().collect();
    let b: Vec<_> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &p[common..] {
        out.push(c);
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_and_hidden_files_are_ignored() {
        assert!(is_ignored(".terraform"));
        assert!(is_ignored("main.tf~"));
        assert!(is_ignored("#main.tf#"));
        assert!(!is_ignored("main.tf"));
    }

    #[test]
    fn paths_are_shown_relative_to_the_base() {
        let rel = relative_to(Path::new("/a/b/c.tf"), Path::new("/a/d"));
        assert_eq!(rel, PathBuf::from("../b/c.tf"));
        assert_eq!(
            lexical_clean(Path::new("/a/./b/../c")),
            PathBuf::from("/a/c")
        );
    }
}
