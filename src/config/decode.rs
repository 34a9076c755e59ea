//! Decoding of a file's body into the module's typed blocks, with Terraform's static checks.

use super::*;
use crate::diag::{Diagnostic, Diagnostics, FileId, SourceMap, Span};
use hcl_edit::structure::{Attribute, Block, Structure};

/// Names a variable may not have because they mean something in `module` blocks.
const RESERVED_VARIABLE_NAMES: &[&str] = &[
    "source",
    "version",
    "providers",
    "count",
    "for_each",
    "lifecycle",
    "depends_on",
    "locals",
];

struct Ctx<'a> {
    file: FileId,
    sources: &'a SourceMap,
    diags: &'a mut Diagnostics,
}

impl Ctx<'_> {
    fn span(&self, node: &impl hcl_edit::Span) -> Span {
        Span::new(self.file, node.span().unwrap_or(0..0))
    }

    /// `variable "name"`: from the block type to the end of the last label.
    fn header_span(&self, b: &Block) -> Span {
        let start = self.span(&b.ident);
        match b.labels.last() {
            Some(l) => start.to(self.label_span(l)),
            None => start,
        }
    }

    fn label_span(&self, l: &hcl_edit::structure::BlockLabel) -> Span {
        match l {
            hcl_edit::structure::BlockLabel::Ident(i) => self.span(i),
            hcl_edit::structure::BlockLabel::String(s) => self.span(s),
        }
    }

    fn expr(&self, a: &Attribute) -> Expr {
        Expr::new(self.file, a.value.clone())
    }

    fn error(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn describe(&self, span: Span) -> String {
        self.sources.describe(span)
    }

    /// Checks the labels; false (after reporting) when the count is wrong.
    fn labels(&mut self, b: &Block, names: &[&str]) -> bool {
        let kind = b.ident.value().as_str();
        if b.labels.len() < names.len() {
            let missing = names[b.labels.len()];
            self.error(
                Diagnostic::error(format!("Missing {missing} for {kind}"))
                    .detail(format!(
                        "All {kind} blocks must have {} labels ({}).",
                        names.len(),
                        names.join(", ")
                    ))
                    .at(self.header_span(b))
                    .context(kind.to_string()),
            );
            return false;
        }
        if b.labels.len() > names.len() {
            let extra = &b.labels[names.len()];
            let detail = if names.is_empty() {
                format!("No labels are expected for {kind} blocks.")
            } else {
                format!(
                    "Only {} labels ({}) are expected for {kind} blocks.",
                    names.len(),
                    names.join(", ")
                )
            };
            self.error(
                Diagnostic::error(format!("Extraneous label for {kind}"))
                    .detail(detail)
                    .at(self.label_span(extra)),
            );
            return false;
        }
        true
    }

    fn unsupported_argument(&mut self, a: &Attribute, context: &str) {
        self.error(
            Diagnostic::error("Unsupported argument")
                .detail(format!(
                    "An argument named {:?} is not expected here.",
                    a.key.value().as_str()
                ))
                .at(self.span(&a.key))
                .context(context.to_string()),
        );
    }

    fn unsupported_block(&mut self, b: &Block, context: &str) {
        self.error(
            Diagnostic::error("Unsupported block type")
                .detail(format!(
                    "Blocks of type {:?} are not expected here.",
                    b.ident.value().as_str()
                ))
                .at(self.span(&b.ident)),
        );
        if !context.is_empty() {
            if let Some(d) = self.diags.0.last_mut() {
                d.context = Some(context.to_string());
            }
        }
    }

    /// A literal string argument (Terraform requires these to be static).
    fn literal_string(&mut self, a: &Attribute, context: &str) -> Option<String> {
        match static_string(&a.value) {
            Some(s) => Some(s),
            None => {
                self.error(
                    Diagnostic::error("Invalid expression")
                        .detail("A static string value is required here; variables and function calls are not allowed.")
                        .at(self.span(&a.value))
                        .context(context.to_string()),
                );
                None
            }
        }
    }

    fn literal_bool(&mut self, a: &Attribute, context: &str) -> bool {
        match &a.value {
            Expression::Bool(b) => *b.value(),
            _ => {
                self.error(
                    Diagnostic::error("Invalid expression")
                        .detail("A static boolean value (true or false) is required here.")
                        .at(self.span(&a.value))
                        .context(context.to_string()),
                );
                false
            }
        }
    }

    fn condition(&mut self, b: &Block, context: &str) -> Option<Condition> {
        self.labels(b, &[]);
        let mut condition = None;
        let mut error_message = None;
        for s in b.body.iter() {
            match s {
                Structure::Attribute(a) => match a.key.value().as_str() {
                    "condition" => condition = Some(self.expr(a)),
                    "error_message" => error_message = Some(self.expr(a)),
                    _ => self.unsupported_argument(a, context),
                },
                Structure::Block(inner) => self.unsupported_block(inner, context),
            }
        }
        let span = self.header_span(b);
        match condition {
            Some(condition) => {
                if error_message.is_none() && b.ident.value().as_str() == "validation" {
                    self.error(missing_argument("error_message", span, context));
                }
                Some(Condition {
                    condition,
                    error_message,
                    span,
                })
            }
            None => {
                self.error(missing_argument("condition", span, context));
                None
            }
        }
    }

    fn depends_on(&mut self, a: &Attribute, context: &str) -> Vec<Expr> {
        match &a.value {
            Expression::Array(items) => items
                .iter()
                .map(|e| Expr::new(self.file, e.clone()))
                .collect(),
            _ => {
                self.error(
                    Diagnostic::error("Invalid expression")
                        .detail("A static list expression is required.")
                        .at(self.span(&a.value))
                        .context(context.to_string()),
                );
                Vec::new()
            }
        }
    }
}

