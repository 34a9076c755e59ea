//! The providers of a run: the built-ins, and the BCM provider configured from the root
//! module's `provider "bcm"` block with the `BCM_*` environment fallbacks, or answering from an
//! offline inventory file (`-inventory=FILE`). Only this layer reads the environment.

use bcmhcl::config::ModuleTree;
use bcmhcl::diag::{Diagnostic, Diagnostics, SourceMap};
use bcmhcl::eval::module::{EvalOptions, RawInput};
use bcmhcl::eval::provider_config::evaluate_provider_configs;
use bcmhcl::provider::bcm::{BcmProvider, BcmSettings, OfflineInventory};
use bcmhcl::provider::ProviderRegistry;
use bcmhcl::value::Value;
use std::path::Path;
use std::sync::Arc;

/// API calls in flight when no `-parallelism` applies (`inventory export`): Terraform's default.
const DEFAULT_API_CALLS: usize = 10;

/// The provider that answers data sources from an offline inventory.
pub const OFFLINE_SOURCE: &str = bcmhcl::provider::bcm::SOURCE;

/// The environment variables the BCM provider falls back to (and `BCMHCL_STATUS_POLL_SECONDS`,
/// how often a wait for UP asks the headnode; 10 s by default, as NVIDIA's tools poll).
pub fn environment(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Whether `tree` (or a module it calls) uses a `bcm_` resource, data source or action.
fn uses_bcm(tree: &ModuleTree) -> bool {
    let m = &tree.module;
    m.resources.iter().any(|r| r.type_name.starts_with("bcm_"))
        || m.actions.iter().any(|a| a.type_name.starts_with("bcm_"))
        || m.providers.iter().any(|p| p.name == "bcm")
        || tree.children.values().any(uses_bcm)
}

/// Why the providers are needed: `validate` never needs credentials.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Validate,
    /// Plans and applies: at most `api_calls` headnode calls at once (`-parallelism`).
    Run {
        api_calls: usize,
    },
}

/// The registry for a run of `tree`. Configuration problems are added to `diags` only when the
/// module uses the provider they concern.
pub fn provider_registry(
    tree: &ModuleTree,
    sources: &SourceMap,
    inputs: &[RawInput],
    eval: &EvalOptions,
    inventory: Option<&Path>,
    purpose: Purpose,
    diags: &mut Diagnostics,
) -> ProviderRegistry {
    let mut registry = bcmhcl::provider::builtin::registry();
    let bcm = match inventory {
        Some(path) => match OfflineInventory::load(path) {
            Ok(inv) => BcmProvider::offline(inv),
            Err(d) => {
                diags.push(d);
                BcmProvider::unconfigured()
            }
        },
        None => configured_bcm(tree, sources, inputs, eval, purpose, diags),
    };
    registry.add(Arc::new(bcm));
    registry
}

/// The BCM provider of `tree`'s `provider "bcm"` block (or of the environment alone), even
/// when the module uses no BCM type (`inventory export`).
pub fn bcm_provider(
    tree: &ModuleTree,
    sources: &SourceMap,
    inputs: &[RawInput],
    eval: &EvalOptions,
    diags: &mut Diagnostics,
) -> BcmProvider {
    configure_bcm(
        tree,
        sources,
        inputs,
        eval,
        Purpose::Run {
            api_calls: DEFAULT_API_CALLS,
        },
        diags,
    )
}

/// The BCM provider of the `BCM_*` environment variables alone.
pub fn bcm_provider_from_environment(diags: &mut Diagnostics) -> BcmProvider {
    settings_to_provider(
        Value::object(Default::default()),
        None,
        Purpose::Run {
            api_calls: DEFAULT_API_CALLS,
        },
        diags,
    )
}

/// The BCM provider from the `provider "bcm"` block (or the environment alone), unconfigured
/// when the module does not use it.
fn configured_bcm(
    tree: &ModuleTree,
    sources: &SourceMap,
    inputs: &[RawInput],
    eval: &EvalOptions,
    purpose: Purpose,
    diags: &mut Diagnostics,
) -> BcmProvider {
    if !uses_bcm(tree) {
        return BcmProvider::unconfigured();
    }
    configure_bcm(tree, sources, inputs, eval, purpose, diags)
}

fn configure_bcm(
    tree: &ModuleTree,
    sources: &SourceMap,
    inputs: &[RawInput],
    eval: &EvalOptions,
    purpose: Purpose,
    diags: &mut Diagnostics,
) -> BcmProvider {
    let Some(schema) = bcmhcl::schema::builtin_schema(OFFLINE_SOURCE).map(|s| s.provider.clone())
    else {
        return BcmProvider::unconfigured();
    };
    let (configs, config_diags) =
        evaluate_provider_configs(&tree.module, sources, inputs, eval, &|name| {
            (name == "bcm").then(|| schema.clone())
        });
    let bad = config_diags.has_errors();
    diags.extend(config_diags);
    if bad {
        return BcmProvider::unconfigured();
    }
    // Aliased configurations are not supported: the default one (or the first) is used.
    let config = configs
        .iter()
        .find(|c| c.name == "bcm" && c.alias.is_none())
        .or_else(|| configs.iter().find(|c| c.name == "bcm"))
        .map(|c| c.config.clone())
        .unwrap_or_else(|| Value::object(Default::default()));
    let span = tree
        .module
        .providers
        .iter()
        .find(|p| p.name == "bcm")
        .map(|p| p.span);
    settings_to_provider(config, span, purpose, diags)
}

/// The provider for an evaluated `provider "bcm"` configuration, with the environment's
/// fallbacks; problems are reported at `span` (the block) unless only validating.
fn settings_to_provider(
    config: Value,
    span: Option<bcmhcl::diag::Span>,
    purpose: Purpose,
    diags: &mut Diagnostics,
) -> BcmProvider {
    match BcmSettings::from_config(&config, &environment) {
        Ok(mut settings) => {
            if let Purpose::Run { api_calls } = purpose {
                settings.max_concurrent_calls = api_calls.max(1);
            }
            if let Some(secs) = environment("BCMHCL_STATUS_POLL_SECONDS")
                .and_then(|s| s.parse::<f64>().ok())
                .filter(|s| *s > 0.0 && s.is_finite())
            {
                settings.status_poll_interval = std::time::Duration::from_secs_f64(secs);
            }
            BcmProvider::new(settings)
        }
        // Credentials are not needed to validate.
        Err(_) if purpose == Purpose::Validate => BcmProvider::unconfigured(),
        Err(problems) => {
            for d in problems {
                let d: Diagnostic = match span {
                    Some(s) if d.span.is_none() => d.at(s),
                    _ => d,
                };
                diags.push(d);
            }
            BcmProvider::unconfigured()
        }
    }
}
