//! Terraform's numeric functions.

use super::FuncTable;

pub fn register(_t: &mut FuncTable) {}