fn missing_argument(name: &str, span: Span, context: &str) -> Diagnostic {
    Diagnostic::error("Missing required argument")
        .detail(format!(
            "The argument {name:?} is required, but no definition was found."
        ))
        .at(span)
        .context(context.to_string())
}

/// The string of a literal or a template without interpolations.
pub(crate) fn static_string(e: &Expression) -> Option<String> {
    match e {
        Expression::String(s) => Some(s.value().to_string()),
        Expression::StringTemplate(t) => literal_template(t.iter()),
        // hcl-edit has already stripped a `<<-` heredoc's indentation.
        Expression::HeredocTemplate(h) => literal_template(h.template.iter()),
        _ => None,
    }
}

/// The text of a template made of literals only (no interpolation or directive).
fn literal_template<'a>(
    elements: impl Iterator<Item = &'a hcl_edit::template::Element>,
) -> Option<String> {
    let mut out = String::new();
    for el in elements {
        out.push_str(el.as_literal()?.value());
    }
    Some(out)
}

fn label(b: &Block, i: usize) -> String {
    b.labels
        .get(i)
        .map(|l| l.as_str().to_string())
        .unwrap_or_default()
}

/// Decodes the top-level blocks of one file into `module`.
pub fn decode_file(
    module: &mut Module,
    body: Body,
    file: FileId,
    sources: &SourceMap,
    diags: &mut Diagnostics,
) {
    let mut cx = Ctx {
        file,
        sources,
        diags,
    };
    for s in body.into_iter() {
        match s {
            Structure::Attribute(a) => {
                cx.error(
                    Diagnostic::error("Unsupported argument")
                        .detail(format!(
                            "An argument named {:?} is not expected here.",
                            a.key.value().as_str()
                        ))
                        .at(cx.span(&a.key)),
                );
            }
            Structure::Block(b) => match b.ident.value().as_str() {
                "terraform" => decode_terraform(&mut cx, module, &b),
                "variable" => decode_variable(&mut cx, module, &b),
                "locals" => decode_locals(&mut cx, module, &b),
                "output" => decode_output(&mut cx, module, &b),
                "resource" => {
                    if let Some(r) = decode_resource(&mut cx, &b, ResourceMode::Managed) {
                        add_resource(&mut cx, module, r);
                    }
                }
                "data" => {
                    if let Some(r) = decode_resource(&mut cx, &b, ResourceMode::Data) {
                        add_resource(&mut cx, module, r);
                    }
                }
                "module" => decode_module_call(&mut cx, module, &b),
                "provider" => decode_provider(&mut cx, module, &b),
                "check" => decode_check(&mut cx, module, &b),
                "action" => decode_action(&mut cx, module, &b),
                "import" | "moved" | "removed" => decode_structural(&mut cx, module, &b),
                _ => cx.unsupported_block(&b, ""),
            },
        }
    }
}

