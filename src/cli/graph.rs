//! `bcmhcl graph [DIR]`: the module's dependency graph as Graphviz DOT, like `terraform graph`.

use super::terminal::{print_diagnostics, stdout_line};
use bcmhcl::config::load_module;
use bcmhcl::diag::SourceMap;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct GraphArgs {
    /// The module directory (default: the current directory).
    pub dir: Option<PathBuf>,
    /// Plain text diagnostics without colour.
    #[arg(long = "no-color")]
    pub no_color: bool,
}

pub fn run(args: GraphArgs) -> ExitCode {
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let mut sources = SourceMap::new();
    let (module, diags) = load_module(&dir, &mut sources);
    if diags.has_errors() {
        print_diagnostics(&diags, &sources, args.no_color);
        return ExitCode::from(1);
    }
    match bcmhcl::graph::build(&module, &sources) {
        Ok(g) => {
            stdout_line(bcmhcl::graph::to_dot(&g, &module).trim_end());
            ExitCode::SUCCESS
        }
        Err(diags) => {
            print_diagnostics(&diags, &sources, args.no_color);
            ExitCode::from(1)
        }
    }
}
