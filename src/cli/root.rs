//! What `plan`, `apply` and `output` share: loading the root module, its inputs, the state, the
//! providers and a runtime for the providers' network and process work.

use super::inputs::{gather, VarFlag, VarFlags};
use super::terminal::print_diagnostics;
use bcmhcl::config::{load_module_tree, ModuleTree};
use bcmhcl::diag::{Diagnostics, SourceMap};
use bcmhcl::eval::module::{EvalOptions, RawInput};
use bcmhcl::provider::ProviderRegistry;
use bcmhcl::state::{HeldLock, State};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Flags of commands that plan.
#[derive(Args, Debug, Clone)]
pub struct RunFlags {
    /// The module directory (default: the current directory).
    pub dir: Option<PathBuf>,
    #[command(flatten)]
    pub vars: VarFlags,
    /// Plain text without colour.
    #[arg(long = "no-color")]
    pub no_color: bool,
    /// The state file (default: terraform.tfstate in the module directory).
    #[arg(long = "state", value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Accepted for Terraform compatibility; bcmhcl reads current objects through providers.
    #[arg(long = "refresh", value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub refresh: Option<bool>,
    /// How many independent changes are applied at once (Terraform's -parallelism).
    #[arg(long = "parallelism", value_name = "N", default_value_t = 10)]
    pub parallelism: usize,
    /// Only bring the state's outputs up to date; change no resources.
    #[arg(long = "refresh-only")]
    pub refresh_only: bool,
    /// Plan only this resource, instance or module and what it depends on (repeatable).
    #[arg(long = "target", value_name = "ADDRESS")]
    pub target: Vec<String>,
    /// Leave out this resource, instance or module and what depends on it (repeatable).
    #[arg(long = "exclude", value_name = "ADDRESS")]
    pub exclude: Vec<String>,
    /// Lock the state for the whole run (default true); -lock=false skips it.
    #[arg(long = "lock", value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub lock: Option<bool>,
    /// How long to retry taking the state lock (Go duration: 30s, 2m; default 0s).
    #[arg(long = "lock-timeout", value_name = "DURATION", value_parser = parse_lock_timeout)]
    pub lock_timeout: Option<Duration>,
    /// Power operations one node at a time (sequential) or within the slots (parallel);
    /// overrides the configuration's provisioning_mode.
    #[arg(long = "provisioning-mode", value_name = "MODE", value_parser = parse_provisioning_mode)]
    pub provisioning_mode: Option<bcmhcl::plan::schedule::ProvisioningMode>,
    /// How many nodes provision at once (the headnode's provisioning slots; default 10).
    #[arg(long = "provisioning-slots", value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub provisioning_slots: Option<u64>,
    /// Rolling waves of N nodes: a wave starts when the previous one has finished.
    #[arg(long = "wave-size", value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub wave_size: Option<u64>,
    /// Provision N nodes first; the rest only if they all come up.
    #[arg(long = "canary", value_name = "N", default_value_t = 0)]
    pub canary: usize,
    /// Start no new node after N failures.
    #[arg(long = "max-failures", value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_failures: Option<u64>,
    /// In sequential mode, go on with the next node after a failure.
    #[arg(long = "continue-on-error")]
    pub continue_on_error: bool,
    /// Answer the BCM data sources from this file (`bcmhcl inventory export`) instead of a
    /// headnode; nothing can be changed.
    #[arg(long = "inventory", value_name = "FILE")]
    pub inventory: Option<PathBuf>,
    /// What the lock info names as the operation (set by the command, not a flag).
    #[arg(skip)]
    pub operation: Operation,
}

/// The operation a run's state lock records, with Terraform's names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Operation {
    Plan,
    #[default]
    Apply,
    Refresh,
}

impl Operation {
    pub fn lock_name(self) -> &'static str {
        match self {
            Operation::Plan => "OperationTypePlan",
            Operation::Apply => "OperationTypeApply",
            Operation::Refresh => "OperationTypeRefresh",
        }
    }
}

fn parse_provisioning_mode(s: &str) -> Result<bcmhcl::plan::schedule::ProvisioningMode, String> {
    bcmhcl::plan::schedule::ProvisioningMode::parse(s)
        .ok_or_else(|| format!("{s:?} is not a provisioning mode: use sequential or parallel"))
}

