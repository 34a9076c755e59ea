//! Terraform's JSON configuration syntax (`*.tf.json`), translated to the native syntax so that
//! one decoder serves both. Strings are templates (`"${var.x}"`) as in Terraform; a few
//! arguments (`type`, `depends_on`, `ignore_changes`, ...) hold expressions written as strings.

use crate::diag::Diagnostic;
use serde_json::Value as Json;
use std::fmt::Write;

/// Blocks whose body is a map from label to body, and how many labels they take.
fn label_count(block: &str) -> Option<usize> {
    match block {
        "variable" | "output" | "module" | "provider" | "check" => Some(1),
        "resource" | "data" | "action" => Some(2),
        "terraform" | "locals" | "import" | "moved" | "removed" => Some(0),
        _ => None,
    }
}

/// Nested blocks recognised inside bodies (everything else with an object value is an argument).
const NESTED_BLOCKS: &[&str] = &[
    "validation",
    "lifecycle",
    "precondition",
    "postcondition",
    "provisioner",
    "connection",
    "required_providers",
    "backend",
    "assert",
    "config",
    "action_trigger",
    "cloud",
];

/// Arguments whose string values are expressions rather than templates.
const EXPRESSION_ARGS: &[&str] = &[
    "type",
    "depends_on",
    "ignore_changes",
    "replace_triggered_by",
    "provider",
    "to",
    "from",
    "providers",
];

pub fn to_native(text: &str) -> Result<String, Diagnostic> {
    let json: Json = serde_json::from_str(text).map_err(|e| {
        Diagnostic::error("Invalid JSON syntax").detail(format!("The file is not valid JSON: {e}."))
    })?;
    let Json::Object(top) = json else {
        return Err(Diagnostic::error("Invalid JSON syntax")
            .detail("The root of a JSON configuration file must be an object."));
    };
    let mut out = String::new();
    for (block, content) in &top {
        if block == "//" {
            continue;
        }
        let Some(labels) = label_count(block) else {
            let _ = writeln!(out, "{block} {{\n}}");
            continue;
        };
        for item in as_items(content) {
            write_labelled(&mut out, block, labels, item, &mut Vec::new());
        }
    }
    Ok(out)
}

fn as_items(v: &Json) -> Vec<&Json> {
    match v {
        Json::Array(a) => a.iter().collect(),
        other => vec![other],
    }
}

fn write_labelled<'a>(
    out: &mut String,
    block: &str,
    labels: usize,
    v: &'a Json,
    path: &mut Vec<&'a str>,
) {
    if path.len() == labels {
        let _ = write!(out, "{block}");
        for l in path.iter() {
            let _ = write!(out, " {}", quote(l));
        }
        out.push_str(" {\n");
        if let Json::Object(body) = v {
            if block == "locals" {
                for (k, val) in body {
                    if k != "//" {
                        let _ = writeln!(out, "{k} = {}", expr(val, false));
                    }
                }
            } else {
                write_body(out, body);
            }
        }
        out.push_str("}\n");
        return;
    }
    if let Json::Object(m) = v {
        for (k, inner) in m {
            for item in as_items(inner) {
                path.push(k);
                write_labelled(out, block, labels, item, path);
                path.pop();
            }
        }
    }
}

fn write_body(out: &mut String, body: &serde_json::Map<String, Json>) {
    for (k, v) in body {
        if k == "//" {
            continue;
        }
        if NESTED_BLOCKS.contains(&k.as_str()) {
            for item in as_items(v) {
                match (k.as_str(), item) {
                    ("provisioner" | "backend", Json::Object(m)) => {
                        for (label, b) in m {
                            for bi in as_items(b) {
                                let _ = writeln!(out, "{k} {} {{", quote(label));
                                if let Json::Object(inner) = bi {
                                    write_body(out, inner);
                                }
                                out.push_str("}\n");
                            }
                        }
                    }
                    ("required_providers", Json::Object(m)) => {
                        out.push_str("required_providers {\n");
                        for (name, val) in m {
                            let _ = writeln!(out, "{name} = {}", expr(val, false));
                        }
                        out.push_str("}\n");
                    }
                    (_, Json::Object(inner)) => {
                        let _ = writeln!(out, "{k} {{");
                        write_body(out, inner);
                        out.push_str("}\n");
                    }
                    _ => {}
                }
            }
        } else {
            let _ = writeln!(
                out,
                "{k} = {}",
                expr(v, EXPRESSION_ARGS.contains(&k.as_str()))
            );
        }
    }
}

fn expr(v: &Json, raw_strings: bool) -> String {
    match v {
        Json::Null => "null".into(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => n.to_string(),
        Json::String(s) if raw_strings => s.clone(),
        Json::String(s) => template(s),
        Json::Array(a) => format!(
            "[{}]",
            a.iter()
                .map(|e| expr(e, raw_strings))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Json::Object(m) => {
            let mut s = String::from("{\n");
            for (k, val) in m {
                if k != "//" {
                    let _ = writeln!(s, "{} = {}", quote(k), expr(val, raw_strings));
                }
            }
            s.push('}');
            s
        }
    }
}

/// A JSON string as a native template: quotes and backslashes escaped, `${`/`%{` kept.
fn template(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A literal string (labels, keys): also escapes template sequences.
fn quote(s: &str) -> String {
    template(s).replace("${", "$${").replace("%{", "%%{")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_variables_and_resources_become_native_blocks() {
        let native = to_native(
            r#"{"variable": {"x": {"type": "list(string)", "default": ["a"]}},
                "resource": {"null_resource": {"n": {"triggers": {"k": "${var.x[0]}"}}}}}"#,
        )
        .unwrap();
        assert!(native.contains("variable \"x\" {\ntype = list(string)\ndefault = [\"a\"]\n}"));
        assert!(native.contains(
            "resource \"null_resource\" \"n\" {\ntriggers = {\n\"k\" = \"${var.x[0]}\"\n}\n}"
        ));
        assert!(hcl_edit::parser::parse_body(&native).is_ok());
    }
}
