//! `bcmhcl state show ADDRESS`: one resource instance's current object as Terraform prints
//! it: `# ADDR:`, then `resource "T" "N" {` with every attribute aligned and sensitive values
//! hidden. Schemas come from the built-in providers; an object of another provider's type is
//! shown from its values alone.

use super::target::parse_instance;
use super::{fail, load_existing, Failed, StateFlags};
use bcmhcl::config::ResourceMode;
use bcmhcl::diag::{Diagnostic, Span};
use bcmhcl::schema::{decode_attributes, Block};
use bcmhcl::state::InstanceState;
use bcmhcl::value::value_from_json;
use clap::Args;
use std::io::{IsTerminal, Write};

#[derive(Args, Debug)]
pub struct ShowArgs {
    /// The resource instance to show, e.g. `module.a.null_resource.b[0]`.
    #[arg(value_name = "ADDRESS")]
    address: String,
    #[command(flatten)]
    flags: StateFlags,
}

/// Terraform's advice after an address that does not name one instance.
const ONE_INSTANCE: &str = "This command requires that the address references one specific instance. To view the available instances, use \"bcmhcl state list\". Please modify the address to reference a specific instance.";

pub fn run(args: ShowArgs) -> Result<(), Failed> {
    let no_color = args.flags.no_color;
    let addr = match parse_instance(&args.address) {
        Ok(a) => a,
        Err(d) => {
            return fail(
                Diagnostic::error(format!("Error parsing instance address: {}", args.address))
                    .detail(format!("{}\n\n{ONE_INSTANCE}", d.detail)),
                no_color,
            )
        }
    };
    let store = args.flags.open()?;
    let state = load_existing(&*store, no_color)?;
    let Some(inst) = state.instance(&addr) else {
        return fail(
            Diagnostic::error("No instance found for the given address!").detail(ONE_INSTANCE),
            no_color,
        );
    };
    let color =
        !no_color && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let r = &addr.resource;
    let text = render(r.mode, &r.type_name, &r.name, inst, color);
    let header = if inst.tainted {
        format!("# {addr}: (tainted)")
    } else {
        format!("# {addr}:")
    };
    let _ = writeln!(std::io::stdout().lock(), "{header}\n{text}");
    Ok(())
}

/// The object's text from `resource "T" "N" {` to the closing brace.
fn render(
    mode: ResourceMode,
    type_name: &str,
    name: &str,
    inst: &InstanceState,
    color: bool,
) -> String {
    let block = schema_block(mode, type_name);
    let mut value = match &block {
        Some(b) => decode_attributes(&inst.attributes, b),
        None => value_from_json(&inst.attributes),
    };
    for path in &inst.sensitive_attributes {
        value = bcmhcl::state::mark_path(&value, path);
    }
    bcmhcl::render::plan::render_state_object(mode, type_name, name, &value, block.as_ref(), color)
}

/// The schema of a resource or data source type of a built-in provider.
fn schema_block(mode: ResourceMode, type_name: &str) -> Option<Block> {
    let registry = bcmhcl::provider::builtin::registry();
    let provider = registry.for_type(type_name, Span::default()).ok()?;
    let schema = provider.schema();
    let rs = match mode {
        ResourceMode::Managed => schema.resource_schemas.get(type_name),
        ResourceMode::Data => schema.data_source_schemas.get(type_name),
    }?;
    Some(rs.block.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use bcmhcl::addr::InstanceKey;
    use bcmhcl::plan::PathStep;
    use bcmhcl::schema::{Attribute, NestedBlock, Nesting};
    use bcmhcl::state::mark_path;
    use bcmhcl::value::Type;

    fn attr(ty: Type, sensitive: bool) -> Attribute {
        Attribute {
            ty,
            description: None,
            required: false,
            optional: true,
            computed: false,
            sensitive,
            requires_replace: false,
        }
    }

    #[test]
    fn objects_print_with_aligned_attributes_and_hidden_secrets() {
        let mut block = Block::default();
        block
            .attributes
            .insert("id".into(), attr(Type::String, false));
        block
            .attributes
            .insert("password".into(), attr(Type::String, true));
        block
            .attributes
            .insert("tags".into(), attr(Type::map(Type::String), false));
        block
            .attributes
            .insert("unset".into(), attr(Type::String, false));
        let mut nested = Block::default();
        nested
            .attributes
            .insert("size".into(), attr(Type::Number, false));
        block.block_types.insert(
            "disk".into(),
            NestedBlock {
                nesting: Nesting::List,
                block: nested,
                min_items: 0,
                max_items: 0,
            },
        );
        let json = serde_json::json!({
            "id": "n1",
            "password": "hunter2",
            "tags": {"role": "gpu", "rack": "r1"},
            "unset": null,
            "disk": [{"size": 10}],
        });
        let value = decode_attributes(&json, &block);
        let text = bcmhcl::render::plan::render_state_object(
            ResourceMode::Managed,
            "bcm_node",
            "n",
            &value,
            Some(&block),
            false,
        );
        insta::assert_snapshot!(text);
        assert!(!text.contains("hunter2"));
    }

    #[test]
    fn recorded_sensitive_paths_are_hidden_too() {
        let mut inst = InstanceState::new(
            InstanceKey::None,
            serde_json::json!({"id": "1", "triggers": {"a": "open", "b": "secret"}}),
        );
        inst.sensitive_attributes = vec![vec![
            PathStep::Attr("triggers".into()),
            PathStep::Key("b".into()),
        ]];
        let text = render(ResourceMode::Managed, "null_resource", "n", &inst, false);
        insta::assert_snapshot!(text);
        assert!(!text.contains("secret"));
    }

    #[test]
    fn paths_that_lead_nowhere_mark_nothing() {
        let v = value_from_json(&serde_json::json!({"a": [1, 2]}));
        for path in [
            vec![PathStep::Attr("b".into())],
            vec![PathStep::Attr("a".into()), PathStep::Index(5)],
            vec![PathStep::Attr("a".into()), PathStep::Index(-1)],
        ] {
            assert!(!mark_path(&v, &path).contains_sensitive(), "{path:?}");
        }
        let marked = mark_path(&v, &[PathStep::Attr("a".into()), PathStep::Index(1)]);
        assert!(marked.contains_sensitive());
    }
}
