//! bcmhcl: runs Terraform module directories for NVIDIA Base Command Manager clusters.
//!
//! The language core (`value`, `eval`, `config`) knows nothing of HTTP or IPMI.

pub mod addr;
pub mod config;
pub mod diag;
pub mod eval;
pub mod exec;
pub mod fmt;
pub mod graph;
pub mod plan;
pub mod provider;
pub mod render;
pub mod schema;
pub mod secret;
pub mod sim;
pub mod state;
pub mod value;
