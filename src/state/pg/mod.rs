//! The PostgreSQL backend, kept the way Terraform's `pg` backend keeps it, so that a team moving
//! from Terraform finds its state: a schema (`terraform_remote_state` by default) holding a
//! table `states (id bigint primary key from public.global_states_id_seq, name text unique,
//! data text)`, one row per workspace whose `data` is the state file's text, and session-level
//! advisory locks on the row's `id` (`-1` while a workspace's row is being created).
//!
//! One connection serves a whole run: the advisory lock belongs to the session that took it,
//! so the store keeps that session (and the lock) until the run ends. With a key
//! (`Encryption`), `data` holds the sealed envelope instead of the JSON text.
//!
//! Writing the whole state after every finished operation costs the size of the state each
//! time, quadratic over a run (measured: 1000 instances, 35 s in a debug build, each quarter
//! slower than the last). So, as the local store does with its journal file, each finished
//! operation inserts one journal row (`bcmhcl_journal`, beside `states`, holding the one
//! instance) and the whole state is rewritten, in one transaction that also empties the
//! journal, only when the journal has grown as large as the last full write, and at the end
//! of every run. `load` replays journal rows left by a run that ended early. Terraform reads
//! only `states`, which is complete after every bcmhcl run that finished. Without the journal
//! table (`skip_table_creation` and nobody created it) every operation writes the whole state.

pub mod conn;

pub use conn::{ConnDefaults, ConnStrError, ConnString, SslMode};

use super::encryption::{self, Content, Encryption};
use super::error::StateError;
use super::lock::LockError;
use super::store::{HeldLock, StateStore};
use super::{write, State, TERRAFORM_VERSION};
use crate::addr::ResourceInstanceAddr;
use crate::diag::Diagnostic;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The schema Terraform's pg backend uses when `schema_name` is not set.
pub const DEFAULT_SCHEMA: &str = "terraform_remote_state";
/// The workspace every backend has.
pub const DEFAULT_WORKSPACE: &str = "default";
const STATES_TABLE: &str = "states";
const STATES_INDEX: &str = "states_by_name";
/// bcmhcl's own table beside `states`: operations recorded since the last full write.
const JOURNAL_TABLE: &str = "bcmhcl_journal";
/// The journal is folded into the state row once it holds at least this many bytes (or as
/// many as the last full write, whichever is more).
const JOURNAL_MIN_BYTES: u64 = 256 * 1024;
/// The advisory lock key Terraform takes while a workspace's row does not exist yet.
const CREATION_LOCK: i64 = -1;
/// How long to wait between attempts while `-lock-timeout` runs.
const RETRY_INTERVAL: Duration = Duration::from_millis(100);
/// PostgreSQL keeps this many bytes of `application_name` (NAMEDATALEN - 1).
const APPLICATION_NAME_MAX: usize = 63;

/// The `backend "pg"` settings, as Terraform's pg backend defines them.
#[derive(Clone, Debug)]
pub struct PgSettings {
    pub conn_str: ConnString,
    pub schema_name: String,
    pub skip_schema_creation: bool,
    pub skip_table_creation: bool,
    pub skip_index_creation: bool,
    /// The `PG*` environment, for what `conn_str` leaves out.
    pub defaults: ConnDefaults,
}

impl PgSettings {
    pub fn new(conn_str: ConnString) -> PgSettings {
        PgSettings {
            conn_str,
            schema_name: DEFAULT_SCHEMA.to_string(),
            skip_schema_creation: false,
            skip_table_creation: false,
            skip_index_creation: false,
            defaults: ConnDefaults::default(),
        }
    }
}

/// Why the database could not be used. No variant carries the connection string.
#[derive(Debug, thiserror::Error)]
pub enum PgError {
    #[error("{0}")]
    ConnStr(#[from] ConnStrError),
    #[error("cannot connect to PostgreSQL at {target}: {message}")]
    Connect { target: String, message: String },
    #[error("PostgreSQL failed to {doing}: {message}")]
    Query {
        doing: &'static str,
        message: String,
    },
    #[error("can't delete default state")]
    DeleteDefault,
}

impl PgError {
    fn query(doing: &'static str) -> impl FnOnce(postgres::Error) -> PgError {
        move |e| PgError::Query {
            doing,
            message: describe(&e),
        }
    }

