//! Type constraints as written in `variable { type = ... }`: `string`, `list(object({...}))`,
//! `optional(T, default)`, `tuple([...])`, `any`, and the legacy quoted forms.

use super::funcs::{builtins, FuncContext};
use super::{Evaluator, NoNames, Scope};
use crate::config::Expr;
use crate::diag::{Diagnostic, FileId, SourceMap, Span};
use crate::value::{convert, ObjectType, OrdValue, Type};
use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::Span as _;
use std::sync::Arc;

/// Parses a type constraint expression.
pub fn parse_type(e: &Expr, sources: &SourceMap) -> Result<Type, Diagnostic> {
    parse_type_in(&e.expr, e.file, &sources.file(e.file).text)
}

/// Parses a type constraint written in `source` (file `file`), e.g. `convert()`'s argument.
pub fn parse_type_in(expr: &Expression, file: FileId, source: &str) -> Result<Type, Diagnostic> {
    let p = Parser { file, source };
    p.parse(expr, false)
}

struct Parser<'a> {
    file: FileId,
    source: &'a str,
}

impl Parser<'_> {
    fn span(&self, node: &Expression) -> Span {
        Span::new(self.file, node.span().unwrap_or(0..0))
    }

    fn invalid(&self, node: &Expression, detail: impl Into<String>) -> Diagnostic {
        Diagnostic::error("Invalid type specification")
            .detail(detail)
            .at(self.span(node))
    }

    fn parse(&self, node: &Expression, in_object: bool) -> Result<Type, Diagnostic> {
        match node {
            Expression::Variable(v) => match v.value().as_str() {
                "string" => Ok(Type::String),
                "number" => Ok(Type::Number),
                "bool" => Ok(Type::Bool),
                "any" => Ok(Type::Dynamic),
                kw @ ("list" | "map" | "set") => Err(self.invalid(
                    node,
                    format!("The {kw} type constructor requires one argument specifying the element type."),
                )),
                "object" => Err(self.invalid(node, "The object type constructor requires one argument specifying the attribute types as a map.")),
                "tuple" => Err(self.invalid(node, "The tuple type constructor requires one argument specifying the element types as a list.")),
                other => Err(self.invalid(
                    node,
                    format!("The keyword {other:?} is not a valid type specification."),
                )),
            },
            // Terraform 0.11's quoted type names, still accepted.
            Expression::String(s) => match s.value().as_str() {
                "string" => Ok(Type::String),
                "list" => Ok(Type::list(Type::Dynamic)),
                "map" => Ok(Type::map(Type::Dynamic)),
                other => Err(self.invalid(node, format!("Invalid legacy variable type hint {other:?}."))),
            },
            Expression::Parenthesis(p) => self.parse(p.inner(), in_object),
            Expression::FuncCall(call) => {
                let name = call.name.name.value().as_str();
                let args: Vec<&Expression> = call.args.iter().collect();
                let one = |what: &str| -> Result<&Expression, Diagnostic> {
                    if args.len() == 1 {
                        Ok(args[0])
                    } else {
                        Err(self.invalid(
                            node,
                            format!("The {name} type constructor requires one argument specifying {what}."),
                        ))
                    }
                };
                match name {
                    "list" => Ok(Type::list(self.parse(one("the element type")?, false)?)),
                    "set" => Ok(Type::set(self.parse(one("the element type")?, false)?)),
                    "map" => Ok(Type::map(self.parse(one("the element type")?, false)?)),
                    "tuple" => {
                        let arg = one("the element types as a list")?;
                        let Expression::Array(items) = arg else {
                            return Err(self.invalid(arg, "Tuple type constructor requires a list of element types."));
                        };
                        let elems = items
                            .iter()
                            .map(|i| self.parse(i, false))
                            .collect::<Result<Vec<_>, _>>()?;
                        Ok(Type::tuple(elems))
                    }
                    "object" => self.object(one("the attribute types as a map")?),
                    "optional" => {
                        if !in_object {
                            return Err(self.invalid(node, "Keyword \"optional\" is valid only as a modifier for object type attributes."));
                        }
                        Err(self.invalid(node, "optional() must be used directly as an object attribute type."))
                    }
                    other => Err(self.invalid(
                        node,
                        format!("Keyword {other:?} is not a valid type constructor."),
                    )),
                }
            }
            _ => Err(self.invalid(node, "A type specification is either a primitive type keyword (bool, number, string) or a complex type constructor call, like list(string).")),
        }
    }

    fn object(&self, arg: &Expression) -> Result<Type, Diagnostic> {
        let Expression::Object(obj) = arg else {
            return Err(self.invalid(arg, "Object type constructor requires a map whose keys are attribute names and whose values are the corresponding attribute types."));
        };
        let mut o = ObjectType::default();
        for (k, v) in obj.iter() {
            let name: Arc<str> = match k {
                ObjectKey::Ident(i) => Arc::from(i.value().as_str()),
                ObjectKey::Expression(Expression::String(s)) => Arc::from(s.value().as_str()),
                ObjectKey::Expression(e) => {
                    return Err(
                        self.invalid(e, "Object constructor map keys must be attribute names.")
                    )
                }
            };
            let value = v.expr();
            if let Expression::FuncCall(call) = value {
                if call.name.name.value().as_str() == "optional" {
                    let args: Vec<&Expression> = call.args.iter().collect();
                    if args.is_empty() || args.len() > 2 {
                        return Err(self.invalid(value, "Optional attribute modifier requires the attribute type as its first argument and an optional default value as its second argument."));
                    }
                    let ty = self.parse(args[0], false)?;
                    let default = match args.get(1) {
                        Some(d) => {
                            let fctx = FuncContext::default();
                            let ev = Evaluator::new(builtins(), &fctx, self.file, self.source);
                            let raw = ev.eval(d, &Scope::new(&NoNames))?;
                            let conv = convert(&raw, &ty).map_err(|e| {
                                Diagnostic::error("Invalid default value for optional attribute")
                                    .detail(format!("This default value is not compatible with the attribute's type constraint: {e}."))
                                    .at(self.span(d))
                            })?;
                            Some(OrdValue(conv))
                        }
                        None => None,
                    };
                    o.attrs.insert(name.clone(), ty);
                    o.optional.insert(name, default);
                    continue;
                }
            }
            o.attrs.insert(name, self.parse(value, true)?);
        }
        Ok(Type::Object(Arc::new(o)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    fn ty(src: &str) -> Result<Type, Diagnostic> {
        let mut sources = SourceMap::new();
        let id = sources.add("t.tf", "t.tf".into(), Arc::from(src));
        let e = hcl_edit::parser::parse_expr(src).unwrap();
        parse_type(&Expr::new(id, e), &sources)
    }

    #[test]
    fn nested_constraints_parse() {
        assert_eq!(
            ty("list(map(string))").unwrap().to_string(),
            "list(map(string))"
        );
        assert_eq!(
            ty("tuple([string, number])").unwrap().to_string(),
            "tuple([string, number])"
        );
        assert_eq!(ty("\"list\"").unwrap(), Type::list(Type::Dynamic));
        assert_eq!(
            ty("object({ a = string, b = optional(number, 2) })")
                .unwrap()
                .to_string(),
            "object({a=string, b=optional(number)})"
        );
    }

    #[test]
    fn bad_constraints_are_explained() {
        assert_eq!(
            ty("strin").unwrap_err().detail,
            "The keyword \"strin\" is not a valid type specification."
        );
        assert!(ty("list")
            .unwrap_err()
            .detail
            .contains("requires one argument"));
        assert!(ty("optional(string)")
            .unwrap_err()
            .detail
            .contains("only as a modifier"));
        assert!(ty("object({ a = optional(number, \"x\") })").is_err());
    }

    #[test]
    fn optional_defaults_fill_missing_and_null_attributes() {
        let t =
            ty("object({ a = string, b = optional(number, 2), c = optional(string) })").unwrap();
        let v = Value::object([("a".into(), Value::from("x"))].into_iter().collect());
        let out = convert(&v, &t).unwrap();
        assert_eq!(
            out.to_string(),
            "{\n  \"a\" = \"x\"\n  \"b\" = 2\n  \"c\" = null\n}"
        );
        let missing = Value::object([("b".into(), Value::int(1))].into_iter().collect());
        assert_eq!(
            convert(&missing, &t).unwrap_err().to_string(),
            "attribute \"a\" is required"
        );
    }
}
