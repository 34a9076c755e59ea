//! Filesystem functions: `file`, `fileexists`, `fileset`, `filebase64`, the `file*` hashes,
//! `abspath`, `dirname`, `basename` and `pathexpand`, with Go's path rules and error texts.

use super::crypto::{base64_std, Digest};
use super::{FuncContext, FuncError, FuncResult, FuncTable, Function, Param};
use crate::value::{Type, Value};
use std::fs::File;
use std::io::Read;

/// Files bigger than this are refused rather than read into memory.
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// `fileset` gives up beyond this many matches or this directory depth (symlink loops).
const MAX_GLOB_MATCHES: usize = 100_000;
const MAX_GLOB_DEPTH: usize = 64;

pub fn register(t: &mut FuncTable) {
    let path_fn = |name: &'static str, returns: Type, imp: super::FuncImpl| {
        Function::new(name, vec![Param::new("path", Type::String)], returns, imp)
    };
    t.add(path_fn("file", Type::String, |c, a| {
        let path = path_arg(a, 0)?;
        let bytes = read_file(c, path)?;
        String::from_utf8(bytes).map(Value::string).map_err(|_| {
            FuncError::call(format!(
                "contents of {path} are not valid UTF-8; use the filebase64 function to obtain the Base64 encoded contents or the other file functions (e.g. filemd5, filesha256) to obtain file hashing results instead"
            ))
        })
    }));
    t.add(path_fn("filebase64", Type::String, |c, a| {
        let bytes = read_file(c, path_arg(a, 0)?)?;
        Ok(Value::string(base64_std(&bytes)))
    }));
    t.add(path_fn("fileexists", Type::Bool, file_exists));
    t.add(path_fn("filemd5", Type::String, |c, a| {
        hash_file(c, a, Digest::Md5)
    }));
    t.add(path_fn("filesha1", Type::String, |c, a| {
        hash_file(c, a, Digest::Sha1)
    }));
    t.add(path_fn("filesha256", Type::String, |c, a| {
        hash_file(c, a, Digest::Sha256)
    }));
    t.add(path_fn("filesha512", Type::String, |c, a| {
        hash_file(c, a, Digest::Sha512)
    }));
    t.add(path_fn("filebase64sha256", Type::String, |c, a| {
        hash_file(c, a, Digest::Base64Sha256)
    }));
    t.add(path_fn("filebase64sha512", Type::String, |c, a| {
        hash_file(c, a, Digest::Base64Sha512)
    }));
    t.add(Function::new(
        "fileset",
        vec![
            Param::new("path", Type::String),
            Param::new("pattern", Type::String),
        ],
        Type::set(Type::String),
        fileset,
    ));
    t.add(path_fn("abspath", Type::String, |_, a| {
        let path = path_arg(a, 0)?;
        let absolute = if path.starts_with('/') {
            clean(path)
        } else {
            let cwd = std::env::current_dir()
                .map_err(|e| FuncError::call(format!("getwd: {}", errno_text(&e))))?;
            join(&cwd.to_string_lossy(), path)
        };
        Ok(Value::string(absolute))
    }));
    t.add(path_fn("dirname", Type::String, |_, a| {
        Ok(Value::string(dir(path_arg(a, 0)?)))
    }));
    t.add(path_fn("basename", Type::String, |_, a| {
        Ok(Value::string(base(path_arg(a, 0)?)))
    }));
    t.add(path_fn("pathexpand", Type::String, |_, a| {
        expand_home(path_arg(a, 0)?)
            .map(Value::string)
            .map_err(FuncError::call)
    }));
}

fn path_arg(args: &[Value], index: usize) -> Result<&str, FuncError> {
    args.get(index)
        .and_then(Value::as_str)
        .ok_or_else(|| FuncError::arg(index, "a string is required"))
}

/// Where Terraform opens `path`: `~` expanded, then joined to the base directory and cleaned.
fn resolve(ctx: &FuncContext, path: &str) -> Result<String, String> {
    let expanded = expand_home(path).map_err(|e| format!("failed to expand ~: {e}"))?;
    Ok(if expanded.starts_with('/') {
        clean(&expanded)
    } else {
        join(&ctx.base_dir.to_string_lossy(), &expanded)
    })
}

