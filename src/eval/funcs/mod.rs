//! Terraform's built-in functions: the table, argument checking, and unknown/mark handling.
//!
//! Each function declares its parameters the way cty does (type, whether null, unknown or
//! sensitive arguments reach the implementation). `call` does what cty's `Function.Call` does
//! around the implementation: arity check, conversion of each argument to the parameter type,
//! a short-circuit to an unknown result when an argument is unknown, and the sensitive mark of
//! any argument carried over to the result. Implementations live in one file per family.

mod collection;
mod conversion;
mod crypto;
mod datetime;
mod encoding;
mod filesystem;
mod network;
mod numeric;
mod string;

use crate::value::{convert, Type, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

/// What a function may know about where it runs.
#[derive(Clone, Debug)]
pub struct FuncContext {
    /// `path.module`: where `file()` and friends resolve relative paths.
    pub base_dir: PathBuf,
    /// When false (validate, plan), impure functions such as `timestamp()` and `uuid()` return
    /// unknown values, as in Terraform; `terraform console` gives them real values.
    pub impure_known: bool,
}

impl Default for FuncContext {
    fn default() -> Self {
        FuncContext {
            base_dir: PathBuf::from("."),
            impure_known: false,
        }
    }
}

/// Why a function call failed.
#[derive(Debug, Clone, PartialEq)]
pub enum FuncError {
    /// An argument is unsuitable: "Invalid value for "{param}" parameter: {message}."
    Arg { index: usize, message: String },
    /// The call itself failed: "Call to function "{name}" failed: {message}."
    Call(String),
}

impl FuncError {
    pub fn arg(index: usize, message: impl Into<String>) -> FuncError {
        FuncError::Arg {
            index,
            message: message.into(),
        }
    }
    pub fn call(message: impl Into<String>) -> FuncError {
        FuncError::Call(message.into())
    }
}

pub type FuncResult = Result<Value, FuncError>;
pub type FuncImpl = fn(&FuncContext, &[Value]) -> FuncResult;

/// One declared parameter.
#[derive(Clone, Debug)]
pub struct Param {
    pub name: &'static str,
    pub ty: Type,
    pub allow_null: bool,
    pub allow_unknown: bool,
    pub allow_marked: bool,
}

impl Param {
    pub fn new(name: &'static str, ty: Type) -> Param {
        Param {
            name,
            ty,
            allow_null: false,
            allow_unknown: false,
            allow_marked: false,
        }
    }
    /// The implementation receives null arguments instead of the call failing.
    pub fn allow_null(mut self) -> Param {
        self.allow_null = true;
        self
    }
    /// The implementation receives unknown arguments instead of the result being unknown.
    pub fn allow_unknown(mut self) -> Param {
        self.allow_unknown = true;
        self
    }
    /// The implementation receives sensitive arguments still marked.
    pub fn allow_marked(mut self) -> Param {
        self.allow_marked = true;
        self
    }
}

/// A built-in function.
#[derive(Clone, Debug)]
pub struct Function {
    pub name: &'static str,
    pub params: Vec<Param>,
    pub variadic: Option<Param>,
    /// The result type when it does not depend on the arguments (`Dynamic` otherwise); used for
    /// unknown results.
    pub returns: Type,
    pub imp: FuncImpl,
    /// Impure functions (`timestamp`, `uuid`, `bcrypt`) are unknown until apply.
    pub impure: bool,
}

impl Function {
    pub fn new(name: &'static str, params: Vec<Param>, returns: Type, imp: FuncImpl) -> Function {
        Function {
            name,
            params,
            variadic: None,
            returns,
            imp,
            impure: false,
        }
    }
    pub fn variadic(mut self, p: Param) -> Function {
        self.variadic = Some(p);
        self
    }
    pub fn impure(mut self) -> Function {
        self.impure = true;
        self
    }

    fn param(&self, index: usize) -> Option<&Param> {
        self.params.get(index).or(self.variadic.as_ref())
    }
}

/// All built-in functions by name.
#[derive(Default)]
pub struct FuncTable {
    funcs: HashMap<&'static str, Function>,
}

impl FuncTable {
    pub fn add(&mut self, f: Function) {
        self.funcs.insert(f.name, f);
    }
    pub fn get(&self, name: &str) -> Option<&Function> {
        self.funcs.get(name)
    }
    pub fn names(&self) -> Vec<&'static str> {
        let mut v: Vec<_> = self.funcs.keys().copied().collect();
        v.sort_unstable();
        v
    }
}