    /// The error as Terraform words a backend that cannot be configured.
    pub fn to_diagnostic(&self) -> Diagnostic {
        Diagnostic::error("Error configuring the backend \"pg\"").detail(self.to_string())
    }
}

/// A PostgreSQL error in words: the server's message when it sent one, else the client's.
fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut s = format!(
                "{}: {} (SQLSTATE {})",
                db.severity(),
                db.message(),
                db.code().code()
            );
            if let Some(hint) = db.hint() {
                s.push_str(&format!("; hint: {hint}"));
            }
            s
        }
        None => {
            let mut s = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(inner) = source {
                let text = inner.to_string();
                if !s.contains(&text) {
                    s.push_str(&format!(": {text}"));
                }
                source = inner.source();
            }
            s
        }
    }
}

/// `"name"` with embedded quotes doubled (lib/pq's `QuoteIdentifier`).
fn quote_identifier(name: &str) -> String {
    let name = name.split('\0').next().unwrap_or("");
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A configured pg backend: one session, the schema prepared.
pub struct PgBackend {
    client: Arc<Mutex<postgres::Client>>,
    /// The schema, quoted for SQL.
    schema: String,
    schema_name: String,
    /// `user@host:port/dbname`, for messages.
    target: String,
    /// Whether bcmhcl names the session (`application_name` not set by the user), so the
    /// holder of a lock can be told from `pg_stat_activity`.
    names_session: bool,
}

impl std::fmt::Debug for PgBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgBackend")
            .field("schema", &self.schema_name)
            .field("target", &self.target)
            .finish()
    }
}

