//! A computed diff tree and its text, following the layout rules of Terraform's
//! `jsonformat/computed/renderers`: four-space indent steps, a two-character action symbol per
//! line, aligned `=`, `-> null` on deletions, `# forces replacement`, and unchanged children
//! folded into `# (N unchanged ... hidden)`.

use super::differ;
use super::structured::{Change, Matcher};
use crate::plan::Action;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Terraform's colour markup (`[bold]`, `[red]`...) turned into ANSI codes or removed, as the
/// `colorstring` package does with `Reset` on: a final reset follows any coloured text.
#[derive(Clone, Copy, Debug)]
pub(super) struct Palette {
    pub enabled: bool,
}

impl Palette {
    fn code(name: &str) -> Option<&'static str> {
        Some(match name {
            "reset" => "\x1b[0m",
            "bold" => "\x1b[1m",
            "red" => "\x1b[31m",
            "green" => "\x1b[32m",
            "yellow" => "\x1b[33m",
            "cyan" => "\x1b[36m",
            "dark_gray" => "\x1b[90m",
            _ => return None,
        })
    }

    /// Applies the markup of `template`, then puts `args` in place of its `{}` holes. Data never
    /// goes through the markup, so an address such as `x["[red]"]` prints as it is.
    pub fn paint(&self, template: &str, args: &[&str]) -> String {
        let mut out = String::with_capacity(template.len() + 16);
        let mut coloured = false;
        let mut args = args.iter();
        let mut rest = template;
        while let Some(i) = rest.find(['[', '{']) {
            out.push_str(&rest[..i]);
            rest = &rest[i..];
            if let Some(after) = rest.strip_prefix("{}") {
                out.push_str(args.next().copied().unwrap_or(""));
                rest = after;
                continue;
            }
            let code = rest
                .find(']')
                .filter(|_| rest.starts_with('['))
                .and_then(|end| Palette::code(&rest[1..end]).map(|c| (c, end)));
            match code {
                Some((c, end)) => {
                    coloured = true;
                    if self.enabled {
                        out.push_str(c);
                    }
                    rest = &rest[end + 1..];
                }
                None => {
                    out.push_str(&rest[..1]);
                    rest = &rest[1..];
                }
            }
        }
        out.push_str(rest);
        if coloured && self.enabled {
            out.push_str("\x1b[0m");
        }
        out
    }
}

/// Terraform's three-character action symbol (`  +`, `-/+`, ` <=`...), coloured.
pub(super) fn action_symbol(action: Action, p: Palette) -> String {
    let template = match action {
        Action::DeleteThenCreate => "[red]-[reset]/[green]+[reset]",
        Action::CreateThenDelete => "[green]+[reset]/[red]-[reset]",
        Action::Create => "  [green]+[reset]",
        Action::Delete => "  [red]-[reset]",
        Action::Read => " [cyan]<=[reset]",
        Action::Update => "  [yellow]~[reset]",
        Action::NoOp => "   ",
    };
    p.paint(template, &[])
}

/// Options that shape one rendering call; `child()` gives the options for the next level down
/// (the two replacement overrides never cascade).
#[derive(Clone, Copy, Debug)]
pub(super) struct Opts {
    pub palette: Palette,
    pub override_null_suffix: bool,
    pub force_forces_replacement: bool,
    pub forbid_forces_replacement: bool,
    pub show_unchanged_children: bool,
    /// Terraform's `HideDiffActionSymbols`: no symbol column at all, as `terraform show` and
    /// `terraform state show` print objects of the state.
    pub hide_symbols: bool,
}

impl Opts {
    pub fn new(palette: Palette) -> Opts {
        Opts {
            palette,
            override_null_suffix: false,
            force_forces_replacement: false,
            forbid_forces_replacement: false,
            show_unchanged_children: false,
            hide_symbols: false,
        }
    }

    fn child(self) -> Opts {
        Opts {
            force_forces_replacement: false,
            forbid_forces_replacement: false,
            ..self
        }
    }
}

/// Kind of a primitive leaf; `Null` is the type of a JSON `null` inside a dynamic value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Prim {
    String,
    Number,
    Bool,
    Null,
}