/// `file` and `filebase64`: every failure is about the `path` argument; a missing file gets
/// Terraform's hint and names the path as the user wrote it.
fn read_file(ctx: &FuncContext, path: &str) -> Result<Vec<u8>, FuncError> {
    let full = resolve(ctx, path).map_err(|e| FuncError::arg(0, e))?;
    let file = File::open(&full).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            FuncError::arg(0, format!("no file exists at {path}; this function works only with files that are distributed as part of the configuration source code, so if this file will be created by a resource in this configuration you must instead obtain this result from an attribute of that resource"))
        } else {
            FuncError::arg(0, format!("open {full}: {}", errno_text(&e)))
        }
    })?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|_| FuncError::arg(0, format!("failed to read {path}")))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(FuncError::arg(
            0,
            format!("{path} is larger than the 64 MiB that file functions will read"),
        ));
    }
    Ok(bytes)
}

/// The `file*` hashes stream the file, so size is no concern; errors read as Go's os errors.
fn hash_file(ctx: &FuncContext, args: &[Value], digest: Digest) -> FuncResult {
    let full = resolve(ctx, path_arg(args, 0)?).map_err(FuncError::call)?;
    let mut file = File::open(&full)
        .map_err(|e| FuncError::call(format!("open {full}: {}", errno_text(&e))))?;
    let read_error =
        |e: std::io::Error| FuncError::call(format!("read {full}: {}", errno_text(&e)));
    let encoded = match digest {
        Digest::Md5 => stream::<md5::Md5>(&mut file).map_err(read_error)?,
        Digest::Sha1 => stream::<sha1::Sha1>(&mut file).map_err(read_error)?,
        Digest::Sha256 | Digest::Base64Sha256 => {
            stream::<sha2::Sha256>(&mut file).map_err(read_error)?
        }
        Digest::Sha512 | Digest::Base64Sha512 => {
            stream::<sha2::Sha512>(&mut file).map_err(read_error)?
        }
    };
    Ok(Value::string(digest.finish(&encoded)))
}

fn stream<D: sha2::Digest + std::io::Write>(file: &mut File) -> std::io::Result<Vec<u8>> {
    let mut hasher = D::new();
    std::io::copy(file, &mut hasher)?;
    Ok(hasher.finalize().to_vec())
}

fn file_exists(ctx: &FuncContext, args: &[Value]) -> FuncResult {
    let full = resolve(ctx, path_arg(args, 0)?).map_err(FuncError::call)?;
    let meta = match std::fs::metadata(&full) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Value::Bool(false)),
        Err(_) => return Err(FuncError::call(format!("failed to stat {full}"))),
    };
    if meta.is_file() {
        return Ok(Value::Bool(true));
    }
    Err(FuncError::call(format!(
        "{full} is not a regular file, but {:?}",
        go_mode_string(&meta)
    )))
}

/// Go's `FileMode.String()`, e.g. `drwxr-xr-x`.
fn go_mode_string(meta: &std::fs::Metadata) -> String {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    let ft = meta.file_type();
    let mode = meta.permissions().mode();
    let mut out = String::new();
    let flags = [
        (ft.is_dir(), 'd'),
        (ft.is_symlink(), 'L'),
        (ft.is_block_device() || ft.is_char_device(), 'D'),
        (ft.is_fifo(), 'p'),
        (ft.is_socket(), 'S'),
        (mode & 0o4000 != 0, 'u'),
        (mode & 0o2000 != 0, 'g'),
        (ft.is_char_device(), 'c'),
        (mode & 0o1000 != 0, 't'),
    ];
    out.extend(flags.iter().filter(|(set, _)| *set).map(|(_, c)| c));
    for (i, c) in "rwxrwxrwx".chars().enumerate() {
        out.push(if mode & (1 << (8 - i)) != 0 { c } else { '-' });
    }
    if out.len() == 9 {
        out.insert(0, '-');
    }
    out
}