impl PgBackend {
    /// Connects and prepares the schema, table and index unless told to skip them (what
    /// Terraform does each time it configures the backend). Nothing else is written.
    pub fn connect(settings: &PgSettings) -> Result<PgBackend, PgError> {
        let connection = conn::parse(&settings.conn_str, &settings.defaults)?;
        let tls = conn::tls(&connection)?;
        let mut config = connection.config;
        let names_session = config.get_application_name().is_none();
        if names_session {
            config.application_name("bcmhcl");
        }
        let target = describe_target(&config);
        let mut client = config.connect(tls).map_err(|e| PgError::Connect {
            target: target.clone(),
            message: describe(&e),
        })?;
        tracing::debug!(%target, schema = %settings.schema_name, "connected to PostgreSQL");
        let schema = quote_identifier(&settings.schema_name);
        if !settings.skip_schema_creation {
            // `CREATE SCHEMA IF NOT EXISTS` needs the CREATE privilege even when the schema
            // exists, so it is only run when the schema is missing (as Terraform does).
            let count: i64 = client
                .query_one(
                    "select count(1) from information_schema.schemata where schema_name = $1",
                    &[&settings.schema_name],
                )
                .and_then(|row| row.try_get(0))
                .map_err(PgError::query("look up the schema"))?;
            if count < 1 {
                client
                    .batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
                    .map_err(PgError::query("create the schema"))?;
            }
        }
        if !settings.skip_table_creation {
            client
                .batch_execute(&format!(
                    "CREATE SEQUENCE IF NOT EXISTS public.global_states_id_seq AS bigint;
                     CREATE TABLE IF NOT EXISTS {schema}.{STATES_TABLE} (
                       id bigint NOT NULL DEFAULT nextval('public.global_states_id_seq') PRIMARY KEY,
                       name text UNIQUE,
                       data text
                     )"
                ))
                .map_err(PgError::query("create the states table"))?;
            client
                .batch_execute(&format!(
                    "CREATE TABLE IF NOT EXISTS {schema}.{JOURNAL_TABLE} (
                       name text NOT NULL,
                       seq bigserial NOT NULL,
                       record text NOT NULL,
                       PRIMARY KEY (name, seq)
                     )"
                ))
                .map_err(PgError::query("create the journal table"))?;
        }
        if !settings.skip_index_creation {
            client
                .batch_execute(&format!(
                    "CREATE UNIQUE INDEX IF NOT EXISTS {STATES_INDEX} ON {schema}.{STATES_TABLE} (name)"
                ))
                .map_err(PgError::query("create the states index"))?;
        }
        Ok(PgBackend {
            client: Arc::new(Mutex::new(client)),
            schema,
            schema_name: settings.schema_name.clone(),
            target,
            names_session,
        })
    }

    /// Where the states are, for messages.
    pub fn location(&self) -> String {
        format!("{} (schema {})", self.target, self.schema)
    }

    /// The workspaces: `default` first (it always exists), then those with a row, by name.
    pub fn workspaces(&self) -> Result<Vec<String>, PgError> {
        let rows = client(&self.client)
            .query(
                &format!(
                    "SELECT name FROM {}.{STATES_TABLE} WHERE name != 'default' ORDER BY name",
                    self.schema
                ),
                &[],
            )
            .map_err(PgError::query("list the workspaces"))?;
        let mut names = vec![DEFAULT_WORKSPACE.to_string()];
        for row in rows {
            let name: Option<String> = row
                .try_get(0)
                .map_err(PgError::query("list the workspaces"))?;
            names.extend(name);
        }
        Ok(names)
    }

    /// Deletes a workspace's row (never `default`'s), and its journal.
    pub fn delete_workspace(&self, name: &str) -> Result<(), PgError> {
        if name == DEFAULT_WORKSPACE || name.is_empty() {
            return Err(PgError::DeleteDefault);
        }
        let has_journal = self.has_journal()?;
        let mut c = client(&self.client);
        let mut tx = c
            .transaction()
            .map_err(PgError::query("delete the workspace"))?;
        tx.execute(
            &format!("DELETE FROM {}.{STATES_TABLE} WHERE name = $1", self.schema),
            &[&name],
        )
        .map_err(PgError::query("delete the workspace"))?;
        if has_journal {
            tx.execute(
                &format!(
                    "DELETE FROM {}.{JOURNAL_TABLE} WHERE name = $1",
                    self.schema
                ),
                &[&name],
            )
            .map_err(PgError::query("delete the workspace"))?;
        }
        tx.commit().map_err(PgError::query("delete the workspace"))
    }

    /// Whether the journal table exists (it is not created with `skip_table_creation`).
    fn has_journal(&self) -> Result<bool, PgError> {
        client(&self.client)
            .query_one(
                "SELECT to_regclass($1) IS NOT NULL",
                &[&format!("{}.{JOURNAL_TABLE}", self.schema)],
            )
            .and_then(|r| r.try_get(0))
            .map_err(PgError::query("look up the journal table"))
    }

    /// The store of one workspace, on this backend's session. A workspace other than
    /// `default` that has no row yet gets one holding an empty state, written under the lock
    /// (Terraform's sentinel, so that listing finds it).
    pub fn store(
        &self,
        workspace: &str,
        encryption: Option<Encryption>,
    ) -> Result<PgStore, StateError> {
        let location = format!(
            "workspace {workspace:?} in {}.{STATES_TABLE} at {}",
            self.schema, self.target
        );
        let has_journal = self.has_journal().map_err(|e| StateError::Database {
            action: "read",
            location: location.clone(),
            message: e.to_string(),
        })?;
        let store = PgStore {
            client: self.client.clone(),
            schema: self.schema.clone(),
            workspace: workspace.to_string(),
            location,
            names_session: self.names_session,
            has_journal,
            encryption,
            errored_path: PathBuf::from(super::local::ERRORED_STATE_FILE),
            memory: Mutex::new(Memory::default()),
        };
        let exists = self
            .workspaces()
            .map_err(|e| store.database_error("read", e))?
            .iter()
            .any(|w| w == workspace);
        if !exists {
            let lock = store
                .lock("init", Duration::ZERO)
                .map_err(|e| StateError::Database {
                    action: "create",
                    location: store.location.clone(),
                    message: format!("failed to lock state in Postgres: {e}"),
                })?;
            if store.load()?.is_none() {
                store.save(&mut State::new())?;
            }
            drop(lock);
        }
        Ok(store)
    }

    pub fn schema_name(&self) -> &str {
        &self.schema_name
    }
}

/// `user@host:port/dbname` of a configuration (never the password).
fn describe_target(config: &postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => config
            .get_hostaddrs()
            .first()
            .map(|a| a.to_string())
            .unwrap_or_default(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "{}@{host}:{port}/{}",
        config.get_user().unwrap_or(""),
        config.get_dbname().or(config.get_user()).unwrap_or("")
    )
}

