//! How diagnostics reach the terminal: graphical (miette) by default, Terraform's plain layout
//! with `-no-color`; colour only on a terminal and without `NO_COLOR`.

use bcmhcl::diag::{Diagnostics, SourceMap};
use bcmhcl::render::{render_graphical, render_plain};
use std::io::{IsTerminal, Write};

pub fn print_diagnostics(diags: &Diagnostics, sources: &SourceMap, no_color: bool) {
    let stderr = std::io::stderr();
    let color = !no_color && stderr.is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut out = stderr.lock();
    for d in diags.iter() {
        let text = if no_color {
            render_plain(d, sources)
        } else {
            render_graphical(d, sources, color)
        };
        let _ = writeln!(out, "{text}");
    }
}

/// Writes a line to stdout; a closed pipe (`bcmhcl ... | head`) is not an error worth a panic.
pub fn stdout_line(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
}