#[derive(Clone, Debug)]
pub(super) struct Diff {
    pub renderer: Renderer,
    pub action: Action,
    pub replace: bool,
}

#[derive(Clone, Debug)]
pub(super) enum Renderer {
    Primitive {
        before: Option<Json>,
        after: Option<Json>,
        kind: Prim,
    },
    /// An object value or a JSON object; its attributes never print `-> null`.
    Object(BTreeMap<String, Diff>),
    Map(BTreeMap<String, Diff>),
    /// Lists, tuples and JSON arrays: unchanged neighbours of a change are shown for context.
    List(Vec<Diff>),
    Set(Vec<Diff>),
    Block {
        attributes: BTreeMap<String, Diff>,
        blocks: BTreeMap<String, BlockGroup>,
    },
    Sensitive {
        inner: Box<Diff>,
        before: bool,
        after: bool,
    },
    SensitiveBlock {
        inner: Box<Diff>,
        before: bool,
        after: bool,
    },
    /// `(known after apply)`, after the old value when there was one.
    Unknown(Option<Box<Diff>>),
    TypeChange {
        before: Box<Diff>,
        after: Box<Diff>,
    },
}

/// All nested blocks of one type within a block.
#[derive(Clone, Debug)]
pub(super) struct BlockGroup {
    pub blocks: BlockList,
    pub replace: bool,
    pub before_sensitive: bool,
    pub after_sensitive: bool,
    pub unknown: bool,
}

#[derive(Clone, Debug)]
pub(super) enum BlockList {
    Single(Box<Diff>),
    List(Vec<Diff>),
    Set(Vec<Diff>),
    Map(BTreeMap<String, Diff>),
}

impl Diff {
    pub fn new(renderer: Renderer, action: Action, replace: bool) -> Diff {
        Diff {
            renderer,
            action,
            replace,
        }
    }
}

fn indent_str(indent: usize) -> String {
    "    ".repeat(indent)
}

fn null_suffix(action: Action, opts: Opts) -> String {
    if !opts.override_null_suffix && action == Action::Delete {
        opts.palette.paint(" [dark_gray]-> null[reset]", &[])
    } else {
        String::new()
    }
}

fn forces_replacement(replace: bool, opts: Opts) -> String {
    if (replace || opts.force_forces_replacement) && !opts.forbid_forces_replacement {
        opts.palette.paint(" [red]# forces replacement[reset]", &[])
    } else {
        String::new()
    }
}

fn unchanged(keyword: &str, count: usize, opts: Opts) -> String {
    let plural = if count == 1 { "" } else { "s" };
    let text = format!("# ({count} unchanged {keyword}{plural} hidden)");
    opts.palette.paint("[dark_gray]{}[reset]", &[&text])
}

/// The action symbol and its trailing space (nothing when symbols are hidden).
fn symbol(action: Action, opts: Opts) -> String {
    if opts.hide_symbols {
        return String::new();
    }
    let mut s = action_symbol(action, opts.palette);
    s.push(' ');
    s
}

fn arrow(opts: Opts) -> String {
    opts.palette.paint(" [yellow]->[reset] ", &[])
}

/// HCL identifiers print bare; anything else is quoted as Go's `%q` quotes.
pub(super) fn attribute_name(name: &str) -> String {
    let mut chars = name.chars();
    let valid = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    if valid {
        name.to_string()
    } else {
        crate::value::go_quote(name)
    }
}

/// Go's `%-*s`: pads to `width` characters.
fn pad(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n >= width {
        s.to_string()
    } else {
        format!("{s}{}", " ".repeat(width - n))
    }
}

/// Attributes that are printed even when unchanged, so that the reader can tell which object a
/// block is about.
fn important_attribute(name: &str) -> bool {
    matches!(name, "id" | "name" | "tags")
}