impl RunFlags {
    /// The scheduling of power operations the flags ask for.
    pub fn provisioning(&self) -> bcmhcl::plan::schedule::ProvisioningStrategy {
        let defaults = bcmhcl::plan::schedule::ProvisioningStrategy::default();
        bcmhcl::plan::schedule::ProvisioningStrategy {
            mode: self.provisioning_mode,
            slots: self
                .provisioning_slots
                .map_or(defaults.slots, |n| n as usize),
            wave_size: self.wave_size.map(|n| n as usize),
            canary: self.canary,
            max_failures: self.max_failures.map(|n| n as usize),
            continue_on_error: self.continue_on_error,
        }
    }
}

/// `-lock-timeout` in Go's duration syntax.
pub fn parse_lock_timeout(s: &str) -> Result<Duration, String> {
    bcmhcl::state::lock::parse_duration(s)
}

/// Takes the state lock of `store` unless `-lock=false`; `None` when not locking.
pub fn lock_state(
    lock: Option<bool>,
    timeout: Option<Duration>,
    store: &dyn bcmhcl::state::StateStore,
    operation: &str,
) -> Result<Option<Box<dyn HeldLock>>, bcmhcl::diag::Diagnostic> {
    if lock == Some(false) {
        return Ok(None);
    }
    store
        .lock(operation, timeout.unwrap_or(Duration::ZERO))
        .map(Some)
        .map_err(|e| e.to_diagnostic())
}

/// How expressions of the module in `dir` are evaluated (paths as `terraform -chdir=DIR`;
/// `terraform.workspace` is the selected workspace).
pub fn eval_options(dir: &std::path::Path) -> EvalOptions {
    EvalOptions {
        path_root: dir.to_path_buf(),
        path_cwd: dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf()),
        workspace: super::backend::current_workspace(dir),
        ..EvalOptions::default()
    }
}

pub struct Root {
    pub sources: SourceMap,
    pub tree: ModuleTree,
    /// What `moved` and `removed` blocks did to the prior state, for the plan to say.
    pub refactor_notes: Vec<String>,
    pub inputs: Vec<RawInput>,
    pub eval: EvalOptions,
    pub store: super::backend::Store,
    pub state: State,
    pub providers: ProviderRegistry,
    pub runtime: tokio::runtime::Runtime,
    pub no_color: bool,
    /// Set by the first Ctrl-C: no new operation starts.
    pub stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// The state lock, held until the root is dropped (every exit path releases it).
    pub _lock: Option<Box<dyn HeldLock>>,
}

impl Root {
    pub fn load(flags: &RunFlags, ordered: &[VarFlag]) -> Result<Root, ExitCode> {
        Root::load_reporting(flags, ordered, &mut |diags, sources| {
            print_diagnostics(diags, sources, flags.no_color)
        })
    }

