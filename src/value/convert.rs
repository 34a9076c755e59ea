//! Type conversion with cty's rules: the implicit conversions Terraform applies to variables,
//! function arguments and operands (`"1" + 1`, `tolist(...)`, `object({...})` constraints).

use super::{unify, Attrs, Number, Type, Value};
use std::fmt;
use std::sync::Arc;

/// A conversion failure with the path to the offending part, worded as Terraform words it:
/// `element "b": attribute "mac" is required`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvertError {
    pub path: Vec<String>,
    pub message: String,
}

impl ConvertError {
    fn new(message: impl Into<String>) -> ConvertError {
        ConvertError {
            path: Vec::new(),
            message: message.into(),
        }
    }
    fn at(mut self, step: String) -> ConvertError {
        self.path.insert(0, step);
        self
    }
}

impl fmt::Display for ConvertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for step in &self.path {
            write!(f, "{step}: ")?;
        }
        f.write_str(&self.message)
    }
}

fn required(target: &Type) -> ConvertError {
    ConvertError::new(match target {
        Type::Object(_) => "object required".to_string(),
        Type::Tuple(_) => "tuple required".to_string(),
        other => format!("{} required", other.friendly_name()),
    })
}

/// Converts `value` to `target`, keeping marks. Null and unknown convert to a null or unknown of
/// the target type.
pub fn convert(value: &Value, target: &Type) -> Result<Value, ConvertError> {
    if let Value::Sensitive(inner) = value {
        return convert(inner, target).map(Value::mark_sensitive);
    }
    match value {
        Value::Null(_) => {
            return Ok(if *target == Type::Dynamic {
                value.clone()
            } else {
                Value::Null(target.clone())
            })
        }
        Value::Unknown(t) => {
            return Ok(Value::Unknown(if *target == Type::Dynamic {
                t.clone()
            } else {
                target.clone()
            }))
        }
        _ => {}
    }
    match target {
        Type::Dynamic => Ok(value.clone()),
        Type::String => match value {
            Value::String(_) => Ok(value.clone()),
            Value::Number(n) => Ok(Value::string(n.to_string())),
            Value::Bool(b) => Ok(Value::string(if *b { "true" } else { "false" })),
            _ => Err(required(target)),
        },
        Type::Number => match value {
            Value::Number(_) => Ok(value.clone()),
            Value::String(s) => Number::parse(s)
                .map(Value::Number)
                .ok_or_else(|| ConvertError::new("a number is required")),
            _ => Err(required(target)),
        },
        Type::Bool => match value {
            Value::Bool(_) => Ok(value.clone()),
            Value::String(s) => match &**s {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                _ => Err(ConvertError::new("a bool is required")),
            },
            _ => Err(required(target)),
        },
        Type::List(elem) | Type::Set(elem) => {
            let items = match value {
                Value::List(..) | Value::Set(..) | Value::Tuple(_) => value.as_seq().unwrap_or(&[]),
                _ => return Err(required(target)),
            };
            let elems = convert_elements(items.iter().map(|v| (None, v)), elem)?;
            let elem_ty = element_type_of(elem, &elems);
            let elems: Vec<Value> = elems.into_iter().map(|(_, v)| v).collect();
            Ok(if matches!(target, Type::Set(_)) {
                Value::set(elem_ty, elems)
            } else {
                Value::list(elem_ty, elems)
            })
        }
        Type::Map(elem) => {
            let attrs = match value {
                Value::Map(_, a) | Value::Object(a) => a,
                _ => return Err(required(target)),
            };
            let elems = convert_elements(attrs.iter().map(|(k, v)| (Some(k), v)), elem)?;
            let elem_ty = element_type_of(elem, &elems);
            let out: Attrs = elems
                .into_iter()
                .map(|(k, v)| (k.cloned().unwrap_or_else(|| Arc::from("")), v))
                .collect();
            Ok(Value::map(elem_ty, out))
        }
        Type::Object(obj) => {
            let attrs = match value {
                Value::Map(_, a) | Value::Object(a) => a,
                _ => return Err(required(target)),
            };
            let mut out = Attrs::new();
            for (name, aty) in &obj.attrs {
                match attrs.get(name) {
                    Some(v) => {
                        let v = match (v.is_null(), obj.optional.get(name)) {
                            (true, Some(Some(default))) => default.0.clone(),
                            _ => v.clone(),
                        };
                        let c = convert(&v, aty)
                            .map_err(|e| e.at(format!("attribute {:?}", &**name)))?;
                        out.insert(name.clone(), c);
                    }
                    None => match obj.optional.get(name) {
                        Some(Some(default)) => {
                            let c = convert(&default.0, aty)
                                .map_err(|e| e.at(format!("attribute {:?}", &**name)))?;
                            out.insert(name.clone(), c);
                        }
                        Some(None) => {
                            out.insert(name.clone(), Value::Null(aty.clone()));
                        }
                        None => {
                            return Err(ConvertError::new(format!(
                                "attribute {:?} is required",
                                &**name
                            )))
                        }
                    },
                }
            }
            Ok(Value::object(out))
        }
        Type::Tuple(types) => {
            let items = match value {
                Value::List(..) | Value::Tuple(_) => value.as_seq().unwrap_or(&[]),
                _ => return Err(required(target)),
            };
            if items.len() != types.len() {
                return Err(ConvertError::new(format!(
                    "tuple required with exactly {} elements",
                    types.len()
                )));
            }
            let mut out = Vec::with_capacity(items.len());
            for (i, (v, t)) in items.iter().zip(types.iter()).enumerate() {
                out.push(convert(v, t).map_err(|e| e.at(format!("element {i}")))?);
            }
            Ok(Value::tuple(out))
        }
    }
}

