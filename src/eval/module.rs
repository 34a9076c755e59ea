//! Evaluating a module the way `terraform validate` and `terraform console` do: input variables
//! (with their sources' precedence, type constraints and validations), locals in dependency
//! order, outputs, preconditions and check assertions where their inputs are known.
//! Resources, data sources and module calls are "known after apply" here; the plan engine
//! supplies their values through `external`.

use super::funcs::{builtins, FuncContext};
use super::refs;
use super::scope::{Resolver, Scope};
use super::type_constraint::parse_type;
use super::Evaluator;
use crate::config::tfvars::Assigned;
use crate::config::{Condition, Expr, Module, ResourceMode};
use crate::diag::{Diagnostic, Diagnostics, SourceMap, Span};
use crate::value::{convert, Attrs, Type, Value};
use indexmap::IndexMap;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

/// Where a variable's value came from; later sources override earlier ones.
#[derive(Clone, Debug)]
pub enum InputValue {
    /// `-var name=text` or `TF_VAR_name=text`: a literal string for primitive types, an HCL
    /// expression otherwise (as Terraform parses them).
    Text { text: String, from_env: bool },
    /// An assignment in a variables file.
    Assigned(Assigned),
}

/// One input, in precedence order (the caller sorts: env, tfvars, auto.tfvars, -var/-var-file).
#[derive(Clone, Debug)]
pub struct RawInput {
    pub name: String,
    pub value: InputValue,
}

/// Settings of one evaluation.
#[derive(Clone, Debug)]
pub struct EvalOptions {
    /// The root module's directory: relative file paths resolve against it.
    pub path_root: PathBuf,
    /// `path.module` as Terraform shows it: `.` for the root module, `modules/x` for a child
    /// module called with `source = "./modules/x"`.
    pub path_module: String,
    pub path_cwd: PathBuf,
    pub workspace: String,
    /// Console mode: impure functions return real values.
    pub impure_known: bool,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            path_root: PathBuf::from("."),
            path_module: ".".into(),
            path_cwd: PathBuf::from("."),
            workspace: "default".into(),
            impure_known: false,
        }
    }
}

/// The values of a module after evaluation.
#[derive(Debug, Default)]
pub struct ModuleValues {
    pub variables: BTreeMap<String, Value>,
    pub locals: HashMap<String, Value>,
    pub outputs: IndexMap<String, Value>,
    pub path_module: String,
    pub path_root: String,
    pub path_cwd: String,
    pub workspace: String,
}

/// Resolves names in a module's scope.
pub struct ModuleScope<'a> {
    pub module: &'a Module,
    pub values: &'a ModuleValues,
    /// Values of resources, data sources and module calls when known (plan/apply).
    pub external: Option<&'a dyn Resolver>,
}

