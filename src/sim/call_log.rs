//! The call log (`--call-log FILE`): one JSON line per `/json` call, with every password
//! replaced by `****`. Headers, and so the session cookie, are never logged.

use crate::provider::bcm::wire::Request;
use serde_json::{json, Map, Value as Json};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

const REDACTED: &str = "****";

/// An append-only file; each call is one `write` of one whole line.
#[derive(Debug)]
pub struct CallLog {
    file: Mutex<File>,
}

impl CallLog {
    pub fn open(path: &Path) -> std::io::Result<CallLog> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(CallLog {
            file: Mutex::new(file),
        })
    }

    /// Appends one line. A failed write is dropped: logging must not fail a call.
    pub fn record(&self, line: &Json) {
        let mut text = line.to_string();
        text.push('\n');
        if let Ok(mut file) = self.file.lock() {
            let _ = file.write_all(text.as_bytes());
        }
    }
}

/// The log line for one call: time, service, call, arguments (redacted) and HTTP status.
pub fn line(time: &str, request: Option<&Request>, status: u16) -> Json {
    let mut line = Map::new();
    line.insert("time".to_string(), json!(time));
    match request {
        Some(request) => {
            line.insert("service".to_string(), json!(request.service));
            line.insert("call".to_string(), json!(request.call));
            line.insert(
                "args".to_string(),
                redact(&Json::Array(request.arguments())),
            );
            if let Some(username) = &request.username {
                line.insert("username".to_string(), json!(username));
            }
            if request.password.is_some() {
                line.insert("password".to_string(), json!(REDACTED));
            }
        }
        None => {
            line.insert("error".to_string(), json!("request body is not a call"));
        }
    }
    line.insert("status".to_string(), json!(status));
    Json::Object(line)
}

/// A copy of `value` in which every field whose name ends in `password` (any case) holds
/// `****`, at any depth.
pub fn redact(value: &Json) -> Json {
    match value {
        Json::Object(fields) => Json::Object(
            fields
                .iter()
                .map(|(name, field)| {
                    let secret = name.to_ascii_lowercase().ends_with("password");
                    let field = if secret {
                        json!(REDACTED)
                    } else {
                        redact(field)
                    };
                    (name.clone(), field)
                })
                .collect(),
        ),
        Json::Array(items) => Json::Array(items.iter().map(redact).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_replaced_at_any_depth() {
        let args = json!([{"name": "gpu", "bmcSettings": {"userName": "admin", "password": "s3cret"},
            "list": [{"rootPassword": "x", "keep": "y"}]}, false]);
        let redacted = redact(&args);
        assert_eq!(
            redacted,
            json!([{"name": "gpu", "bmcSettings": {"userName": "admin", "password": "****"},
                "list": [{"rootPassword": "****", "keep": "y"}]}, false])
        );
    }

    #[test]
    fn login_lines_keep_the_user_and_hide_the_password() {
        let line = line("t", Some(&Request::login("root", "hunter2")), 200);
        assert_eq!(line["username"], json!("root"));
        assert_eq!(line["password"], json!("****"));
        assert!(!line.to_string().contains("hunter2"));
    }

    #[test]
    fn lines_are_appended_one_per_call() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("calls.jsonl");
        let log = CallLog::open(&path).unwrap();
        let request = Request::new("cmdevice", "getNode", vec![json!("node001")]);
        log.record(&line("t1", Some(&request), 200));
        log.record(&line("t2", None, 400));
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<Json> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["call"], json!("getNode"));
        assert_eq!(lines[0]["args"], json!(["node001"]));
        assert_eq!(lines[1]["status"], json!(400));
    }
}
