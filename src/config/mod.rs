//! Terraform configuration as written: a module directory's `*.tf` (and `*.tf.json`) files
//! decoded into typed blocks with spans. Static checks only (block types, labels, arguments,
//! duplicates); nothing is evaluated here.

mod big_numbers;
mod decode;
mod json_syntax;
pub mod tfvars;

use crate::diag::{Diagnostic, Diagnostics, FileId, SourceMap, Span};
use hcl_edit::expr::Expression;
use hcl_edit::structure::Body;
use indexmap::IndexMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use big_numbers::parse_expr as parse_expr_text;
pub use decode::decode_file;

/// An expression together with the file its spans point into.
#[derive(Clone, Debug)]
pub struct Expr {
    pub file: FileId,
    pub expr: Arc<Expression>,
}

impl Expr {
    pub fn new(file: FileId, expr: Expression) -> Expr {
        Expr {
            file,
            expr: Arc::new(expr),
        }
    }
    pub fn span(&self) -> Span {
        use hcl_edit::Span as _;
        Span::new(self.file, self.expr.span().unwrap_or(0..0))
    }
}

/// A `condition` + `error_message` pair: variable validations, pre/postconditions, check asserts.
#[derive(Clone, Debug)]
pub struct Condition {
    pub condition: Expr,
    pub error_message: Option<Expr>,
    /// The block header (`validation`, `precondition`, `assert`).
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Variable {
    pub name: String,
    /// `variable "name"`, the range Terraform names in messages.
    pub span: Span,
    pub type_expr: Option<Expr>,
    pub default: Option<Expr>,
    pub description: Option<String>,
    pub sensitive: bool,
    pub nullable: bool,
    pub ephemeral: bool,
    pub validations: Vec<Condition>,
}

#[derive(Clone, Debug)]
pub struct Local {
    pub name: String,
    pub expr: Expr,
    /// The whole `name = value` attribute.
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Output {
    pub name: String,
    pub span: Span,
    pub value: Option<Expr>,
    pub description: Option<String>,
    pub sensitive: bool,
    pub ephemeral: bool,
    pub depends_on: Vec<Expr>,
    pub preconditions: Vec<Condition>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceMode {
    Managed,
    Data,
}

#[derive(Clone, Debug, Default)]
pub struct Lifecycle {
    pub create_before_destroy: Option<Expr>,
    pub prevent_destroy: Option<Expr>,
    pub ignore_changes: Option<Expr>,
    pub replace_triggered_by: Option<Expr>,
    pub preconditions: Vec<Condition>,
    pub postconditions: Vec<Condition>,
    /// Terraform 1.14 `action_trigger` blocks, kept for the engine.
    pub action_triggers: Vec<Arc<Body>>,
}

#[derive(Clone, Debug)]
pub struct Provisioner {
    pub kind: String,
    pub span: Span,
    pub body: Arc<Body>,
    pub file: FileId,
}

/// A `resource` or `data` block (also a `data` block nested in a `check`).
#[derive(Clone, Debug)]
pub struct Resource {
    pub mode: ResourceMode,
    pub type_name: String,
    pub name: String,
    pub span: Span,
    pub file: FileId,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    pub depends_on: Vec<Expr>,
    pub provider: Option<Expr>,
    pub lifecycle: Lifecycle,
    pub provisioners: Vec<Provisioner>,
    pub connection: Option<Arc<Body>>,
    /// The block body without meta-arguments, for the provider's schema to decode.
    pub body: Arc<Body>,
}

impl Resource {
    /// `aws_instance.web` or `data.x.y`.
    pub fn address(&self) -> String {
        match self.mode {
            ResourceMode::Managed => format!("{}.{}", self.type_name, self.name),
            ResourceMode::Data => format!("data.{}.{}", self.type_name, self.name),
        }
    }
}

#[derive(Clone, Debug)]
pub struct ModuleCall {
    pub name: String,
    pub span: Span,
    pub source: String,
    pub source_span: Span,
    pub version: Option<String>,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    pub depends_on: Vec<Expr>,
    pub providers: Option<Expr>,
    pub inputs: IndexMap<String, Expr>,
}

#[derive(Clone, Debug)]
pub struct ProviderConfig {
    pub name: String,
    pub alias: Option<String>,
    pub span: Span,
    pub file: FileId,
    pub body: Arc<Body>,
}

#[derive(Clone, Debug)]
pub struct Check {
    pub name: String,
    pub span: Span,
    pub asserts: Vec<Condition>,
    pub data: Vec<Resource>,
}

/// Terraform 1.14 `action "type" "name"` blocks.
#[derive(Clone, Debug)]
pub struct Action {
    pub type_name: String,
    pub name: String,
    pub span: Span,
    pub file: FileId,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    pub provider: Option<Expr>,
    pub config: Option<Arc<Body>>,
}

/// `import`, `moved` and `removed` blocks: kept as attribute maps for the plan engine.
#[derive(Clone, Debug)]
pub struct StructuralBlock {
    pub kind: String,
    pub span: Span,
    pub file: FileId,
    pub attrs: IndexMap<String, Expr>,
    pub body: Arc<Body>,
}

#[derive(Clone, Debug, Default)]
pub struct RequiredProvider {
    pub source: Option<String>,
    pub version: Option<String>,
}

/// Settings from `terraform` blocks.
#[derive(Clone, Debug, Default)]
pub struct TerraformSettings {
    pub required_version: Option<(String, Span)>,
    pub required_providers: IndexMap<String, RequiredProvider>,
    pub backend: Option<(String, Span, Arc<Body>)>,
    pub experiments: Vec<String>,
}

/// One module directory, decoded.
#[derive(Clone, Debug, Default)]
pub struct Module {
    pub dir: PathBuf,
    pub files: Vec<FileId>,
    pub variables: IndexMap<String, Variable>,
    pub locals: IndexMap<String, Local>,
    pub outputs: IndexMap<String, Output>,
    pub resources: Vec<Resource>,
    pub module_calls: IndexMap<String, ModuleCall>,
    pub providers: Vec<ProviderConfig>,
    pub checks: IndexMap<String, Check>,
    pub actions: Vec<Action>,
    pub imports: Vec<StructuralBlock>,
    pub moved: Vec<StructuralBlock>,
    pub removed: Vec<StructuralBlock>,
    pub terraform: TerraformSettings,
}

impl Module {
    pub fn resource(&self, mode: ResourceMode, type_name: &str, name: &str) -> Option<&Resource> {
        self.resources
            .iter()
            .find(|r| r.mode == mode && r.type_name == type_name && r.name == name)
    }
}

/// The configuration files of `dir` in Terraform's order: `*.tf` then `*.tf.json`, each sorted
/// by name; override files (`override.tf`, `*_override.tf`) are reported as unsupported.
pub fn module_files(dir: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Diagnostic::error("Failed to read module directory").detail(format!(
            "Module directory {} does not exist or cannot be read: {e}.",
            dir.display()
        ))
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            !name.starts_with('.')
                && !name.starts_with('#')
                && !name.ends_with('~')
                && (name.ends_with(".tf") || name.ends_with(".tf.json"))
        })
        .collect();
    files.sort_by_key(|p| (p.to_string_lossy().ends_with(".json"), p.clone()));
    Ok(files)
}

/// Loads and decodes every configuration file of `dir`; syntax and structure problems are all
/// reported, not only the first.
pub fn load_module(dir: &Path, sources: &mut SourceMap) -> (Module, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut module = Module {
        dir: dir.to_path_buf(),
        ..Module::default()
    };
    let files = match module_files(dir) {
        Ok(f) => f,
        Err(d) => {
            diags.push(d);
            return (module, diags);
        }
    };
    for path in files {
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                diags.push(Diagnostic::error("Failed to read file").detail(format!(
                    "The configuration file {} could not be read: {e}.",
                    path.display()
                )));
                continue;
            }
        };
        let name = display_name(&path);
        let is_json = name.ends_with(".json");
        let (text, note) = if is_json {
            match json_syntax::to_native(&text) {
                Ok(converted) => (converted, true),
                Err(d) => {
                    let id = sources.add(&name, path.clone(), Arc::from(text));
                    diags.push(d.at(Span::new(id, 0..0)));
                    continue;
                }
            }
        } else {
            (text, false)
        };
        let display = if note {
            format!("{name} (as native syntax)")
        } else {
            name
        };
        let id = sources.add(&display, path.clone(), Arc::from(text.as_str()));
        module.files.push(id);
        match parse_body(&text, id) {
            Ok(body) => decode_file(&mut module, body, id, sources, &mut diags),
            Err(d) => diags.push(d),
        }
    }
    (module, diags)
}