impl Resolver for ModuleScope<'_> {
    fn resolve(
        &self,
        root: &str,
        attrs: &[&str],
        span: Span,
    ) -> Result<(Value, usize), Diagnostic> {
        let first = attrs.first().copied();
        match root {
            "var" => {
                let Some(name) = first else {
                    return Err(invalid_reference("The \"var\" object must be followed by an attribute name.", span));
                };
                match self.values.variables.get(name) {
                    Some(v) => Ok((v.clone(), 1)),
                    None if self.module.variables.contains_key(name) => Ok((Value::unknown(), 1)),
                    None => Err(undeclared_variable(self.module, name, span)),
                }
            }
            "local" => {
                let Some(name) = first else {
                    return Err(invalid_reference("The \"local\" object must be followed by an attribute name.", span));
                };
                match self.values.locals.get(name) {
                    Some(v) => Ok((v.clone(), 1)),
                    None if self.module.locals.contains_key(name) => Ok((Value::unknown(), 1)),
                    None => Err(undeclared_local(self.module, name, span)),
                }
            }
            "path" => {
                let v = match first {
                    Some("module") => &self.values.path_module,
                    Some("root") => &self.values.path_root,
                    Some("cwd") => &self.values.path_cwd,
                    _ => {
                        return Err(invalid_reference(
                            "The \"path\" object has only the attributes \"module\", \"root\" and \"cwd\".",
                            span,
                        ))
                    }
                };
                Ok((Value::string(v.as_str()), 1))
            }
            "terraform" => match first {
                Some("workspace") => Ok((Value::string(self.values.workspace.as_str()), 1)),
                Some("applying") => Ok((Value::Bool(false), 1)),
                _ => Err(invalid_reference(
                    "The \"terraform\" object has only the attributes \"workspace\" and \"applying\".",
                    span,
                )),
            },
            "count" | "each" | "self" => Err(Diagnostic::error(format!("Reference to {root:?} in non-counted context"))
                .detail(match root {
                    "count" => "The \"count\" object can only be used in \"module\", \"resource\", and \"data\" blocks, and only when the \"count\" argument is set.".to_string(),
                    "each" => "The \"each\" object can be used only in \"module\" or \"resource\" blocks, and only when the \"for_each\" argument is set.".to_string(),
                    _ => "The \"self\" object can be used only in provisioner, connection and postcondition blocks.".to_string(),
                })
                .at(span)),
            _ => {
                if let Some(ext) = self.external {
                    return ext.resolve(root, attrs, span);
                }
                check_object_reference(self.module, root, attrs, span)?;
                let consumed = match root {
                    "data" => 2,
                    _ => 1,
                };
                Ok((Value::unknown(), consumed.min(attrs.len())))
            }
        }
    }
}

fn invalid_reference(detail: &str, span: Span) -> Diagnostic {
    Diagnostic::error("Invalid reference")
        .detail(detail)
        .at(span)
}

fn undeclared_variable(module: &Module, name: &str, span: Span) -> Diagnostic {
    let mut detail = format!("An input variable with the name {name:?} has not been declared.");
    match super::suggest(name, module.variables.keys().map(String::as_str)) {
        Some(s) => detail.push_str(&format!(" Did you mean {s:?}?")),
        None => detail.push_str(&format!(
            " This variable can be declared with a variable {name:?} {{}} block."
        )),
    }
    Diagnostic::error("Reference to undeclared input variable")
        .detail(detail)
        .at(span)
}

fn undeclared_local(module: &Module, name: &str, span: Span) -> Diagnostic {
    let mut detail = format!("A local value with the name {name:?} has not been declared.");
    if let Some(s) = super::suggest(name, module.locals.keys().map(String::as_str)) {
        detail.push_str(&format!(" Did you mean {s:?}?"));
    }
    Diagnostic::error("Reference to undeclared local value")
        .detail(detail)
        .at(span)
}

/// Checks that a `data.T.N`, `T.N` or `module.M` reference names something declared.
fn check_object_reference(
    module: &Module,
    root: &str,
    attrs: &[&str],
    span: Span,
) -> Result<(), Diagnostic> {
    match root {
        "module" => {
            let Some(name) = attrs.first() else {
                return Err(invalid_reference("The \"module\" object cannot be accessed directly. Instead, access one of its attributes.", span));
            };
            if !module.module_calls.contains_key(*name) {
                return Err(Diagnostic::error("Reference to undeclared module")
                    .detail(format!(
                        "No module call named {name:?} is declared in the root module."
                    ))
                    .at(span));
            }
        }
        "data" => {
            let (Some(t), Some(n)) = (attrs.first(), attrs.get(1)) else {
                return Err(invalid_reference("The \"data\" object must be followed by two attribute names: the data source type and the resource name.", span));
            };
            let declared = module.resource(ResourceMode::Data, t, n).is_some()
                || module
                    .checks
                    .values()
                    .any(|c| c.data.iter().any(|d| d.type_name == *t && d.name == *n));
            if !declared {
                return Err(Diagnostic::error("Reference to undeclared resource")
                    .detail(format!(
                        "A data resource {t:?} {n:?} has not been declared in the root module."
                    ))
                    .at(span));
            }
        }
        "action" => {}
        _ => {
            let Some(n) = attrs.first() else {
                return Err(invalid_reference("A reference to a resource type must be followed by at least one attribute access, specifying the resource name.", span));
            };
            if module.resource(ResourceMode::Managed, root, n).is_none() {
                return Err(Diagnostic::error("Reference to undeclared resource")
                    .detail(format!("A managed resource {root:?} {n:?} has not been declared in the root module."))
                    .at(span));
            }
        }
    }
    Ok(())
}