/// An OS error in Go's words: `no such file or directory`, `is a directory`, ...
fn errno_text(e: &std::io::Error) -> String {
    let text = e.to_string();
    let text = text
        .find(" (os error")
        .map_or(text.as_str(), |at| &text[..at])
        .to_string();
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => text,
    }
}

/// go-homedir's `Expand`: only a leading `~` alone or followed by a separator.
fn expand_home(path: &str) -> Result<String, String> {
    let Some(rest) = path.strip_prefix('~') else {
        return Ok(path.to_string());
    };
    if !rest.is_empty() && !rest.starts_with(['/', '\\']) {
        return Err("cannot expand user-specific home dir".into());
    }
    let home = std::env::var("HOME")
        .ok()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| "blank output when reading home directory".to_string())?;
    Ok(join(&home, rest))
}

/// Go's `filepath.Clean`.
fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// Go's `filepath.Join`: empty elements are skipped and the result cleaned.
fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => String::new(),
        (true, false) => clean(b),
        (false, true) => clean(a),
        (false, false) => clean(&format!("{a}/{b}")),
    }
}

/// Go's `filepath.Dir`.
fn dir(path: &str) -> String {
    let cut = path.rfind('/').map_or(0, |i| i + 1);
    clean(&path[..cut])
}

/// Go's `filepath.Base`.
fn base(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".into();
    }
    let start = trimmed.rfind('/').map_or(0, |i| i + 1);
    trimmed[start..].to_string()
}

/// Go's `filepath.Rel` for the case `fileset` needs: `target` lies inside `base`.
fn relative_to(base_path: &str, target: &str) -> String {
    if base_path == "." {
        return target.to_string();
    }
    target
        .strip_prefix(base_path)
        .map(|rest| rest.trim_start_matches('/'))
        .filter(|rest| !rest.is_empty())
        .unwrap_or(target)
        .to_string()
}

fn fileset(ctx: &FuncContext, args: &[Value]) -> FuncResult {
    let path = path_arg(args, 0)?;
    let pattern = path_arg(args, 1)?;
    let root = if path.starts_with('/') {
        path.to_string()
    } else {
        join(&ctx.base_dir.to_string_lossy(), path)
    };
    let full_pattern = join(&root, pattern);
    let root = clean(&root);
    let mut glob = Glob::default();
    let components: Vec<&str> = full_pattern.split('/').filter(|c| !c.is_empty()).collect();
    let start = if full_pattern.starts_with('/') {
        "/"
    } else {
        "."
    };
    glob.walk(start, &components, 0)
        .map_err(|e| FuncError::call(format!("failed to glob pattern ({full_pattern}): {e}")))?;
    let mut found = Vec::new();
    for m in glob.matches {
        let meta = std::fs::metadata(&m).map_err(|e| {
            FuncError::call(format!(
                "failed to stat ({m}): stat {m}: {}",
                errno_text(&e)
            ))
        })?;
        if meta.is_file() {
            found.push(Value::string(relative_to(&root, &m)));
        }
    }
    Ok(Value::set(Type::String, found))
}

/// doublestar's `Glob` (the library Terraform uses): literal components are looked up
/// directly, `**` matches any number of directories, symlinks are followed.
#[derive(Default)]
struct Glob {
    matches: Vec<String>,
}