fn client(client: &Mutex<postgres::Client>) -> MutexGuard<'_, postgres::Client> {
    // A panic while holding the session leaves nothing half-done on our side: every
    // statement is its own transaction or inside one the server rolls back.
    client.lock().unwrap_or_else(|p| p.into_inner())
}

#[derive(Debug, Default)]
struct Memory {
    /// The content (`State::same_content` form) of the row as last read or written.
    content_in_row: Option<String>,
    seen_row: bool,
    plaintext_with_key: bool,
    /// Bytes of journal rows since the last full write, and the size of that write.
    journal_bytes: u64,
    full_bytes: u64,
}

/// One workspace's state in the `states` table.
pub struct PgStore {
    client: Arc<Mutex<postgres::Client>>,
    schema: String,
    workspace: String,
    location: String,
    names_session: bool,
    has_journal: bool,
    encryption: Option<Encryption>,
    errored_path: PathBuf,
    memory: Mutex<Memory>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("location", &self.location)
            .field("encrypted", &self.encryption.is_some())
            .finish()
    }
}

/// A held advisory lock; dropping it unlocks on the session that took it.
struct AdvisoryLock {
    client: Arc<Mutex<postgres::Client>>,
    key: i64,
}

impl std::fmt::Debug for AdvisoryLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdvisoryLock")
            .field("key", &self.key)
            .finish()
    }
}

impl HeldLock for AdvisoryLock {}

impl Drop for AdvisoryLock {
    fn drop(&mut self) {
        // When this fails the session is gone, and with it the lock.
        let _ = client(&self.client).execute("SELECT pg_advisory_unlock($1)", &[&self.key]);
    }
}

impl PgStore {
    pub fn workspace(&self) -> &str {
        &self.workspace
    }

    /// Where `errored.tfstate` goes when a save fails (the working directory by default).
    pub fn with_errored_path(mut self, path: impl Into<PathBuf>) -> PgStore {
        self.errored_path = path.into();
        self
    }

    fn database_error(&self, action: &'static str, e: PgError) -> StateError {
        StateError::Database {
            action,
            location: self.location.clone(),
            message: match e {
                PgError::Query { message, .. } => message,
                other => other.to_string(),
            },
        }
    }

    fn memory(&self) -> MutexGuard<'_, Memory> {
        self.memory.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The row's state (`None`: no row, or an empty one) and whether it was plaintext.
    fn read_row(&self) -> Result<(Option<State>, bool), StateError> {
        let Some(data) = self.read_data()? else {
            return Ok((None, false));
        };
        let path = PathBuf::from(&self.location);
        let (text, plaintext) =
            super::open_state_bytes(&path, data.into_bytes(), self.encryption.as_ref())?;
        if text.trim().is_empty() {
            return Ok((None, plaintext));
        }
        State::from_json(&text)
            .map(|s| (Some(s), plaintext))
            .map_err(|e| StateError::Load {
                path,
                source: Box::new(e),
            })
    }

    /// The row's `data`; `None` when there is no row or its data is NULL.
    fn read_data(&self) -> Result<Option<String>, StateError> {
        let failed = |e| self.database_error("read", PgError::query("read the state")(e));
        let row = client(&self.client)
            .query_opt(
                &format!(
                    "SELECT data FROM {}.{STATES_TABLE} WHERE name = $1",
                    self.schema
                ),
                &[&self.workspace],
            )
            .map_err(failed)?;
        match row {
            None => Ok(None),
            Some(row) => row.try_get(0).map_err(failed),
        }
    }

    /// The journal rows of this workspace, oldest first, one per line.
    fn journal_records(&self) -> Result<Vec<u8>, StateError> {
        if !self.has_journal {
            return Ok(Vec::new());
        }
        let rows = client(&self.client)
            .query(
                &format!(
                    "SELECT record FROM {}.{JOURNAL_TABLE} WHERE name = $1 ORDER BY seq",
                    self.schema
                ),
                &[&self.workspace],
            )
            .map_err(|e| self.database_error("read", PgError::query("read the journal")(e)))?;
        let mut bytes = Vec::new();
        for row in rows {
            let record: String = row
                .try_get(0)
                .map_err(|e| self.database_error("read", PgError::query("read the journal")(e)))?;
            bytes.extend_from_slice(record.as_bytes());
            bytes.push(b'\n');
        }
        Ok(bytes)
    }

