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
    // bcmhcl has no ephemeral values, so nothing ever becomes null here.
    t.add(Function::new(
        "ephemeralasnull",
        vec![any()],
        Type::Dynamic,
        |_, a| Ok(a[0].clone()),
    ));
    register_assumptions(t);
}

/// OpenTofu 1.13's `assume*` functions: they return their first argument and tell the planner
/// what to assume while it is unknown; a known value that breaks the assumption is an error.
fn register_assumptions(t: &mut FuncTable) {
    let value = |ty: Type| Param::new("value", ty).allow_unknown().allow_marked();
    let num = |name: &'static str| Param::new(name, Type::Number);
    t.add(Function::new(
        "assumenotnull",
        vec![value(Type::Dynamic).allow_null()],
        Type::Dynamic,
        |_, a| {
            if a[0].is_null() {
                return Err(FuncError::arg(
                    0,
                    "value is null, but was assumed to be non-null",
                ));
            }
            Ok(a[0].clone())
        },
    ));
    t.add(Function::new(
        "assumeequal",
        vec![
            value(Type::Dynamic).allow_null(),
            Param::new("expected", Type::Dynamic).allow_null(),
        ],
        Type::Dynamic,
        |_, a| match a[0].equals(&a[1]) {
            Some(false) => Err(FuncError::arg(0, "value does not equal the assumed value")),
            _ => Ok(a[0].clone()),
        },
    ));
    t.add(Function::new(
        "assumestringprefix",
        vec![value(Type::String), Param::new("prefix", Type::String)],
        Type::String,
        |_, a| match (a[0].unmark().0.as_str(), a[1].as_str()) {
            (Some(s), Some(p)) if !s.starts_with(p) => Err(FuncError::arg(
                0,
                format!("value does not start with the assumed prefix {p:?}"),
            )),
            _ => Ok(a[0].clone()),
        },
    ));
    let families: [(Type, [&'static str; 3]); 3] = [
        (
            Type::list(Type::Dynamic),
            [
                "assumelistlength",
                "assumelistlengthmax",
                "assumelistlengthmin",
            ],
        ),
        (
            Type::set(Type::Dynamic),
            [
                "assumesetlength",
                "assumesetlengthmax",
                "assumesetlengthmin",
            ],
        ),
        (
            Type::map(Type::Dynamic),
            [
                "assumemaplength",
                "assumemaplengthmax",
                "assumemaplengthmin",
            ],
        ),
    ];
    for (ty, [exact, max, min]) in families {
        t.add(Function::new(
            exact,
            vec![value(ty.clone()), num("min"), num("max")],
            ty.clone(),
            |_, a| check_length(&a[0], Some(&a[1]), Some(&a[2])),
        ));
        t.add(Function::new(
            max,
            vec![value(ty.clone()), num("max")],
            ty.clone(),
            |_, a| check_length(&a[0], None, Some(&a[1])),
        ));
        t.add(Function::new(
            min,
            vec![value(ty.clone()), num("min")],
            ty,
            |_, a| check_length(&a[0], Some(&a[1]), None),
        ));
    }
}

/// A known collection whose length is outside the assumed bounds is an error.
fn check_length(v: &Value, min: Option<&Value>, max: Option<&Value>) -> FuncResult {
    let bound = |b: Option<&Value>| b.and_then(|b| b.as_number()).and_then(|n| n.to_i64());
    if let Some(len) = v.length() {
        let len = len as i64;
        if bound(min).is_some_and(|m| len < m) || bound(max).is_some_and(|m| len > m) {
            return Err(FuncError::arg(
                0,
                format!("the length {len} is outside the assumed range"),
            ));
        }
    }
    Ok(v.clone())
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
