//! Properties of the formatter over files Terraform accepted (the recorded fixtures), with the
//! blanks between their tokens shuffled: formatting keeps the parsed meaning, is idempotent,
//! and undoes any re-spacing of an already formatted file.

use super::format_source;
use super::lexer::{lex, Kind};
use crate::diag::FileId;
use hcl::expr::{Expression, ObjectKey, Operation, TemplateExpr, TraversalOperator};
use hcl::structure::{BlockLabel, Body, Structure};
use hcl::template::{Directive, Element, Template};
use proptest::prelude::*;
use std::path::Path;

/// Each fixture input and its Terraform-formatted version.
fn corpus() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fmt");
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return out;
    };
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let name = path.to_string_lossy().into_owned();
        if !(name.ends_with(".tf") || name.ends_with(".tfvars")) {
            continue;
        }
        let (Ok(input), Ok(golden)) = (
            std::fs::read_to_string(&path),
            std::fs::read_to_string(format!("{name}.golden")),
        ) else {
            continue;
        };
        let input = input.trim_start_matches('\u{feff}').to_string();
        out.push((input, golden));
    }
    out
}

/// Replaces the blanks between tokens, where the scanner skips them, with blanks drawn from
/// `noise`. Gaps inside templates and the blanks at the end of the file stay as they are;
/// a gap between two words never closes, so tokens cannot merge.
fn respace(text: &str, noise: &[u8]) -> String {
    let tokens = lex(text);
    let mut out = String::with_capacity(text.len() * 2);
    let mut last_end = 0;
    let mut draws = noise.iter().cycle();
    for (i, token) in tokens.iter().enumerate() {
        let Some(start) = token.start else { continue };
        let gap = &text[last_end..start];
        let previous = i.checked_sub(1).map(|p| tokens[p].kind);
        let in_template = matches!(
            previous,
            Some(
                Kind::OQuote
                    | Kind::QuotedLit
                    | Kind::StringLit
                    | Kind::OHeredoc
                    | Kind::TemplateSeqEnd
                    | Kind::CHeredoc
            )
        ) || matches!(
            token.kind,
            Kind::QuotedLit
                | Kind::StringLit
                | Kind::CQuote
                | Kind::CHeredoc
                | Kind::TemplateInterp
                | Kind::TemplateControl
                | Kind::Eof
        );
        let wordy = |k: Option<Kind>| matches!(k, Some(Kind::Ident | Kind::NumberLit));
        let may_close = !wordy(previous) && !wordy(Some(token.kind));
        if in_template || noise.is_empty() {
            out.push_str(gap);
        } else {
            let draw = draws.next().copied().unwrap_or(0);
            let minimum = usize::from(!gap.is_empty() && !may_close);
            let count = minimum.max(usize::from(draw % 4));
            for bit in 0..count {
                out.push(if draw >> (4 + bit) & 1 == 1 {
                    '\t'
                } else {
                    ' '
                });
            }
        }
        out.push_str(&token.text);
        last_end = start + token.text.len();
    }
    out
}

/// A file's meaning as a string that ignores layout, parentheses, and the rewrites Terraform
/// makes on purpose (quoted labels, `"${x}"` as `x`, modern type names).
fn meaning(text: &str) -> Result<String, String> {
    let body: Body = hcl::parse(text).map_err(|e| e.to_string())?;
    Ok(body_meaning(&body, &[]))
}