    /// One attempt at the lock, Terraform's way: the row's id and the creation lock `-1`
    /// are tried together; without a row only `-1` is. `Ok(Err(..))` says who holds it.
    fn try_lock(&self) -> Result<Result<i64, LockError>, PgError> {
        let mut c = client(&self.client);
        let row = c
            .query_opt(
                &format!(
                    "SELECT {t}.id, pg_try_advisory_lock({t}.id), pg_try_advisory_lock({CREATION_LOCK}) \
                     FROM {s}.{t} WHERE {t}.name = $1",
                    s = self.schema,
                    t = STATES_TABLE
                ),
                &[&self.workspace],
            )
            .map_err(PgError::query("lock the state"))?;
        let unlock = |c: &mut postgres::Client, key: i64| {
            c.execute("SELECT pg_advisory_unlock($1)", &[&key])
                .map_err(PgError::query("unlock the state"))
        };
        let held = |c: &mut postgres::Client, reason: String, key: i64| {
            Ok(Err(LockError::Advisory {
                reason,
                holder: lock_holder(c, key),
            }))
        };
        match row {
            None => {
                let locked: bool = c
                    .query_one("SELECT pg_try_advisory_lock($1)", &[&CREATION_LOCK])
                    .and_then(|r| r.try_get(0))
                    .map_err(PgError::query("lock the state"))?;
                if !locked {
                    let reason =
                        format!("Already locked for workspace creation: {}", self.workspace);
                    return held(&mut c, reason, CREATION_LOCK);
                }
                Ok(Ok(CREATION_LOCK))
            }
            Some(row) => {
                let id: i64 = row.try_get(0).map_err(PgError::query("lock the state"))?;
                let locked: bool = row.try_get(1).map_err(PgError::query("lock the state"))?;
                let locked_for_create: bool =
                    row.try_get(2).map_err(PgError::query("lock the state"))?;
                if !locked {
                    if locked_for_create {
                        unlock(&mut c, CREATION_LOCK)?;
                    }
                    let reason = format!("Workspace is already locked: {}", self.workspace);
                    return held(&mut c, reason, id);
                }
                if !locked_for_create {
                    unlock(&mut c, id)?;
                    let reason = format!(
                        "Cannot lock workspace; already locked for workspace creation: {}",
                        self.workspace
                    );
                    return held(&mut c, reason, CREATION_LOCK);
                }
                unlock(&mut c, CREATION_LOCK)?;
                Ok(Ok(id))
            }
        }
    }

    /// Names this session after the run holding the lock, so that a waiting operator sees
    /// who holds it (advisory locks carry no information of their own).
    fn name_session(&self, operation: &str) {
        if !self.names_session {
            return;
        }
        let mut name = format!(
            "bcmhcl {operation} {}@{} pid {}",
            super::lock::user_name(),
            super::lock::host_name(),
            std::process::id()
        );
        while name.len() > APPLICATION_NAME_MAX {
            name.pop();
        }
        let _ = client(&self.client)
            .execute("SELECT set_config('application_name', $1, false)", &[&name]);
    }

    /// Rewrites the stored state sealed (a key is needed) or plaintext, keeping its content
    /// byte for byte; `false` when it already was in that form or there is no state.
    pub fn rewrite_at_rest(&self, target: super::AtRest) -> Result<bool, StateError> {
        if target == super::AtRest::Encrypted && self.encryption.is_none() {
            return Err(StateError::KeyRequired);
        }
        // Journal rows are folded into the state first, so that only the row is rewritten.
        if !self.journal_records()?.is_empty() {
            if let Some(mut state) = StateStore::load(self)? {
                StateStore::save(self, &mut state)?;
            }
        }
        let Some(data) = self.read_data()? else {
            return Ok(false);
        };
        let path = PathBuf::from(&self.location);
        let (text, plaintext) =
            super::open_state_bytes(&path, data.into_bytes(), self.encryption.as_ref())?;
        State::from_json(&text).map_err(|e| StateError::Load {
            path: path.clone(),
            source: Box::new(e),
        })?;
        let new_data = match (target, plaintext, &self.encryption) {
            (super::AtRest::Encrypted, true, Some(e)) => {
                let sealed = e.seal(Content::State, text.as_bytes()).map_err(|source| {
                    StateError::Crypt {
                        path: path.clone(),
                        source,
                    }
                })?;
                String::from_utf8_lossy(&sealed).into_owned()
            }
            (super::AtRest::Plaintext, false, _) => text,
            _ => return Ok(false),
        };
        self.write_row(&new_data)
            .map_err(|e| self.database_error("write", e))?;
        Ok(true)
    }

