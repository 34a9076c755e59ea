//! `Secret`: a password, session token or key that never shows itself in Debug, Display, logs or
//! errors, and is wiped from memory when dropped. One type for the BCM client, the IPMI client
//! and the simulator.

use std::fmt;
use zeroize::Zeroizing;

/// A secret string. `Debug` and `Display` print `****`; the only way to the text is
/// [`Secret::expose`], so every use of the real value is a visible, greppable call.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(text: impl Into<String>) -> Secret {
        Secret(Zeroizing::new(text.into()))
    }

    /// The secret text, for the code that must send or hash it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(text: String) -> Secret {
        Secret::new(text)
    }
}

impl From<&str> for Secret {
    fn from(text: &str) -> Secret {
        Secret::new(text)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_text() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?}"), "****");
        assert_eq!(format!("{secret}"), "****");
        assert_eq!(format!("{:?}", Some(secret.clone())), "Some(****)");
        assert_eq!(secret.expose(), "hunter2");
        assert_eq!(secret.len(), 7);
    }
}