fn decode_terraform(cx: &mut Ctx, module: &mut Module, b: &Block) {
    cx.labels(b, &[]);
    let context = "terraform";
    for s in b.body.iter() {
        match s {
            Structure::Attribute(a) => match a.key.value().as_str() {
                "required_version" => {
                    if let Some(v) = cx.literal_string(a, context) {
                        module.terraform.required_version = Some((v, cx.span(&a.value)));
                    }
                }
                "experiments" => {
                    if let Expression::Array(items) = &a.value {
                        for i in items.iter() {
                            if let Expression::Variable(v) = i {
                                module.terraform.experiments.push(v.value().to_string());
                            }
                        }
                    }
                }
                "language" => {}
                _ => cx.unsupported_argument(a, context),
            },
            Structure::Block(inner) => match inner.ident.value().as_str() {
                "required_providers" => {
                    for s in inner.body.iter() {
                        if let Structure::Attribute(a) = s {
                            let mut req = RequiredProvider::default();
                            match &a.value {
                                Expression::Object(obj) => {
                                    for (k, v) in obj.iter() {
                                        let key = match k {
                                            hcl_edit::expr::ObjectKey::Ident(i) => {
                                                i.value().to_string()
                                            }
                                            hcl_edit::expr::ObjectKey::Expression(e) => {
                                                static_string(e).unwrap_or_default()
                                            }
                                        };
                                        let val = static_string(v.expr());
                                        match key.as_str() {
                                            "source" => req.source = val,
                                            "version" => req.version = val,
                                            _ => {}
                                        }
                                    }
                                }
                                other => req.version = static_string(other),
                            }
                            module
                                .terraform
                                .required_providers
                                .insert(a.key.value().to_string(), req);
                        }
                    }
                }
                "backend" => {
                    if cx.labels(inner, &["type"]) {
                        module.terraform.backend = Some((
                            label(inner, 0),
                            cx.header_span(inner),
                            Arc::new(inner.body.clone()),
                        ));
                    }
                }
                "cloud" | "provider_meta" => {}
                _ => cx.unsupported_block(inner, context),
            },
        }
    }
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

fn decode_variable(cx: &mut Ctx, module: &mut Module, b: &Block) {
    if !cx.labels(b, &["name"]) {
        return;
    }
    let name = label(b, 0);
    let context = format!("variable {name:?}");
    let span = cx.header_span(b);
    if RESERVED_VARIABLE_NAMES.contains(&name.as_str()) {
        cx.error(
            Diagnostic::error("Invalid variable name")
                .detail(format!(
                    "The variable name {name:?} is reserved due to its special meaning inside module blocks."
                ))
                .at(span)
                .context(context.clone()),
        );
    } else if !valid_name(&name) {
        cx.error(
            Diagnostic::error("Invalid variable name")
                .detail("A name must start with a letter or underscore and may contain only letters, digits, underscores, and dashes.")
                .at(span)
                .context(context.clone()),
        );
    }
    let mut v = Variable {
        name: name.clone(),
        span,
        type_expr: None,
        default: None,
        description: None,
        sensitive: false,
        nullable: true,
        ephemeral: false,
        validations: Vec::new(),
    };
    for s in b.body.iter() {
        match s {
            Structure::Attribute(a) => match a.key.value().as_str() {
                "type" => v.type_expr = Some(cx.expr(a)),
                "default" => v.default = Some(cx.expr(a)),
                "description" => v.description = cx.literal_string(a, &context),
                "sensitive" => v.sensitive = cx.literal_bool(a, &context),
                "nullable" => v.nullable = cx.literal_bool(a, &context),
                "ephemeral" => v.ephemeral = cx.literal_bool(a, &context),
                _ => cx.unsupported_argument(a, &context),
            },
            Structure::Block(inner) => match inner.ident.value().as_str() {
                "validation" => {
                    if let Some(c) = cx.condition(inner, &context) {
                        v.validations.push(c);
                    }
                }
                _ => cx.unsupported_block(inner, &context),
            },
        }
    }
    if let Some(prev) = module.variables.get(&name) {
        let prev = cx.describe(prev.span);
        cx.error(
            Diagnostic::error("Duplicate variable declaration")
                .detail(format!(
                    "A variable named {name:?} was already declared at {prev}. Variable names must be unique within a module."
                ))
                .at(span),
        );
        return;
    }
    module.variables.insert(name, v);
}

fn decode_locals(cx: &mut Ctx, module: &mut Module, b: &Block) {
    cx.labels(b, &[]);
    for s in b.body.iter() {
        match s {
            Structure::Attribute(a) => {
                let name = a.key.value().to_string();
                let span = cx.span(a);
                if let Some(prev) = module.locals.get(&name) {
                    let prev = cx.describe(prev.span);
                    cx.error(
                        Diagnostic::error("Duplicate local value definition")
                            .detail(format!(
                                "A local value named {name:?} was already defined at {prev}. Local value names must be unique within a module."
                            ))
                            .at(span)
                            .context("locals"),
                    );
                    continue;
                }
                let expr = cx.expr(a);
                module
                    .locals
                    .insert(name.clone(), Local { name, expr, span });
            }
            Structure::Block(inner) => cx.unsupported_block(inner, "locals"),
        }
    }
}

fn decode_output(cx: &mut Ctx, module: &mut Module, b: &Block) {
    if !cx.labels(b, &["name"]) {
        return;
    }
    let name = label(b, 0);
    let context = format!("output {name:?}");
    let span = cx.header_span(b);
    let mut o = Output {
        name: name.clone(),
        span,
        value: None,
        description: None,
        sensitive: false,
        ephemeral: false,
        depends_on: Vec::new(),
        preconditions: Vec::new(),
    };
    for s in b.body.iter() {
        match s {
            Structure::Attribute(a) => match a.key.value().as_str() {
                "value" => o.value = Some(cx.expr(a)),
                "description" => o.description = cx.literal_string(a, &context),
                "sensitive" => o.sensitive = cx.literal_bool(a, &context),
                "ephemeral" => o.ephemeral = cx.literal_bool(a, &context),
                "depends_on" => o.depends_on = cx.depends_on(a, &context),
                _ => cx.unsupported_argument(a, &context),
            },
            Structure::Block(inner) => match inner.ident.value().as_str() {
                "precondition" => {
                    if let Some(c) = cx.condition(inner, &context) {
                        o.preconditions.push(c);
                    }
                }
                _ => cx.unsupported_block(inner, &context),
            },
        }
    }
    if o.value.is_none() {
        cx.error(missing_argument("value", span, &context));
    }
    if let Some(prev) = module.outputs.get(&name) {
        let prev = cx.describe(prev.span);
        cx.error(
            Diagnostic::error("Duplicate output definition")
                .detail(format!(
                    "An output named {name:?} was already defined at {prev}. Output names must be unique within a module."
                ))
                .at(span),
        );
        return;
    }
    module.outputs.insert(name, o);
}

fn decode_lifecycle(cx: &mut Ctx, b: &Block, context: &str, mode: ResourceMode) -> Lifecycle {
    cx.labels(b, &[]);
    let mut l = Lifecycle::default();
    for s in b.body.iter() {
        match s {
            Structure::Attribute(a) => match (mode, a.key.value().as_str()) {
                (ResourceMode::Managed, "create_before_destroy") => {
                    l.create_before_destroy = Some(cx.expr(a))
                }
                (ResourceMode::Managed, "prevent_destroy") => l.prevent_destroy = Some(cx.expr(a)),
                (ResourceMode::Managed, "ignore_changes") => l.ignore_changes = Some(cx.expr(a)),
                (ResourceMode::Managed, "replace_triggered_by") => {
                    l.replace_triggered_by = Some(cx.expr(a))
                }
                _ => cx.unsupported_argument(a, context),
            },
            Structure::Block(inner) => match inner.ident.value().as_str() {
                "precondition" => {
                    if let Some(c) = cx.condition(inner, context) {
                        l.preconditions.push(c);
                    }
                }
                "postcondition" => {
                    if let Some(c) = cx.condition(inner, context) {
                        l.postconditions.push(c);
                    }
                }
                "action_trigger" if mode == ResourceMode::Managed => {
                    l.action_triggers.push(Arc::new(inner.body.clone()))
                }
                _ => cx.unsupported_block(inner, context),
            },
        }
    }
    l
}

fn decode_resource(cx: &mut Ctx, b: &Block, mode: ResourceMode) -> Option<Resource> {
    if !cx.labels(b, &["type", "name"]) {
        return None;
    }
    let type_name = label(b, 0);
    let name = label(b, 1);
    let kind = if mode == ResourceMode::Data {
        "data"
    } else {
        "resource"
    };
    let context = format!("{kind} {type_name:?} {name:?}");
    let span = cx.header_span(b);
    if !valid_name(&name) {
        cx.error(
            Diagnostic::error(format!("Invalid {kind} name"))
                .detail("A name must start with a letter or underscore and may contain only letters, digits, underscores, and dashes.")
                .at(span)
                .context(context.clone()),
        );
    }
    let mut r = Resource {
        mode,
        type_name,
        name,
        span,
        file: cx.file,
        count: None,
        for_each: None,
        depends_on: Vec::new(),
        provider: None,
        lifecycle: Lifecycle::default(),
        provisioners: Vec::new(),
        connection: None,
        body: Arc::new(Body::new()),
    };
    let mut body = Body::new();
    for s in b.body.iter() {
        match s {
            Structure::Attribute(a) => match a.key.value().as_str() {
                "count" => r.count = Some(cx.expr(a)),
                "for_each" => r.for_each = Some(cx.expr(a)),
                "depends_on" => r.depends_on = cx.depends_on(a, &context),
                "provider" => r.provider = Some(cx.expr(a)),
                _ => body.push(s.clone()),
            },
            Structure::Block(inner) => match inner.ident.value().as_str() {
                "lifecycle" => r.lifecycle = decode_lifecycle(cx, inner, &context, mode),
                "provisioner" if mode == ResourceMode::Managed => {
                    if cx.labels(inner, &["type"]) {
                        r.provisioners.push(Provisioner {
                            kind: label(inner, 0),
                            span: cx.header_span(inner),
                            body: Arc::new(inner.body.clone()),
                            file: cx.file,
                        });
                    }
                }
                "connection" if mode == ResourceMode::Managed => {
                    r.connection = Some(Arc::new(inner.body.clone()))
                }
                _ => body.push(s.clone()),
            },
        }
    }
    if r.count.is_some() && r.for_each.is_some() {
        cx.error(
            Diagnostic::error("Invalid combination of \"count\" and \"for_each\"")
                .detail("The \"count\" and \"for_each\" meta-arguments are mutually-exclusive, only one should be used to be explicit about the number of resources to be created.")
                .at(span)
                .context(context),
        );
    }
    r.body = Arc::new(body);
    Some(r)
}

fn add_resource(cx: &mut Ctx, module: &mut Module, r: Resource) {
    if let Some(prev) = module.resource(r.mode, &r.type_name, &r.name) {
        let prev = cx.describe(prev.span);
        let (summary, detail) = match r.mode {
            ResourceMode::Managed => (
                format!("Duplicate resource {:?} configuration", r.type_name),
                format!(
                    "A {} resource named {:?} was already declared at {prev}. Resource names must be unique per type in each module.",
                    r.type_name, r.name
                ),
            ),
            ResourceMode::Data => (
                format!("Duplicate data {:?} configuration", r.type_name),
                format!(
                    "A {} data resource named {:?} was already declared at {prev}. Resource names must be unique per type in each module.",
                    r.type_name, r.name
                ),
            ),
        };
        cx.error(Diagnostic::error(summary).detail(detail).at(r.span));
        return;
    }
    module.resources.push(r);
}

fn decode_module_call(cx: &mut Ctx, module: &mut Module, b: &Block) {
    if !cx.labels(b, &["name"]) {
        return;
    }
    let name = label(b, 0);
    let context = format!("module {name:?}");
    let span = cx.header_span(b);
    let mut call = ModuleCall {
        name: name.clone(),
        span,
        source: String::new(),
        source_span: span,
        version: None,
        count: None,
        for_each: None,
        depends_on: Vec::new(),
        providers: None,
        inputs: IndexMap::new(),
    };
    let mut has_source = false;
    for s in b.body.iter() {
        match s {
            Structure::Attribute(a) => match a.key.value().as_str() {
                "source" => {
                    has_source = true;
                    call.source_span = cx.span(&a.value);
                    call.source = cx.literal_string(a, &context).unwrap_or_default();
                }
                "version" => call.version = cx.literal_string(a, &context),
                "count" => call.count = Some(cx.expr(a)),
                "for_each" => call.for_each = Some(cx.expr(a)),
                "depends_on" => call.depends_on = cx.depends_on(a, &context),
                "providers" => call.providers = Some(cx.expr(a)),
                key => {
                    call.inputs.insert(key.to_string(), cx.expr(a));
                }
            },
            Structure::Block(inner) => cx.unsupported_block(inner, &context),
        }
    }
    if !has_source {
        cx.error(missing_argument("source", span, &context));
    }
    if let Some(prev) = module.module_calls.get(&name) {
        let prev = cx.describe(prev.span);
        cx.error(
            Diagnostic::error("Duplicate module call")
                .detail(format!(
                    "A module call named {name:?} was already defined at {prev}. Module calls must have unique names within a module."
                ))
                .at(span),
        );
        return;
    }
    module.module_calls.insert(name, call);
}

fn decode_provider(cx: &mut Ctx, module: &mut Module, b: &Block) {
    if !cx.labels(b, &["name"]) {
        return;
    }
    let name = label(b, 0);
    let alias = b
        .body
        .get_attribute("alias")
        .and_then(|a| static_string(&a.value));
    let span = cx.header_span(b);
    if let Some(prev) = module
        .providers
        .iter()
        .find(|p| p.name == name && p.alias == alias)
    {
        let prev = cx.describe(prev.span);
        let what = match &alias {
            Some(a) => format!("{name}.{a}"),
            None => name.clone(),
        };
        cx.error(
            Diagnostic::error("Duplicate provider configuration")
                .detail(format!(
                    "A provider configuration for {what:?} was already given at {prev}. Each configuration for the same provider must have a distinct alias."
                ))
                .at(span),
        );
        return;
    }
    module.providers.push(ProviderConfig {
        name,
        alias,
        span,
        file: cx.file,
        body: Arc::new(b.body.clone()),
    });
}

fn decode_check(cx: &mut Ctx, module: &mut Module, b: &Block) {
    if !cx.labels(b, &["name"]) {
        return;
    }
    let name = label(b, 0);
    let context = format!("check {name:?}");
    let mut check = Check {
        name: name.clone(),
        span: cx.header_span(b),
        asserts: Vec::new(),
        data: Vec::new(),
    };
    for s in b.body.iter() {
        match s {
            Structure::Attribute(a) => cx.unsupported_argument(a, &context),
            Structure::Block(inner) => match inner.ident.value().as_str() {
                "assert" => {
                    if let Some(c) = cx.condition(inner, &context) {
                        check.asserts.push(c);
                    }
                }
                "data" => {
                    if let Some(r) = decode_resource(cx, inner, ResourceMode::Data) {
                        check.data.push(r);
                    }
                }
                _ => cx.unsupported_block(inner, &context),
            },
        }
    }
    if check.asserts.is_empty() {
        cx.error(
            Diagnostic::error("Missing assertions")
                .detail("Check blocks must have at least one assert block.")
                .at(check.span),
        );
    }
    if let Some(prev) = module.checks.get(&name) {
        let prev = cx.describe(prev.span);
        cx.error(
            Diagnostic::error("Duplicate check block")
                .detail(format!(
                    "A check block named {name:?} was already defined at {prev}. Check blocks must have unique names within a module."
                ))
                .at(check.span),
        );
        return;
    }
    module.checks.insert(name, check);
}

fn decode_action(cx: &mut Ctx, module: &mut Module, b: &Block) {
    if !cx.labels(b, &["type", "name"]) {
        return;
    }
    let type_name = label(b, 0);
    let name = label(b, 1);
    let context = format!("action {type_name:?} {name:?}");
    let mut action = Action {
        type_name,
        name,
        span: cx.header_span(b),
        file: cx.file,
        count: None,
        for_each: None,
        provider: None,
        config: None,
    };
    for s in b.body.iter() {
        match s {
            Structure::Attribute(a) => match a.key.value().as_str() {
                "count" => action.count = Some(cx.expr(a)),
                "for_each" => action.for_each = Some(cx.expr(a)),
                "provider" => action.provider = Some(cx.expr(a)),
                _ => cx.unsupported_argument(a, &context),
            },
            Structure::Block(inner) => match inner.ident.value().as_str() {
                "config" => action.config = Some(Arc::new(inner.body.clone())),
                _ => cx.unsupported_block(inner, &context),
            },
        }
    }
    if let Some(prev) = module
        .actions
        .iter()
        .find(|a| a.type_name == action.type_name && a.name == action.name)
    {
        let prev = cx.describe(prev.span);
        cx.error(
            Diagnostic::error(format!("Duplicate action {:?} configuration", action.type_name))
                .detail(format!(
                    "An action named {:?} was already declared at {prev}. Action names must be unique per type in each module.",
                    action.name
                ))
                .at(action.span),
        );
        return;
    }
    module.actions.push(action);
}

fn decode_structural(cx: &mut Ctx, module: &mut Module, b: &Block) {
    cx.labels(b, &[]);
    let kind = b.ident.value().to_string();
    let allowed: &[&str] = match kind.as_str() {
        "import" => &["to", "id", "for_each", "provider", "identity"],
        "moved" => &["from", "to"],
        _ => &["from"],
    };
    let mut attrs = IndexMap::new();
    for s in b.body.iter() {
        match s {
            Structure::Attribute(a) => {
                let key = a.key.value().as_str();
                if allowed.contains(&key) {
                    attrs.insert(key.to_string(), cx.expr(a));
                } else {
                    cx.unsupported_argument(a, &kind);
                }
            }
            Structure::Block(inner) => {
                let ok = kind == "removed"
                    && matches!(
                        inner.ident.value().as_str(),
                        "lifecycle" | "provisioner" | "connection"
                    );
                if !ok {
                    cx.unsupported_block(inner, &kind);
                }
            }
        }
    }
    let required: &[&str] = match kind.as_str() {
        "import" => &["to"],
        "moved" => &["from", "to"],
        _ => &["from"],
    };
    let span = cx.header_span(b);
    for r in required {
        if !attrs.contains_key(*r) {
            cx.error(missing_argument(r, span, &kind));
        }
    }
    let block = StructuralBlock {
        kind: kind.clone(),
        span,
        file: cx.file,
        attrs,
        body: Arc::new(b.body.clone()),
    };
    match kind.as_str() {
        "import" => module.imports.push(block),
        "moved" => module.moved.push(block),
        _ => module.removed.push(block),
    }
}

#[cfg(test)]
mod tests {
    use crate::config::load_module;
    use crate::diag::SourceMap;

    #[test]
    fn heredoc_descriptions_are_static_strings_as_in_terraform() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("main.tf"),
            "variable \"x\" {\n  description = <<-EOT\n    Indented\n      text.\n  EOT\n}\n\noutput \"o\" {\n  description = <<EOT\nplain\nEOT\n  value = 1\n}\n\nvariable \"y\" {\n  description = <<-EOT\n    ${var.x}\n  EOT\n}\n",
        )
        .unwrap();
        let mut sources = SourceMap::default();
        let (module, diags) = load_module(dir.path(), &mut sources);
        assert_eq!(
            module.variables["x"].description.as_deref(),
            Some("Indented\n  text.\n")
        );
        assert_eq!(module.outputs["o"].description.as_deref(), Some("plain\n"));
        // An interpolation is still not a static string.
        assert!(module.variables["y"].description.is_none());
        let messages: Vec<String> = diags.iter().map(|d| d.summary.clone()).collect();
        assert_eq!(messages, vec!["Invalid expression".to_string()]);
    }
}