impl Diff {
    /// The diff's text. The first line continues the caller's line; later lines are indented by
    /// `indent` levels.
    pub fn render(&self, indent: usize, opts: Opts) -> String {
        match &self.renderer {
            Renderer::Primitive {
                before,
                after,
                kind,
            } => self.render_primitive(before.as_ref(), after.as_ref(), *kind, indent, opts),
            Renderer::Object(attrs) => self.render_object(attrs, indent, opts),
            Renderer::Map(elems) => self.render_map(elems, indent, opts),
            Renderer::List(elems) => self.render_list(elems, indent, opts),
            Renderer::Set(elems) => self.render_set(elems, indent, opts),
            Renderer::Block { attributes, blocks } => {
                self.render_block(attributes, blocks, indent, opts)
            }
            Renderer::Sensitive { .. } => format!(
                "(sensitive value){}{}",
                null_suffix(self.action, opts),
                forces_replacement(self.replace, opts)
            ),
            Renderer::SensitiveBlock { .. } => {
                let prefix = format!("{}{}", indent_str(indent), symbol(Action::NoOp, opts));
                format!(
                    "{{{}\n{prefix}  # At least one attribute in this block is (or was) sensitive,\n{prefix}  # so its contents will not be displayed.\n{prefix}}}",
                    forces_replacement(self.replace, opts)
                )
            }
            Renderer::Unknown(before) => match before {
                Some(before) if self.action != Action::Create => {
                    let mut before_opts = opts.child();
                    before_opts.override_null_suffix = true;
                    if self.replace {
                        before_opts.forbid_forces_replacement = true;
                    }
                    format!(
                        "{} -> (known after apply){}",
                        before.render(indent, before_opts),
                        forces_replacement(self.replace, opts)
                    )
                }
                _ => format!(
                    "(known after apply){}",
                    forces_replacement(self.replace, opts)
                ),
            },
            Renderer::TypeChange { before, after } => {
                let mut o = opts;
                o.override_null_suffix = true;
                format!(
                    "{}{}{}",
                    before.render(indent, o),
                    arrow(opts),
                    after.render(indent, o)
                )
            }
        }
    }

    /// Lines printed above the diff: warnings about sensitivity changing.
    pub fn warnings(&self, indent: usize, opts: Opts) -> Vec<String> {
        let (inner, before, after, what, tail) = match &self.renderer {
            Renderer::Sensitive {
                inner,
                before,
                after,
            } => (inner, *before, *after, "attribute value", true),
            Renderer::SensitiveBlock {
                inner,
                before,
                after,
            } => (inner, *before, *after, "block", false),
            _ => return Vec::new(),
        };
        if before == after || matches!(inner.action, Action::Create | Action::Delete) {
            return Vec::new();
        }
        let pad = indent_str(indent);
        let warning = if before {
            let text = format!(
                ": this {what} will no longer be marked as sensitive\n{pad}  # after applying this change."
            );
            opts.palette.paint("  # [yellow]Warning[reset]{}", &[&text])
        } else {
            let text = format!(
                ": this {what} will be marked as sensitive and will not\n{pad}  # display in UI output after applying this change."
            );
            opts.palette.paint("  # [yellow]Warning[reset]{}", &[&text])
        };
        if tail && inner.action == Action::NoOp {
            vec![format!("{warning} The value is unchanged.")]
        } else {
            vec![warning]
        }
    }

    fn render_primitive(
        &self,
        before: Option<&Json>,
        after: Option<&Json>,
        kind: Prim,
        indent: usize,
        opts: Opts,
    ) -> String {
        if kind == Prim::String {
            return self.render_string(before, after, indent, opts);
        }
        let b = primitive_text(before, opts);
        let a = primitive_text(after, opts);
        let fr = forces_replacement(self.replace, opts);
        match self.action {
            Action::Create => format!("{a}{fr}"),
            Action::Delete => format!("{b}{}{fr}", null_suffix(self.action, opts)),
            Action::NoOp => format!("{b}{fr}"),
            _ => format!("{b}{}{a}{fr}", arrow(opts)),
        }
    }