    /// `load` with the loading diagnostics passed to `report` (the `-json` UI writes them as
    /// messages) instead of printed.
    pub fn load_reporting(
        flags: &RunFlags,
        ordered: &[VarFlag],
        report: &mut dyn FnMut(&Diagnostics, &SourceMap),
    ) -> Result<Root, ExitCode> {
        let dir = flags.dir.clone().unwrap_or_else(|| PathBuf::from("."));
        let mut sources = SourceMap::new();
        let (tree, mut diags) = load_module_tree(&dir, &mut sources);
        let inputs = gather(&dir, ordered, &mut sources, &mut diags);
        // The backend is configured only when the configuration could be read.
        if diags.has_errors() {
            report(&diags, &sources);
            return Err(ExitCode::from(1));
        }
        let store = match super::backend::decode_block(tree.module.terraform.backend.as_ref())
            .and_then(|block| {
                super::backend::open_store(&dir, block.as_ref(), flags.state.as_deref())
            }) {
            Ok(s) => s,
            Err(d) => {
                report(&Diagnostics::from(d), &sources);
                return Err(ExitCode::from(1));
            }
        };
        // The lock is taken before the state is read and held until the run ends.
        let lock = match lock_state(
            flags.lock,
            flags.lock_timeout,
            &*store,
            flags.operation.lock_name(),
        ) {
            Ok(l) => l,
            Err(d) => {
                report(&Diagnostics::from(d), &sources);
                return Err(ExitCode::from(1));
            }
        };
        let mut state = match store.load() {
            Ok(s) => {
                if let Some(warning) = store.plaintext_warning() {
                    diags.push(warning);
                }
                s.unwrap_or_else(State::new)
            }
            Err(e) => {
                diags.push(e.to_diagnostic());
                State::new()
            }
        };
        // `moved` and `removed` blocks act on the prior state before anything is planned.
        let (refactor_notes, refactor_diags) =
            bcmhcl::plan::refactor::apply(&tree, &sources, &mut state);
        diags.extend(refactor_diags);
        if !diags.is_empty() {
            report(&diags, &sources);
        }
        if diags.has_errors() {
            return Err(ExitCode::from(1));
        }
        let providers = super::providers::provider_registry(
            &tree,
            &sources,
            &inputs,
            &eval_options(&dir),
            flags.inventory.as_deref(),
            super::providers::Purpose::Run {
                api_calls: flags.parallelism,
            },
            &mut diags,
        );
        if diags.has_errors() {
            report(&diags, &sources);
            return Err(ExitCode::from(1));
        }
        let runtime = match tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
        {
            Ok(r) => r,
            Err(e) => {
                eprintln!("Error: cannot start the async runtime: {e}");
                return Err(ExitCode::from(1));
            }
        };
        let eval = eval_options(&dir);
        let mut root = Root {
            sources,
            tree,
            refactor_notes,
            inputs,
            eval,
            store,
            state,
            providers,
            runtime,
            no_color: flags.no_color,
            stop: Default::default(),
            _lock: lock,
        };
        let mut import_diags = root.import_objects();
        if flags.refresh != Some(false) && !import_diags.has_errors() {
            import_diags.extend(root.refresh_objects());
        }
        if !import_diags.is_empty() {
            report(&import_diags, &root.sources);
        }
        if import_diags.has_errors() {
            return Err(ExitCode::from(1));
        }
        Ok(root)
    }

    /// Refresh: reads every managed object of the state through its provider; an object that
    /// is gone leaves the state, so the plan creates it again (`-refresh=false` skips this).
    fn refresh_objects(&mut self) -> Diagnostics {
        let mut diags = Diagnostics::new();
        let mut state = self.state.clone();
        let instances: Vec<_> = self
            .state
            .instances()
            .filter(|(a, i)| {
                a.resource.mode == bcmhcl::config::ResourceMode::Managed && i.deposed.is_none()
            })
            .map(|(a, i)| (a, i.clone()))
            .collect();
        for (addr, inst) in instances {
            let Ok(provider) = self
                .providers
                .for_type(&addr.resource.type_name, Default::default())
            else {
                continue;
            };
            let Some(schema) = provider
                .schema()
                .resource_schemas
                .get(&addr.resource.type_name)
            else {
                continue;
            };
            let prior = bcmhcl::schema::decode_attributes(&inst.attributes, &schema.block);
            match self
                .runtime
                .block_on(provider.read_resource(&addr.resource.type_name, &prior))
            {
                // Unchanged objects keep their recorded bytes.
                Ok(Some(now))
                    if now.unmark_deep().0.equals(&prior.unmark_deep().0) == Some(true) => {}
                Ok(Some(now)) => {
                    let mut updated = inst.clone();
                    updated.attributes = bcmhcl::schema::encode_attributes(&now, &schema.block);
                    let provider_field = state
                        .resource(&addr.resource)
                        .map(|r| r.provider.clone())
                        .unwrap_or_default();
                    state.set_instance(&addr, &provider_field, updated);
                }
                Ok(None) => state.remove_instance(&addr),
                Err(d) => diags.push(d.address(addr.to_string())),
            }
        }
        self.state = state;
        diags
    }

