//! Operators, attribute access and indexing on values, with Terraform's conversions and wording.
//! Errors carry no span; the evaluator adds the span of the expression (typst's `.at(span)`).

use crate::diag::{Diagnostic, Span};
use crate::value::{convert, Number, NumberError, Type, Value};
use hcl_edit::expr::BinaryOperator;

type OpResult = Result<Value, Diagnostic>;

fn invalid_operand(side: &str, message: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::error("Invalid operand")
        .detail(format!("Unsuitable value for {side} operand: {message}."))
}

fn operation_failed(message: impl std::fmt::Display) -> Diagnostic {
    Diagnostic::error("Operation failed").detail(format!("Error during operation: {message}."))
}

/// Converts an operand to `ty`; `Ok(None)` when it is unknown.
fn operand(v: &Value, ty: &Type, side: &str) -> Result<Option<Value>, Diagnostic> {
    if v.is_null() {
        return Err(operation_failed("argument must not be null"));
    }
    if !v.is_known() {
        // Still check the type where it is known, so `"a" + unknown` fails early.
        if let Value::Unknown(t) = v {
            if *t != Type::Dynamic && *t != *ty && !t.is_primitive() {
                return Err(invalid_operand(
                    side,
                    format!("{} required", ty.friendly_name()),
                ));
            }
        }
        return Ok(None);
    }
    match convert(v, ty) {
        Ok(c) => Ok(Some(c)),
        Err(e) => Err(invalid_operand(side, e)),
    }
}

fn num(v: &Value) -> &Number {
    static ZERO: Number = Number::Int(0);
    v.as_number().unwrap_or(&ZERO)
}

fn number_error(e: NumberError) -> Diagnostic {
    operation_failed(e)
}

/// A binary operator other than `&&`/`||` (which the evaluator short-circuits).
pub fn binary(op: &BinaryOperator, l: &Value, r: &Value, lspan: Span, rspan: Span) -> OpResult {
    use BinaryOperator as B;
    let (lv, lm) = l.unmark();
    let (rv, rm) = r.unmark();
    let marked = lm || rm;
    let out = match op {
        B::Eq | B::NotEq => match lv.equals(rv) {
            Some(eq) => Value::Bool(eq == matches!(op, B::Eq)),
            None => Value::Unknown(Type::Bool),
        },
        B::Plus | B::Minus | B::Mul | B::Div | B::Mod => {
            let a = operand(lv, &Type::Number, "left").map_err(|d| d.or_at(lspan))?;
            let b = operand(rv, &Type::Number, "right").map_err(|d| d.or_at(rspan))?;
            let (Some(a), Some(b)) = (a, b) else {
                return Ok(Value::Unknown(Type::Number).mark_if(marked));
            };
            let (a, b) = (num(&a), num(&b));
            let n = match op {
                B::Plus => a.add(b),
                B::Minus => a.sub(b),
                B::Mul => a.mul(b),
                B::Div => a.div(b),
                _ => a.rem(b),
            }
            .map_err(number_error)?;
            Value::Number(n)
        }
        B::Less | B::LessEq | B::Greater | B::GreaterEq => {
            let a = operand(lv, &Type::Number, "left").map_err(|d| d.or_at(lspan))?;
            let b = operand(rv, &Type::Number, "right").map_err(|d| d.or_at(rspan))?;
            let (Some(a), Some(b)) = (a, b) else {
                return Ok(Value::Unknown(Type::Bool).mark_if(marked));
            };
            let o = num(&a).cmp(num(&b));
            Value::Bool(match op {
                B::Less => o.is_lt(),
                B::LessEq => o.is_le(),
                B::Greater => o.is_gt(),
                _ => o.is_ge(),
            })
        }
        B::And | B::Or => {
            let (a, _) = logical_operand(lv, "left").map_err(|d| d.or_at(lspan))?;
            let (b, _) = logical_operand(rv, "right").map_err(|d| d.or_at(rspan))?;
            match (a, b) {
                (Some(a), Some(b)) => {
                    Value::Bool(if matches!(op, B::And) { a && b } else { a || b })
                }
                _ => Value::Unknown(Type::Bool),
            }
        }
    };
    Ok(out.mark_if(marked))
}

/// An operand of `&&`/`||`: its truth (None when unknown) and whether it was sensitive.
pub fn logical_operand(v: &Value, side: &str) -> Result<(Option<bool>, bool), Diagnostic> {
    let (inner, marked) = v.unmark();
    let b = operand(inner, &Type::Bool, side)?;
    Ok((b.and_then(|b| b.as_bool()), marked))
}

pub fn negate(v: &Value) -> OpResult {
    let (inner, marked) = v.unmark();
    match operand(inner, &Type::Number, "unary") {
        Ok(Some(n)) => Ok(Value::Number(num(&n).neg()).mark_if(marked)),
        Ok(None) => Ok(Value::Unknown(Type::Number).mark_if(marked)),
        Err(e) => Err(e),
    }
}

