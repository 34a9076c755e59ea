//! `bcmhcl output [NAME]`: root module outputs from the state, like `terraform output`.

use super::terminal::stdout_line;
use bcmhcl::value::value_to_json;
use clap::Args;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct OutputArgs {
    /// One output to print; all when omitted.
    pub name: Option<String>,
    /// Print as JSON (`terraform output -json`).
    #[arg(long)]
    pub json: bool,
    /// Print a string output's value without quotes.
    #[arg(long)]
    pub raw: bool,
    /// The state file (default: terraform.tfstate).
    #[arg(long = "state", value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Plain text without colour.
    #[arg(long = "no-color")]
    pub no_color: bool,
}

pub fn run(args: OutputArgs) -> ExitCode {
    let store = match super::backend::open_store_of_module(Path::new("."), args.state.as_deref()) {
        Ok(s) => s,
        Err(d) => {
            eprintln!("Error: {}\n\n{}", d.summary, d.detail);
            return ExitCode::from(1);
        }
    };
    let state = match store.load() {
        Ok(Some(s)) => s,
        Ok(None) => {
            eprintln!("Warning: No outputs found\n\nThe state file either has no outputs defined, or all the defined outputs are empty. Please define an output in your configuration with the `output` keyword and run `bcmhcl apply` for it to become available.");
            return if args.name.is_some() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
        }
        Err(e) => {
            let d = e.to_diagnostic();
            eprintln!("Error: {}\n\n{}", d.summary, d.detail);
            return ExitCode::from(1);
        }
    };
    if let Some(name) = &args.name {
        let Some(o) = state.outputs.get(name) else {
            eprintln!("Error: Output {name:?} not found\n\nThe output variable requested could not be found in the state file. If you recently added this to your configuration, be sure to run `bcmhcl apply`, since the state won't be updated with new output variables until that command is run.");
            return ExitCode::from(1);
        };
        if args.raw {
            match o.value.as_str() {
                Some(s) => {
                    use std::io::Write;
                    let _ = std::io::stdout().lock().write_all(s.as_bytes());
                }
                None if o.value.ty().is_primitive() => stdout_line(&o.value.to_string()),
                None => {
                    eprintln!("Error: Unsupported value for raw output\n\nThe -raw option only supports strings, numbers, and boolean values, but output value {name:?} is {}.\n\nUse the -json option for machine-readable representations of output values that have complex types.", o.value.ty().friendly_name());
                    return ExitCode::from(1);
                }
            }
        } else if args.json {
            stdout_line(
                &serde_json::to_string(&value_to_json(&o.value).unwrap_or_default())
                    .unwrap_or_default(),
            );
        } else {
            stdout_line(&o.value.to_string());
        }
        return ExitCode::SUCCESS;
    }
    if args.json {
        let mut doc = serde_json::Map::new();
        for (name, o) in &state.outputs {
            doc.insert(
                name.clone(),
                serde_json::json!({
                    "sensitive": o.sensitive,
                    "type": o.value.ty().to_json(),
                    "value": value_to_json(&o.value).unwrap_or_default(),
                }),
            );
        }
        stdout_line(
            &serde_json::to_string_pretty(&serde_json::Value::Object(doc)).unwrap_or_default(),
        );
    } else {
        for (name, o) in &state.outputs {
            let shown = if o.sensitive {
                "<sensitive>".to_string()
            } else {
                o.value.to_string()
            };
            stdout_line(&format!("{name} = {shown}"));
        }
    }
    ExitCode::SUCCESS
}