/// The evaluator for expressions of `module`'s files.
pub struct ModuleEvaluator<'a> {
    pub module: &'a Module,
    pub sources: &'a SourceMap,
    pub fctx: FuncContext,
}

impl<'a> ModuleEvaluator<'a> {
    pub fn new(
        module: &'a Module,
        sources: &'a SourceMap,
        opts: &EvalOptions,
    ) -> ModuleEvaluator<'a> {
        ModuleEvaluator {
            module,
            sources,
            // Relative paths in `file()` and friends resolve against the root module's
            // directory, as Terraform resolves them against its working directory (bcmhcl runs
            // a module directory the way `terraform -chdir=DIR` does).
            fctx: FuncContext {
                base_dir: opts.path_root.clone(),
                impure_known: opts.impure_known,
            },
        }
    }

    /// Evaluates one expression of the module in `scope`.
    pub fn eval(&self, e: &Expr, scope: &Scope) -> Result<Value, Diagnostic> {
        let text = &self.sources.file(e.file).text;
        Evaluator::new(builtins(), &self.fctx, e.file, text).eval(&e.expr, scope)
    }
}

/// The first steps of every evaluation: the static checks and the input variables.
fn checked_variables<'a>(
    module: &'a Module,
    sources: &'a SourceMap,
    inputs: &[RawInput],
    opts: &EvalOptions,
) -> (ModuleEvaluator<'a>, ModuleValues, Diagnostics) {
    let mut diags = Diagnostics::new();
    let ev = ModuleEvaluator::new(module, sources, opts);
    let mut values = ModuleValues {
        path_module: opts.path_module.clone(),
        path_root: ".".to_string(),
        path_cwd: opts.path_cwd.to_string_lossy().into_owned(),
        workspace: opts.workspace.clone(),
        ..ModuleValues::default()
    };
    static_checks(module, &mut diags);
    evaluate_variables(&ev, inputs, &mut values, &mut diags);
    (ev, values, diags)
}

/// Evaluates variables, locals, outputs and the conditions whose inputs are known.
pub fn evaluate_module(
    module: &Module,
    sources: &SourceMap,
    inputs: &[RawInput],
    opts: &EvalOptions,
) -> (ModuleValues, Diagnostics) {
    let (ev, mut values, mut diags) = checked_variables(module, sources, inputs, opts);
    if diags.has_errors() {
        // Expressions with undeclared names or unknown functions would only fail again.
        return (values, diags);
    }
    evaluate_locals(&ev, &mut values, &mut diags);
    check_validations(&ev, &values, &mut diags);
    evaluate_outputs(&ev, &mut values, &mut diags);
    check_resource_preconditions(&ev, &values, &mut diags);
    check_assertions(&ev, &values, &mut diags);
    (values, diags)
}

/// Variables only (with the static checks and the validations that need nothing else): the
/// first step of a plan, which evaluates everything else in dependency order itself.
pub fn evaluate_variables_only(
    module: &Module,
    sources: &SourceMap,
    inputs: &[RawInput],
    opts: &EvalOptions,
) -> (ModuleValues, Diagnostics) {
    let (ev, values, mut diags) = checked_variables(module, sources, inputs, opts);
    if !diags.has_errors() {
        check_validations(&ev, &values, &mut diags);
    }
    (values, diags)
}