    fn render_string(
        &self,
        before: Option<&Json>,
        after: Option<&Json>,
        indent: usize,
        opts: Opts,
    ) -> String {
        let fr = forces_replacement(self.replace, opts);
        let line_prefix =
            |action: Action| format!("{}{}", indent_str(indent + 1), symbol(action, opts));
        let lines: Vec<String> = match self.action {
            Action::Create | Action::NoOp => {
                let s = EvaluatedString::new(after, opts);
                if let Some(json) = &s.json {
                    return if self.action == Action::NoOp {
                        self.render_string_as_json(indent, opts, Some(json), Some(json))
                    } else {
                        self.render_string_as_json(indent, opts, None, Some(json))
                    };
                }
                if !s.multiline {
                    return format!("{}{fr}", s.simple());
                }
                s.text
                    .split('\n')
                    .map(|l| format!("{}{l}", line_prefix(Action::NoOp)))
                    .collect()
            }
            Action::Delete => {
                let s = EvaluatedString::new(before, opts);
                if s.null {
                    return format!("{}{fr}", s.simple());
                }
                if let Some(json) = &s.json {
                    return self.render_string_as_json(indent, opts, Some(json), None);
                }
                if !s.multiline {
                    return format!("{}{}{fr}", s.simple(), null_suffix(self.action, opts));
                }
                s.text
                    .split('\n')
                    .map(|l| format!("{}{l}", line_prefix(Action::NoOp)))
                    .collect()
            }
            _ => {
                let b = EvaluatedString::new(before, opts);
                let a = EvaluatedString::new(after, opts);
                if let (Some(bj), Some(aj)) = (&b.json, &a.json) {
                    return self.render_string_as_json(indent, opts, Some(bj), Some(aj));
                }
                if b.json.is_some() || a.json.is_some() {
                    // One side is JSON and the other is not: shown as a type change.
                    let del = Diff::new(
                        Renderer::Primitive {
                            before: before.cloned(),
                            after: None,
                            kind: Prim::String,
                        },
                        Action::Delete,
                        false,
                    );
                    let create = Diff::new(
                        Renderer::Primitive {
                            before: None,
                            after: after.cloned(),
                            kind: Prim::String,
                        },
                        Action::Create,
                        false,
                    );
                    return Diff::new(
                        Renderer::TypeChange {
                            before: Box::new(del),
                            after: Box::new(create),
                        },
                        self.action,
                        self.replace,
                    )
                    .render(indent, opts);
                }
                if !b.multiline && !a.multiline {
                    return format!("{}{}{}{fr}", b.simple(), arrow(opts), a.simple());
                }
                let before_lines: Vec<&str> = b.text.split('\n').collect();
                let after_lines: Vec<&str> = a.text.split('\n').collect();
                let mut lines = Vec::new();
                differ::process_slice(
                    &before_lines,
                    &after_lines,
                    |_| false,
                    |bi, ai| match (before_lines.get(bi), after_lines.get(ai)) {
                        (None, Some(al)) => {
                            lines.push(format!("{}{al}", line_prefix(Action::Create)))
                        }
                        (Some(bl), None) => {
                            lines.push(format!("{}{bl}", line_prefix(Action::Delete)))
                        }
                        (Some(bl), Some(al)) if bl != al => {
                            lines.push(format!("{}{bl}", line_prefix(Action::Delete)));
                            lines.push(format!("{}{al}", line_prefix(Action::Create)));
                        }
                        (Some(bl), Some(_)) => {
                            lines.push(format!("{}{bl}", line_prefix(Action::NoOp)))
                        }
                        (None, None) => {}
                    },
                );
                lines
            }
        };
        format!(
            "<<-EOT{fr}\n{}\n{}{}EOT{}",
            lines.join("\n"),
            indent_str(indent),
            symbol(Action::NoOp, opts),
            null_suffix(self.action, opts)
        )
    }

