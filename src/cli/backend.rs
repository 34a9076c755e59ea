//! Where the state lives, as Terraform decides it: the `terraform { backend "..." }` block,
//! `bcmhcl init`'s record of it in `.terraform/terraform.tfstate` (with what
//! `-backend-config` added), the `PG_*` and libpq `PG*` environment, and the selected
//! workspace (`.terraform/environment`, or `TF_WORKSPACE`).
//!
//! Backends: `local` (the default; `path`, `workspace_dir`) and `pg`. A backend block needs
//! `bcmhcl init` first, and again when the block changes, as Terraform requires.

use bcmhcl::config::load_module_tree;
use bcmhcl::diag::{Diagnostic, SourceMap};
use bcmhcl::state::pg::{ConnDefaults, ConnString, PgBackend, PgSettings};
use bcmhcl::state::{LocalStore, StateStore};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const DEFAULT_WORKSPACE: &str = "default";
const DEFAULT_STATE_FILE: &str = "terraform.tfstate";
const DEFAULT_WORKSPACE_DIR: &str = "terraform.tfstate.d";

/// A backend's settings: attribute name to its value (JSON: string, bool, number or null).
pub type Attributes = BTreeMap<String, serde_json::Value>;

/// The attributes each supported backend takes, with their types.
fn schema(kind: &str) -> Option<&'static [(&'static str, AttrType)]> {
    match kind {
        "pg" => Some(&[
            ("conn_str", AttrType::String),
            ("schema_name", AttrType::String),
            ("skip_schema_creation", AttrType::Bool),
            ("skip_table_creation", AttrType::Bool),
            ("skip_index_creation", AttrType::Bool),
        ]),
        "local" => Some(&[
            ("path", AttrType::String),
            ("workspace_dir", AttrType::String),
        ]),
        _ => None,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AttrType {
    String,
    Bool,
}

/// The `.terraform` directory of the module in `dir` (`TF_DATA_DIR` moves it, as in
/// Terraform).
pub fn data_dir(dir: &Path) -> PathBuf {
    match std::env::var_os("TF_DATA_DIR").filter(|v| !v.is_empty()) {
        Some(d) => PathBuf::from(d),
        None => dir.join(".terraform"),
    }
}

/// The selected workspace: `TF_WORKSPACE`, else `.terraform/environment`, else `default`.
pub fn current_workspace(dir: &Path) -> String {
    if let Some(w) = std::env::var("TF_WORKSPACE").ok().filter(|w| !w.is_empty()) {
        return w;
    }
    std::fs::read_to_string(data_dir(dir).join("environment"))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| DEFAULT_WORKSPACE.to_string())
}

/// Records `name` as the selected workspace.
pub fn select_workspace(dir: &Path, name: &str) -> Result<(), Diagnostic> {
    let data = data_dir(dir);
    std::fs::create_dir_all(&data)
        .and_then(|()| std::fs::write(data.join("environment"), name))
        .map_err(|e| {
            Diagnostic::error("Failed to select workspace").detail(format!(
                "Cannot write {}: {e}",
                data.join("environment").display()
            ))
        })
}

/// The backend block of the configuration, decoded.
#[derive(Clone, Debug)]
pub struct BackendBlock {
    pub kind: String,
    pub attributes: Attributes,
}

impl BackendBlock {
    /// What decides whether `init` must run again: the block as written (not what
    /// `-backend-config` added), as Terraform hashes it.
    fn hash(&self) -> u64 {
        use sha2::Digest;
        let text = serde_json::to_string(&(&self.kind, &self.attributes)).unwrap_or_default();
        let digest = sha2::Sha256::digest(text.as_bytes());
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(bytes) >> 32
    }
}

/// The backend block of the module in `dir`, if it has one. Other problems of the
/// configuration are left to the commands that evaluate it.
pub fn backend_block(dir: &Path) -> Result<Option<BackendBlock>, Diagnostic> {
    let mut sources = SourceMap::new();
    let (tree, _) = load_module_tree(dir, &mut sources);
    decode_block(tree.module.terraform.backend.as_ref())
}

/// Decodes a backend block as the config loader kept it.
pub fn decode_block(
    block: Option<&(
        String,
        bcmhcl::diag::Span,
        std::sync::Arc<hcl_edit::structure::Body>,
    )>,
) -> Result<Option<BackendBlock>, Diagnostic> {
    let Some((kind, span, body)) = block else {
        return Ok(None);
    };
    let attributes = decode_body(kind, body).map_err(|d| d.at(*span))?;
    Ok(Some(BackendBlock {
        kind: kind.clone(),
        attributes,
    }))
}

fn unsupported_backend(kind: &str) -> Diagnostic {
    Diagnostic::error("Unsupported backend type").detail(format!(
        "There is no backend type named {kind:?} in bcmhcl: it keeps state in a local file \
         (\"local\", the default) or in PostgreSQL (\"pg\")."
    ))
}

/// The attributes of a backend body (the block's, or a `-backend-config` file's): literal
/// values only, since a backend is configured before anything is evaluated.
fn decode_body(kind: &str, body: &hcl_edit::structure::Body) -> Result<Attributes, Diagnostic> {
    use hcl_edit::expr::Expression;
    let schema = schema(kind).ok_or_else(|| unsupported_backend(kind))?;
    let mut out = Attributes::new();
    for structure in body.iter() {
        let Some(attr) = structure.as_attribute() else {
            return Err(Diagnostic::error("Unsupported block type").detail(format!(
                "Blocks are not expected in a backend {kind:?} configuration."
            )));
        };
        let name = attr.key.value().to_string();
        let value = match &attr.value {
            Expression::String(s) => serde_json::Value::String(s.value().to_string()),
            Expression::Bool(b) => serde_json::Value::Bool(*b.value()),
            Expression::Null(_) => serde_json::Value::Null,
            Expression::StringTemplate(t) => {
                let mut text = String::new();
                for element in t.iter() {
                    match element.as_literal() {
                        Some(l) => text.push_str(l.value()),
                        None => return Err(variables_not_allowed(&name)),
                    }
                }
                serde_json::Value::String(text)
            }
            _ => return Err(variables_not_allowed(&name)),
        };
        out.insert(name.clone(), value);
        check_attribute(kind, schema, &name, &out[&name])?;
    }
    Ok(out)
}

fn variables_not_allowed(name: &str) -> Diagnostic {
    Diagnostic::error("Variables not allowed").detail(format!(
        "The backend argument {name:?} must be a literal value: variables, references and \
         function calls may not be used here."
    ))
}

fn check_attribute(
    kind: &str,
    schema: &[(&str, AttrType)],
    name: &str,
    value: &serde_json::Value,
) -> Result<(), Diagnostic> {
    let Some((_, ty)) = schema.iter().find(|(n, _)| *n == name) else {
        return Err(Diagnostic::error("Unsupported argument").detail(format!(
            "An argument named {name:?} is not expected here: the {kind:?} backend takes {}.",
            schema
                .iter()
                .map(|(n, _)| format!("{n:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    };
    let fits = matches!(
        (ty, value),
        (_, serde_json::Value::Null)
            | (AttrType::String, serde_json::Value::String(_))
            | (AttrType::Bool, serde_json::Value::Bool(_))
    );
    if !fits {
        return Err(
            Diagnostic::error("Incorrect attribute value type").detail(format!(
                "Inappropriate value for attribute {name:?}: {} required.",
                match ty {
                    AttrType::String => "string",
                    AttrType::Bool => "bool",
                }
            )),
        );
    }
    Ok(())
}

/// `-backend-config` values, in order: `KEY=VALUE`, or a file of attributes.
pub fn backend_config_overrides(kind: &str, flags: &[String]) -> Result<Attributes, Diagnostic> {
    let schema = schema(kind).ok_or_else(|| unsupported_backend(kind))?;
    let mut out = Attributes::new();
    for item in flags {
        match item.split_once('=') {
            Some((name, raw)) => {
                let name = name.trim();
                let ty = schema.iter().find(|(n, _)| *n == name).map(|(_, t)| *t);
                let value = match ty {
                    Some(AttrType::Bool) => match parse_go_bool(raw) {
                        Some(b) => serde_json::Value::Bool(b),
                        None => {
                            return Err(Diagnostic::error("Invalid backend configuration value")
                                .detail(format!(
                                    "The -backend-config argument for {name:?} must be a bool (true or false)."
                                )))
                        }
                    },
                    _ => serde_json::Value::String(raw.to_string()),
                };
                check_attribute(kind, schema, name, &value)?;
                out.insert(name.to_string(), value);
            }
            None => {
                let text = std::fs::read_to_string(item).map_err(|e| {
                    Diagnostic::error("Failed to read file").detail(format!(
                        "The -backend-config file {item:?} could not be read: {e}."
                    ))
                })?;
                let body = hcl_edit::parser::parse_body(&text).map_err(|e| {
                    Diagnostic::error("Invalid backend configuration file").detail(format!(
                        "The -backend-config file {item:?} is not valid HCL: {}",
                        e.message()
                    ))
                })?;
                out.extend(decode_body(kind, &body)?);
            }
        }
    }
    Ok(out)
}

/// Go's `strconv.ParseBool`, as Terraform reads `PG_SKIP_*` and bool `-backend-config`.
fn parse_go_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// `.terraform/terraform.tfstate`: what `init` configured (Terraform's layout).
#[derive(Debug, Serialize, Deserialize)]
pub struct Recorded {
    pub version: u64,
    pub serial: u64,
    pub lineage: String,
    pub backend: RecordedBackend,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct RecordedBackend {
    #[serde(rename = "type")]
    pub kind: String,
    /// Every attribute of the backend, `null` when unset; `-backend-config` included.
    pub config: Attributes,
    pub hash: u64,
}

fn record_path(dir: &Path) -> PathBuf {
    data_dir(dir).join("terraform.tfstate")
}

pub fn read_record(dir: &Path) -> Result<Option<Recorded>, Diagnostic> {
    let path = record_path(dir);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Diagnostic::error("Failed to read the backend settings")
                .detail(format!("{}: {e}", path.display())))
        }
    };
    serde_json::from_str(&text).map(Some).map_err(|e| {
        Diagnostic::error("Failed to read the backend settings").detail(format!(
            "{} is not what bcmhcl init writes: {e}. Run \"bcmhcl init -reconfigure\".",
            path.display()
        ))
    })
}

/// Records `block` with `overrides` merged in, as the backend this module uses. The file
/// holds the connection string, as Terraform's does, so it is written private (0600).
pub fn write_record(
    dir: &Path,
    block: &BackendBlock,
    overrides: &Attributes,
) -> Result<(), Diagnostic> {
    let schema = schema(&block.kind).ok_or_else(|| unsupported_backend(&block.kind))?;
    let mut config: Attributes = schema
        .iter()
        .map(|(n, _)| (n.to_string(), serde_json::Value::Null))
        .collect();
    config.extend(block.attributes.clone());
    config.extend(overrides.clone());
    let previous = read_record(dir).ok().flatten();
    let record = Recorded {
        version: 3,
        serial: previous.as_ref().map_or(1, |p| p.serial + 1),
        lineage: previous
            .map(|p| p.lineage)
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
        backend: RecordedBackend {
            kind: block.kind.clone(),
            config,
            hash: block.hash(),
        },
    };
    let path = record_path(dir);
    let text = serde_json::to_string_pretty(&record).unwrap_or_default() + "\n";
    let written = std::fs::create_dir_all(data_dir(dir)).and_then(|()| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        std::io::Write::write_all(&mut options.open(&path)?, text.as_bytes())
    });
    written.map_err(|e| {
        Diagnostic::error("Failed to save the backend settings")
            .detail(format!("{}: {e}", path.display()))
    })
}

/// Forgets the recorded backend (the configuration no longer has a backend block).
pub fn remove_record(dir: &Path) {
    let _ = std::fs::remove_file(record_path(dir));
}

fn init_required(reason: String) -> Diagnostic {
    Diagnostic::error("Backend initialization required, please run \"bcmhcl init\"").detail(
        format!(
            "Reason: {reason}\n\nThe \"backend\" is where bcmhcl keeps the state. Changes to the \
         backend configuration require running \"bcmhcl init\" (with -reconfigure when the \
         backend was configured before). At this point, no changes to your existing \
         configuration or state have been made."
        ),
    )
}

/// The backend to use: the configuration's block, checked against what `init` recorded.
pub fn resolve(dir: &Path, block: Option<&BackendBlock>) -> Result<Resolved, Diagnostic> {
    let record = read_record(dir)?;
    let config = match (block, record) {
        (None, None) => return Ok(Resolved::Local(LocalSettings::default())),
        // Unlike Terraform, the local backend needs no `init`: there is nothing to install
        // or connect to, and an explicit `backend "local" {}` means what no block means.
        (Some(b), None) if b.kind == "local" => return settings("local", &b.attributes),
        (Some(b), None) => {
            return Err(init_required(format!(
                "Initial configuration of the requested backend {:?}",
                b.kind
            )))
        }
        (None, Some(r)) => {
            return Err(init_required(format!(
                "Unsetting the previously set backend {:?}",
                r.backend.kind
            )))
        }
        (Some(b), Some(r)) if b.kind != r.backend.kind => {
            return Err(init_required(format!(
                "Backend type changed from {:?} to {:?}",
                r.backend.kind, b.kind
            )))
        }
        (Some(b), Some(r)) if b.hash() != r.backend.hash => {
            return Err(init_required(
                "Backend configuration block has changed".into(),
            ))
        }
        (Some(b), Some(r)) => (b.kind.clone(), r.backend.config),
    };
    settings(&config.0, &config.1)
}

/// A backend's settings from its attributes and the environment.
pub fn settings(kind: &str, config: &Attributes) -> Result<Resolved, Diagnostic> {
    let string = |name: &str| {
        config
            .get(name)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    match kind {
        "local" => Ok(Resolved::Local(LocalSettings {
            path: string("path").map(PathBuf::from),
            workspace_dir: string("workspace_dir").map(PathBuf::from),
        })),
        "pg" => {
            let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
            let flag = |name: &str, var: &str| -> Result<bool, Diagnostic> {
                if let Some(b) = config.get(name).and_then(|v| v.as_bool()) {
                    return Ok(b);
                }
                match env(var) {
                    None => Ok(false),
                    Some(v) => parse_go_bool(&v).ok_or_else(|| {
                        Diagnostic::error("Invalid backend configuration").detail(format!(
                            "invalid value for {name:?}: {var} must be true or false"
                        ))
                    }),
                }
            };
            let mut settings = PgSettings::new(ConnString::new(
                string("conn_str")
                    .or_else(|| env("PG_CONN_STR"))
                    .unwrap_or_default(),
            ));
            if let Some(schema) = string("schema_name").or_else(|| env("PG_SCHEMA_NAME")) {
                settings.schema_name = schema;
            }
            settings.skip_schema_creation =
                flag("skip_schema_creation", "PG_SKIP_SCHEMA_CREATION")?;
            settings.skip_table_creation = flag("skip_table_creation", "PG_SKIP_TABLE_CREATION")?;
            settings.skip_index_creation = flag("skip_index_creation", "PG_SKIP_INDEX_CREATION")?;
            settings.defaults = libpq_environment();
            Ok(Resolved::Pg(Box::new(settings)))
        }
        other => Err(unsupported_backend(other)),
    }
}

/// The libpq environment, as lib/pq (Terraform's client) reads it.
fn libpq_environment() -> ConnDefaults {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let home_root_cert = env("HOME")
        .map(|h| PathBuf::from(h).join(".postgresql/root.crt"))
        .filter(|p| p.is_file());
    ConnDefaults {
        host: env("PGHOST"),
        port: env("PGPORT").and_then(|p| p.parse().ok()),
        // lib/pq falls back to the operating system user.
        user: env("PGUSER")
            .or_else(|| env("USER"))
            .or_else(|| env("LOGNAME")),
        password: env("PGPASSWORD").map(ConnString::new),
        dbname: env("PGDATABASE"),
        sslmode: env("PGSSLMODE"),
        sslrootcert: env("PGSSLROOTCERT").map(PathBuf::from).or(home_root_cert),
    }
}

#[derive(Clone, Debug, Default)]
pub struct LocalSettings {
    pub path: Option<PathBuf>,
    pub workspace_dir: Option<PathBuf>,
}

#[derive(Clone, Debug)]
pub enum Resolved {
    Local(LocalSettings),
    Pg(Box<PgSettings>),
}

/// A configured backend.
pub enum Backend {
    Local {
        dir: PathBuf,
        settings: LocalSettings,
    },
    Pg(PgBackend),
}

/// A store of either backend; derefs to the `StateStore` commands use.
pub enum Store {
    Local(LocalStore),
    Pg(bcmhcl::state::pg::PgStore),
}

impl std::ops::Deref for Store {
    type Target = dyn StateStore;

    fn deref(&self) -> &Self::Target {
        match self {
            Store::Local(s) => s,
            Store::Pg(s) => s,
        }
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Store::Local(s) => s.fmt(f),
            Store::Pg(s) => s.fmt(f),
        }
    }
}

impl Backend {
    /// Connects to the backend `resolved` names (for pg: the schema, table and index are
    /// created unless skipped, as Terraform does each time).
    pub fn open(dir: &Path, resolved: Resolved) -> Result<Backend, Diagnostic> {
        match resolved {
            Resolved::Local(settings) => Ok(Backend::Local {
                dir: dir.to_path_buf(),
                settings,
            }),
            Resolved::Pg(settings) => PgBackend::connect(&settings)
                .map(Backend::Pg)
                .map_err(|e| e.to_diagnostic()),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Backend::Local { .. } => "local",
            Backend::Pg(_) => "pg",
        }
    }

    fn local_workspace_dir(dir: &Path, settings: &LocalSettings) -> PathBuf {
        match &settings.workspace_dir {
            Some(d) => dir.join(d),
            None => dir.join(DEFAULT_WORKSPACE_DIR),
        }
    }

    /// The local state file of `workspace`.
    fn local_path(dir: &Path, settings: &LocalSettings, workspace: &str) -> PathBuf {
        if workspace == DEFAULT_WORKSPACE {
            return dir.join(
                settings
                    .path
                    .as_deref()
                    .unwrap_or(Path::new(DEFAULT_STATE_FILE)),
            );
        }
        Self::local_workspace_dir(dir, settings)
            .join(workspace)
            .join(DEFAULT_STATE_FILE)
    }

    /// The store of `workspace`, with the environment's state key. A pg workspace without a
    /// row gets one (Terraform's sentinel empty state).
    pub fn store(&self, workspace: &str) -> Result<Store, Diagnostic> {
        let key = super::state_key::from_env()?;
        match self {
            Backend::Local { dir, settings } => Ok(Store::Local(
                LocalStore::new(Self::local_path(dir, settings, workspace)).with_encryption(key),
            )),
            Backend::Pg(pg) => pg
                .store(workspace, key)
                .map(Store::Pg)
                .map_err(|e| e.to_diagnostic()),
        }
    }

    /// The workspaces, `default` first.
    pub fn workspaces(&self) -> Result<Vec<String>, Diagnostic> {
        match self {
            Backend::Local { dir, settings } => {
                let mut names: Vec<String> =
                    std::fs::read_dir(Self::local_workspace_dir(dir, settings))
                        .into_iter()
                        .flatten()
                        .flatten()
                        .filter(|e| e.path().is_dir())
                        .filter_map(|e| e.file_name().to_str().map(str::to_string))
                        .filter(|n| n != DEFAULT_WORKSPACE)
                        .collect();
                names.sort();
                names.insert(0, DEFAULT_WORKSPACE.to_string());
                Ok(names)
            }
            Backend::Pg(pg) => pg.workspaces().map_err(|e| e.to_diagnostic()),
        }
    }

    /// Makes a new, empty workspace.
    pub fn create_workspace(&self, name: &str) -> Result<(), Diagnostic> {
        match self {
            Backend::Local { dir, settings } => {
                let path = Self::local_workspace_dir(dir, settings).join(name);
                std::fs::create_dir_all(&path).map_err(|e| {
                    Diagnostic::error("Failed to create workspace")
                        .detail(format!("Cannot create {}: {e}", path.display()))
                })
            }
            Backend::Pg(_) => self.store(name).map(drop),
        }
    }

    pub fn delete_workspace(&self, name: &str) -> Result<(), Diagnostic> {
        match self {
            Backend::Local { dir, settings } => {
                let path = Self::local_workspace_dir(dir, settings).join(name);
                std::fs::remove_dir_all(&path).map_err(|e| {
                    Diagnostic::error("Failed to delete workspace")
                        .detail(format!("Cannot remove {}: {e}", path.display()))
                })
            }
            Backend::Pg(pg) => pg
                .delete_workspace(name)
                .map_err(|e| Diagnostic::error("Failed to delete workspace").detail(e.to_string())),
        }
    }
}

/// The store a command uses: the local file `state_flag` names when given (`-state`),
/// else the selected workspace of the configured backend.
pub fn open_store(
    dir: &Path,
    block: Option<&BackendBlock>,
    state_flag: Option<&Path>,
) -> Result<Store, Diagnostic> {
    if let Some(path) = state_flag {
        return super::state_key::store(path).map(Store::Local);
    }
    let backend = Backend::open(dir, resolve(dir, block)?)?;
    backend.store(&current_workspace(dir))
}

/// `open_store` for commands that do not load the configuration otherwise (state, output,
/// show): the backend block is read from the module in `dir`.
pub fn open_store_of_module(dir: &Path, state_flag: Option<&Path>) -> Result<Store, Diagnostic> {
    if let Some(path) = state_flag {
        return super::state_key::store(path).map(Store::Local);
    }
    let block = backend_block(dir)?;
    open_store(dir, block.as_ref(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(text: &str) -> BackendBlock {
        let body = hcl_edit::parser::parse_body(text).unwrap();
        BackendBlock {
            kind: "pg".into(),
            attributes: decode_body("pg", &body).unwrap(),
        }
    }

    #[test]
    fn backend_config_overrides_take_key_values_and_files() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("backend.hcl");
        std::fs::write(
            &file,
            "conn_str = \"postgres://from-file\"\nskip_index_creation = true\n",
        )
        .unwrap();
        let got = backend_config_overrides(
            "pg",
            &[
                file.display().to_string(),
                "schema_name=team".into(),
                "skip_table_creation=1".into(),
            ],
        )
        .unwrap();
        assert_eq!(got["conn_str"], "postgres://from-file");
        assert_eq!(got["schema_name"], "team");
        assert_eq!(got["skip_table_creation"], true);
        assert_eq!(got["skip_index_creation"], true);
        let e = backend_config_overrides("pg", &["bucket=x".into()]).unwrap_err();
        assert_eq!(e.summary, "Unsupported argument");
        let e = backend_config_overrides("pg", &["skip_table_creation=maybe".into()]).unwrap_err();
        assert_eq!(e.summary, "Invalid backend configuration value");
    }

    #[test]
    fn backend_blocks_take_literals_only() {
        let b = block("schema_name = \"x\"\nskip_schema_creation = false\n");
        assert_eq!(b.attributes["schema_name"], "x");
        let body = hcl_edit::parser::parse_body("conn_str = var.url\n").unwrap();
        assert_eq!(
            decode_body("pg", &body).unwrap_err().summary,
            "Variables not allowed"
        );
        let body = hcl_edit::parser::parse_body("bucket = \"b\"\n").unwrap();
        assert_eq!(
            decode_body("s3", &body).unwrap_err().summary,
            "Unsupported backend type"
        );
        let body = hcl_edit::parser::parse_body("skip_table_creation = \"yes\"\n").unwrap();
        assert_eq!(
            decode_body("pg", &body).unwrap_err().summary,
            "Incorrect attribute value type"
        );
    }

    #[test]
    fn a_changed_block_or_a_missing_init_asks_for_init() {
        let dir = tempfile::tempdir().unwrap();
        let b = block("schema_name = \"x\"\n");
        let e = resolve(dir.path(), Some(&b)).unwrap_err();
        assert!(
            e.detail
                .contains("Initial configuration of the requested backend \"pg\""),
            "{}",
            e.detail
        );
        write_record(
            dir.path(),
            &b,
            &Attributes::from([("conn_str".into(), "postgres://h/db".into())]),
        )
        .unwrap();
        match resolve(dir.path(), Some(&b)).unwrap() {
            Resolved::Pg(s) => {
                assert_eq!(s.schema_name, "x");
                assert_eq!(s.conn_str.expose(), "postgres://h/db");
            }
            other => panic!("{other:?}"),
        }
        let changed = block("schema_name = \"y\"\n");
        let e = resolve(dir.path(), Some(&changed)).unwrap_err();
        assert!(
            e.detail.contains("Backend configuration block has changed"),
            "{}",
            e.detail
        );
        let e = resolve(dir.path(), None).unwrap_err();
        assert!(
            e.detail
                .contains("Unsetting the previously set backend \"pg\""),
            "{}",
            e.detail
        );
        let recorded =
            std::fs::read_to_string(dir.path().join(".terraform/terraform.tfstate")).unwrap();
        let json: serde_json::Value = serde_json::from_str(&recorded).unwrap();
        assert_eq!(json["backend"]["type"], "pg");
        assert_eq!(
            json["backend"]["config"]["skip_index_creation"],
            serde_json::Value::Null
        );
    }
}
