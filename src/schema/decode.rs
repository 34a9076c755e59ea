//! Decoding a configuration body against a schema, as Terraform's `hcldec` does with the
//! decoder spec of a provider schema: every attribute of the schema in the result (null when
//! not set), nested blocks as lists, sets or maps of objects, and Terraform's diagnostics for
//! unexpected, missing and mistyped arguments.

use super::{Block, NestedBlock, Nesting};
use crate::config::Expr;
use crate::diag::{Diagnostic, FileId, SourceMap, Span};
use crate::value::{convert, Attrs, Type, Value};
use hcl_edit::structure::{
    Attribute as HclAttribute, Block as HclBlock, BlockLabel, Body, Structure,
};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Where a body comes from: its file, the header of its block (where Terraform reports missing
/// arguments) and the header text it names in messages.
pub struct BodyOrigin<'a> {
    pub file: FileId,
    /// `resource "null_resource" "a"`: the block header's span.
    pub header: Span,
    /// `resource "null_resource" "a"`, Terraform's "in ..." context line.
    pub context: &'a str,
    /// For "Previous definition was at main.tf:3,3-7" in duplicate-block messages.
    pub sources: &'a SourceMap,
}

impl Block {
    /// The object type a body decoded against this block has (Terraform's `ImpliedType`).
    pub fn implied_type(&self) -> Type {
        let mut attrs: BTreeMap<Arc<str>, Type> = self
            .attributes
            .iter()
            .map(|(k, a)| (Arc::from(k.as_str()), a.ty.clone()))
            .collect();
        for (k, b) in &self.block_types {
            attrs.insert(Arc::from(k.as_str()), b.implied_type());
        }
        Type::object(attrs)
    }

    /// True when an attribute, here or in a nested block, is of a type with `any` in it; such
    /// blocks decode to tuples and objects instead of lists and maps, as in Terraform.
    pub fn has_dynamic_types(&self) -> bool {
        self.attributes.values().any(|a| a.ty.has_dynamic())
            || self
                .block_types
                .values()
                .any(|b| b.block.has_dynamic_types())
    }
}

impl NestedBlock {
    pub fn implied_type(&self) -> Type {
        let object = self.block.implied_type();
        match self.nesting {
            Nesting::Single => object,
            Nesting::List | Nesting::Map if self.block.has_dynamic_types() => Type::Dynamic,
            Nesting::List => Type::list(object),
            Nesting::Set => Type::set(object),
            Nesting::Map => Type::map(object),
        }
    }
}

/// Decodes `body` against `block`: an object with every attribute and nested block type of the
/// schema, plus every problem found. `eval` evaluates one argument's expression; its errors are
/// passed on and the argument becomes unknown. Unknown values pass through unchanged.
///
/// `dynamic` blocks are not expanded: they are reported as unsupported.
pub fn decode_body(
    body: &Body,
    origin: &BodyOrigin<'_>,
    block: &Block,
    eval: &dyn Fn(&Expr) -> Result<Value, Diagnostic>,
) -> (Value, Vec<Diagnostic>) {
    let mut d = Decoder {
        origin,
        eval,
        diags: Vec::new(),
    };
    let v = d.block(body, block, origin.header);
    // Source order, as a reader goes through the block (missing arguments, reported at the
    // header, come first).
    d.diags
        .sort_by_key(|d| d.span.map(|s| (s.file, s.start, s.end)));
    (v, d.diags)
}

struct Decoder<'a> {
    origin: &'a BodyOrigin<'a>,
    eval: &'a dyn Fn(&Expr) -> Result<Value, Diagnostic>,
    diags: Vec<Diagnostic>,
}

