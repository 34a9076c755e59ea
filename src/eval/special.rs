//! Functions the evaluator handles itself because they need the unevaluated arguments or the
//! evaluator: `try` and `can` (lazy), `templatefile` and `templatestring`, console's `type`.

use super::expr::{EvalResult, Evaluator};
use super::scope::{Resolver, Scope};
use crate::diag::{Diagnostic, FileId, Span};
use crate::value::{Attrs, Type, Value};
use hcl_edit::expr::FuncCall;

fn arity(call: &FuncCall, name: &str, params: &[&str], span: Span) -> Result<(), Diagnostic> {
    let n = call.args.len();
    if n < params.len() {
        return Err(Diagnostic::error("Not enough function arguments")
            .detail(format!(
                "Function {name:?} expects {} argument(s). Missing value for {:?}.",
                params.len(),
                params[n]
            ))
            .at(span));
    }
    if n > params.len() {
        return Err(Diagnostic::error("Too many function arguments")
            .detail(format!(
                "Function {name:?} expects only {} argument(s).",
                params.len()
            ))
            .at(span));
    }
    Ok(())
}

/// `try(a, b, ...)`: the first argument that evaluates without error. An argument that is not
/// yet wholly known makes the result unknown, since it might still fail at apply.
pub fn eval_try(ev: &Evaluator, call: &FuncCall, scope: &Scope, span: Span) -> EvalResult {
    if call.args.is_empty() {
        return Err(Diagnostic::error("Not enough function arguments")
            .detail("Function \"try\" expects at least one argument.")
            .at(span));
    }
    let mut failures = Vec::new();
    for arg in call.args.iter() {
        match ev.eval(arg, scope) {
            Ok(v) if !v.is_wholly_known() => return Ok(Value::unknown()),
            Ok(v) => return Ok(v),
            Err(d) => failures.push(d),
        }
    }
    let mut detail = String::from("Call to function \"try\" failed: no expression succeeded:\n");
    for d in &failures {
        detail.push_str(&format!("- {}\n  {}\n", d.summary, d.detail));
    }
    detail.push_str("\nAt least one expression must produce a successful result.");
    Err(Diagnostic::error("Error in function call")
        .detail(detail)
        .at(span))
}

/// `can(expr)`: whether `expr` evaluates without error.
pub fn eval_can(ev: &Evaluator, call: &FuncCall, scope: &Scope, span: Span) -> EvalResult {
    arity(call, "can", &["expression"], span)?;
    let Some(arg) = call.args.get(0) else {
        return Ok(Value::Bool(false));
    };
    Ok(match ev.eval(arg, scope) {
        Ok(v) if !v.is_wholly_known() => Value::Unknown(Type::Bool),
        Ok(_) => Value::Bool(true),
        Err(_) => Value::Bool(false),
    })
}

/// `type(value)`: console only, prints the value's type.
pub fn eval_type(ev: &Evaluator, call: &FuncCall, scope: &Scope, span: Span) -> EvalResult {
    arity(call, "type", &["value"], span)?;
    let v = match call.args.get(0) {
        Some(a) => ev.eval(a, scope)?,
        None => Value::NULL,
    };
    Ok(Value::string(v.ty().to_string()))
}

/// The variables of a template: exactly the given map or object, nothing else.
struct TemplateVars(Attrs);

impl Resolver for TemplateVars {
    fn resolve(&self, root: &str, _: &[&str], span: Span) -> Result<(Value, usize), Diagnostic> {
        match self.0.get(root) {
            Some(v) => Ok((v.clone(), 0)),
            None => Err(Diagnostic::error("Unknown variable")
                .detail(format!("There is no variable named {root:?}."))
                .at(span)),
        }
    }
}

fn template_vars(
    ev: &Evaluator,
    call: &FuncCall,
    scope: &Scope,
) -> Result<Option<Attrs>, Diagnostic> {
    let Some(arg) = call.args.get(1) else {
        return Ok(Some(Attrs::new()));
    };
    let vspan = ev.span_of(arg);
    let v = ev.eval(arg, scope)?;
    let (inner, _) = v.unmark();
    if !inner.is_wholly_known() {
        return Ok(None);
    }
    match inner.as_attrs() {
        Some(a) => {
            for k in a.keys() {
                if !is_identifier(k) {
                    return Err(Diagnostic::error("Invalid function argument")
                        .detail(format!(
                            "Invalid value for \"vars\" parameter: invalid template variable name {:?}: must start with a letter, followed by zero or more letters, digits, and underscores.",
                            &**k
                        ))
                        .at(vspan));
                }
            }
            Ok(Some(a.clone()))
        }
        None if inner.is_null() => Err(Diagnostic::error("Invalid function argument")
            .detail("Invalid value for \"vars\" parameter: argument must not be null.")
            .at(vspan)),
        None => Err(Diagnostic::error("Invalid function argument")
            .detail("Invalid value for \"vars\" parameter: must be a map.")
            .at(vspan)),
    }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic())
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// Renders template text with `vars`; errors point into the template.
fn render_text(
    ev: &Evaluator,
    name: &str,
    label: &str,
    text: &str,
    vars: Attrs,
    span: Span,
) -> EvalResult {
    let fail = |summary: &str, detail: String| {
        Diagnostic::error("Error in function call")
            .detail(format!(
                "Call to function {name:?} failed: {summary}: {detail}."
            ))
            .at(span)
    };
    let template = hcl_edit::parser::parse_template(text).map_err(|e| {
        fail(
            &format!("{label}:{},{}", e.location().line(), e.location().column()),
            e.message().to_string(),
        )
    })?;
    let inner = ev.for_template_file(FileId(0), text);
    let resolver = TemplateVars(vars);
    let scope = Scope::new(&resolver);
    super::template::eval_template(&inner, &template, &scope).map_err(|d| {
        let at = d.span.map_or(String::from(label), |s| {
            let (line, col) = line_col(text, s.start as usize);
            format!("{label}:{line},{col}")
        });
        fail(
            &at,
            format!("{}; {}", d.summary, d.detail.trim_end_matches('.')),
        )
    })
}

