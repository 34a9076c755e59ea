//! `bcmhcl version [-json]`: the version, like `terraform version`.

use super::terminal::stdout_line;
use clap::Args;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct VersionArgs {
    /// Print as JSON, as `terraform version -json` does.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: VersionArgs) -> ExitCode {
    let version = env!("CARGO_PKG_VERSION");
    let platform = format!("{}_{}", std::env::consts::OS, go_arch());
    if args.json {
        let doc = serde_json::json!({
            "bcmhcl_version": version,
            "platform": platform,
            "provider_selections": {
                "registry.terraform.io/hashi-demo-lab/bcm": format!("{version} (built in)"),
            },
        });
        stdout_line(&serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        stdout_line(&format!("bcmhcl v{version}\non {platform}"));
        stdout_line("+ provider registry.terraform.io/hashi-demo-lab/bcm (built in)");
    }
    ExitCode::SUCCESS
}

/// Go's name for the architecture, as Terraform prints its platform (`linux_amd64`).
fn go_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    }
}
