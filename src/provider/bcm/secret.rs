//! The BCM client's secrets (password, session cookie, key paths' contents): the crate's one
//! `Secret` type.

pub use crate::secret::Secret;