    /// Replaces the row's `data` (inserting the row if missing) and empties the journal, in
    /// one transaction.
    fn write_row(&self, data: &str) -> Result<(), PgError> {
        let mut c = client(&self.client);
        let mut tx = c.transaction().map_err(PgError::query("write the state"))?;
        tx.execute(
            &format!(
                "INSERT INTO {s}.{t} (name, data) VALUES ($1, $2) \
                 ON CONFLICT (name) DO UPDATE SET data = $2 WHERE {t}.name = $1",
                s = self.schema,
                t = STATES_TABLE
            ),
            &[&self.workspace, &data],
        )
        .map_err(PgError::query("write the state"))?;
        if self.has_journal {
            tx.execute(
                &format!(
                    "DELETE FROM {}.{JOURNAL_TABLE} WHERE name = $1",
                    self.schema
                ),
                &[&self.workspace],
            )
            .map_err(PgError::query("empty the journal"))?;
        }
        tx.commit().map_err(PgError::query("write the state"))
    }

    /// Inserts one journal row; returns its size.
    fn append_journal(&self, record: &str) -> Result<u64, PgError> {
        client(&self.client)
            .execute(
                &format!(
                    "INSERT INTO {}.{JOURNAL_TABLE} (name, record) VALUES ($1, $2)",
                    self.schema
                ),
                &[&self.workspace, &record],
            )
            .map_err(PgError::query("record the operation"))?;
        Ok(record.len() as u64)
    }
}

/// Who holds advisory lock `key` in this database, from `pg_locks` and `pg_stat_activity`
/// (`None` when the server does not show it, e.g. to a role without the right to see others).
fn lock_holder(c: &mut postgres::Client, key: i64) -> Option<String> {
    let row = c
        .query_opt(
            "SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.usename::text, ''), \
                    coalesce(host(a.client_addr), ''), \
                    coalesce(to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '') \
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 \
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
               AND ((l.classid::bigint << 32) | l.objid::bigint) = $1 \
             LIMIT 1",
            &[&key],
        )
        .ok()??;
    let pid: i32 = row.try_get(0).ok()?;
    let application: String = row.try_get(1).ok()?;
    let user: String = row.try_get(2).ok()?;
    let address: String = row.try_get(3).ok()?;
    let since: String = row.try_get(4).ok()?;
    let mut s = format!("Lock Info:\n  Holder:    PostgreSQL session pid {pid}");
    for (label, value) in [
        ("Client:   ", application),
        ("User:     ", user),
        ("Address:  ", address),
        ("Since:    ", since),
    ] {
        if !value.is_empty() {
            s.push_str(&format!("\n  {label} {value}"));
        }
    }
    s.push_str(&format!(
        "\n\nPostgreSQL advisory locks are released when the holding session ends. If that run \
         is gone but its session is not, an administrator can end it with:\n  \
         SELECT pg_terminate_backend({pid});"
    ));
    Some(s)
}

impl StateStore for PgStore {
    fn location(&self) -> String {
        self.location.clone()
    }

    fn load(&self) -> Result<Option<State>, StateError> {
        let (state, plaintext) = self.read_row()?;
        let mut memory = self.memory();
        memory.content_in_row = state.as_ref().map(write::content_json);
        memory.seen_row = true;
        memory.plaintext_with_key = plaintext && state.is_some() && self.encryption.is_some();
        drop(memory);
        // Operations recorded after the last full write (a run that ended before it could
        // write the whole state) are replayed, so that nothing completed is lost.
        let records = self.journal_records()?;
        if records.is_empty() {
            return Ok(state);
        }
        super::journal::replay_bytes(
            std::path::Path::new(&self.location),
            &records,
            state,
            self.encryption.as_ref(),
        )
    }