fn body_meaning(body: &Body, blocks: &[String]) -> String {
    let mut out = String::new();
    for structure in body.iter() {
        match structure {
            Structure::Attribute(a) => {
                let mut value = expr_meaning(&a.expr);
                if blocks == ["variable"] && a.key.as_str() == "type" {
                    value = modern_type(value);
                }
                out.push_str(&format!("{} = {value};", a.key.as_str()));
            }
            Structure::Block(b) => {
                // Terraform 1.0.3 loses a label with `$` or `%` in it (hclwrite cannot read
                // such a label back), so those are left out on both sides.
                let labels: Vec<String> = b
                    .labels
                    .iter()
                    .map(|l| match l {
                        BlockLabel::Identifier(i) => i.as_str().to_string(),
                        BlockLabel::String(s) => s.clone(),
                    })
                    .filter(|l| !l.contains(['$', '%']))
                    .collect();
                let mut inner = blocks.to_vec();
                inner.push(b.identifier.as_str().to_string());
                out.push_str(&format!(
                    "{} {labels:?} {{{}}}",
                    b.identifier.as_str(),
                    body_meaning(&b.body, &inner)
                ));
            }
        }
    }
    out
}

fn modern_type(meaning: String) -> String {
    let parsed = |s: &str| {
        s.parse::<Expression>()
            .map(|e| expr_meaning(&e))
            .unwrap_or_default()
    };
    for (legacy, modern) in [
        ("\"string\"", "string"),
        ("\"list\"", "list(string)"),
        ("\"map\"", "map(string)"),
        ("list", "list(any)"),
        ("map", "map(any)"),
        ("set", "set(any)"),
    ] {
        if meaning == parsed(legacy) {
            return parsed(modern);
        }
    }
    meaning
}

fn expr_meaning(e: &Expression) -> String {
    match e {
        Expression::Parenthesis(inner) => expr_meaning(inner),
        Expression::Array(items) => {
            let items: Vec<String> = items.iter().map(expr_meaning).collect();
            format!("[{}]", items.join(","))
        }
        Expression::Object(object) => {
            let entries: Vec<String> = object
                .iter()
                .map(|(k, v)| {
                    let key = match k {
                        ObjectKey::Identifier(i) => i.as_str().to_string(),
                        ObjectKey::Expression(e) => expr_meaning(e),
                        other => format!("{other:?}"),
                    };
                    format!("{key}={}", expr_meaning(v))
                })
                .collect();
            format!("{{{}}}", entries.join(","))
        }
        Expression::TemplateExpr(t) => template_expr_meaning(t),
        Expression::Traversal(t) => {
            let mut out = expr_meaning(&t.expr);
            for op in &t.operators {
                match op {
                    TraversalOperator::Index(i) => out.push_str(&format!("[{}]", expr_meaning(i))),
                    other => out.push_str(&format!("{other:?}")),
                }
            }
            out
        }
        Expression::FuncCall(f) => {
            let args: Vec<String> = f.args.iter().map(expr_meaning).collect();
            format!(
                "{:?}({}{})",
                f.name,
                args.join(","),
                if f.expand_final { "..." } else { "" }
            )
        }
        Expression::Conditional(c) => format!(
            "({} ? {} : {})",
            expr_meaning(&c.cond_expr),
            expr_meaning(&c.true_expr),
            expr_meaning(&c.false_expr)
        ),
        Expression::Operation(op) => match op.as_ref() {
            Operation::Unary(u) => format!("({:?} {})", u.operator, expr_meaning(&u.expr)),
            Operation::Binary(b) => format!(
                "({} {:?} {})",
                expr_meaning(&b.lhs_expr),
                b.operator,
                expr_meaning(&b.rhs_expr)
            ),
        },
        Expression::ForExpr(f) => format!(
            "for({:?},{:?} in {}: {:?} => {} grouping {} if {:?})",
            f.key_var,
            f.value_var,
            expr_meaning(&f.collection_expr),
            f.key_expr.as_ref().map(expr_meaning),
            expr_meaning(&f.value_expr),
            f.grouping,
            f.cond_expr.as_ref().map(expr_meaning)
        ),
        other => format!("{other:?}"),
    }
}

fn template_expr_meaning(t: &TemplateExpr) -> String {
    let Ok(template) = Template::from_expr(t) else {
        return format!("{t:?}");
    };
    // Terraform 1.0.3 unwraps a string that is a single interpolation, strip markers or not.
    if let (TemplateExpr::QuotedString(_), [Element::Interpolation(i)]) = (t, template.elements()) {
        return expr_meaning(&i.expr);
    }
    let kind = match t {
        TemplateExpr::QuotedString(_) => "quoted".to_string(),
        TemplateExpr::Heredoc(h) => format!("heredoc {:?}", h.strip),
    };
    format!("{kind}<{}>", template_meaning(&template))
}