impl Glob {
    fn walk(&mut self, dir_path: &str, components: &[&str], depth: usize) -> Result<(), String> {
        if depth > MAX_GLOB_DEPTH || self.matches.len() > MAX_GLOB_MATCHES {
            return Err("too many matches or directory levels".into());
        }
        let literal = components
            .iter()
            .take_while(|c| !c.contains(['*', '?', '[', '{', '\\']))
            .count();
        let mut base_dir = dir_path.to_string();
        for c in &components[..literal] {
            base_dir = join(&base_dir, c);
        }
        if std::fs::symlink_metadata(&base_dir).is_err() {
            return Ok(());
        }
        let rest = &components[literal..];
        let Some((first, after)) = rest.split_first() else {
            self.matches.push(base_dir);
            return Ok(());
        };
        let Ok(meta) = std::fs::metadata(&base_dir) else {
            return Ok(());
        };
        if !meta.is_dir() {
            return Ok(());
        }
        let Ok(entries) = std::fs::read_dir(&base_dir) else {
            return Ok(());
        };
        let mut names: Vec<(String, bool)> = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let is_dir = std::fs::metadata(entry.path()).is_ok_and(|m| m.is_dir());
            names.push((name, is_dir));
        }
        let mut pattern = *first;
        let mut remaining = after;
        if pattern == "**" {
            for (name, is_dir) in &names {
                let child = join(&base_dir, name);
                if *is_dir {
                    if remaining.is_empty() {
                        self.matches.push(child.clone());
                    }
                    self.walk(&child, rest, depth + 1)?;
                } else if remaining.is_empty() {
                    self.matches.push(child);
                }
            }
            let Some((next, later)) = remaining.split_first() else {
                return Ok(());
            };
            pattern = next;
            remaining = later;
        }
        for (name, _) in &names {
            if match_component(pattern, name)? {
                let child = join(&base_dir, name);
                if remaining.is_empty() {
                    self.matches.push(child);
                } else {
                    self.walk(&child, remaining, depth + 1)?;
                }
            }
        }
        Ok(())
    }
}

/// Matches one path component against a doublestar pattern: `*`, `?`, `[...]` classes
/// (with `!` or `^` negation and ranges), `{a,b}` alternatives and `\` escapes.
fn match_component(pattern: &str, name: &str) -> Result<bool, String> {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let mut budget = MATCH_STEPS;
    match_from(&p, &n, 0, &mut budget)
}

/// Steps one component match may take before the pattern is given up on (backtracking on
/// patterns such as `*a*a*a*b` is exponential).
const MATCH_STEPS: usize = 1_000_000;

const BAD_PATTERN: &str = "syntax error in pattern";