/// The path as the user should see it: relative to the working directory when possible.
pub fn display_name(path: &Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(&cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect::<PathBuf>()
        .to_string_lossy()
        .into_owned()
}

/// Parses a whole file; a syntax error becomes a diagnostic pointing at its position.
pub fn parse_body(text: &str, file: FileId) -> Result<Body, Diagnostic> {
    big_numbers::parse_body(text).map_err(|e| {
        let loc = e.location();
        let offset = crate::eval::byte_offset(text, loc.line(), loc.column());
        let message = e.message();
        let summary = if message.contains("expression") {
            "Invalid expression"
        } else if message.contains("block") || message.contains("}") {
            "Invalid block definition"
        } else {
            "Invalid HCL syntax"
        };
        Diagnostic::error(summary)
            .detail(format!("{}.", capitalize(message.trim_end_matches('.'))))
            .at(Span::new(file, offset..(offset + 1).min(text.len())))
    })
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A module with the modules it calls, loaded recursively from local sources.
#[derive(Clone, Debug, Default)]
pub struct ModuleTree {
    pub module: Module,
    /// `path.module` as Terraform shows it: `.` for the root, `modules/nodes` for a child.
    pub path_module: String,
    pub children: std::collections::BTreeMap<String, ModuleTree>,
}

impl ModuleTree {
    /// The configuration at a module instance path (instance keys do not matter).
    pub fn find(&self, path: &crate::addr::ModuleInstance) -> Option<&ModuleTree> {
        let mut t = self;
        for (name, _) in &path.0 {
            t = t.children.get(name)?;
        }
        Some(t)
    }
}

/// How deep module calls may nest before we assume a loop.
const MAX_MODULE_DEPTH: usize = 32;

/// Loads `dir` and, recursively, every module it calls. Only local sources (`./x`, `../x`) are
/// supported; a registry or remote source is an error that names it.
pub fn load_module_tree(dir: &Path, sources: &mut SourceMap) -> (ModuleTree, Diagnostics) {
    let mut diags = Diagnostics::new();
    let tree = load_tree(dir, ".".to_string(), sources, &mut diags, 0);
    (tree, diags)
}

fn load_tree(
    dir: &Path,
    path_module: String,
    sources: &mut SourceMap,
    diags: &mut Diagnostics,
    depth: usize,
) -> ModuleTree {
    let (module, d) = load_module(dir, sources);
    diags.extend(d);
    let mut children = std::collections::BTreeMap::new();
    for call in module.module_calls.values() {
        let local = call.source.starts_with("./") || call.source.starts_with("../");
        if !local {
            diags.push(
                Diagnostic::error("Unsupported module source")
                    .detail(format!(
                        "Module {:?} has source {:?}, a registry or remote address. bcmhcl runs local modules only: use a path starting with ./ or ../ (download the module first).",
                        call.name, call.source
                    ))
                    .at(call.source_span),
            );
            continue;
        }
        if depth >= MAX_MODULE_DEPTH {
            diags.push(
                Diagnostic::error("Module calls nested too deeply")
                    .detail(format!("Module calls nest more than {MAX_MODULE_DEPTH} levels deep; a module probably calls itself."))
                    .at(call.source_span),
            );
            continue;
        }
        let child_dir = dir.join(&call.source);
        if !child_dir.is_dir() {
            diags.push(
                Diagnostic::error("Module not found")
                    .detail(format!(
                        "The module directory {} does not exist.",
                        child_dir.display()
                    ))
                    .at(call.source_span),
            );
            continue;
        }
        let child_path = normalize(&Path::new(&path_module).join(&call.source));
        let child = load_tree(&child_dir, child_path, sources, diags, depth + 1);
        children.insert(call.name.clone(), child);
    }
    ModuleTree {
        module,
        path_module,
        children,
    }
}

/// `./a/../b` → `b`, as Terraform shows `path.module`.
fn normalize(p: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if parts.last().is_some_and(|l| l != "..") {
                    parts.pop();
                } else {
                    parts.push("..".into());
                }
            }
            other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
        }
    }
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}
