//! `bcmhcl inventory export [-o FILE] [DIR]`: saves what the BCM data sources read from a
//! headnode (images, networks, categories, partitions, nodes) as the simulator's inventory
//! format, so that `validate -inventory=FILE` and `plan -inventory=FILE` can check a module in
//! CI with no credentials, and `bcmhcl sim --inventory FILE` can stand in for the cluster.

use super::inputs::{gather, VarFlag, VarFlags};
use super::terminal::print_diagnostics;
use bcmhcl::config::load_module_tree;
use bcmhcl::diag::{Diagnostic, Diagnostics, SourceMap};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct InventoryArgs {
    #[command(subcommand)]
    pub command: InventoryCommand,
}

#[derive(Subcommand, Debug)]
pub enum InventoryCommand {
    /// Read the headnode's images, networks, categories, partitions and nodes into a file.
    Export(ExportArgs),
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// A module directory whose `provider "bcm"` block says where the headnode is (default:
    /// the current directory; the BCM_* environment variables alone also do).
    pub dir: Option<PathBuf>,
    /// Where to write the inventory (default: standard output).
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub vars: VarFlags,
    /// Plain text without colour.
    #[arg(long = "no-color")]
    pub no_color: bool,
}

pub fn run(args: InventoryArgs, flags: &[VarFlag]) -> ExitCode {
    match args.command {
        InventoryCommand::Export(a) => export(a, flags),
    }
}

fn export(args: ExportArgs, flags: &[VarFlag]) -> ExitCode {
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let mut sources = SourceMap::new();
    let mut diags = Diagnostics::new();
    let has_config = std::fs::read_dir(&dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.path().extension().is_some_and(|x| x == "tf"))
    });
    let provider = if has_config {
        let (tree, load_diags) = load_module_tree(&dir, &mut sources);
        diags.extend(load_diags);
        let inputs = gather(&dir, flags, &mut sources, &mut diags);
        if diags.has_errors() {
            print_diagnostics(&diags, &sources, args.no_color);
            return ExitCode::from(1);
        }
        super::providers::bcm_provider(
            &tree,
            &sources,
            &inputs,
            &super::root::eval_options(&dir),
            &mut diags,
        )
    } else {
        super::providers::bcm_provider_from_environment(&mut diags)
    };
    if diags.has_errors() {
        print_diagnostics(&diags, &sources, args.no_color);
        return ExitCode::from(1);
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("Error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let inventory = match runtime.block_on(provider.export_inventory()) {
        Ok(i) => i,
        Err(d) => {
            print_diagnostics(&Diagnostics::from(d), &sources, args.no_color);
            return ExitCode::from(1);
        }
    };
    let mut json = match serde_json::to_string_pretty(&inventory) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("Error: cannot encode the inventory: {e}");
            return ExitCode::from(1);
        }
    };
    json.push('\n');
    let summary = format!(
        "{} software images, {} networks, {} categories, {} partitions, {} nodes",
        inventory.software_images.len(),
        inventory.networks.len(),
        inventory.categories.len(),
        inventory.partitions.len(),
        inventory.nodes.len()
    );
    match &args.out {
        None => {
            print!("{json}");
            eprintln!("Exported {summary}.");
        }
        Some(path) => {
            if let Err(e) = write_replacing(path, json.as_bytes()) {
                let d = Diagnostic::error("Cannot write the inventory")
                    .detail(format!("{}: {e}", path.display()));
                print_diagnostics(&Diagnostics::from(d), &sources, args.no_color);
                return ExitCode::from(1);
            }
            eprintln!("Exported {summary} to {}.", path.display());
        }
    }
    ExitCode::SUCCESS
}

/// Writes `bytes` to `path` through a temporary file beside it, so that a reader never sees
/// half an inventory.
fn write_replacing(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "inventory.json".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)
}