    fn save(&self, state: &mut State) -> Result<(), StateError> {
        let mut memory = self.memory();
        if !memory.seen_row {
            // A row that cannot be read is never overwritten (it may be a newer format).
            match self.read_row() {
                Ok((in_row, _)) => memory.content_in_row = in_row.as_ref().map(write::content_json),
                Err(e) => {
                    return Err(super::local::persist_error(
                        &self.errored_path,
                        self.encryption.as_ref(),
                        self.location.clone(),
                        state.to_json(),
                        std::io::Error::other(e.to_string()),
                    ))
                }
            }
            memory.seen_row = true;
        }
        state.terraform_version = TERRAFORM_VERSION.to_string();
        let content = write::content_json(state);
        let changed = memory.content_in_row.as_deref() != Some(content.as_str());
        if changed {
            state.serial += 1;
        }
        let text = write::assemble(state, &content);
        let data = match &self.encryption {
            None => Ok(text.clone()),
            Some(e) => e
                .seal(Content::State, text.as_bytes())
                .map(|sealed| String::from_utf8_lossy(&sealed).into_owned())
                .map_err(|e| PgError::Query {
                    doing: "seal the state",
                    message: e.to_string(),
                }),
        };
        match data.and_then(|d| self.write_row(&d).map(|()| d.len())) {
            Ok(written) => {
                tracing::debug!(location = %self.location, bytes = written, serial = state.serial, "wrote the whole state to PostgreSQL");
                memory.content_in_row = Some(content);
                memory.plaintext_with_key = false;
                memory.full_bytes = written as u64;
                memory.journal_bytes = 0;
                Ok(())
            }
            Err(e) => Err(super::local::persist_error(
                &self.errored_path,
                self.encryption.as_ref(),
                self.location.clone(),
                text,
                std::io::Error::other(e.to_string()),
            )),
        }
    }

    fn record(&self, state: &mut State, addr: &ResourceInstanceAddr) -> Result<(), StateError> {
        let memory = self.memory();
        // Until the row holds a state of this run's lineage, a full write creates it.
        let journaled = self.has_journal && memory.content_in_row.is_some();
        let budget = memory.full_bytes.max(JOURNAL_MIN_BYTES);
        let used = memory.journal_bytes;
        drop(memory);
        if journaled && used < budget {
            let line = super::journal::entry(state, addr);
            let record = match &self.encryption {
                None => Some(line.trim_end().to_string()),
                Some(e) => e
                    .seal(Content::JournalRecord, line.trim_end().as_bytes())
                    .ok()
                    .map(|sealed| String::from_utf8_lossy(&sealed).into_owned()),
            };
            // A journal row that cannot be written falls back to a full write.
            if let Some(Ok(n)) = record.map(|r| self.append_journal(&r)) {
                tracing::trace!(address = %addr, bytes = n, "recorded an operation in the PostgreSQL journal");
                self.memory().journal_bytes += n;
                return Ok(());
            }
        }
        self.save(state)
    }

    fn lock(&self, operation: &str, timeout: Duration) -> Result<Box<dyn HeldLock>, LockError> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.try_lock() {
                Ok(Ok(key)) => {
                    self.name_session(operation);
                    return Ok(Box::new(AdvisoryLock {
                        client: self.client.clone(),
                        key,
                    }));
                }
                Ok(Err(held)) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return Err(held);
                    }
                    std::thread::sleep(RETRY_INTERVAL.min(deadline - now));
                }
                Err(e) => return Err(LockError::Database(e.to_string())),
            }
        }
    }

    fn encryption(&self) -> Option<&Encryption> {
        self.encryption.as_ref()
    }

    fn plaintext_warning(&self) -> Option<Diagnostic> {
        if !self.memory().plaintext_with_key {
            return None;
        }
        Some(
            Diagnostic::warning("The state is not encrypted yet").detail(format!(
                "A state key is set, but the state of {} is plaintext. It was read as it is, and \
                 the next write encrypts it. Run \"bcmhcl state encrypt\" to encrypt it now.",
                self.location
            )),
        )
    }
}

/// Whether `data` read from a row is sealed (for messages and tests).
pub fn is_sealed(data: &str) -> bool {
    encryption::is_sealed(data.as_bytes())
}

#[cfg(test)]
mod tests;