fn template_meaning(t: &Template) -> String {
    t.elements()
        .iter()
        .map(|element| match element {
            Element::Literal(s) => format!("{s:?}"),
            Element::Interpolation(i) => format!("${{{:?} {}}}", i.strip, expr_meaning(&i.expr)),
            Element::Directive(d) => match d.as_ref() {
                Directive::If(d) => format!(
                    "%{{if {} {:?} {:?} {:?}}}{}%{{else}}{}%{{endif}}",
                    expr_meaning(&d.cond_expr),
                    d.if_strip,
                    d.else_strip,
                    d.endif_strip,
                    template_meaning(&d.true_template),
                    d.false_template
                        .as_ref()
                        .map(template_meaning)
                        .unwrap_or_default()
                ),
                Directive::For(d) => format!(
                    "%{{for {:?} {:?} in {} {:?} {:?}}}{}%{{endfor}}",
                    d.key_var,
                    d.value_var,
                    expr_meaning(&d.collection_expr),
                    d.for_strip,
                    d.endfor_strip,
                    template_meaning(&d.template)
                ),
            },
        })
        .collect()
}

fn fixture_and_noise() -> impl Strategy<Value = (usize, Vec<u8>)> {
    (0..1000usize, proptest::collection::vec(any::<u8>(), 0..64))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn formatting_keeps_the_meaning_and_is_idempotent((pick, noise) in fixture_and_noise()) {
        let corpus = corpus();
        prop_assume!(!corpus.is_empty());
        let (input, _) = &corpus[pick % corpus.len()];
        let shuffled = respace(input, &noise);
        let formatted = format_source(&shuffled, FileId(0));
        prop_assert!(formatted.is_ok(), "{shuffled:?}: {formatted:?}");
        let formatted = formatted.unwrap_or_default();
        let before = meaning(input);
        // hcl-rs cannot read everything Terraform accepts; only what it reads is compared.
        if let Ok(before) = before {
            prop_assert_eq!(Ok(before), meaning(&formatted), "{}", formatted);
        }
        prop_assert_eq!(format_source(&formatted, FileId(0)).ok(), Some(formatted));
    }

    #[test]
    fn a_formatted_file_comes_back_whatever_its_spacing((pick, noise) in fixture_and_noise()) {
        let corpus = corpus();
        prop_assume!(!corpus.is_empty());
        let (_, golden) = &corpus[pick % corpus.len()];
        let shuffled = respace(golden, &noise);
        let formatted = format_source(&shuffled, FileId(0)).ok();
        prop_assert_eq!(formatted.as_ref(), Some(golden), "{:?}", shuffled);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "[a-z={}\\[\\]()\"$%#/*<>\n\t ,.:?!-]{0,60}") {
        let _ = format_source(&text, FileId(0));
    }
}

#[test]
fn respacing_changes_only_blanks_between_tokens() {
    let text = "a = \"x y\" # c\nb = [1, 2]\n";
    let shuffled = respace(text, &[0x13, 0x02, 0x31]);
    let squeeze = |s: &str| s.replace([' ', '\t'], "");
    assert_eq!(squeeze(&shuffled), squeeze(text));
    assert!(shuffled.contains("\"x y\""), "{shuffled}");
    assert_ne!(shuffled, text);
}

#[test]
fn the_meaning_check_reads_nearly_every_fixture() {
    let corpus = corpus();
    let read = corpus
        .iter()
        .filter(|(input, _)| meaning(input).is_ok())
        .count();
    assert!(corpus.len() >= 45, "{} fixtures", corpus.len());
    assert!(
        read + 5 >= corpus.len(),
        "hcl-rs reads only {read} of {}",
        corpus.len()
    );
}
