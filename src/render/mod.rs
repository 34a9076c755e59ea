//! Rendering for people and machines: diagnostics (graphical, Terraform's plain text, and
//! `validate -json`), plans, and the `-json` UI stream.

mod diagnostics;
pub mod plan;
pub mod ui_json;

pub use diagnostics::{render_graphical, render_plain, validate_json};
pub use plan::{
    render_plan_human, render_plan_human_with, render_plan_json, render_plan_json_with,
    HumanOptions, JsonOptions, NoSchemas, SchemaLookup,
};