/// Every expression of the module, with a description of where it sits.
fn module_expressions(module: &Module) -> Vec<Expr> {
    let mut out: Vec<Expr> = Vec::new();
    let conds = |cs: &[Condition], out: &mut Vec<Expr>| {
        for c in cs {
            out.push(c.condition.clone());
            out.extend(c.error_message.clone());
        }
    };
    for v in module.variables.values() {
        conds(&v.validations, &mut out);
    }
    out.extend(module.locals.values().map(|l| l.expr.clone()));
    for o in module.outputs.values() {
        out.extend(o.value.clone());
        conds(&o.preconditions, &mut out);
    }
    for r in module
        .resources
        .iter()
        .chain(module.checks.values().flat_map(|c| c.data.iter()))
    {
        out.extend(r.count.clone());
        out.extend(r.for_each.clone());
        conds(&r.lifecycle.preconditions, &mut out);
        body_expressions(&r.body, r.file, &mut out);
    }
    for c in module.checks.values() {
        conds(&c.asserts, &mut out);
    }
    for m in module.module_calls.values() {
        out.extend(m.inputs.values().cloned());
        out.extend(m.count.clone());
        out.extend(m.for_each.clone());
    }
    for p in &module.providers {
        body_expressions(&p.body, p.file, &mut out);
    }
    out
}

fn body_expressions(
    body: &hcl_edit::structure::Body,
    file: crate::diag::FileId,
    out: &mut Vec<Expr>,
) {
    for s in body.iter() {
        match s {
            hcl_edit::structure::Structure::Attribute(a) => {
                out.push(Expr::new(file, a.value.clone()))
            }
            hcl_edit::structure::Structure::Block(b) => {
                // `dynamic` blocks bind their own iterator; their content is checked by the engine.
                if b.ident.value().as_str() != "dynamic" {
                    body_expressions(&b.body, file, out);
                }
            }
        }
    }
}

/// Undeclared references and unknown functions anywhere in the module, reported up front as
/// `terraform validate` does.
fn static_checks(module: &Module, diags: &mut Diagnostics) {
    for e in module_expressions(module) {
        let found = refs::find(&e.expr, e.file);
        for r in &found.references {
            let attrs: Vec<&str> = r.attrs.iter().map(String::as_str).collect();
            let result = match r.root.as_str() {
                "var" => match attrs.first() {
                    Some(n) if !module.variables.contains_key(*n) => {
                        Err(undeclared_variable(module, n, r.span))
                    }
                    _ => Ok(()),
                },
                "local" => match attrs.first() {
                    Some(n) if !module.locals.contains_key(*n) => {
                        Err(undeclared_local(module, n, r.span))
                    }
                    _ => Ok(()),
                },
                "path" | "terraform" | "count" | "each" | "self" => Ok(()),
                root => check_object_reference(module, root, &attrs, r.span),
            };
            if let Err(d) = result {
                diags.push(d);
            }
        }
        for (name, span) in &found.calls {
            let known = builtins().get(name).is_some()
                || matches!(
                    name.as_str(),
                    "try" | "can" | "templatefile" | "templatestring" | "convert"
                )
                || name
                    .strip_prefix("core::")
                    .is_some_and(|n| builtins().get(n).is_some())
                || name.starts_with("provider::");
            if !known {
                diags.push(super::expr::unknown_function(builtins(), name, *span));
            }
        }
    }
}

