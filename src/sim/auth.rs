//! Who may call: the login credentials, the session tokens handed out as the
//! `cm-login-token` cookie, and reading that cookie back from a request.

use crate::provider::bcm::wire::LOGIN_COOKIE;
use std::collections::BTreeSet;
use std::sync::Mutex;

pub use crate::secret::Secret;

/// Compares without stopping at the first difference, so timing says nothing about how
/// much of a guess was right.
fn same_text(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// The one account and the sessions opened with it.
#[derive(Debug)]
pub struct Sessions {
    username: String,
    password: Secret,
    tokens: Mutex<BTreeSet<String>>,
}

impl Sessions {
    pub fn new(username: String, password: Secret) -> Sessions {
        Sessions {
            username,
            password,
            tokens: Mutex::new(BTreeSet::new()),
        }
    }

    /// A new session token for the right credentials.
    pub fn login(&self, username: &str, password: &str) -> Option<Secret> {
        let user_ok = same_text(username, &self.username);
        let password_ok = same_text(password, self.password.expose());
        if !(user_ok && password_ok) {
            return None;
        }
        let token = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        if let Ok(mut tokens) = self.tokens.lock() {
            tokens.insert(token.clone());
        }
        Some(Secret::new(token))
    }

    pub fn is_valid(&self, token: &str) -> bool {
        self.tokens
            .lock()
            .map(|tokens| tokens.contains(token))
            .unwrap_or(false)
    }
}

/// The `Set-Cookie` value for a new session (`Secure` when served over TLS).
pub fn set_cookie(token: &Secret, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{LOGIN_COOKIE}={}; Path=/; HttpOnly{secure}",
        token.expose()
    )
}

/// The session token in `Cookie` header values, if any.
pub fn token_from_cookies<'a>(headers: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    headers
        .into_iter()
        .flat_map(|header| header.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == LOGIN_COOKIE)
        .map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_right_credentials_open_a_session() {
        let sessions = Sessions::new("root".into(), "pw".into());
        assert!(sessions.login("root", "wrong").is_none());
        assert!(sessions.login("admin", "pw").is_none());
        let token = sessions.login("root", "pw").unwrap();
        assert!(sessions.is_valid(token.expose()));
        assert!(!sessions.is_valid("forged"));
        assert_eq!(format!("{token:?} {token}"), "**** ****");
        assert_eq!(token.expose().len(), 64);
    }

    #[test]
    fn the_token_is_found_among_other_cookies() {
        let headers = ["theme=dark; cm-login-token=abc", "x=y"];
        assert_eq!(token_from_cookies(headers), Some("abc"));
        assert_eq!(token_from_cookies(["cm-login-token-old=1"]), None);
        let cookie = set_cookie(&Secret::new("t"), true);
        assert_eq!(cookie, "cm-login-token=t; Path=/; HttpOnly; Secure");
    }
}