/// The table of Terraform's built-in functions (built once).
pub fn builtins() -> &'static FuncTable {
    static TABLE: OnceLock<FuncTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = FuncTable::default();
        collection::register(&mut t);
        conversion::register(&mut t);
        crypto::register(&mut t);
        datetime::register(&mut t);
        encoding::register(&mut t);
        filesystem::register(&mut t);
        network::register(&mut t);
        numeric::register(&mut t);
        string::register(&mut t);
        t
    })
}

/// A failed call as the evaluator reports it (summary + detail, Terraform's wording).
#[derive(Debug, Clone, PartialEq)]
pub struct CallError {
    pub summary: &'static str,
    pub detail: String,
    /// The argument at fault, so the caller can point at it.
    pub arg_index: Option<usize>,
}

/// Calls `f` with `args` the way cty does (see the module docs).
pub fn call(f: &Function, ctx: &FuncContext, args: &[Value]) -> Result<Value, CallError> {
    let min = f.params.len();
    if args.len() < min {
        let missing = &f.params[args.len()];
        return Err(CallError {
            summary: "Not enough function arguments",
            detail: format!(
                "Function {:?} expects {} argument(s). Missing value for {:?}.",
                f.name,
                min + usize::from(f.variadic.is_some()),
                missing.name
            ),
            arg_index: None,
        });
    }
    if f.variadic.is_none() && args.len() > min {
        return Err(CallError {
            summary: "Too many function arguments",
            detail: format!("Function {:?} expects only {} argument(s).", f.name, min),
            arg_index: Some(min),
        });
    }
    let mut sensitive = false;
    let mut unknown = false;
    let mut converted = Vec::with_capacity(args.len());
    for (i, arg) in args.iter().enumerate() {
        let Some(p) = f.param(i) else { break };
        let mut v = arg.clone();
        if !p.allow_marked {
            let (inner, marked) = v.unmark();
            if marked {
                sensitive = true;
                v = inner.clone();
            }
        }
        if v.is_null() && !p.allow_null {
            return Err(invalid_arg(f, i, "argument must not be null"));
        }
        if !v.is_known() && !p.allow_unknown {
            unknown = true;
        }
        let v = match convert(&v, &p.ty) {
            Ok(v) => v,
            Err(e) => return Err(invalid_arg(f, i, &e.to_string())),
        };
        converted.push(v);
    }
    if unknown || (f.impure && !ctx.impure_known) {
        return Ok(Value::Unknown(f.returns.clone()).mark_if(sensitive));
    }
    match (f.imp)(ctx, &converted) {
        Ok(v) => Ok(v.mark_if(sensitive)),
        Err(FuncError::Arg { index, message }) => Err(invalid_arg(f, index, &message)),
        Err(FuncError::Call(message)) => Err(CallError {
            summary: "Error in function call",
            detail: format!("Call to function {:?} failed: {}.", f.name, message),
            arg_index: None,
        }),
    }
}

fn invalid_arg(f: &Function, index: usize, message: &str) -> CallError {
    let name = f.param(index).map_or("?", |p| p.name);
    CallError {
        summary: "Invalid function argument",
        detail: format!("Invalid value for {name:?} parameter: {message}."),
        arg_index: Some(index),
    }
}

/// Calls a built-in by name; for tests of the function families.
#[cfg(test)]
pub fn call_builtin(name: &str, args: &[Value]) -> Result<Value, CallError> {
    let f = builtins().get(name).expect("function exists");
    call(f, &FuncContext::default(), args)
}