fn evaluate_variables(
    ev: &ModuleEvaluator,
    inputs: &[RawInput],
    values: &mut ModuleValues,
    diags: &mut Diagnostics,
) {
    let no_names = super::NoNames;
    let constant_scope = Scope::new(&no_names);
    // The last assignment of each variable wins.
    let mut given: HashMap<&str, &InputValue> = HashMap::new();
    for input in inputs {
        if ev.module.variables.contains_key(&input.name) {
            given.insert(&input.name, &input.value);
            continue;
        }
        match &input.value {
            InputValue::Text { from_env: true, .. } => {}
            InputValue::Text { .. } => diags.push(
                Diagnostic::error("Value for undeclared variable").detail(format!(
                    "A variable named {:?} was assigned on the command line, but the root module does not declare a variable of that name. To use this value, add a \"variable\" block to the configuration.",
                    input.name
                )),
            ),
            InputValue::Assigned(a) => diags.push(
                Diagnostic::warning("Value for undeclared variable")
                    .detail(format!(
                        "The root module does not declare a variable named {:?} but a value was found in file {:?}. If you meant to use this value, add a \"variable\" block to the configuration.\n\nTo silence these warnings, use TF_VAR_... environment variables to provide certain \"global\" settings to all configurations in your organization. To reduce the verbosity of these warnings, use the -compact-warnings option.",
                        input.name,
                        ev.sources.file(a.span().file).name
                    ))
                    .at(a.span()),
            ),
        }
    }
    for (name, var) in &ev.module.variables {
        let ty = match &var.type_expr {
            Some(t) => match parse_type(t, ev.sources) {
                Ok(ty) => ty,
                Err(d) => {
                    diags.push(d);
                    values.variables.insert(name.clone(), Value::unknown());
                    continue;
                }
            },
            None => Type::Dynamic,
        };
        let declared_at = ev.sources.describe(var.span);
        let not_suitable = |e: String, span: Span| {
            Diagnostic::error("Invalid value for input variable")
                .detail(format!(
                    "The given value is not suitable for var.{name} declared at {declared_at}: {e}."
                ))
                .at(span)
        };
        let default = match &var.default {
            Some(d) => match ev.eval(d, &constant_scope) {
                Ok(v) => match convert(&v, &ty) {
                    Ok(v) => Some(v),
                    Err(e) => {
                        diags.push(
                            Diagnostic::error("Invalid default value for variable")
                                .detail(format!("This default value is not compatible with the variable's type constraint: {e}."))
                                .at(d.span()),
                        );
                        None
                    }
                },
                Err(d) => {
                    diags.push(d);
                    None
                }
            },
            None => None,
        };
        let raw = match given.get(name.as_str()) {
            Some(InputValue::Text { text, .. }) => {
                let span = var.span;
                // Terraform parses -var and TF_VAR_ values as literal strings unless the
                // type constraint is a collection or structure.
                if ty.is_primitive() || ty == Type::Dynamic {
                    Some((Value::string(text.as_str()), span))
                } else {
                    match super::eval_str(text, &no_names, &ev.fctx, crate::diag::FileId(0)) {
                        Ok(v) => Some((v, span)),
                        Err(mut d) => {
                            d.span = Some(span);
                            d.detail = format!(
                                "The value given for var.{name} is not a valid expression: {}",
                                d.detail
                            );
                            diags.push(d);
                            None
                        }
                    }
                }
            }
            Some(InputValue::Assigned(Assigned::Expr(e))) => match ev.eval(e, &constant_scope) {
                Ok(v) => Some((v, e.span())),
                Err(d) => {
                    diags.push(d);
                    None
                }
            },
            Some(InputValue::Assigned(Assigned::Value(v, span))) => Some((v.clone(), *span)),
            None => None,
        };
        let value = match raw {
            Some((v, span)) => match convert(&v, &ty) {
                Ok(v) if v.is_null() && !var.nullable => match &default {
                    Some(d) => d.clone(),
                    None => {
                        diags.push(not_suitable(
                            "required variable may not be set to null".into(),
                            span,
                        ));
                        Value::unknown()
                    }
                },
                Ok(v) => v,
                Err(e) => {
                    diags.push(not_suitable(e.to_string(), span));
                    Value::unknown()
                }
            },
            None => match &default {
                Some(d) => d.clone(),
                None if var.default.is_some() => Value::unknown(),
                None => {
                    diags.push(
                        Diagnostic::error("No value for required variable")
                            .detail(format!(
                                "The root module input variable {name:?} is not set, and has no default value. Use a -var or -var-file command line argument to provide a value for this variable."
                            ))
                            .at(var.span),
                    );
                    Value::unknown()
                }
            },
        };
        values
            .variables
            .insert(name.clone(), value.mark_if(var.sensitive));
    }
}