/// Converts every element to `elem`; when `elem` is `any`, first finds the one type they
/// all convert to (cty's unification), as `tolist(["a", 1])` gives a list of string.
/// Converted elements with their map keys (none for sequences).
type KeyedElements<'a> = Vec<(Option<&'a Arc<str>>, Value)>;

fn convert_elements<'a>(
    items: impl Iterator<Item = (Option<&'a Arc<str>>, &'a Value)>,
    elem: &Type,
) -> Result<KeyedElements<'a>, ConvertError> {
    let items: Vec<_> = items.collect();
    let target = if elem.has_dynamic() {
        let types: Vec<Type> = items.iter().map(|(_, v)| v.ty()).collect();
        match unify(&types) {
            Some(t) => merge_dynamic(elem, &t),
            None => {
                return Err(ConvertError::new(
                    "all elements must have the same type".to_string(),
                ))
            }
        }
    } else {
        elem.clone()
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, (k, v)) in items.into_iter().enumerate() {
        let c = convert(v, &target).map_err(|e| {
            e.at(match k {
                Some(k) => format!("element {:?}", &**k),
                None => format!("element {i}"),
            })
        })?;
        out.push((k, c));
    }
    Ok(out)
}

/// Fills the `any` holes of a constraint with the concrete parts of a unified type.
fn merge_dynamic(constraint: &Type, concrete: &Type) -> Type {
    match (constraint, concrete) {
        (Type::Dynamic, c) => c.clone(),
        (Type::List(a), Type::List(b)) => Type::list(merge_dynamic(a, b)),
        (Type::Set(a), Type::Set(b)) => Type::set(merge_dynamic(a, b)),
        (Type::Map(a), Type::Map(b)) => Type::map(merge_dynamic(a, b)),
        _ => constraint.clone(),
    }
}

fn element_type_of(elem: &Type, elems: &[(Option<&Arc<str>>, Value)]) -> Type {
    if !elem.has_dynamic() {
        return elem.clone();
    }
    match elems.first() {
        Some((_, v)) => v.ty(),
        None => elem.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_numbers_convert_both_ways() {
        assert_eq!(
            convert(&Value::from("12"), &Type::Number)
                .unwrap()
                .to_string(),
            "12"
        );
        assert_eq!(
            convert(&Value::from("abc"), &Type::Number)
                .unwrap_err()
                .to_string(),
            "a number is required"
        );
        assert_eq!(
            convert(&Value::Bool(true), &Type::String)
                .unwrap()
                .to_string(),
            "\"true\""
        );
    }

    #[test]
    fn tuple_to_list_of_any_unifies_elements() {
        let t = Value::tuple(vec!["a".into(), Value::int(1)]);
        let l = convert(&t, &Type::list(Type::Dynamic)).unwrap();
        assert_eq!(l.ty(), Type::list(Type::String));
    }

    #[test]
    fn missing_object_attribute_names_the_path() {
        let ty = Type::map(Type::object(
            [(Arc::from("mac"), Type::String)].into_iter().collect(),
        ));
        let v = Value::object(
            [(Arc::from("b"), Value::empty_object())]
                .into_iter()
                .collect(),
        );
        assert_eq!(
            convert(&v, &ty).unwrap_err().to_string(),
            "element \"b\": attribute \"mac\" is required"
        );
    }
}
