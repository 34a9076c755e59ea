//! `provisioner "local-exec"` blocks, evaluated for one instance: what to run, when, and what a
//! failure means. Running them is the executor's job (`provider::local_exec`).

use crate::config::{Expr, Provisioner};
use crate::diag::{Diagnostic, Span};
use crate::value::{convert, Type, Value};
use hcl_edit::expr::Expression;
use hcl_edit::structure::Structure;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// When a provisioner runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    Create,
    Destroy,
}

#[derive(Clone, Debug)]
pub struct ProvisionerRun {
    pub when: When,
    /// `on_failure = continue`: a failure is reported but does not fail the instance.
    pub continue_on_failure: bool,
    pub command: String,
    pub interpreter: Option<Vec<String>>,
    pub environment: BTreeMap<String, String>,
    pub working_dir: Option<PathBuf>,
    pub quiet: bool,
    /// The command was built from sensitive values: its output must not be printed.
    pub sensitive: bool,
}

fn keyword(e: &Expression) -> Option<&str> {
    match e {
        Expression::Variable(v) => Some(v.value().as_str()),
        Expression::Traversal(t) => match (&t.expr, t.operators.as_slice()) {
            (Expression::Variable(root), []) => Some(root.value().as_str()),
            _ => None,
        },
        _ => None,
    }
}

/// When the block runs, read without evaluating anything: a destroy only evaluates its
/// `when = destroy` provisioners, as Terraform does (the others may refer to `each.value` of
/// an instance that has left `for_each`). An invalid keyword counts as create, where [`decode`]
/// reports it.
pub fn when_of(p: &Provisioner) -> When {
    let keyword = p
        .body
        .attributes()
        .find(|a| a.key.value().as_str() == "when")
        .and_then(|a| keyword(&a.value));
    match keyword {
        Some("destroy") => When::Destroy,
        _ => When::Create,
    }
}

/// Evaluates a provisioner block with `eval` (which has `self`, `each`, `count` in scope).
pub fn decode(
    p: &Provisioner,
    eval: &dyn Fn(&Expr) -> Result<Value, Diagnostic>,
) -> Result<ProvisionerRun, Diagnostic> {
    let span = |n: &dyn hcl_edit::Span| Span::new(p.file, n.span().unwrap_or(0..0));
    if p.kind != "local-exec" {
        return Err(Diagnostic::error("Unsupported provisioner")
            .detail(format!(
                "bcmhcl runs only \"local-exec\" provisioners; {:?} is not supported. Run remote steps from a local-exec command instead.",
                p.kind
            ))
            .at(p.span));
    }
    let mut run = ProvisionerRun {
        when: When::Create,
        continue_on_failure: false,
        command: String::new(),
        interpreter: None,
        environment: BTreeMap::new(),
        working_dir: None,
        quiet: false,
        sensitive: false,
    };
    let mut has_command = false;
    for s in p.body.iter() {
        let Structure::Attribute(a) = s else {
            continue;
        };
        let name = a.key.value().as_str();
        let at = span(&a.value);
        match name {
            "when" => match keyword(&a.value) {
                Some("destroy") => run.when = When::Destroy,
                Some("create") => run.when = When::Create,
                _ => {
                    return Err(Diagnostic::error("Invalid \"when\" keyword")
                        .detail("The \"when\" argument requires one of the following keywords: create or destroy.")
                        .at(at))
                }
            },
            "on_failure" => match keyword(&a.value) {
                Some("continue") => run.continue_on_failure = true,
                Some("fail") => run.continue_on_failure = false,
                _ => {
                    return Err(Diagnostic::error("Invalid \"on_failure\" keyword")
                        .detail("The \"on_failure\" argument requires one of the following keywords: continue or fail.")
                        .at(at))
                }
            },
            _ => {
                let v = eval(&Expr::new(p.file, a.value.clone()))?;
                run.sensitive |= v.contains_sensitive();
                let (v, _) = v.unmark_deep();
                if !v.is_wholly_known() {
                    return Err(Diagnostic::error("Invalid provisioner argument")
                        .detail(format!("The value of {name:?} is not known yet; provisioners run with known values only."))
                        .at(at));
                }
                let conv = |ty: Type| {
                    convert(&v, &ty).map_err(|e| {
                        Diagnostic::error("Incorrect attribute value type")
                            .detail(format!("Inappropriate value for attribute {name:?}: {e}."))
                            .at(at)
                    })
                };
                match name {
                    "command" => {
                        has_command = true;
                        run.command = conv(Type::String)?.as_str().unwrap_or_default().to_string();
                    }
                    "interpreter" => {
                        let l = conv(Type::list(Type::String))?;
                        run.interpreter = Some(l.as_seq().unwrap_or(&[]).iter().filter_map(|s| s.as_str().map(str::to_string)).collect());
                    }
                    "environment" => {
                        let m = conv(Type::map(Type::String))?;
                        run.environment = m
                            .as_attrs()
                            .map(|a| a.iter().filter_map(|(k, v)| Some((k.to_string(), v.as_str()?.to_string()))).collect())
                            .unwrap_or_default();
                    }
                    "working_dir" => {
                        run.working_dir = conv(Type::String)?.as_str().map(PathBuf::from);
                    }
                    "quiet" => run.quiet = conv(Type::Bool)?.as_bool().unwrap_or(false),
                    other => {
                        return Err(Diagnostic::error("Unsupported argument")
                            .detail(format!("An argument named {other:?} is not expected here."))
                            .at(span(&a.key)))
                    }
                }
            }
        }
    }
    if !has_command {
        return Err(Diagnostic::error("Missing required argument")
            .detail("The argument \"command\" is required, but no definition was found.")
            .at(p.span));
    }
    Ok(run)
}