    /// A string holding JSON, shown as `jsonencode(...)` with a structural diff inside.
    fn render_string_as_json(
        &self,
        indent: usize,
        opts: Opts,
        before: Option<&Json>,
        after: Option<&Json>,
    ) -> String {
        let change = Change {
            before: before.filter(|j| !j.is_null()),
            after: after.filter(|j| !j.is_null()),
            before_explicit: self.action != Action::Create,
            after_explicit: self.action != Action::Delete,
            unknown: super::structured::Unknown::Json(None),
            before_sensitive: None,
            after_sensitive: None,
            replace: Matcher::default(),
            non_legacy: false,
        };
        let json_diff = differ::json_transform(change);
        let mut json_opts = opts.child();
        json_opts.override_null_suffix = true;

        let mut action = self.action;
        let mut whitespace = "";
        let mut replace = String::new();
        if json_diff.action == Action::NoOp && self.action == Action::Update {
            // Only whitespace changed: the JSON diff alone would show nothing.
            whitespace = if self.replace {
                " # whitespace changes force replacement"
            } else {
                " # whitespace changes"
            };
            json_opts.show_unchanged_children = true;
            action = Action::NoOp;
        } else {
            replace = forces_replacement(self.replace, opts);
        }
        let rendered = json_diff.render(indent + 1, json_opts);
        if matches!(self.action, Action::Create | Action::Delete) {
            action = Action::NoOp;
        }
        if rendered.contains('\n') {
            format!(
                "jsonencode({whitespace}\n{}{}{rendered}{replace}\n{}{}){}",
                indent_str(indent + 1),
                symbol(action, opts),
                indent_str(indent),
                symbol(Action::NoOp, opts),
                null_suffix(self.action, opts)
            )
        } else {
            format!("jsonencode({rendered}){whitespace}{replace}")
        }
    }

    fn render_object(&self, attrs: &BTreeMap<String, Diff>, indent: usize, opts: Opts) -> String {
        if attrs.is_empty() {
            return format!(
                "{{}}{}{}",
                null_suffix(self.action, opts),
                forces_replacement(self.replace, opts)
            );
        }
        let mut attr_opts = opts.child();
        attr_opts.override_null_suffix = true;
        let escaped: BTreeMap<&str, String> = attrs
            .keys()
            .map(|k| (k.as_str(), attribute_name(k)))
            .collect();
        let width = escaped.values().map(String::len).max().unwrap_or(0);
        let mut out = format!("{{{}\n", forces_replacement(self.replace, opts));
        let mut hidden = 0;
        for (key, attr) in attrs {
            let name = &escaped[key.as_str()];
            let o = if important_attribute(key) {
                let mut o = attr_opts.child();
                o.show_unchanged_children = true;
                o
            } else if attr.action == Action::NoOp && !opts.show_unchanged_children {
                hidden += 1;
                continue;
            } else {
                attr_opts
            };
            let warn_opts = if important_attribute(key) { o } else { opts };
            for w in attr.warnings(indent + 1, warn_opts) {
                let _ = writeln!(out, "{}{w}", indent_str(indent + 1));
            }
            let _ = writeln!(
                out,
                "{}{}{} = {}",
                indent_str(indent + 1),
                symbol(attr.action, o),
                pad(name, width),
                attr.render(indent + 1, o)
            );
        }
        self.close(&mut out, "attribute", hidden, '}', indent, opts);
        out
    }

    /// The line counting hidden unchanged members, then the closing bracket (and
    /// `-> null` when the whole value goes).
    fn close(
        &self,
        out: &mut String,
        kind: &str,
        hidden: usize,
        bracket: char,
        indent: usize,
        opts: Opts,
    ) {
        if hidden > 0 {
            let _ = writeln!(
                out,
                "{}{}{}",
                indent_str(indent + 1),
                symbol(Action::NoOp, opts),
                unchanged(kind, hidden, opts)
            );
        }
        let _ = write!(
            out,
            "{}{}{bracket}{}",
            indent_str(indent),
            symbol(Action::NoOp, opts),
            null_suffix(self.action, opts)
        );
    }

