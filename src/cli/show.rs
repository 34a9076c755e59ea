//! `bcmhcl show [-json] [PLANFILE]`: the state or a saved plan, like `terraform show`.

use clap::Args;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct ShowArgs {}

pub fn run(_args: ShowArgs) -> ExitCode {
    eprintln!("Error: bcmhcl show is not implemented yet");
    ExitCode::from(1)
}
