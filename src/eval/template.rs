//! String templates and heredocs: interpolation, `%{if}` / `%{for}` directives, `~` strip markers.

use super::expr::{EvalResult, Evaluator};
use super::scope::Scope;
use crate::diag::{Diagnostic, Span};
use crate::value::{convert, Type, Value};
use hcl_edit::template::{Directive, Element, Strip, Template};

/// Evaluates a template. A template that is a single interpolation (`"${x}"`) yields the value
/// itself, unconverted, as in HCL.
pub fn eval_template(ev: &Evaluator, t: &Template, scope: &Scope) -> EvalResult {
    if let Some(Element::Interpolation(i)) = t.as_single_element() {
        return ev.eval(&i.expr, scope);
    }
    let mut out = Render::default();
    render(ev, t, scope, &mut out)?;
    if out.unknown {
        return Ok(Value::Unknown(Type::String).mark_if(out.sensitive));
    }
    Ok(Value::string(out.text).mark_if(out.sensitive))
}

#[derive(Default)]
struct Render {
    text: String,
    unknown: bool,
    sensitive: bool,
    /// Set by a `~}` marker: strip leading whitespace of the next literal.
    strip_next: bool,
}

impl Render {
    fn literal(&mut self, s: &str) {
        let s = if std::mem::take(&mut self.strip_next) {
            s.trim_start()
        } else {
            s
        };
        self.text.push_str(s);
    }
    fn strip_before(&mut self, strip: Strip) {
        if matches!(strip, Strip::Start | Strip::Both) {
            let trimmed = self.text.trim_end().len();
            self.text.truncate(trimmed);
        }
    }
    fn strip_after(&mut self, strip: Strip) {
        self.strip_next = matches!(strip, Strip::End | Strip::Both);
    }
}

fn render(ev: &Evaluator, t: &Template, scope: &Scope, out: &mut Render) -> Result<(), Diagnostic> {
    for el in t.iter() {
        match el {
            Element::Literal(s) => out.literal(s.value()),
            Element::Interpolation(i) => {
                out.strip_before(i.strip);
                out.strip_next = false;
                let v = ev.eval(&i.expr, scope)?;
                let ispan = ev.span_of(&i.expr);
                append_value(out, &v, ispan)?;
                out.strip_after(i.strip);
            }
            Element::Directive(d) => match &**d {
                Directive::If(dir) => {
                    out.strip_before(dir.if_expr.strip);
                    let c = ev.eval(&dir.if_expr.cond_expr, scope)?;
                    let cspan = ev.span_of(&dir.if_expr.cond_expr);
                    let (c, marked) = c.unmark();
                    out.sensitive |= marked;
                    if c.is_null() {
                        return Err(Diagnostic::error("Invalid template if directive")
                            .detail("The condition value is null. Conditions must either be true or false.")
                            .at(cspan));
                    }
                    if !c.is_known() {
                        out.unknown = true;
                        continue;
                    }
                    let b = convert(c, &Type::Bool)
                        .ok()
                        .and_then(|b| b.as_bool())
                        .ok_or_else(|| {
                            Diagnostic::error("Invalid template if directive")
                                .detail("The condition value is invalid: bool required.")
                                .at(cspan)
                        })?;
                    out.strip_after(dir.if_expr.strip);
                    if b {
                        render(ev, &dir.if_expr.template, scope, out)?;
                        if let Some(e) = &dir.else_expr {
                            out.strip_before(e.strip);
                        } else {
                            out.strip_before(dir.endif_expr.strip);
                        }
                    } else if let Some(e) = &dir.else_expr {
                        out.strip_after(e.strip);
                        render(ev, &e.template, scope, out)?;
                        out.strip_before(dir.endif_expr.strip);
                    }
                    out.strip_after(dir.endif_expr.strip);
                }
                Directive::For(dir) => {
                    let fe = &dir.for_expr;
                    out.strip_before(fe.strip);
                    let coll = ev.eval(&fe.collection_expr, scope)?;
                    let cspan = ev.span_of(&fe.collection_expr);
                    let (coll, marked) = coll.unmark();
                    out.sensitive |= marked;
                    if coll.is_null() {
                        return Err(Diagnostic::error("Invalid template for directive")
                            .detail("A null value cannot be used as the collection in a 'for' expression.")
                            .at(cspan));
                    }
                    if !coll.is_known() {
                        out.unknown = true;
                        continue;
                    }
                    let items = super::expr::collection_items(coll).ok_or_else(|| {
                        Diagnostic::error("Invalid template for directive").detail(format!(
                            "A value of type {} cannot be used as the collection in a 'for' expression.",
                            coll.ty()
                        )).at(cspan)
                    })?;
                    for (k, v) in items {
                        out.strip_after(fe.strip);
                        let value_scope = scope.bind(fe.value_var.value().as_str(), v);
                        let key_scope;
                        let inner = match &fe.key_var {
                            Some(kv) => {
                                key_scope = value_scope.bind(kv.value().as_str(), k);
                                &key_scope
                            }
                            None => &value_scope,
                        };
                        render(ev, &fe.template, inner, out)?;
                        out.strip_before(dir.endfor_expr.strip);
                    }
                    out.strip_after(dir.endfor_expr.strip);
                }
            },
        }
    }
    Ok(())
}

fn append_value(out: &mut Render, v: &Value, span: Span) -> Result<(), Diagnostic> {
    let (v, marked) = v.unmark();
    out.sensitive |= marked;
    if v.is_null() {
        return Err(Diagnostic::error("Invalid template interpolation value")
            .detail(
                "The expression result is null. Cannot include a null value in a string template.",
            )
            .at(span));
    }
    if !v.is_known() {
        out.unknown = true;
        return Ok(());
    }
    match convert(v, &Type::String) {
        Ok(s) => {
            out.text.push_str(s.as_str().unwrap_or_default());
            Ok(())
        }
        Err(e) => Err(Diagnostic::error("Invalid template interpolation value")
            .detail(format!(
                "Cannot include the given value in a string template: {e}."
            ))
            .at(span)),
    }
}