pub fn not(v: &Value) -> OpResult {
    let (inner, marked) = v.unmark();
    match operand(inner, &Type::Bool, "unary") {
        Ok(Some(b)) => Ok(Value::Bool(!b.as_bool().unwrap_or(false)).mark_if(marked)),
        Ok(None) => Ok(Value::Unknown(Type::Bool).mark_if(marked)),
        Err(e) => Err(e),
    }
}

/// `value.name`.
pub fn get_attr(v: &Value, name: &str) -> OpResult {
    let (inner, marked) = v.unmark();
    let out = match inner {
        Value::Null(_) => {
            return Err(
                Diagnostic::error("Attempt to get attribute from null value")
                    .detail("This value is null, so it does not have any attributes."),
            )
        }
        Value::Unknown(Type::Object(o)) => Value::Unknown(match o.attrs.get(name) {
            Some(t) => t.clone(),
            None => return Err(unsupported_attribute(name)),
        }),
        Value::Unknown(Type::Map(t)) => Value::Unknown((**t).clone()),
        Value::Unknown(_) => Value::unknown(),
        Value::Object(attrs) => match attrs.get(name) {
            Some(v) => v.clone(),
            None => return Err(unsupported_attribute(name)),
        },
        Value::Map(_, attrs) => match attrs.get(name) {
            Some(v) => v.clone(),
            None => {
                return Err(Diagnostic::error("Missing map element").detail(format!(
                    "This map does not have an element with the key {name:?}."
                )))
            }
        },
        Value::Bool(_) | Value::Number(_) | Value::String(_) => {
            return Err(Diagnostic::error("Unsupported attribute").detail(format!(
                "Can't access attributes on a primitive-typed value ({}).",
                inner.ty()
            )))
        }
        Value::List(..) | Value::Set(..) | Value::Tuple(_) => {
            let detail = if matches!(inner, Value::Tuple(_)) {
                "This value does not have any attributes.".to_string()
            } else {
                format!(
                    "Can't access attributes on a {}. Did you mean to access an attribute for a specific element of the list, or across all elements of the list?",
                    inner.ty().friendly_name()
                )
            };
            return Err(Diagnostic::error("Unsupported attribute").detail(detail));
        }
        Value::Sensitive(_) => return get_attr(inner, name),
    };
    Ok(out.mark_if(marked))
}

fn unsupported_attribute(name: &str) -> Diagnostic {
    Diagnostic::error("Unsupported attribute").detail(format!(
        "This object does not have an attribute named {name:?}."
    ))
}

fn invalid_index(extra: &str) -> Diagnostic {
    Diagnostic::error("Invalid index").detail(format!(
        "The given key does not identify an element in this collection value{extra}."
    ))
}

/// `value[key]`.
pub fn index(v: &Value, key: &Value) -> OpResult {
    let (inner, vm) = v.unmark();
    let (key, km) = key.unmark();
    let marked = vm || km;
    if inner.is_null() {
        return Err(Diagnostic::error("Attempt to index null value")
            .detail("This value is null, so it does not have any indices."));
    }
    if key.is_null() {
        return Err(
            Diagnostic::error("Invalid index").detail("Can't use a null value as an indexing key.")
        );
    }
    let out = match inner {
        Value::Unknown(t) => Value::Unknown(match t {
            Type::List(e) | Type::Map(e) => (**e).clone(),
            _ => Type::Dynamic,
        }),
        Value::List(..) | Value::Tuple(_) => {
            let items = inner.as_seq().unwrap_or(&[]);
            if !key.is_known() {
                return Ok(Value::unknown().mark_if(marked));
            }
            let n = convert(key, &Type::Number).map_err(|_| {
                Diagnostic::error("Invalid index")
                    .detail("The given key does not identify an element in this collection value: a number is required.")
            })?;
            let n = n.as_number().cloned().unwrap_or(Number::Int(0));
            if n.signum() < 0 {
                return Err(invalid_index(
                    ": a negative number is not a valid index for a sequence",
                ));
            }
            if !n.is_integer() {
                return Err(invalid_index(": indexes must be whole numbers"));
            }
            match n.to_i64().and_then(|i| usize::try_from(i).ok()).and_then(|i| items.get(i)) {
                Some(e) => e.clone(),
                None => return Err(invalid_index("")),
            }
        }
        Value::Map(_, attrs) | Value::Object(attrs) => {
            if !key.is_known() {
                return Ok(Value::unknown().mark_if(marked));
            }
            let k = convert(key, &Type::String).map_err(|_| {
                Diagnostic::error("Invalid index")
                    .detail("The given key does not identify an element in this collection value: string required.")
            })?;
            match attrs.get(k.as_str().unwrap_or_default()) {
                Some(e) => e.clone(),
                None => return Err(invalid_index("")),
            }
        }
        Value::Set(..) => {
            return Err(Diagnostic::error("Invalid index").detail(
                "Elements of a set are identified only by their value and don't have any separate index or key to select with, so it's only possible to perform operations across all elements of the set.",
            ))
        }
        _ => {
            return Err(Diagnostic::error("Invalid index")
                .detail("This value does not have any indices."))
        }
    };
    Ok(out.mark_if(marked))
}