fn match_from(p: &[char], n: &[char], depth: usize, budget: &mut usize) -> Result<bool, String> {
    *budget = budget
        .checked_sub(1)
        .ok_or("pattern is too complex to match")?;
    if depth > 256 {
        return Err(BAD_PATTERN.into());
    }
    let Some((&c, rest)) = p.split_first() else {
        return Ok(n.is_empty());
    };
    match c {
        '*' => {
            for skip in 0..=n.len() {
                if match_from(rest, &n[skip..], depth + 1, budget)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        '?' => match n.split_first() {
            Some((_, n_rest)) => match_from(rest, n_rest, depth + 1, budget),
            None => Ok(false),
        },
        '[' => {
            let close = rest
                .iter()
                .skip(1)
                .position(|&c| c == ']')
                .map(|i| i + 1)
                .ok_or(BAD_PATTERN)?;
            let class = &rest[..close];
            let Some((&ch, n_rest)) = n.split_first() else {
                return Ok(false);
            };
            if class_matches(class, ch)? {
                match_from(&rest[close + 1..], n_rest, depth + 1, budget)
            } else {
                Ok(false)
            }
        }
        '{' => {
            let close = matching_brace(rest).ok_or(BAD_PATTERN)?;
            let after = &rest[close + 1..];
            for alternative in split_alternatives(&rest[..close]) {
                let mut candidate = alternative.to_vec();
                candidate.extend_from_slice(after);
                if match_from(&candidate, n, depth + 1, budget)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        '\\' => {
            let (&lit, rest) = rest.split_first().ok_or(BAD_PATTERN)?;
            literal(lit, rest, n, depth, budget)
        }
        other => literal(other, rest, n, depth, budget),
    }
}

fn literal(
    c: char,
    rest: &[char],
    n: &[char],
    depth: usize,
    budget: &mut usize,
) -> Result<bool, String> {
    match n.split_first() {
        Some((&first, n_rest)) if first == c => match_from(rest, n_rest, depth + 1, budget),
        _ => Ok(false),
    }
}

fn class_matches(class: &[char], ch: char) -> Result<bool, String> {
    let (negated, body) = match class.split_first() {
        Some(('!' | '^', body)) => (true, body),
        _ => (false, class),
    };
    let mut i = 0;
    let mut found = false;
    while let Some(&lo) = body.get(i) {
        if body.get(i + 1) == Some(&'-') && i + 2 < body.len() {
            let hi = body[i + 2];
            if lo > hi {
                return Err(BAD_PATTERN.into());
            }
            found |= (lo..=hi).contains(&ch);
            i += 3;
        } else {
            found |= lo == ch;
            i += 1;
        }
    }
    Ok(found != negated)
}

fn matching_brace(p: &[char]) -> Option<usize> {
    let mut level = 0usize;
    let mut escaped = false;
    for (i, &c) in p.iter().enumerate() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '{' => level += 1,
            '}' if level == 0 => return Some(i),
            '}' => level -= 1,
            _ => {}
        }
    }
    None
}

fn split_alternatives(p: &[char]) -> Vec<&[char]> {
    let mut out = Vec::new();
    let mut level = 0usize;
    let mut start = 0;
    let mut escaped = false;
    for (i, &c) in p.iter().enumerate() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '{' => level += 1,
            '}' => level = level.saturating_sub(1),
            ',' if level == 0 => {
                out.push(&p[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&p[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::super::{builtins, call, CallError, FuncContext};
    use crate::value::Value;
    use std::path::Path;

    /// The layout of Terraform's conformance fixtures.
    fn fixtures() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["", "subdirectory"] {
            let d = dir.path().join(sub);
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join("hello.txt"), "Hello World").unwrap();
            std::fs::write(d.join("hello.tmpl"), "Hello, ${name}!").unwrap();
        }
        dir
    }

    fn run(dir: &Path, name: &str, args: &[&str]) -> Result<Value, CallError> {
        let ctx = FuncContext {
            base_dir: dir.to_path_buf(),
            impure_known: false,
        };
        let args: Vec<Value> = args.iter().map(|a| Value::from(*a)).collect();
        call(builtins().get(name).unwrap(), &ctx, &args)
    }

    fn ok(dir: &Path, name: &str, args: &[&str]) -> Value {
        run(dir, name, args).unwrap()
    }

    fn text(dir: &Path, name: &str, arg: &str) -> String {
        ok(dir, name, &[arg]).as_str().unwrap().to_string()
    }

    fn err(dir: &Path, name: &str, args: &[&str]) -> String {
        run(dir, name, args).unwrap_err().detail
    }

    #[test]
    fn file_functions_read_relative_to_the_base_dir() {
        let d = fixtures();
        let d = d.path();
        assert_eq!(text(d, "file", "hello.txt"), "Hello World");
        assert_eq!(
            text(d, "file", "subdirectory/../hello.tmpl"),
            "Hello, ${name}!"
        );
        assert_eq!(text(d, "filebase64", "hello.txt"), "SGVsbG8gV29ybGQ=");
        assert_eq!(
            text(d, "filemd5", "hello.txt"),
            "b10a8db164e0754105b7a99be72e3fe5"
        );
        assert_eq!(
            text(d, "filesha1", "hello.txt"),
            "0a4d55a8d778e5022fab701977c5d840bbc486d0"
        );
        assert_eq!(
            text(d, "filesha256", "hello.txt"),
            "a591a6d40bf420404a011733cfb7b190d62c65bf0bcda32b57b277d9ad9f146e"
        );
        assert_eq!(text(d, "filesha512", "hello.txt"), "2c74fd17edafd80e8447b0d46741ee243b7eb74dd2149a0ab1b9246fb30382f27e853d8585719e0e67cbda0daa8f51671064615d645ae27acb15bfb1447f459b");
        assert_eq!(
            text(d, "filebase64sha256", "hello.txt"),
            "pZGm1Av0IEBKARczz7exkNYsZb8LzaMrV7J32a2fFG4="
        );
        assert_eq!(text(d, "filebase64sha512", "hello.txt"), "LHT9F+2v2A6ER7DUZ0HuJDt+t03SFJoKsbkkb7MDgvJ+hT2FhXGeDmfL2g2qj1FnEGRhXWRa4nrLFb+xRH9Fmw==");
        let abs = d.join("hello.txt");
        assert_eq!(text(d, "file", abs.to_str().unwrap()), "Hello World");
    }

    #[test]
    fn missing_and_unreadable_files_are_reported_as_terraform_does() {
        let d = fixtures();
        let d = d.path();
        assert_eq!(
            err(d, "file", &["nope.txt"]),
            "Invalid value for \"path\" parameter: no file exists at nope.txt; this function works only with files that are distributed as part of the configuration source code, so if this file will be created by a resource in this configuration you must instead obtain this result from an attribute of that resource."
        );
        assert_eq!(
            err(d, "file", &["subdirectory/"]),
            "Invalid value for \"path\" parameter: failed to read subdirectory/."
        );
        let full = d.join("nope");
        assert_eq!(
            err(d, "filemd5", &["nope"]),
            format!(
                "Call to function \"filemd5\" failed: open {}: no such file or directory.",
                full.display()
            )
        );
        assert_eq!(
            err(d, "filesha1", &["subdirectory"]),
            format!(
                "Call to function \"filesha1\" failed: read {}: is a directory.",
                d.join("subdirectory").display()
            )
        );
        assert_eq!(
            err(d, "filemd5", &["~x/a"]),
            "Call to function \"filemd5\" failed: failed to expand ~: cannot expand user-specific home dir."
        );
        assert_eq!(
            err(d, "file", &["~x/a"]),
            "Invalid value for \"path\" parameter: failed to expand ~: cannot expand user-specific home dir."
        );
    }

    #[test]
    fn file_refuses_invalid_utf8_but_filebase64_reads_it() {
        let d = fixtures();
        std::fs::write(d.path().join("bin.dat"), [0xff, 0xfe]).unwrap();
        assert_eq!(
            err(d.path(), "file", &["bin.dat"]),
            "Call to function \"file\" failed: contents of bin.dat are not valid UTF-8; use the filebase64 function to obtain the Base64 encoded contents or the other file functions (e.g. filemd5, filesha256) to obtain file hashing results instead."
        );
        assert_eq!(text(d.path(), "filebase64", "bin.dat"), "//4=");
        assert_eq!(
            text(d.path(), "filemd5", "bin.dat"),
            "f3b25701fe362ec84616a93a45ce9998"
        );
    }

    #[test]
    fn files_over_the_size_limit_are_refused() {
        let d = fixtures();
        let big = d.path().join("big.bin");
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(super::MAX_FILE_BYTES + 1).unwrap();
        let e = err(d.path(), "filebase64", &["big.bin"]);
        assert!(e.contains("larger than the 64 MiB"), "{e}");
        // Hashes stream the file instead of holding it.
        assert_eq!(text(d.path(), "filemd5", "big.bin").len(), 32);
    }

    #[test]
    fn fileexists_distinguishes_missing_files_from_directories() {
        let d = fixtures();
        let d = d.path();
        assert_eq!(ok(d, "fileexists", &["hello.txt"]).as_bool(), Some(true));
        assert_eq!(ok(d, "fileexists", &["nope"]).as_bool(), Some(false));
        assert_eq!(ok(d, "fileexists", &["nope/x"]).as_bool(), Some(false));
        let e = err(d, "fileexists", &["subdirectory"]);
        assert!(
            e.ends_with("subdirectory is not a regular file, but \"drwxr-xr-x\"."),
            "{e}"
        );
        let e = err(d, "fileexists", &["hello.txt/x"]);
        assert!(
            e.starts_with("Call to function \"fileexists\" failed: failed to stat "),
            "{e}"
        );
        std::os::unix::fs::symlink(d.join("hello.txt"), d.join("link.txt")).unwrap();
        assert_eq!(ok(d, "fileexists", &["link.txt"]).as_bool(), Some(true));
    }

    fn set_of(v: &Value) -> Vec<String> {
        v.as_seq()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn fileset_matches_the_conformance_fixtures() {
        let d = fixtures();
        let d = d.path();
        let pairs = ["hello.tmpl", "hello.txt"];
        let sub = ["subdirectory/hello.tmpl", "subdirectory/hello.txt"];
        assert_eq!(set_of(&ok(d, "fileset", &[".", "hello.*"])), pairs);
        assert_eq!(set_of(&ok(d, "fileset", &[".", "*/hello.*"])), sub);
        assert_eq!(
            set_of(&ok(d, "fileset", &[".", "subdirectory/hello.*"])),
            sub
        );
        assert_eq!(
            set_of(&ok(d, "fileset", &["subdirectory", "hello.*"])),
            pairs
        );
        let v = ok(d, "fileset", &[".", "*.txt"]);
        assert_eq!(v.ty(), crate::value::Type::set(crate::value::Type::String));
    }

    #[test]
    fn fileset_supports_doublestar_classes_and_alternatives() {
        let d = fixtures();
        let d = d.path();
        assert_eq!(
            set_of(&ok(d, "fileset", &[".", "**/*.txt"])),
            ["hello.txt", "subdirectory/hello.txt"]
        );
        assert_eq!(
            set_of(&ok(d, "fileset", &[".", "**"])),
            [
                "hello.tmpl",
                "hello.txt",
                "subdirectory/hello.tmpl",
                "subdirectory/hello.txt"
            ]
        );
        assert_eq!(
            set_of(&ok(d, "fileset", &[".", "hello.{txt,md}"])),
            ["hello.txt"]
        );
        assert_eq!(
            set_of(&ok(d, "fileset", &[".", "hello.t[!x]?l"])),
            ["hello.tmpl"]
        );
        assert_eq!(
            set_of(&ok(d, "fileset", &[".", "nothing*"])),
            Vec::<String>::new()
        );
        assert_eq!(
            set_of(&ok(d, "fileset", &["missing", "*"])),
            Vec::<String>::new()
        );
        let e = err(d, "fileset", &[".", "hello.[txt"]);
        assert!(e.contains("syntax error in pattern"), "{e}");
    }

    #[test]
    fn path_functions_follow_go_filepath() {
        let d = Path::new(".");
        for (input, want) in [
            ("", "."),
            ("hello.txt", "."),
            ("testdata/hello.txt", "testdata"),
            ("testdata/foo/hello.txt", "testdata/foo"),
            ("/", "/"),
            ("a/", "a"),
            ("//a//b//", "/a/b"),
            ("/a", "/"),
            ("./a/../b", "."),
        ] {
            assert_eq!(text(d, "dirname", input), want, "dirname({input:?})");
        }
        for (input, want) in [
            ("", "."),
            ("hello.txt", "hello.txt"),
            ("testdata/hello.txt", "hello.txt"),
            ("/", "/"),
            ("a//", "a"),
            ("//a//b//", "b"),
        ] {
            assert_eq!(text(d, "basename", input), want, "basename({input:?})");
        }
        assert_eq!(text(d, "abspath", "/a/b/../c/"), "/a/c");
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(text(d, "abspath", ""), cwd.to_str().unwrap());
        assert_eq!(
            text(d, "abspath", "x/../y"),
            cwd.join("y").to_str().unwrap()
        );
    }

    #[test]
    fn pathexpand_expands_only_a_leading_tilde() {
        let d = Path::new(".");
        let home = std::env::var("HOME").unwrap();
        assert_eq!(text(d, "pathexpand", "~"), home);
        assert_eq!(text(d, "pathexpand", "~/x"), format!("{home}/x"));
        assert_eq!(text(d, "pathexpand", "a/~"), "a/~");
        assert_eq!(
            err(d, "pathexpand", &["~x"]),
            "Call to function \"pathexpand\" failed: cannot expand user-specific home dir."
        );
    }

    #[test]
    fn glob_components_match_like_doublestar() {
        use super::match_component as m;
        assert!(m("*", ".hidden").unwrap());
        assert!(m("a\\*", "a*").unwrap());
        assert!(!m("a\\*", "ab").unwrap());
        assert!(m("[a-c]x", "bx").unwrap());
        assert!(m("[^a-c]x", "dx").unwrap());
        assert!(m("{a,b{c,d}}", "bd").unwrap());
        assert!(m("{,x}y", "y").unwrap());
        assert!(m("{a", "a").is_err());
        assert!(m(&"*".repeat(40), "").is_ok());
        // Pathological backtracking is cut off instead of running for ever.
        assert!(m(&format!("{}b", "*a".repeat(20)), &"a".repeat(60)).is_err());
    }
}
