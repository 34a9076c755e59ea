//! hclwrite's layout rules, which `terraform fmt` applies to the whole token stream: each
//! line's indent from its net bracket count, the spacing between neighbouring tokens, and
//! vertical alignment of `=` and of trailing comments across consecutive lines.
//!
//! Only the spaces before tokens change; token text and newlines are never touched, which is
//! why heredoc bodies and comments come out as they went in.

use super::lexer::{Kind, Token};
use unicode_segmentation::UnicodeSegmentation;

/// One line of tokens split into hclwrite's three cells: everything up to an attribute's
/// `=` (lead), the `=` and its value (assign), and a trailing line comment.
struct Line {
    lead: std::ops::Range<usize>,
    assign: Option<std::ops::Range<usize>>,
    comment: Option<usize>,
}

/// Sets `spaces_before` of every token but the end-of-file marker.
pub fn layout(tokens: &mut [Token<'_>]) {
    let lines = split_lines(tokens);
    indent(tokens, &lines);
    space(tokens, &lines);
    align(tokens, &lines);
}

fn split_lines(tokens: &[Token<'_>]) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, t) in tokens.iter().enumerate() {
        if t.kind == Kind::Eof {
            lines.push(start..i);
            break;
        }
        if t.ends_line() {
            lines.push(start..i + 1);
            start = i + 1;
        }
    }
    lines
        .into_iter()
        .map(|range| cells(tokens, range))
        .collect()
}

fn cells(tokens: &[Token<'_>], range: std::ops::Range<usize>) -> Line {
    let mut lead = range.clone();
    let mut comment = None;
    if lead.len() > 1 && tokens[lead.end - 1].kind == Kind::Comment {
        comment = Some(lead.end - 1);
        lead.end -= 1;
    }
    let mut assign = None;
    if let Some(eq) = (lead.start + 1..lead.end).find(|&i| tokens[i].kind == Kind::Equal) {
        // Only a value that closes every bracket it opens is a cell of its own; an opening
        // `{` or `(` at the end of the line starts a multi-line value instead.
        let net: i32 = tokens[eq..lead.end].iter().map(Token::bracket_change).sum();
        if net == 0 {
            assign = Some(eq..lead.end);
            lead.end = eq;
        }
    }
    Line {
        lead,
        assign,
        comment,
    }
}

fn indent(tokens: &mut [Token<'_>], lines: &[Line]) {
    // Each entry is how many brackets one indent level opened; a line closing more than the
    // innermost level opened pops several, so unbalanced lines cannot drift the indent.
    let mut levels: Vec<i32> = Vec::new();
    for line in lines {
        if line.lead.is_empty() {
            continue;
        }
        let first = line.lead.start;
        if tokens[first].kind == Kind::Newline {
            tokens[first].spaces_before = 0;
            continue;
        }
        let mut net = 0;
        for t in &tokens[line.lead.clone()] {
            net += t.bracket_change();
            if t.kind == Kind::OHeredoc {
                break;
            }
        }
        if let Some(assign) = &line.assign {
            net += tokens[assign.clone()]
                .iter()
                .map(Token::bracket_change)
                .sum::<i32>();
        }
        if net > 0 {
            tokens[first].spaces_before = 2 * levels.len();
            levels.push(net);
        } else {
            let mut closed = -net;
            while closed > 0 {
                let Some(top) = levels.last_mut() else { break };
                if closed >= *top {
                    closed -= *top;
                    levels.pop();
                } else {
                    *top -= closed;
                    closed = 0;
                }
            }
            tokens[first].spaces_before = 2 * levels.len();
        }
    }
}

fn space(tokens: &mut [Token<'_>], lines: &[Line]) {
    for line in lines {
        space_cell(tokens, line.lead.clone());
        if let Some(assign) = &line.assign {
            // The `=` is separated from its name; alignment adjusts this later.
            tokens[assign.start].spaces_before = 1;
            space_cell(tokens, assign.clone());
        }
    }
}

fn space_cell(tokens: &mut [Token<'_>], cell: std::ops::Range<usize>) {
    for i in cell.start..cell.end.saturating_sub(1) {
        let before = if i > cell.start {
            Some(tokens[i - 1].kind)
        } else {
            None
        };
        let spaced = space_after(&tokens[i], before, &tokens[i + 1]);
        tokens[i + 1].spaces_before = usize::from(spaced);
    }
}

/// Whether `subject` is followed by a space when `before` precedes it and `after` follows:
/// hclwrite's rules, in its order (the first rule that matches decides).
fn space_after(subject: &Token<'_>, before: Option<Kind>, after: &Token<'_>) -> bool {
    use Kind::*;
    let s = subject.kind;
    let a = after.kind;
    if a == Newline {
        return false;
    }
    if s == Ident && a == OParen {
        return false;
    }
    if s == Dot || a == Dot {
        return false;
    }
    if a == Comma || a == Ellipsis {
        return false;
    }
    if s == Comma {
        return true;
    }
    if matches!(s, QuotedLit | StringLit | OQuote | OHeredoc)
        || matches!(a, QuotedLit | StringLit | CQuote | CHeredoc)
    {
        return false;
    }
    if subject.is_ident("in") && before == Some(Ident) {
        // `[for x in [a]: x]`: `in` is the keyword here, not a reference being indexed.
        return true;
    }
    if a == OBrack && (s == Ident || s == NumberLit || subject.bracket_change() < 0) {
        return false;
    }
    if s == Bang {
        return false;
    }
    if s == Minus {
        // A minus after something that cannot end an operand is a negation.
        return !matches!(
            before,
            None | Some(
                OParen
                    | OBrace
                    | OBrack
                    | Equal
                    | Colon
                    | Comma
                    | Question
                    | Plus
                    | Star
                    | Slash
                    | Percent
                    | Minus
                    | EqualOp
                    | NotEqual
                    | GreaterThan
                    | GreaterThanEq
                    | LessThan
                    | LessThanEq
                    | And
                    | Or
                    | Bang
            )
        );
    }
    if s == OBrace || a == CBrace {
        return !(s == OBrace && a == CBrace);
    }
    if matches!(s, TemplateInterp | TemplateControl) && a == OBrace {
        return true;
    }
    if s == CBrace && a == TemplateSeqEnd {
        return true;
    }
    if s == TemplateSeqEnd && matches!(a, TemplateInterp | TemplateControl) {
        return false;
    }
    if subject.bracket_change() > 0 {
        return false;
    }
    if after.bracket_change() < 0 {
        return false;
    }
    true
}

/// Terminal columns of a run of tokens: grapheme clusters plus the spaces before each.
fn columns(tokens: &[Token<'_>]) -> usize {
    tokens
        .iter()
        .map(|t| t.spaces_before + t.text.graphemes(true).count())
        .sum()
}

fn align(tokens: &mut [Token<'_>], lines: &[Line]) {
    // `=` first: moving it also moves the comments after it.
    for chain in chains(lines, |l| l.assign.is_some()) {
        let widths: Vec<usize> = chain
            .iter()
            .map(|l| columns(&tokens[l.lead.clone()]))
            .collect();
        let widest = widths.iter().copied().max().unwrap_or(0);
        for (line, width) in chain.iter().zip(widths) {
            if let Some(assign) = &line.assign {
                tokens[assign.start].spaces_before = widest - width + 1;
            }
        }
    }
    for chain in chains(lines, |l| l.comment.is_some()) {
        let widths: Vec<usize> = chain
            .iter()
            .map(|l| {
                columns(&tokens[l.lead.clone()])
                    + l.assign.clone().map_or(0, |a| columns(&tokens[a]))
            })
            .collect();
        let widest = widths.iter().copied().max().unwrap_or(0);
        for (line, width) in chain.iter().zip(widths) {
            if let Some(comment) = line.comment {
                tokens[comment].spaces_before = widest - width + 1;
            }
        }
    }
}

/// Runs of consecutive lines that all have the cell `has`.
fn chains(lines: &[Line], has: impl Fn(&Line) -> bool) -> Vec<&[Line]> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, line) in lines.iter().enumerate() {
        match (has(line), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(&lines[s..i]);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(&lines[s..]);
    }
    out
}