    fn render_map(&self, elems: &BTreeMap<String, Diff>, indent: usize, opts: Opts) -> String {
        if elems.is_empty() {
            return format!(
                "{{}}{}{}",
                null_suffix(self.action, opts),
                forces_replacement(self.replace, opts)
            );
        }
        let escaped: BTreeMap<&str, String> = elems
            .keys()
            .map(|k| (k.as_str(), crate::value::go_quote(k)))
            .collect();
        let width = escaped.values().map(String::len).max().unwrap_or(0);
        let mut elem_opts = opts.child();
        elem_opts.override_null_suffix = self.action == Action::Delete;
        let mut out = format!("{{{}\n", forces_replacement(self.replace, opts));
        let mut hidden = 0;
        for (key, elem) in elems {
            if elem.action == Action::NoOp && !opts.show_unchanged_children {
                hidden += 1;
                continue;
            }
            for w in elem.warnings(indent + 1, opts) {
                let _ = writeln!(out, "{}{w}", indent_str(indent + 1));
            }
            let comma = if matches!(elem.renderer, Renderer::Object(_)) {
                ","
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "{}{}{} = {}{comma}",
                indent_str(indent + 1),
                symbol(elem.action, elem_opts),
                pad(&escaped[key.as_str()], width),
                elem.render(indent + 1, elem_opts)
            );
        }
        self.close(&mut out, "element", hidden, '}', indent, opts);
        out
    }

    fn render_list(&self, elems: &[Diff], indent: usize, opts: Opts) -> String {
        if elems.is_empty() {
            return format!(
                "[]{}{}",
                null_suffix(self.action, opts),
                forces_replacement(self.replace, opts)
            );
        }
        let mut elem_opts = opts.child();
        elem_opts.override_null_suffix = true;
        let mut unchanged_opts = opts.child();
        unchanged_opts.show_unchanged_children = true;

        let mut out = format!("[{}\n", forces_replacement(self.replace, opts));
        // Unchanged elements since the last printed one; the one just before a change is
        // printed in full to show where in the list the change happens.
        let mut pending: Vec<&Diff> = Vec::new();
        let mut render_next = false;
        for elem in elems {
            if elem.action == Action::NoOp && !render_next && !opts.show_unchanged_children {
                pending.push(elem);
                continue;
            }
            render_next = false;
            let mut o = elem_opts;
            if pending.len() > 1 {
                let _ = writeln!(
                    out,
                    "{}{}{}",
                    indent_str(indent + 1),
                    symbol(Action::NoOp, o),
                    unchanged("element", pending.len() - 1, o)
                );
            }
            if let Some(last) = pending.last() {
                let _ = writeln!(
                    out,
                    "{}{}{},",
                    indent_str(indent + 1),
                    symbol(last.action, unchanged_opts),
                    last.render(indent + 1, unchanged_opts)
                );
            }
            pending.clear();
            if elem.action == Action::NoOp {
                o = unchanged_opts;
            } else {
                render_next = true;
            }
            for w in elem.warnings(indent + 1, o) {
                let _ = writeln!(out, "{}{w}", indent_str(indent + 1));
            }
            let _ = writeln!(
                out,
                "{}{}{},",
                indent_str(indent + 1),
                symbol(elem.action, o),
                elem.render(indent + 1, o)
            );
        }
        if !pending.is_empty() {
            let _ = writeln!(
                out,
                "{}{}{}",
                indent_str(indent + 1),
                symbol(Action::NoOp, opts),
                unchanged("element", pending.len(), opts)
            );
        }
        let _ = write!(
            out,
            "{}{}]{}",
            indent_str(indent),
            symbol(Action::NoOp, opts),
            null_suffix(self.action, opts)
        );
        out
    }

    fn render_set(&self, elems: &[Diff], indent: usize, opts: Opts) -> String {
        if elems.is_empty() {
            return format!(
                "[]{}{}",
                null_suffix(self.action, opts),
                forces_replacement(self.replace, opts)
            );
        }
        let mut elem_opts = opts.child();
        elem_opts.override_null_suffix = true;
        let mut out = format!("[{}\n", forces_replacement(self.replace, opts));
        let mut hidden = 0;
        for elem in elems {
            if elem.action == Action::NoOp && !opts.show_unchanged_children {
                hidden += 1;
                continue;
            }
            for w in elem.warnings(indent + 1, opts) {
                let _ = writeln!(out, "{}{w}", indent_str(indent + 1));
            }
            let _ = writeln!(
                out,
                "{}{}{},",
                indent_str(indent + 1),
                symbol(elem.action, elem_opts),
                elem.render(indent + 1, elem_opts)
            );
        }
        self.close(&mut out, "element", hidden, ']', indent, opts);
        out
    }

