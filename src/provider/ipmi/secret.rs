//! BMC passwords: the crate's one `Secret` type.

pub use crate::secret::Secret;