fn evaluate_locals(ev: &ModuleEvaluator, values: &mut ModuleValues, diags: &mut Diagnostics) {
    let order = match super::locals_order::order(ev.module) {
        Ok(o) => o,
        Err(d) => {
            diags.push(d);
            for name in ev.module.locals.keys() {
                values.locals.insert(name.clone(), Value::unknown());
            }
            return;
        }
    };
    for name in order {
        let local = &ev.module.locals[&name];
        let result = {
            let resolver = ModuleScope {
                module: ev.module,
                values,
                external: None,
            };
            ev.eval(&local.expr, &Scope::new(&resolver))
        };
        let v = match result {
            Ok(v) => v,
            Err(d) => {
                diags.push(d.context("locals"));
                // Dependents see an unknown value instead of reporting the same failure again.
                Value::unknown()
            }
        };
        values.locals.insert(name, v);
    }
}

/// Evaluates one condition; `Some(message)` when it is known to be false.
fn failed_condition(
    ev: &ModuleEvaluator,
    c: &Condition,
    scope: &Scope,
    diags: &mut Diagnostics,
    what: &str,
) -> Option<String> {
    let v = match ev.eval(&c.condition, scope) {
        Ok(v) => v,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let (v, _) = v.unmark();
    if !v.is_known() {
        return None;
    }
    if v.is_null() {
        diags.push(
            Diagnostic::error(format!("Invalid {what} result"))
                .detail("Condition expression must return either true or false, not null.")
                .at(c.condition.span()),
        );
        return None;
    }
    match convert(v, &Type::Bool).ok().and_then(|b| b.as_bool()) {
        Some(true) => None,
        Some(false) => Some(match &c.error_message {
            Some(m) => match ev.eval(m, scope) {
                Ok(msg) => match msg.unmark() {
                    (_, true) => {
                        "The error message included a sensitive value, so it will not be displayed."
                            .into()
                    }
                    (m, false) if m.is_known() => {
                        m.as_str().map_or_else(|| m.to_string(), str::to_string)
                    }
                    _ => "The error message could not be determined yet.".into(),
                },
                Err(d) => {
                    diags.push(d);
                    "The error message could not be evaluated.".into()
                }
            },
            None => "The condition evaluated to false.".into(),
        }),
        None => {
            diags.push(
                Diagnostic::error(format!("Invalid {what} result"))
                    .detail("Invalid condition result value: a bool is required.")
                    .at(c.condition.span()),
            );
            None
        }
    }
}

fn check_validations(ev: &ModuleEvaluator, values: &ModuleValues, diags: &mut Diagnostics) {
    let resolver = ModuleScope {
        module: ev.module,
        values,
        external: None,
    };
    let scope = Scope::new(&resolver);
    for (name, var) in &ev.module.variables {
        if values
            .variables
            .get(name)
            .is_some_and(|v| !v.is_wholly_known())
        {
            continue;
        }
        for rule in &var.validations {
            if let Some(message) = failed_condition(ev, rule, &scope, diags, "variable validation")
            {
                diags.push(
                    Diagnostic::error("Invalid value for variable")
                        .detail(format!(
                            "{message}\n\nThis was checked by the validation rule at {}.",
                            ev.sources.describe(rule.span)
                        ))
                        .at(var.span)
                        .address(format!("var.{name}")),
                );
            }
        }
    }
}

fn evaluate_outputs(ev: &ModuleEvaluator, values: &mut ModuleValues, diags: &mut Diagnostics) {
    let mut outputs = IndexMap::new();
    {
        let resolver = ModuleScope {
            module: ev.module,
            values,
            external: None,
        };
        let scope = Scope::new(&resolver);
        for (name, out) in &ev.module.outputs {
            let context = format!("output {name:?}");
            for c in &out.preconditions {
                if let Some(message) = failed_condition(ev, c, &scope, diags, "precondition") {
                    diags.push(
                        Diagnostic::error("Module output value precondition failed")
                            .detail(message)
                            .at(c.condition.span())
                            .context(context.clone()),
                    );
                }
            }
            let Some(e) = &out.value else { continue };
            match ev.eval(e, &scope) {
                Ok(v) => {
                    if v.contains_sensitive() && !out.sensitive {
                        diags.push(
                            Diagnostic::error("Output refers to sensitive values")
                                .detail("To reduce the risk of accidentally exporting sensitive data that was intended to be only internal, Terraform requires that any root module output containing sensitive data be explicitly marked as sensitive, to confirm your intent.\n\nIf you do intend to export this data, annotate the output value as sensitive by adding the following argument:\n    sensitive = true")
                                .at(out.span)
                                .context(context.clone()),
                        );
                    }
                    outputs.insert(name.clone(), v.mark_if(out.sensitive));
                }
                Err(d) => diags.push(d.context(context.clone())),
            }
        }
    }
    values.outputs = outputs;
}

/// The instance bindings (`count`, `each`) of a block whose repetition is known.
fn instances(
    ev: &ModuleEvaluator,
    count: Option<&Expr>,
    for_each: Option<&Expr>,
    scope: &Scope,
) -> Option<Vec<(&'static str, Value)>> {
    if let Some(c) = count {
        let v = ev.eval(c, scope).ok()?;
        let n = v.as_number()?.to_i64()?;
        return Some(
            (0..n.clamp(0, 100_000))
                .map(|i| {
                    (
                        "count",
                        Value::object([("index".into(), Value::int(i))].into_iter().collect()),
                    )
                })
                .collect(),
        );
    }
    if let Some(f) = for_each {
        let v = ev.eval(f, scope).ok()?;
        if !v.is_wholly_known() {
            return None;
        }
        let items: Vec<(Value, Value)> = match v.unmark().0 {
            Value::Map(_, a) | Value::Object(a) => a
                .iter()
                .map(|(k, v)| (Value::String(k.clone()), v.clone()))
                .collect(),
            Value::Set(_, s) => s.iter().map(|e| (e.clone(), e.clone())).collect(),
            _ => return None,
        };
        return Some(
            items
                .into_iter()
                .map(|(k, v)| {
                    let each: Attrs = [("key".into(), k), ("value".into(), v)]
                        .into_iter()
                        .collect();
                    ("each", Value::object(each))
                })
                .collect(),
        );
    }
    Some(vec![("", Value::NULL)])
}

fn check_resource_preconditions(
    ev: &ModuleEvaluator,
    values: &ModuleValues,
    diags: &mut Diagnostics,
) {
    let resolver = ModuleScope {
        module: ev.module,
        values,
        external: None,
    };
    let scope = Scope::new(&resolver);
    for r in &ev.module.resources {
        if r.lifecycle.preconditions.is_empty() {
            continue;
        }
        let Some(list) = instances(ev, r.count.as_ref(), r.for_each.as_ref(), &scope) else {
            continue;
        };
        for (binding, value) in list {
            let bound;
            let inner = if binding.is_empty() {
                &scope
            } else {
                bound = scope.bind(binding, value);
                &bound
            };
            for c in &r.lifecycle.preconditions {
                // A message that needs what only the plan walk knows (data sources, possibly
                // from -inventory) is left to the walk, which reports the failure with it.
                if c.error_message
                    .as_ref()
                    .and_then(|m| ev.eval(m, inner).ok())
                    .is_some_and(|m| !m.is_wholly_known())
                {
                    continue;
                }
                if let Some(message) = failed_condition(ev, c, inner, diags, "precondition") {
                    diags.push(
                        Diagnostic::error("Resource precondition failed")
                            .detail(message)
                            .at(c.condition.span())
                            .address(r.address()),
                    );
                }
            }
        }
    }
}

fn check_assertions(ev: &ModuleEvaluator, values: &ModuleValues, diags: &mut Diagnostics) {
    let resolver = ModuleScope {
        module: ev.module,
        values,
        external: None,
    };
    let scope = Scope::new(&resolver);
    for check in ev.module.checks.values() {
        for a in &check.asserts {
            let mut inner = Diagnostics::new();
            if let Some(message) = failed_condition(ev, a, &scope, &mut inner, "check assertion") {
                diags.push(
                    Diagnostic::warning("Check block assertion failed")
                        .detail(message)
                        .at(a.condition.span())
                        .address(format!("check.{}", check.name)),
                );
            }
            // Errors inside check blocks are warnings, as in Terraform.
            for mut d in inner.0 {
                d.severity = crate::diag::Severity::Warning;
                diags.push(d);
            }
        }
    }
}
