//! Rendering for people and machines: diagnostics (graphical, Terraform's plain text, and
//! `validate -json`).

mod diagnostics;
pub mod plan;

pub use diagnostics::{render_graphical, render_plain, validate_json};