    /// Runs the root module's `import` blocks against the prior state (in memory: the state
    /// file changes only when apply saves it).
    fn import_objects(&mut self) -> Diagnostics {
        if self.tree.module.imports.is_empty() {
            return Diagnostics::new();
        }
        let (values, mut diags) = bcmhcl::eval::module::evaluate_variables_only(
            &self.tree.module,
            &self.sources,
            &self.inputs,
            &self.eval,
        );
        if diags.has_errors() {
            return diags;
        }
        let mut state = self.state.clone();
        let cx = bcmhcl::plan::import::ImportContext {
            tree: &self.tree,
            sources: &self.sources,
            providers: &self.providers,
            reader: self,
            eval: &self.eval,
            values: &values,
        };
        let (notes, more) = bcmhcl::plan::import::apply(&cx, &mut state);
        diags.extend(more);
        self.state = state;
        self.refactor_notes.extend(notes);
        diags
    }

    pub fn report(&self, diags: &Diagnostics) {
        print_diagnostics(diags, &self.sources, self.no_color);
    }
}

/// The scheduling of power operations: the flags, with the slots the headnode reports unless
/// `-provisioning-slots` says otherwise.
fn provisioning_strategy(
    root: &Root,
    flags: &RunFlags,
) -> bcmhcl::plan::schedule::ProvisioningStrategy {
    let mut strategy = flags.provisioning();
    if flags.provisioning_slots.is_none() && flags.operation == Operation::Apply {
        let reported = root
            .providers
            .providers()
            .filter_map(|p| root.runtime.block_on(p.provisioning_slots()));
        if let Some(slots) = reported.min() {
            strategy.slots = slots;
        }
    }
    strategy
}

/// The plan options of a run; with `-target` or `-exclude`, a first full plan finds which
/// instances they select (targets bring their dependencies, exclusions their dependents).
pub fn plan_options(
    root: &Root,
    ctx: &bcmhcl::plan::build::PlanContext,
    flags: &RunFlags,
    destroy: bool,
    replace: &[String],
) -> Option<bcmhcl::plan::build::PlanOptions> {
    let mut opts = bcmhcl::plan::build::PlanOptions {
        destroy,
        replace: replace.to_vec(),
        selected: None,
        refresh_only: flags.refresh_only,
        parallelism: flags.parallelism,
        targets: flags.target.clone(),
        excludes: flags.exclude.clone(),
        provisioning: provisioning_strategy(root, flags),
        stop: root.stop.clone(),
    };
    if flags.target.is_empty() && flags.exclude.is_empty() {
        return Some(opts);
    }
    let (full, diags) = bcmhcl::plan::build::build_plan(ctx, &opts);
    let Some(full) = full else {
        root.report(&diags);
        return None;
    };
    opts.selected = Some(bcmhcl::plan::targeting::selection(
        &full.dependencies,
        &flags.target,
        &flags.exclude,
    ));
    let warning = bcmhcl::diag::Diagnostic::warning("Resource targeting is in effect").detail(
        "You are creating a plan with -target or -exclude, so the plan may be incomplete: only the selected resources and what they depend on are planned.\n\nUse these options only for exceptional situations, such as recovering from errors or mistakes.",
    );
    root.report(&bcmhcl::diag::Diagnostics::from(warning));
    Some(opts)
}

impl bcmhcl::plan::build::DataReader for Root {
    fn read(
        &self,
        provider: &dyn bcmhcl::provider::Provider,
        type_name: &str,
        config: &bcmhcl::value::Value,
    ) -> Result<bcmhcl::value::Value, bcmhcl::diag::Diagnostic> {
        self.runtime.block_on(provider.read_data(type_name, config))
    }

    fn import(
        &self,
        provider: &dyn bcmhcl::provider::Provider,
        type_name: &str,
        id: &str,
    ) -> Result<bcmhcl::value::Value, bcmhcl::diag::Diagnostic> {
        self.runtime.block_on(provider.import(type_name, id))
    }
}

impl Root {
    /// What planning this root needs.
    pub fn plan_context(&self) -> bcmhcl::plan::build::PlanContext<'_> {
        bcmhcl::plan::build::PlanContext {
            tree: &self.tree,
            sources: &self.sources,
            inputs: &self.inputs,
            eval: &self.eval,
            prior: &self.state,
            providers: &self.providers,
            read_data: self,
        }
    }
}
