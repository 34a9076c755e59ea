//! `provider "NAME" { ... }` blocks of the root module, evaluated against the provider's
//! configuration schema. Provider arguments may refer to variables and locals (Terraform also
//! allows resource attributes, which bcmhcl rejects: a provider is configured before anything
//! is planned).

use super::module::{
    evaluate_module, evaluate_variables_only, EvalOptions, ModuleEvaluator, ModuleScope, RawInput,
};
use super::Scope;
use crate::config::{Expr, Module};
use crate::diag::{Diagnostic, Diagnostics, SourceMap};
use crate::schema::decode::{decode_body, BodyOrigin};
use crate::schema::Block;
use crate::value::Value;

/// One evaluated provider block.
#[derive(Clone, Debug)]
pub struct ProviderConfigValue {
    pub name: String,
    pub alias: Option<String>,
    /// An object of the schema's attributes (null where not set).
    pub config: Value,
}

/// Evaluates the root module's provider blocks whose provider has a schema (`schema_of(name)`);
/// blocks of unknown providers are left to the resources that would use them.
pub fn evaluate_provider_configs(
    module: &Module,
    sources: &SourceMap,
    inputs: &[RawInput],
    opts: &EvalOptions,
    schema_of: &dyn Fn(&str) -> Option<Block>,
) -> (Vec<ProviderConfigValue>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let blocks: Vec<_> = module
        .providers
        .iter()
        .filter_map(|p| schema_of(&p.name).map(|s| (p, s)))
        .collect();
    if blocks.is_empty() {
        return (Vec::new(), diags);
    }
    // Locals are evaluated only when a provider block needs them: for most modules the
    // provider is configured from variables alone.
    let needs_locals = blocks.iter().any(|(p, _)| {
        let mut exprs = Vec::new();
        collect_expressions(&p.body, p.file, &mut exprs);
        exprs.iter().any(|e| {
            super::refs::find(&e.expr, e.file)
                .references
                .iter()
                .any(|r| r.root == "local")
        })
    });
    let (values, vdiags) = if needs_locals {
        evaluate_module(module, sources, inputs, opts)
    } else {
        evaluate_variables_only(module, sources, inputs, opts)
    };
    if vdiags.has_errors() {
        // The module's own evaluation reports these.
        return (Vec::new(), diags);
    }
    let ev = ModuleEvaluator::new(module, sources, opts);
    let resolver = ModuleScope {
        module,
        values: &values,
        external: None,
    };
    let scope = Scope::new(&resolver);
    let mut out = Vec::new();
    for (p, block) in blocks {
        let context = format!("provider {:?}", p.name);
        let origin = BodyOrigin {
            file: p.file,
            header: p.span,
            context: &context,
            sources,
        };
        let eval = |e: &Expr| ev.eval(e, &scope);
        let (config, ds) = decode_body(&p.body, &origin, &block, &eval);
        let bad = ds.iter().any(|d| d.is_error());
        diags.extend(Diagnostics(ds));
        if bad {
            continue;
        }
        if !config.is_wholly_known() {
            diags.push(
                Diagnostic::error("Provider configuration not known")
                    .detail(format!(
                        "The provider {:?} is configured with values that are known only after apply. bcmhcl configures providers from variables and locals only.",
                        p.name
                    ))
                    .at(p.span),
            );
            continue;
        }
        out.push(ProviderConfigValue {
            name: p.name.clone(),
            alias: p.alias.clone(),
            config,
        });
    }
    (out, diags)
}

fn collect_expressions(
    body: &hcl_edit::structure::Body,
    file: crate::diag::FileId,
    out: &mut Vec<Expr>,
) {
    for s in body.iter() {
        match s {
            hcl_edit::structure::Structure::Attribute(a) => {
                out.push(Expr::new(file, a.value.clone()))
            }
            hcl_edit::structure::Structure::Block(b) => collect_expressions(&b.body, file, out),
        }
    }
}
