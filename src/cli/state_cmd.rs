//! `bcmhcl state list|show|rm|mv|pull|push`: inspecting and editing the state, like
//! `terraform state`.

use clap::Args;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct StateArgs {}

pub fn run(_args: StateArgs) -> ExitCode {
    eprintln!("Error: bcmhcl state is not implemented yet");
    ExitCode::from(1)
}
