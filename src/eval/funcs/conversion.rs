//! Type conversion and sensitivity functions: `tostring`, `tonumber`, `tobool`, `tolist`,
//! `toset`, `tomap`, `sensitive`, `nonsensitive`, `issensitive`.

use super::{FuncContext, FuncError, FuncResult, FuncTable, Function, Param};
use crate::value::{convert, Type, Value};

pub fn register(t: &mut FuncTable) {
    let to = |name: &'static str, ty: Type, imp: super::FuncImpl| {
        Function::new(
            name,
            vec![Param::new("v", Type::Dynamic)
                .allow_null()
                .allow_unknown()
                .allow_marked()],
            ty,
            imp,
        )
    };
    t.add(to("tostring", Type::String, |_, a| {
        to_type(&a[0], &Type::String)
    }));
    t.add(to("tonumber", Type::Number, |_, a| {
        to_type(&a[0], &Type::Number)
    }));
    t.add(to("tobool", Type::Bool, |_, a| to_type(&a[0], &Type::Bool)));
    t.add(to("tolist", Type::list(Type::Dynamic), |_, a| {
        to_type(&a[0], &Type::list(Type::Dynamic))
    }));
    t.add(to("toset", Type::set(Type::Dynamic), |_, a| {
        to_type(&a[0], &Type::set(Type::Dynamic))
    }));
    t.add(to("tomap", Type::map(Type::Dynamic), |_, a| {
        to_type(&a[0], &Type::map(Type::Dynamic))
    }));
    let any = || {
        Param::new("value", Type::Dynamic)
            .allow_null()
            .allow_unknown()
            .allow_marked()
    };
    t.add(Function::new(
        "sensitive",
        vec![any()],
        Type::Dynamic,
        |_, a| Ok(a[0].clone().mark_sensitive()),
    ));
    t.add(Function::new(
        "nonsensitive",
        vec![any()],
        Type::Dynamic,
        nonsensitive,
    ));
    t.add(Function::new(
        "issensitive",
        vec![any()],
        Type::Bool,
        |_, a| Ok(Value::Bool(a[0].is_sensitive())),
    ));
}

fn nonsensitive(_: &FuncContext, args: &[Value]) -> FuncResult {
    let v = &args[0];
    if !v.is_sensitive() && v.is_known() {
        return Err(FuncError::arg(
            0,
            "the given value is not sensitive, so this call is redundant",
        ));
    }
    Ok(v.unmark().0.clone())
}

/// `tostring(x)` and friends: cty's conversion, with the function's own error wording.
fn to_type(v: &Value, target: &Type) -> FuncResult {
    let (inner, sensitive) = v.unmark();
    match convert(inner, target) {
        Ok(c) => Ok(c.mark_if(sensitive)),
        Err(e) => {
            let what = match target {
                Type::Number | Type::Bool if sensitive && inner.as_str().is_some() => {
                    format!("cannot convert this sensitive string to {target}")
                }
                Type::Number if inner.as_str().is_some() => format!(
                    "cannot convert {} to number; given string must be a decimal representation of a number",
                    inner
                ),
                Type::Bool if inner.as_str().is_some() => format!(
                    "cannot convert {} to bool; only the strings \"true\" or \"false\" are allowed",
                    inner
                ),
                Type::String | Type::Number | Type::Bool => {
                    format!("cannot convert {} to {target}", kind_name(&inner.ty()))
                }
                _ => e.to_string(),
            };
            Err(FuncError::arg(0, what))
        }
    }
}

fn kind_name(t: &Type) -> &'static str {
    match t {
        Type::Dynamic => "dynamic",
        Type::Bool => "bool",
        Type::Number => "number",
        Type::String => "string",
        Type::List(_) => "list",
        Type::Set(_) => "set",
        Type::Map(_) => "map",
        Type::Object(_) => "object",
        Type::Tuple(_) => "tuple",
    }
}

#[cfg(test)]
mod tests {
    use super::super::call_builtin;
    use crate::value::Value;

    #[test]
    fn tostring_of_a_tuple_is_refused_as_terraform_words_it() {
        let e = call_builtin("tostring", &[Value::tuple(vec![])]).unwrap_err();
        assert_eq!(
            e.detail,
            "Invalid value for \"v\" parameter: cannot convert tuple to string."
        );
    }

    #[test]
    fn nonsensitive_of_a_plain_value_is_redundant() {
        assert!(call_builtin("nonsensitive", &[Value::int(1)]).is_err());
        let v = call_builtin("nonsensitive", &[Value::int(1).mark_sensitive()]).unwrap();
        assert!(!v.is_sensitive());
    }
}