impl Decoder<'_> {
    fn span(&self, node: &impl hcl_edit::Span) -> Span {
        Span::new(self.origin.file, node.span().unwrap_or(0..0))
    }

    fn label_span(&self, l: &BlockLabel) -> Span {
        match l {
            BlockLabel::Ident(i) => self.span(i),
            BlockLabel::String(s) => self.span(s),
        }
    }

    fn header_span(&self, b: &HclBlock) -> Span {
        let start = self.span(&b.ident);
        match b.labels.last() {
            Some(l) => start.to(self.label_span(l)),
            None => start,
        }
    }

    fn error(&mut self, d: Diagnostic) {
        self.diags.push(d.context(self.origin.context.to_string()));
    }

    /// One body: `missing` is where absent required arguments and blocks are reported.
    fn block(&mut self, body: &Body, schema: &Block, missing: Span) -> Value {
        let mut out = Attrs::new();
        let mut blocks: BTreeMap<&str, Vec<&HclBlock>> = BTreeMap::new();
        // hcl-edit refuses a body that sets an argument twice, so each name appears once.
        let present: Vec<&str> = body.attributes().map(|a| a.key.value().as_str()).collect();
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => self.attribute(a, schema, &present, &mut out),
                Structure::Block(b) => {
                    let ty = b.ident.value().as_str();
                    if schema.block_types.contains_key(ty) {
                        blocks.entry(ty).or_default().push(b);
                    } else {
                        self.unsupported_block(b, schema);
                    }
                }
            }
        }
        for (name, attr) in &schema.attributes {
            if out.contains_key(name.as_str()) {
                continue;
            }
            if attr.required && !present.contains(&name.as_str()) {
                self.error(
                    Diagnostic::error("Missing required argument")
                        .detail(format!(
                            "The argument {name:?} is required, but no definition was found."
                        ))
                        .at(missing),
                );
            }
            out.insert(Arc::from(name.as_str()), Value::Null(attr.ty.clone()));
        }
        for (name, nested) in &schema.block_types {
            let found = blocks.remove(name.as_str()).unwrap_or_default();
            let v = self.nested(name, nested, &found, missing);
            out.insert(Arc::from(name.as_str()), v);
        }
        Value::object(out)
    }

    fn attribute(&mut self, a: &HclAttribute, schema: &Block, present: &[&str], out: &mut Attrs) {
        let name = a.key.value().as_str();
        let Some(attr) = schema.attributes.get(name) else {
            let candidates = schema
                .attributes
                .keys()
                .map(String::as_str)
                .filter(|k| !present.contains(k));
            let hint = match crate::eval::suggest(name, candidates) {
                Some(s) => format!(" Did you mean {s:?}?"),
                None if schema.block_types.contains_key(name) => {
                    format!(" Did you mean to define a block of type {name:?}?")
                }
                None => String::new(),
            };
            self.error(
                Diagnostic::error("Unsupported argument")
                    .detail(format!(
                        "An argument named {name:?} is not expected here.{hint}"
                    ))
                    .at(self.span(&a.key)),
            );
            return;
        };
        let key: Arc<str> = Arc::from(name);
        let value_span = self.span(&a.value);
        if attr.computed && !attr.optional {
            // Terraform leaves this check to providers; this is the wording of providers built
            // on terraform-plugin-sdk, the most common one.
            self.error(
                Diagnostic::error("Value for unconfigurable attribute")
                    .detail(format!(
                        "Can't configure a value for {name:?}: its value will be decided automatically based on the result of applying this configuration."
                    ))
                    .at(value_span),
            );
            out.insert(key, Value::Null(attr.ty.clone()));
            return;
        }
        let expr = Expr::new(self.origin.file, a.value.clone());
        let value = match (self.eval)(&expr) {
            Ok(v) => v,
            Err(e) => {
                self.diags.push(e);
                out.insert(key, Value::Unknown(attr.ty.clone()));
                return;
            }
        };
        let value = match convert(&value, &attr.ty) {
            Ok(v) => v,
            Err(e) => {
                self.error(
                    Diagnostic::error("Incorrect attribute value type")
                        .detail(format!("Inappropriate value for attribute {name:?}: {e}."))
                        .at(value_span),
                );
                Value::Unknown(attr.ty.clone())
            }
        };
        if attr.required && value.is_null() {
            // Terraform core accepts an explicit null; the providers then refuse it (this is
            // terraform-plugin-framework's wording).
            self.error(
                Diagnostic::error("Missing Configuration for Required Attribute")
                    .detail(format!(
                        "Must set a configuration value for the {name} attribute as the provider has marked it as required.\n\nRefer to the provider documentation or contact the provider developers for additional information about configurable attributes that are required."
                    ))
                    .at(value_span),
            );
        }
        out.insert(key, value);
    }

    fn unsupported_block(&mut self, b: &HclBlock, schema: &Block) {
        let ty = b.ident.value().as_str();
        if ty == "dynamic" {
            if let Some(label) = b.labels.first() {
                let inner = label.as_str();
                let (summary, detail) = if schema.block_types.contains_key(inner) {
                    (
                        "Unsupported dynamic block",
                        format!(
                            "bcmhcl does not expand \"dynamic\" blocks yet; write the {inner:?} blocks out one by one."
                        ),
                    )
                } else {
                    (
                        "Unsupported block type",
                        format!("Blocks of type {inner:?} are not expected here."),
                    )
                };
                self.error(
                    Diagnostic::error(summary)
                        .detail(detail)
                        .at(self.label_span(label)),
                );
                return;
            }
        }
        let hint = match crate::eval::suggest(ty, schema.block_types.keys().map(String::as_str)) {
            Some(s) => format!(" Did you mean {s:?}?"),
            None if schema.attributes.contains_key(ty) => format!(
                " Did you mean to define argument {ty:?}? If so, use the equals sign to assign it a value."
            ),
            None => String::new(),
        };
        self.error(
            Diagnostic::error("Unsupported block type")
                .detail(format!(
                    "Blocks of type {ty:?} are not expected here.{hint}"
                ))
                .at(self.span(&b.ident)),
        );
    }

    /// Checks a nested block's labels: one (`key`) for map nesting, none otherwise.
    fn labels_ok(&mut self, b: &HclBlock, nesting: Nesting) -> bool {
        let ty = b.ident.value().as_str();
        let wanted: &[&str] = if nesting == Nesting::Map {
            &["key"]
        } else {
            &[]
        };
        if b.labels.len() < wanted.len() {
            self.error(
                Diagnostic::error(format!("Missing {} for {ty}", wanted[b.labels.len()]))
                    .detail(format!(
                        "All {ty} blocks must have {} labels ({}).",
                        wanted.len(),
                        wanted.join(", ")
                    ))
                    .at(self.header_span(b)),
            );
            return false;
        }
        if let Some(extra) = b.labels.get(wanted.len()) {
            let detail = if wanted.is_empty() {
                format!("No labels are expected for {ty} blocks.")
            } else {
                format!(
                    "Only {} labels ({}) are expected for {ty} blocks.",
                    wanted.len(),
                    wanted.join(", ")
                )
            };
            self.error(
                Diagnostic::error(format!("Extraneous label for {ty}"))
                    .detail(detail)
                    .at(self.label_span(extra)),
            );
            return false;
        }
        true
    }

    fn nested(
        &mut self,
        name: &str,
        schema: &NestedBlock,
        found: &[&HclBlock],
        missing: Span,
    ) -> Value {
        let found: Vec<&HclBlock> = found
            .iter()
            .copied()
            .filter(|b| self.labels_ok(b, schema.nesting))
            .collect();
        let object_ty = schema.block.implied_type();
        let dynamic = schema.block.has_dynamic_types();
        match schema.nesting {
            Nesting::Single => {
                if let (Some(first), Some(second)) = (found.first(), found.get(1)) {
                    let previous = self.origin.sources.describe(self.header_span(first));
                    self.error(
                        Diagnostic::error(format!("Duplicate {name} block"))
                            .detail(format!(
                                "Only one block of type {name:?} is allowed. Previous definition was at {previous}."
                            ))
                            .at(self.header_span(second)),
                    );
                }
                match found.first() {
                    Some(b) => self.block(&b.body, &schema.block, self.header_span(b)),
                    None => {
                        if schema.min_items == 1 {
                            self.error(
                                Diagnostic::error(format!("Missing {name} block"))
                                    .detail(format!("A block of type {name:?} is required here."))
                                    .at(missing),
                            );
                        }
                        Value::Null(object_ty)
                    }
                }
            }
            Nesting::List | Nesting::Set => {
                let elems: Vec<Value> = found
                    .iter()
                    .map(|b| self.block(&b.body, &schema.block, self.header_span(b)))
                    .collect();
                self.item_count(name, schema, &found, missing);
                match schema.nesting {
                    Nesting::Set => Value::set(object_ty, elems),
                    _ if dynamic => Value::tuple(elems),
                    _ => Value::list(object_ty, elems),
                }
            }
            Nesting::Map => {
                let mut elems = Attrs::new();
                let mut first_at: BTreeMap<&str, ()> = BTreeMap::new();
                for b in &found {
                    let key = b.labels.first().map(BlockLabel::as_str).unwrap_or_default();
                    if first_at.insert(key, ()).is_some() {
                        self.error(
                            Diagnostic::error(format!("Duplicate {name} block"))
                                .detail(format!(
                                    "A block for {name} {key:?} was already defined. The {name} labels must be unique."
                                ))
                                .at(self.header_span(b)),
                        );
                        continue;
                    }
                    let v = self.block(&b.body, &schema.block, self.header_span(b));
                    elems.insert(Arc::from(key), v);
                }
                if dynamic {
                    Value::object(elems)
                } else {
                    Value::map(object_ty, elems)
                }
            }
        }
    }

    fn item_count(&mut self, name: &str, schema: &NestedBlock, found: &[&HclBlock], missing: Span) {
        let n = found.len() as u64;
        if n < schema.min_items {
            self.error(
                Diagnostic::error(format!("Insufficient {name} blocks"))
                    .detail(format!(
                        "At least {} {name:?} blocks are required.",
                        schema.min_items
                    ))
                    .at(missing),
            );
        } else if schema.max_items > 0 && n > schema.max_items {
            let extra = found
                .get(schema.max_items as usize)
                .map_or(missing, |b| self.header_span(b));
            self.error(
                Diagnostic::error(format!("Too many {name} blocks"))
                    .detail(format!(
                        "No more than {} {name:?} blocks are allowed",
                        schema.max_items
                    ))
                    .at(extra),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{load_module, ResourceMode};
    use crate::eval::funcs::{builtins, FuncContext};
    use crate::eval::{Evaluator, Resolver, Scope};
    use crate::schema::{builtin_schema, Attribute};

    /// `var.unknown` is unknown, `var.secret` a sensitive string; nothing else resolves.
    struct TestNames;

    impl Resolver for TestNames {
        fn resolve(
            &self,
            root: &str,
            attrs: &[&str],
            span: Span,
        ) -> Result<(Value, usize), Diagnostic> {
            match (root, attrs.first()) {
                ("var", Some(&"unknown")) => Ok((Value::unknown(), 1)),
                ("var", Some(&"secret")) => Ok((Value::from("hunter2").mark_sensitive(), 1)),
                _ => Err(Diagnostic::error("Reference to undeclared input variable").at(span)),
            }
        }
    }

    struct Decoded {
        value: Value,
        diags: Vec<Diagnostic>,
        sources: SourceMap,
        /// The temporary module directory, left out of rendered file names.
        dir: String,
    }

    impl Decoded {
        fn attr(&self, name: &str) -> &Value {
            &self.value.as_attrs().expect("an object")[name]
        }

        /// Every diagnostic in Terraform's plain layout.
        fn rendered(&self) -> String {
            self.diags
                .iter()
                .map(|d| crate::render::render_plain(d, &self.sources))
                .collect::<Vec<_>>()
                .join("\n")
                .replace(&self.dir, "")
        }
    }

    /// Decodes the first resource or data block of `text` against `block`.
    fn decode_with(text: &str, block: &Block) -> Decoded {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.tf"), text).unwrap();
        let mut sources = SourceMap::new();
        let (module, diags) = load_module(dir.path(), &mut sources);
        assert!(diags.is_empty(), "{diags:?}");
        let r = &module.resources[0];
        let context = match r.mode {
            ResourceMode::Managed => format!("resource {:?} {:?}", r.type_name, r.name),
            ResourceMode::Data => format!("data {:?} {:?}", r.type_name, r.name),
        };
        let fctx = FuncContext::default();
        let source_text = sources.file(r.file).text.clone();
        let eval = |e: &Expr| {
            Evaluator::new(builtins(), &fctx, e.file, &source_text)
                .eval(&e.expr, &Scope::new(&TestNames))
        };
        let origin = BodyOrigin {
            file: r.file,
            header: r.span,
            context: &context,
            sources: &sources,
        };
        let (value, diags) = decode_body(&r.body, &origin, block, &eval);
        Decoded {
            value,
            diags,
            sources,
            dir: format!("{}/", dir.path().display()),
        }
    }

    /// Decodes against the built-in schema of the block's type.
    fn decode(text: &str) -> Decoded {
        let resource = text.starts_with("resource");
        let type_name = text.split('"').nth(1).unwrap();
        let source = match type_name.split('_').next().unwrap() {
            "terraform" => "terraform.io/builtin/terraform",
            "null" => "registry.terraform.io/hashicorp/null",
            _ => "registry.terraform.io/hashicorp/external",
        };
        let schema = builtin_schema(source).unwrap();
        let block = if resource {
            &schema.resource_schemas[type_name].block
        } else {
            &schema.data_source_schemas[type_name].block
        };
        decode_with(text, block)
    }

    #[test]
    fn every_schema_attribute_is_present_and_unset_ones_are_typed_nulls() {
        let d = decode("resource \"null_resource\" \"a\" {\n}\n");
        assert!(d.diags.is_empty());
        assert_eq!(d.value.as_attrs().unwrap().len(), 2);
        assert!(matches!(d.attr("id"), Value::Null(Type::String)));
        assert!(matches!(d.attr("triggers"), Value::Null(t) if *t == Type::map(Type::String)));
    }

    #[test]
    fn values_convert_to_the_attribute_type() {
        let d = decode("resource \"null_resource\" \"a\" {\n  triggers = { a = 1, b = true }\n}\n");
        assert!(d.diags.is_empty(), "{:?}", d.diags);
        assert_eq!(d.attr("triggers").ty(), Type::map(Type::String));
        assert_eq!(
            d.attr("triggers").to_string(),
            "tomap({\n  \"a\" = \"1\"\n  \"b\" = \"true\"\n})"
        );
    }

    #[test]
    fn dynamic_attributes_keep_the_value_as_written() {
        let d = decode(
            "resource \"terraform_data\" \"a\" {\n  input = { n = 1, l = [\"x\"] }\n  triggers_replace = [1, \"two\"]\n}\n",
        );
        assert!(d.diags.is_empty(), "{:?}", d.diags);
        assert_eq!(
            d.attr("input").ty().to_string(),
            "object({l=tuple([string]), n=number})"
        );
        assert_eq!(
            d.attr("triggers_replace").ty().to_string(),
            "tuple([number, string])"
        );
        assert!(d.attr("output").is_null());
    }

    #[test]
    fn unknown_and_sensitive_values_pass_through() {
        let d = decode(
            "resource \"null_resource\" \"a\" {\n  triggers = { a = var.unknown, b = var.secret }\n}\n",
        );
        assert!(d.diags.is_empty(), "{:?}", d.diags);
        let t = d.attr("triggers").as_attrs().unwrap();
        assert!(matches!(&t["a"], Value::Unknown(Type::String)));
        assert!(t["b"].is_sensitive());
        let d = decode("resource \"terraform_data\" \"a\" {\n  input = var.unknown\n}\n");
        assert!(!d.attr("input").is_known());
    }

    #[test]
    fn evaluation_errors_are_passed_on_and_the_argument_becomes_unknown() {
        let d = decode("resource \"terraform_data\" \"a\" {\n  input = var.nope\n}\n");
        assert_eq!(d.diags.len(), 1);
        assert_eq!(d.diags[0].summary, "Reference to undeclared input variable");
        assert!(!d.attr("input").is_known());
    }

    #[test]
    fn argument_errors_are_worded_as_terraform_words_them() {
        let d = decode(
            r#"resource "terraform_data" "a" {
  inptu = "x"
  bogus = 1
  id    = "mine"
  nope {
  }
  dynamic "x" {
    for_each = []
    content {}
  }
}
"#,
        );
        insta::assert_snapshot!(d.rendered());
    }

    #[test]
    fn missing_and_mistyped_arguments_are_reported() {
        let d = decode(
            r#"data "external" "e" {
  query = { a = ["list"] }
  working_dir = {}
}
"#,
        );
        insta::assert_snapshot!(d.rendered());
        assert!(d.attr("program").is_null());
        assert!(!d.attr("query").is_known(), "a mistyped value is unknown");
    }

    #[test]
    fn a_required_argument_set_to_null_is_refused() {
        let d = decode("data \"external\" \"e\" {\n  program = null\n}\n");
        assert_eq!(d.diags.len(), 1);
        assert_eq!(
            d.diags[0].summary,
            "Missing Configuration for Required Attribute"
        );
    }

    fn optional(ty: Type) -> Attribute {
        Attribute {
            ty,
            description: None,
            required: false,
            optional: true,
            computed: false,
            sensitive: false,
            requires_replace: false,
        }
    }

    /// A resource with nested blocks of every nesting mode.
    fn nested_schema() -> Block {
        let mut inner = Block::default();
        inner
            .attributes
            .insert("size".into(), optional(Type::Number));
        let mut dyn_inner = Block::default();
        dyn_inner
            .attributes
            .insert("v".into(), optional(Type::Dynamic));
        let mut b = Block::default();
        b.attributes.insert("name".into(), optional(Type::String));
        let nested = |nesting, block: &Block, min_items, max_items| NestedBlock {
            nesting,
            block: block.clone(),
            min_items,
            max_items,
        };
        b.block_types
            .insert("disk".into(), nested(Nesting::List, &inner, 1, 2));
        b.block_types
            .insert("tag".into(), nested(Nesting::Set, &inner, 0, 0));
        b.block_types
            .insert("nic".into(), nested(Nesting::Map, &inner, 0, 0));
        b.block_types
            .insert("boot".into(), nested(Nesting::Single, &inner, 1, 1));
        b.block_types
            .insert("opt".into(), nested(Nesting::Single, &inner, 0, 0));
        b.block_types
            .insert("meta".into(), nested(Nesting::List, &dyn_inner, 0, 0));
        b
    }

    #[test]
    fn nested_blocks_decode_by_nesting_mode() {
        let d = decode_with(
            r#"resource "x_thing" "a" {
  disk {
    size = "10"
  }
  disk {
  }
  tag {
    size = 2
  }
  tag {
    size = 1
  }
  nic "eth0" {
    size = 3
  }
  boot {
  }
  meta {
    v = "s"
  }
  meta {
    v = 1
  }
}
"#,
            &nested_schema(),
        );
        assert!(d.diags.is_empty(), "{}", d.rendered());
        assert_eq!(
            d.attr("disk").to_string(),
            "tolist([\n  {\n    \"size\" = 10\n  },\n  {\n    \"size\" = null\n  },\n])"
        );
        assert_eq!(d.attr("tag").length(), Some(2));
        assert_eq!(
            d.attr("tag").ty(),
            Type::set(nested_schema().block_types["tag"].block.implied_type())
        );
        assert_eq!(
            d.attr("nic")
                .as_attrs()
                .unwrap()
                .keys()
                .map(|k| &**k)
                .collect::<Vec<_>>(),
            ["eth0"]
        );
        assert!(!d.attr("boot").is_null());
        assert!(d.attr("opt").is_null());
        assert!(matches!(d.attr("meta"), Value::Tuple(items) if items.len() == 2));
    }

    #[test]
    fn nested_block_counts_labels_and_duplicates_are_checked() {
        let d = decode_with(
            r#"resource "x_thing" "a" {
  disk {}
  disk {}
  disk {}
  nic {}
  nic "a" {}
  nic "a" {}
  tag "x" {}
  opt {}
  opt {}
  disc {}
  name {}
}
"#,
            &nested_schema(),
        );
        insta::assert_snapshot!(d.rendered());
        let d = decode_with(
            "resource \"x_thing\" \"a\" {\n  name = \"n\"\n}\n",
            &nested_schema(),
        );
        insta::assert_snapshot!("nested_blocks_missing", d.rendered());
        assert_eq!(d.attr("disk").length(), Some(0));
    }
}