fn line_col(text: &str, byte: usize) -> (usize, usize) {
    let before = text.get(..byte).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// `templatefile(path, vars)`: reads a template relative to `path.module` and renders it.
pub fn eval_templatefile(ev: &Evaluator, call: &FuncCall, scope: &Scope, span: Span) -> EvalResult {
    arity(call, "templatefile", &["path", "vars"], span)?;
    if ev.in_templatefile() {
        return Err(Diagnostic::error("Error in function call")
            .detail("Call to function \"templatefile\" failed: cannot recursively call templatefile from inside templatefile call.")
            .at(span));
    }
    let Some(path_arg) = call.args.get(0) else {
        return Ok(Value::unknown());
    };
    let pspan = ev.span_of(path_arg);
    let path = ev.eval(path_arg, scope)?;
    let (path, marked) = path.unmark();
    if !path.is_known() {
        return Ok(Value::Unknown(Type::String).mark_if(marked));
    }
    let Some(path) = path.as_str() else {
        return Err(Diagnostic::error("Invalid function argument")
            .detail("Invalid value for \"path\" parameter: string required.")
            .at(pspan));
    };
    let full = ev.fctx.base_dir.join(path);
    let text = std::fs::read_to_string(&full).map_err(|_| {
        Diagnostic::error("Invalid function argument")
            .detail(format!(
                "Invalid value for \"path\" parameter: no file exists at {path:?}; this function works only with files that are distributed as part of the configuration source code, so if this file will be created by a resource in this configuration you must instead obtain this result from an attribute of that resource."
            ))
            .at(pspan)
    })?;
    let Some(vars) = template_vars(ev, call, scope)? else {
        return Ok(Value::Unknown(Type::String));
    };
    render_text(ev, "templatefile", path, &text, vars, span).map(|v| v.mark_if(marked))
}

/// `templatestring(template, vars)` (Terraform 1.9): renders a template held in a string.
pub fn eval_templatestring(
    ev: &Evaluator,
    call: &FuncCall,
    scope: &Scope,
    span: Span,
) -> EvalResult {
    arity(call, "templatestring", &["template", "vars"], span)?;
    let Some(arg) = call.args.get(0) else {
        return Ok(Value::unknown());
    };
    let t = ev.eval(arg, scope)?;
    let (t, marked) = t.unmark();
    if !t.is_known() {
        return Ok(Value::Unknown(Type::String).mark_if(marked));
    }
    let Some(text) = t.as_str() else {
        return Err(Diagnostic::error("Invalid function argument")
            .detail("Invalid value for \"template\" parameter: string required.")
            .at(ev.span_of(arg)));
    };
    let text = text.to_string();
    let Some(vars) = template_vars(ev, call, scope)? else {
        return Ok(Value::Unknown(Type::String));
    };
    render_text(ev, "templatestring", "<template>", &text, vars, span).map(|v| v.mark_if(marked))
}

/// `convert(value, type)` (Terraform 1.15, OpenTofu 1.13): converts to a type constraint
/// written as the second argument, as a variable's `type` would.
pub fn eval_convert(ev: &Evaluator, call: &FuncCall, scope: &Scope, span: Span) -> EvalResult {
    arity(call, "convert", &["value", "type"], span)?;
    let (Some(value_arg), Some(type_arg)) = (call.args.get(0), call.args.get(1)) else {
        return Ok(Value::unknown());
    };
    let ty = super::type_constraint::parse_type_in(type_arg, ev.file, ev.source)?;
    let v = ev.eval(value_arg, scope)?;
    crate::value::convert(&v, &ty).map_err(|e| {
        Diagnostic::error("Invalid function argument")
            .detail(format!("Invalid value for \"value\" parameter: {e}."))
            .at(ev.span_of(value_arg))
    })
}
