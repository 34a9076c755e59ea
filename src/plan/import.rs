//! `import` blocks: existing objects adopted into the prior state before planning, so that the
//! plan compares the configuration with what is really there. With `for_each`, one import per
//! element (`to = bcm_cmdevice_device.nodes[each.key]`).

use super::build::DataReader;
use super::expand::{expand_for_each, Expansion};
use crate::addr::{parse_target, InstanceKey, ResourceInstanceAddr, Target};
use crate::config::{Expr, ModuleTree, StructuralBlock};
use crate::diag::{Diagnostic, Diagnostics, SourceMap};
use crate::eval::module::{EvalOptions, ModuleEvaluator, ModuleScope, ModuleValues};
use crate::eval::Scope;
use crate::provider::ProviderRegistry;
use crate::schema::encode_attributes;
use crate::state::{InstanceState, State};
use crate::value::Value;
use hcl_edit::expr::{Expression, TraversalOperator};

/// Everything an import needs.
pub struct ImportContext<'a> {
    pub tree: &'a ModuleTree,
    pub sources: &'a SourceMap,
    pub providers: &'a ProviderRegistry,
    pub reader: &'a dyn DataReader,
    pub eval: &'a EvalOptions,
    /// The root module's variables (import IDs may use them).
    pub values: &'a ModuleValues,
}

