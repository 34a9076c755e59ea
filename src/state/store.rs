//! `StateStore`: what plan, apply, output, show and the state subcommands need from wherever
//! the state lives (a local file, a PostgreSQL row), so that they work against either.

use super::encryption::Encryption;
use super::error::StateError;
use super::lock::LockError;
use super::State;
use crate::addr::ResourceInstanceAddr;
use crate::diag::Diagnostic;
use std::fmt;
use std::time::Duration;

/// A held state lock; dropping it releases the lock, so every exit path of a command unlocks.
pub trait HeldLock: Send + fmt::Debug {}

impl HeldLock for super::lock::StateLock {}

/// One workspace's state in one backend.
///
/// One store lives for one command run: stores remember what they last read or wrote (for
/// the serial, the backup and the cost of `record`).
pub trait StateStore: Send + Sync + fmt::Debug {
    /// Where the state is, for messages: a path, or the PostgreSQL row.
    fn location(&self) -> String;

    /// The stored state; `None` when there is none yet (or it is empty).
    fn load(&self) -> Result<Option<State>, StateError>;

    /// Writes the whole state. The serial is incremented only when the content differs from
    /// what is stored (Terraform's rule).
    fn save(&self, state: &mut State) -> Result<(), StateError>;

    /// Makes the operation just finished on `addr` (already applied to `state` in memory)
    /// durable, before the next one starts.
    fn record(&self, state: &mut State, addr: &ResourceInstanceAddr) -> Result<(), StateError>;

    /// Takes the state lock for `operation` (Terraform's names: `OperationTypeApply`, ...),
    /// retrying until `timeout` (zero: one attempt).
    fn lock(&self, operation: &str, timeout: Duration) -> Result<Box<dyn HeldLock>, LockError>;

    /// The key states are sealed with and opened with, if any.
    fn encryption(&self) -> Option<&Encryption>;

    /// After `load`: a warning when a key is set but the stored state was plaintext.
    fn plaintext_warning(&self) -> Option<Diagnostic>;
}

impl StateStore for super::LocalStore {
    fn location(&self) -> String {
        self.path().display().to_string()
    }

    fn load(&self) -> Result<Option<State>, StateError> {
        super::LocalStore::load(self)
    }

    fn save(&self, state: &mut State) -> Result<(), StateError> {
        super::LocalStore::save(self, state)
    }

    fn record(&self, state: &mut State, addr: &ResourceInstanceAddr) -> Result<(), StateError> {
        super::LocalStore::record(self, state, addr)
    }

    fn lock(&self, operation: &str, timeout: Duration) -> Result<Box<dyn HeldLock>, LockError> {
        super::lock::acquire(self.path(), operation, timeout)
            .map(|l| Box::new(l) as Box<dyn HeldLock>)
    }

    fn encryption(&self) -> Option<&Encryption> {
        super::LocalStore::encryption(self)
    }

    fn plaintext_warning(&self) -> Option<Diagnostic> {
        super::LocalStore::plaintext_warning(self)
    }
}
