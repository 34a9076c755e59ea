//! Variable values from the environment, definitions files and the command line, gathered in
//! Terraform's precedence order (later wins): `TF_VAR_*`, `terraform.tfvars`,
//! `terraform.tfvars.json`, `*.auto.tfvars(.json)` by name, then `-var` and `-var-file` in the
//! order given.

use bcmhcl::config::tfvars::load_tfvars;
use bcmhcl::diag::{Diagnostic, Diagnostics, SourceMap};
use bcmhcl::eval::module::{InputValue, RawInput};
use clap::Args;
use std::path::{Path, PathBuf};

/// Flags shared by commands that evaluate a root module.
#[derive(Args, Debug, Clone, Default)]
pub struct VarFlags {
    /// Set a variable: -var 'name=value' (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub var: Vec<String>,
    /// Load variable values from a file (repeatable).
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_file: Vec<PathBuf>,
    /// Ask for missing variables (never done: bcmhcl does not prompt; accepted for Terraform compatibility).
    #[arg(long = "input", value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub input: Option<bool>,
}

/// A `-var` or `-var-file` flag in command-line order.
#[derive(Debug, Clone)]
pub enum VarFlag {
    Var(String),
    File(PathBuf),
}

/// The `-var`/`-var-file` flags in the order given (clap keeps them apart).
pub fn ordered_var_flags(args: &[String]) -> Vec<VarFlag> {
    let mut out = Vec::new();
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        let (name, inline) = match a.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (a.as_str(), None),
        };
        let take = |inline: Option<String>, it: &mut std::iter::Skip<std::slice::Iter<String>>| {
            inline.or_else(|| it.next().cloned())
        };
        match name {
            "--var" => {
                if let Some(v) = take(inline, &mut it) {
                    out.push(VarFlag::Var(v));
                }
            }
            "--var-file" => {
                if let Some(v) = take(inline, &mut it) {
                    out.push(VarFlag::File(PathBuf::from(v)));
                }
            }
            _ => {}
        }
    }
    out
}

/// Gathers every input for the root module in `dir`.
pub fn gather(
    dir: &Path,
    flags: &[VarFlag],
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
) -> Vec<RawInput> {
    let mut out = Vec::new();
    let mut env: Vec<(String, String)> = std::env::vars()
        .filter_map(|(k, v)| k.strip_prefix("TF_VAR_").map(|n| (n.to_string(), v)))
        .collect();
    env.sort();
    for (name, text) in env {
        out.push(RawInput {
            name,
            value: InputValue::Text {
                text,
                from_env: true,
            },
        });
    }
    let mut files = vec![
        dir.join("terraform.tfvars"),
        dir.join("terraform.tfvars.json"),
    ];
    let mut auto: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json")
                })
                .collect()
        })
        .unwrap_or_default();
    auto.sort();
    files.extend(auto);
    for f in files.into_iter().filter(|f| f.is_file()) {
        push_file(&f, sources, diags, &mut out);
    }
    for flag in flags {
        match flag {
            VarFlag::Var(v) => match v.split_once('=') {
                Some((name, text)) => out.push(RawInput {
                    name: name.trim().to_string(),
                    value: InputValue::Text { text: text.to_string(), from_env: false },
                }),
                None => diags.push(
                    Diagnostic::error("Invalid -var option")
                        .detail(format!("The given -var option {v:?} is not correctly specified. Must be a variable name and value separated by an equals sign, like -var=\"key=value\".")),
                ),
            },
            VarFlag::File(path) => push_file(path, sources, diags, &mut out),
        }
    }
    out
}

fn push_file(
    path: &Path,
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
    out: &mut Vec<RawInput>,
) {
    for (name, _, assigned) in load_tfvars(path, sources, diags) {
        out.push(RawInput {
            name,
            value: InputValue::Assigned(assigned),
        });
    }
}