fn eval(
    cx: &ImportContext,
    e: &Expr,
    bindings: &[(&'static str, Value)],
) -> Result<Value, Diagnostic> {
    let ev = ModuleEvaluator::new(&cx.tree.module, cx.sources, cx.eval);
    let resolver = ModuleScope {
        module: &cx.tree.module,
        values: cx.values,
        external: None,
    };
    let root = Scope::new(&resolver);
    match bindings {
        [] => ev.eval(e, &root),
        [(n, v), ..] => ev.eval(e, &root.bind(n, v.clone())),
    }
}

/// The instance `to` names for one binding of `each`.
fn target(
    cx: &ImportContext,
    to: &Expr,
    bindings: &[(&'static str, Value)],
) -> Result<ResourceInstanceAddr, Diagnostic> {
    let bad = || {
        Diagnostic::error("Invalid import address")
            .detail("The \"to\" argument must name a resource instance, such as terraform_data.a or bcm_cmdevice_device.nodes[each.key].")
            .at(to.span())
    };
    let text = {
        let span = to.span();
        cx.sources
            .file(span.file)
            .text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
            .to_string()
    };
    if let Ok(t) = parse_target(&text) {
        return match t {
            Target::Instance(i) => Ok(i),
            Target::Resource(r) => Ok(r.instance(InstanceKey::None)),
        };
    }
    // A computed key: `TYPE.NAME[expression]`.
    let Expression::Traversal(t) = &*to.expr else {
        return Err(bad());
    };
    let (Expression::Variable(ty), [name, key]) = (&t.expr, t.operators.as_slice()) else {
        return Err(bad());
    };
    let (TraversalOperator::GetAttr(name), TraversalOperator::Index(k)) =
        (name.value(), key.value())
    else {
        return Err(bad());
    };
    let key = eval(cx, &Expr::new(to.file, k.clone()), bindings)?;
    let key = match key.unmark().0 {
        Value::String(s) => InstanceKey::Str(s.to_string()),
        Value::Number(n) => InstanceKey::Int(n.to_i64().ok_or_else(bad)?),
        _ => return Err(bad()),
    };
    let resource =
        match parse_target(&format!("{}.{}", ty.value(), name.value())).map_err(|_| bad())? {
            Target::Resource(r) => r,
            Target::Instance(_) => return Err(bad()),
        };
    Ok(resource.instance(key))
}

fn import_one(
    cx: &ImportContext,
    block: &StructuralBlock,
    bindings: &[(&'static str, Value)],
    state: &mut State,
    notes: &mut Vec<String>,
) -> Result<(), Diagnostic> {
    let (Some(to), Some(id)) = (block.attrs.get("to"), block.attrs.get("id")) else {
        return Err(Diagnostic::error("Missing required argument")
            .detail("An import block needs \"to\" and \"id\".")
            .at(block.span));
    };
    let addr = target(cx, to, bindings)?;
    if state.instance(&addr).is_some() {
        // Already in the state: the import has been done.
        return Ok(());
    }
    let id = eval(cx, id, bindings)?;
    let Some(id) = id.unmark().0.as_str().map(str::to_string) else {
        return Err(Diagnostic::error("Invalid import id")
            .detail("The import ID must be a known string.")
            .at(block.span));
    };
    let provider = cx
        .providers
        .for_type(&addr.resource.type_name, block.span)?;
    let object = cx
        .reader
        .import(provider.as_ref(), &addr.resource.type_name, &id)
        .map_err(|d| d.or_at(block.span))?;
    let Some(schema) = provider
        .schema()
        .resource_schemas
        .get(&addr.resource.type_name)
    else {
        return Err(Diagnostic::error("Unsupported resource type").at(block.span));
    };
    let mut inst = InstanceState::new(addr.key.clone(), encode_attributes(&object, &schema.block));
    inst.schema_version = schema.version;
    state.set_instance(&addr, &format!("provider[\"{}\"]", provider.source()), inst);
    notes.push(format!("{addr} will be imported (id {id:?})"));
    Ok(())
}

/// Imports what the root module's `import` blocks name and is not yet in `state`.
pub fn apply(cx: &ImportContext, state: &mut State) -> (Vec<String>, Diagnostics) {
    let mut notes = Vec::new();
    let mut diags = Diagnostics::new();
    for block in &cx.tree.module.imports {
        let expansion = match block.attrs.get("for_each") {
            Some(f) => match eval(cx, f, &[]).and_then(|v| expand_for_each(&v, f.span())) {
                Ok(e) => e,
                Err(d) => {
                    diags.push(d);
                    continue;
                }
            },
            None => Expansion::Single,
        };
        for key in expansion.keys() {
            if let Err(d) = import_one(cx, block, &expansion.bindings(&key), state, &mut notes) {
                diags.push(d);
            }
        }
    }
    (notes, diags)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::{ApplyRequest, BoxFuture, PlanRequest, PlanResponse, Provider};
    use crate::schema::ProviderSchema;
    use std::sync::Arc;

    /// terraform_data, but importable: an imported object's input is its ID.
    struct Importable(Arc<dyn Provider>);

    impl Provider for Importable {
        fn source(&self) -> &str {
            self.0.source()
        }
        fn schema(&self) -> &ProviderSchema {
            self.0.schema()
        }
        fn plan(&self, req: PlanRequest<'_>) -> Result<PlanResponse, Diagnostic> {
            self.0.plan(req)
        }
        fn apply<'a>(&'a self, req: ApplyRequest<'a>) -> BoxFuture<'a, Result<Value, Diagnostic>> {
            self.0.apply(req)
        }
        fn read_data<'a>(
            &'a self,
            t: &'a str,
            c: &'a Value,
        ) -> BoxFuture<'a, Result<Value, Diagnostic>> {
            self.0.read_data(t, c)
        }
        fn import<'a>(
            &'a self,
            _: &'a str,
            id: &'a str,
        ) -> BoxFuture<'a, Result<Value, Diagnostic>> {
            let object = Value::object(
                [
                    ("id".into(), Value::from(id)),
                    ("input".into(), Value::from(id)),
                    ("output".into(), Value::from(id)),
                ]
                .into_iter()
                .collect(),
            );
            Box::pin(std::future::ready(Ok(object)))
        }
    }

    struct Now;
    impl DataReader for Now {
        fn read(&self, _: &dyn Provider, _: &str, _: &Value) -> Result<Value, Diagnostic> {
            Ok(Value::NULL)
        }
        fn import(&self, p: &dyn Provider, t: &str, id: &str) -> Result<Value, Diagnostic> {
            futures_lite(p.import(t, id))
        }
    }

    /// Drives an already-ready future (the test provider never waits).
    fn futures_lite<T>(f: BoxFuture<'_, T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    fn tree(text: &str) -> (ModuleTree, SourceMap, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.tf"), text).unwrap();
        let mut sources = SourceMap::new();
        let (tree, diags) = crate::config::load_module_tree(dir.path(), &mut sources);
        assert!(!diags.has_errors(), "{diags:?}");
        (tree, sources, dir)
    }

    #[test]
    fn import_blocks_with_for_each_adopt_objects_once() {
        let (tree, sources, _d) = tree(
            "resource \"terraform_data\" \"n\" {\n  for_each = toset([\"a\", \"b\"])\n  input = each.key\n}\nimport {\n  for_each = toset([\"a\", \"b\"])\n  to = terraform_data.n[each.key]\n  id = \"obj-${each.key}\"\n}\n",
        );
        let mut providers = ProviderRegistry::new();
        providers.add(Arc::new(Importable(
            crate::provider::builtin::builtin_provider(crate::provider::builtin::TERRAFORM)
                .unwrap(),
        )));
        let values = ModuleValues::default();
        let eval = EvalOptions::default();
        let cx = ImportContext {
            tree: &tree,
            sources: &sources,
            providers: &providers,
            reader: &Now,
            eval: &eval,
            values: &values,
        };
        let mut state = State::new();
        let (notes, diags) = apply(&cx, &mut state);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(
            notes,
            [
                "terraform_data.n[\"a\"] will be imported (id \"obj-a\")",
                "terraform_data.n[\"b\"] will be imported (id \"obj-b\")"
            ]
        );
        assert_eq!(state.instances().count(), 2);
        // A second run finds them in the state and imports nothing.
        let (notes, _) = apply(&cx, &mut state);
        assert!(notes.is_empty());
    }
}