    fn render_block(
        &self,
        attributes: &BTreeMap<String, Diff>,
        blocks: &BTreeMap<String, BlockGroup>,
        indent: usize,
        opts: Opts,
    ) -> String {
        if attributes.is_empty() && blocks.is_empty() {
            return format!("{{}}{}", forces_replacement(self.replace, opts));
        }
        let escaped: BTreeMap<&str, String> = attributes
            .keys()
            .map(|k| (k.as_str(), attribute_name(k)))
            .collect();
        let width = escaped.values().map(String::len).max().unwrap_or(0);
        let mut important_opts = opts.child();
        important_opts.show_unchanged_children = true;
        let attr_opts = opts.child();

        let mut out = format!("{{{}\n", forces_replacement(self.replace, opts));
        let mut hidden_attrs = 0;
        for (key, attr) in attributes {
            if important_attribute(key) {
                for w in attr.warnings(indent + 1, important_opts) {
                    let _ = writeln!(out, "{}{w}", indent_str(indent + 1));
                }
                let _ = writeln!(
                    out,
                    "{}{}{} = {}",
                    indent_str(indent + 1),
                    symbol(attr.action, important_opts),
                    pad(key, width),
                    attr.render(indent + 1, important_opts)
                );
                continue;
            }
            if attr.action == Action::NoOp && !opts.show_unchanged_children {
                hidden_attrs += 1;
                continue;
            }
            for w in attr.warnings(indent + 1, opts) {
                let _ = writeln!(out, "{}{w}", indent_str(indent + 1));
            }
            let _ = writeln!(
                out,
                "{}{}{} = {}",
                indent_str(indent + 1),
                symbol(attr.action, attr_opts),
                pad(&escaped[key.as_str()], width),
                attr.render(indent + 1, attr_opts)
            );
        }
        if hidden_attrs > 0 {
            let _ = writeln!(
                out,
                "{}{}{}",
                indent_str(indent + 1),
                symbol(Action::NoOp, opts),
                unchanged("attribute", hidden_attrs, opts)
            );
        }

        let mut hidden_blocks = 0;
        for (key, group) in blocks {
            let mut found_changed = false;
            let mut render_one = |diff: &Diff, map_key: &str, out: &mut String| {
                let sensitive = match diff.action {
                    Action::Create => group.after_sensitive,
                    Action::Delete => group.before_sensitive,
                    Action::Update | Action::NoOp => {
                        group.after_sensitive || group.before_sensitive
                    }
                    _ => false,
                };
                let wrapped;
                let diff = if sensitive {
                    // The whole group of blocks is sensitive: hide each block's contents.
                    let mut action = diff.action;
                    if action == Action::NoOp && group.before_sensitive != group.after_sensitive {
                        action = Action::Update;
                    }
                    wrapped = Diff::new(
                        Renderer::SensitiveBlock {
                            inner: Box::new(diff.clone()),
                            before: group.before_sensitive,
                            after: group.after_sensitive,
                        },
                        action,
                        diff.replace,
                    );
                    &wrapped
                } else {
                    diff
                };
                if diff.action == Action::NoOp && !opts.show_unchanged_children {
                    hidden_blocks += 1;
                    return;
                }
                if !found_changed && !attributes.is_empty() {
                    out.push('\n');
                    found_changed = true;
                }
                let mut block_opts = opts.child();
                block_opts.force_forces_replacement = group.replace;
                for w in diff.warnings(indent + 1, block_opts) {
                    let _ = writeln!(out, "{}{w}", indent_str(indent + 1));
                }
                let _ = writeln!(
                    out,
                    "{}{}{}{map_key} {}",
                    indent_str(indent + 1),
                    symbol(diff.action, block_opts),
                    attribute_name(key),
                    diff.render(indent + 1, block_opts)
                );
            };
            let unknown_marker = || Diff::new(Renderer::Unknown(None), self.action, false);
            match &group.blocks {
                BlockList::Single(d) => render_one(d, "", &mut out),
                BlockList::Map(m) => {
                    if group.unknown {
                        render_one(&unknown_marker(), "", &mut out);
                    }
                    for (k, d) in m {
                        render_one(d, &format!(" {}", crate::value::go_quote(k)), &mut out);
                    }
                }
                BlockList::List(list) | BlockList::Set(list) => {
                    if group.unknown {
                        render_one(&unknown_marker(), "", &mut out);
                    }
                    for d in list {
                        render_one(d, "", &mut out);
                    }
                }
            }
        }
        if hidden_blocks > 0 {
            let _ = writeln!(
                out,
                "\n{}{}{}",
                indent_str(indent + 1),
                symbol(Action::NoOp, opts),
                unchanged("block", hidden_blocks, opts)
            );
        }
        let _ = write!(
            out,
            "{}{}}}",
            indent_str(indent),
            symbol(Action::NoOp, opts)
        );
        out
    }
}

