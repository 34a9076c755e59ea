//! `bcmhcl console [DIR]`: one expression per line from stdin, evaluated in the module's scope
//! and printed as `terraform console` prints it; an error is reported and the next line read.

use super::inputs::{gather, VarFlag, VarFlags};
use super::terminal::{print_diagnostics, stdout_line};
use bcmhcl::config::load_module;
use bcmhcl::diag::{Diagnostics, SourceMap};
use bcmhcl::eval::module::{evaluate_module, EvalOptions, ModuleEvaluator, ModuleScope};
use bcmhcl::eval::{parse_expr, Scope};
use clap::Args;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Args, Debug)]
pub struct ConsoleArgs {
    /// The module directory (default: the current directory).
    pub dir: Option<PathBuf>,
    #[command(flatten)]
    pub vars: VarFlags,
    /// Plain text diagnostics without colour.
    #[arg(long = "no-color")]
    pub no_color: bool,
}

pub fn run(args: ConsoleArgs, flags: &[VarFlag]) -> ExitCode {
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let mut sources = SourceMap::new();
    let (module, mut diags) = load_module(&dir, &mut sources);
    let inputs = gather(&dir, flags, &mut sources, &mut diags);
    if diags.has_errors() {
        print_diagnostics(&diags, &sources, args.no_color);
        return ExitCode::from(1);
    }
    let opts = EvalOptions {
        path_root: dir.clone(),
        path_cwd: dir.canonicalize().unwrap_or_else(|_| dir.clone()),
        impure_known: true,
        ..EvalOptions::default()
    };
    let (values, more) = evaluate_module(&module, &sources, &inputs, &opts);
    if more.has_errors() {
        print_diagnostics(&more, &sources, args.no_color);
        return ExitCode::from(1);
    }
    let interactive = std::io::stdin().is_terminal();
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    loop {
        if interactive {
            print!("> ");
            let _ = std::io::stdout().flush();
        }
        let Some(Ok(line)) = lines.next() else { break };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if line == "exit" {
            break;
        }
        let id = sources.add("<console-input>", PathBuf::new(), Arc::from(line));
        let result = parse_expr(line, id).and_then(|expr| {
            let resolver = ModuleScope {
                module: &module,
                values: &values,
                external: None,
            };
            let ev = ModuleEvaluator::new(&module, &sources, &opts);
            ev.eval(&bcmhcl::config::Expr::new(id, expr), &Scope::new(&resolver))
        });
        match result {
            Ok(v) => stdout_line(&v.to_string()),
            Err(d) => print_diagnostics(&Diagnostics::from(d), &sources, args.no_color),
        }
    }
    ExitCode::SUCCESS
}
