//! Expression evaluation with Terraform's semantics: operators, conversions, for-expressions,
//! splats, templates, lazy `try`/`can`, unknown values and sensitive marks.

pub mod funcs;