/// A primitive that is not a string: `null`, a number as written, `true`/`false`.
fn primitive_text(v: Option<&Json>, opts: Opts) -> String {
    match v {
        None | Some(Json::Null) => opts.palette.paint("[dark_gray]null[reset]", &[]),
        Some(Json::Bool(b)) => b.to_string(),
        Some(Json::Number(n)) => n.to_string(),
        Some(Json::String(s)) => crate::value::go_quote(s),
        Some(other) => other.to_string(),
    }
}

/// A string as the renderer classifies it: null, JSON, multi-line or plain.
struct EvaluatedString {
    text: String,
    json: Option<Json>,
    multiline: bool,
    null: bool,
}

impl EvaluatedString {
    fn new(v: Option<&Json>, opts: Opts) -> EvaluatedString {
        let s = match v {
            None | Some(Json::Null) => {
                return EvaluatedString {
                    text: opts.palette.paint("[dark_gray]null[reset]", &[]),
                    json: None,
                    multiline: false,
                    null: true,
                }
            }
            Some(Json::String(s)) => s.as_str(),
            // Not a string after all (a malformed plan): show it as JSON text.
            Some(other) => {
                return EvaluatedString {
                    text: other.to_string(),
                    json: None,
                    multiline: false,
                    null: false,
                }
            }
        };
        if s.starts_with('{') || s.starts_with('[') {
            if let Ok(j) = serde_json::from_str::<Json>(s) {
                return EvaluatedString {
                    text: s.to_string(),
                    json: Some(j),
                    multiline: false,
                    null: false,
                };
            }
        }
        if s.contains('\n') {
            return EvaluatedString {
                text: s.trim().to_string(),
                json: None,
                multiline: true,
                null: false,
            };
        }
        EvaluatedString {
            text: s.to_string(),
            json: None,
            multiline: false,
            null: false,
        }
    }

    fn simple(&self) -> String {
        if self.null {
            self.text.clone()
        } else {
            crate::value::go_quote(&self.text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_becomes_ansi_codes_or_disappears() {
        let on = Palette { enabled: true };
        let off = Palette { enabled: false };
        assert_eq!(off.paint("[bold]  # {}[reset] x", &["a[0]"]), "  # a[0] x");
        assert_eq!(
            on.paint("[bold]# {}[reset]", &["[red]"]),
            "\x1b[1m# [red]\x1b[0m\x1b[0m"
        );
        assert_eq!(off.paint("[nocolor] {}", &["x"]), "[nocolor] x");
    }

    #[test]
    fn attribute_names_are_quoted_unless_identifiers() {
        assert_eq!(attribute_name("list-attribute"), "list-attribute");
        assert_eq!(attribute_name("_x"), "_x");
        assert_eq!(attribute_name("a b"), "\"a b\"");
        assert_eq!(attribute_name("1a"), "\"1a\"");
    }

    #[test]
    fn updated_numbers_print_with_an_arrow() {
        let d = Diff::new(
            Renderer::Primitive {
                before: Some(Json::from(1)),
                after: Some(Json::from(2)),
                kind: Prim::Number,
            },
            Action::Update,
            true,
        );
        let opts = Opts::new(Palette { enabled: false });
        assert_eq!(d.render(0, opts), "1 -> 2 # forces replacement");
    }
}
