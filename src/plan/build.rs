//! The plan walk: evaluates the module in dependency order, expands resources into instances,
//! asks each instance's provider what its configuration means against the prior state, and
//! records the resulting actions. Synchronous; data sources are read through a runtime handle.

use super::expand::{expand_count, expand_for_each, Expansion};
use super::provisioner::{ProvisionerRun, When};
use super::{Action, ActionReason, AttrPath, OutputChange, PathStep, Plan, ResourceChange};
use crate::addr::{InstanceKey, ModuleInstance, ResourceAddr, ResourceInstanceAddr};
use crate::config::{Module, ModuleTree, Resource, ResourceMode};
use crate::diag::{Diagnostic, Diagnostics, SourceMap, Span};
use crate::eval::module::{
    evaluate_variables_only, EvalOptions, ModuleEvaluator, ModuleScope, ModuleValues, RawInput,
};
use crate::eval::{Resolver, Scope};
use crate::graph::{self, Node};
use crate::provider::{PlanRequest, ProviderRegistry};
use crate::schema::decode::{decode_body, BodyOrigin};
use crate::schema::{decode_attributes, Block};
use crate::state::State;
use crate::value::{Attrs, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// What the plan walk needs.
pub struct PlanContext<'a> {
    pub tree: &'a crate::config::ModuleTree,
    pub sources: &'a SourceMap,
    pub inputs: &'a [RawInput],
    pub eval: &'a EvalOptions,
    pub prior: &'a State,
    pub providers: &'a ProviderRegistry,
    /// Reads data sources during the plan (the caller owns the async runtime: planning itself
    /// stays synchronous and free of it).
    pub read_data: &'a dyn DataReader,
}

/// Reads one data source through its provider, to completion.
pub trait DataReader {
    fn read(
        &self,
        provider: &dyn crate::provider::Provider,
        type_name: &str,
        config: &Value,
    ) -> Result<Value, Diagnostic>;

    /// Imports an existing object by ID through its provider, to completion.
    fn import(
        &self,
        provider: &dyn crate::provider::Provider,
        type_name: &str,
        id: &str,
    ) -> Result<Value, Diagnostic>;
}

#[derive(Clone, Debug, Default)]
pub struct PlanOptions {
    pub destroy: bool,
    /// `-replace=ADDR`: instances to replace even if unchanged.
    pub replace: Vec<String>,
    /// `-target` / `-exclude`: when set, only these instances are planned; the others keep
    /// their prior objects (see `targeting::selection`).
    pub selected: Option<BTreeSet<ResourceInstanceAddr>>,
    /// `-refresh-only`: no resource changes, only the state's view of outputs is brought up to
    /// date (built-in providers have no remote objects to read).
    pub refresh_only: bool,
    /// The `-target` and `-exclude` patterns themselves (for instances no longer configured).
    pub targets: Vec<String>,
    pub excludes: Vec<String>,
    /// `-parallelism=N`: how many changes of one layer are applied at once.
    pub parallelism: usize,
    /// How provisioning operations (power resources) are scheduled.
    pub provisioning: super::schedule::ProvisioningStrategy,
    /// Set (by the first Ctrl-C) to start no new operation; running ones finish.
    pub stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

/// The values and dependencies learnt while planning, which apply needs again.
pub struct PlanResult {
    pub plan: Plan,
    /// Every action instance of the configuration, evaluated after the walk.
    pub actions: Vec<super::actions::ActionInstance>,
    pub values: ModuleValues,
    /// For every instance in configuration: the instances it depends on.
    pub dependencies: BTreeMap<ResourceInstanceAddr, Dependencies>,
}

/// One planned instance of a layer, waiting to be applied.
struct Job {
    inst: ResourceInstanceAddr,
    key: InstanceKey,
    bindings: Vec<(&'static str, Value)>,
    config: Value,
    change: Option<ResourceChange>,
    value: Value,
    /// `Some` when the job must run (set to its result once it ran).
    outcome: Option<Result<Value, Diagnostic>>,
}

/// What running a job gave: the new object or why it failed (`None`: nothing to run).
type JobOutcome = Option<Result<Value, Diagnostic>>;

/// Runs the jobs whose `outcome` is set, at most `parallelism` at a time, storing each result.
fn run_jobs(
    jobs: &mut [Job],
    parallelism: usize,
    stop: &std::sync::atomic::AtomicBool,
    run: &(dyn Fn(&Job) -> Option<Result<Value, Diagnostic>> + Sync),
) -> Vec<usize> {
    let todo: Vec<usize> = (0..jobs.len())
        .filter(|i| jobs[*i].outcome.is_some())
        .collect();
    if todo.is_empty() {
        return Vec::new();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: std::sync::Mutex<Vec<(usize, JobOutcome)>> = Default::default();
    let not_started: std::sync::Mutex<Vec<usize>> = Default::default();
    let shared: &[Job] = jobs;
    std::thread::scope(|scope| {
        for _ in 0..parallelism.clamp(1, todo.len()) {
            scope.spawn(|| loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(&i) = todo.get(n) else { break };
                if stop.load(std::sync::atomic::Ordering::SeqCst) {
                    not_started
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(i);
                    continue;
                }
                let out = run(&shared[i]);
                results
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push((i, out));
            });
        }
    });
    for (i, out) in results.into_inner().unwrap_or_else(|p| p.into_inner()) {
        jobs[i].outcome = out;
    }
    let mut left = not_started.into_inner().unwrap_or_else(|p| p.into_inner());
    left.sort_unstable();
    left
}

fn lock_scheduler(
    m: &std::sync::Mutex<super::schedule::Scheduler>,
) -> std::sync::MutexGuard<'_, super::schedule::Scheduler> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Runs the provisioning jobs whose `outcome` is set as `scheduler` decides (chains, slots,
/// waves, canary, failure budget), storing each result. Returns the jobs never started and why.
fn run_scheduled(
    jobs: &mut [Job],
    mode: super::schedule::ProvisioningMode,
    strategy: &super::schedule::ProvisioningStrategy,
    stop: &std::sync::atomic::AtomicBool,
    run: &(dyn Fn(&Job) -> Option<Result<Value, Diagnostic>> + Sync),
) -> (Vec<usize>, Option<super::schedule::StopReason>) {
    use super::schedule::{Next, Scheduler};
    use std::sync::atomic::Ordering;
    let todo: Vec<usize> = (0..jobs.len())
        .filter(|i| jobs[*i].outcome.is_some())
        .collect();
    if todo.is_empty() {
        return (Vec::new(), None);
    }
    let scheduler = std::sync::Mutex::new(Scheduler::new(todo.len(), mode, strategy));
    let wake = std::sync::Condvar::new();
    let results: std::sync::Mutex<Vec<(usize, JobOutcome)>> = Default::default();
    let shared: &[Job] = jobs;
    let threads = match mode {
        super::schedule::ProvisioningMode::Sequential => 1,
        super::schedule::ProvisioningMode::Parallel => strategy.slots.clamp(1, todo.len()),
    };
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut s = lock_scheduler(&scheduler);
                loop {
                    if stop.load(Ordering::SeqCst) {
                        s.interrupt();
                    }
                    match s.next_step() {
                        Next::Start(n) => {
                            drop(s);
                            let i = todo[n];
                            let out = run(&shared[i]);
                            let ok = matches!(out, Some(Ok(_)));
                            results
                                .lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .push((i, out));
                            s = lock_scheduler(&scheduler);
                            s.finished(ok);
                            wake.notify_all();
                        }
                        Next::Wait => {
                            // Woken when a job ends; the timeout notices an interrupt.
                            s = wake
                                .wait_timeout(s, std::time::Duration::from_millis(200))
                                .map(|(g, _)| g)
                                .unwrap_or_else(|p| p.into_inner().0);
                        }
                        Next::Done => {
                            wake.notify_all();
                            break;
                        }
                    }
                }
            });
        }
    });
    for (i, out) in results.into_inner().unwrap_or_else(|p| p.into_inner()) {
        jobs[i].outcome = out;
    }
    let (left, why) = lock_scheduler(&scheduler).not_started();
    (left.into_iter().map(|n| todo[n]).collect(), why)
}

/// Instances in layers: each layer holds the instances whose references to other instances of
/// the same resource point only to earlier layers. Independent instances share one layer.
fn layers(order: &[InstanceKey], self_deps: &SelfDependencies) -> Vec<Vec<InstanceKey>> {
    let mut layer_of: HashMap<&InstanceKey, usize> = HashMap::new();
    let mut out: Vec<Vec<InstanceKey>> = Vec::new();
    for key in order {
        let depth = self_deps
            .get(key)
            .into_iter()
            .flatten()
            .filter_map(|d| layer_of.get(d))
            .map(|l| l + 1)
            .max()
            .unwrap_or(0);
        layer_of.insert(key, depth);
        if out.len() <= depth {
            out.resize_with(depth + 1, Vec::new);
        }
        out[depth].push(key.clone());
    }
    out
}

/// What a walk gathers across module instances.
#[derive(Default)]
struct Acc {
    plan: Plan,
    dependencies: BTreeMap<ResourceInstanceAddr, Dependencies>,
    in_config: BTreeSet<ResourceInstanceAddr>,
    /// Resources with changes pending, so data sources depending on them wait for apply.
    pending: BTreeSet<ResourceAddr>,
    /// Instances whose apply failed or was skipped: their dependents are skipped, and reported
    /// once, not as errors of their own (Terraform's upstream-failed rule).
    failed: BTreeSet<ResourceInstanceAddr>,
    skipped: Vec<String>,
    /// Instances the scheduler never started, by the reason it stopped.
    not_started: BTreeMap<String, Vec<String>>,
    diags: Diagnostics,
    actions: Vec<super::actions::ActionInstance>,
}

/// What one instance depends on: particular instances (a reference whose key is known for the
/// instance, `aws_x.y[each.key]`) and whole resources (references without a key, through locals,
/// `depends_on`). Kept apart so that N instances each depending on their own counterpart cost N,
/// not N².
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dependencies {
    pub instances: BTreeSet<ResourceInstanceAddr>,
    pub resources: BTreeSet<ResourceAddr>,
}

impl Dependencies {
    pub fn includes(&self, inst: &ResourceInstanceAddr) -> bool {
        self.instances.contains(inst) || self.resources.contains(&inst.resource)
    }

    /// Every resource involved, as the state's `dependencies` list names them.
    pub fn resource_addresses(&self) -> BTreeSet<&ResourceAddr> {
        self.resources
            .iter()
            .chain(self.instances.iter().map(|i| &i.resource))
            .collect()
    }
}

/// Values of resources planned so far: the aggregate each reference sees (an object keyed by
/// `for_each` key, a tuple for `count`, the object itself otherwise).
#[derive(Default)]
pub struct ResourceValues {
    pub aggregates: HashMap<usize, Value>,
    pub instances: HashMap<usize, BTreeMap<InstanceKey, Value>>,
    pub expansions: HashMap<usize, Expansion>,
    /// `module.NAME`: the outputs of each called module (an object per instance).
    pub module_calls: HashMap<String, Value>,
}

impl ResourceValues {
    /// Records one instance's value, updating the aggregate in place when nothing else holds
    /// it, so that chains of thousands of instances stay linear.
    pub fn set(&mut self, idx: usize, key: &InstanceKey, value: Value) {
        self.instances
            .entry(idx)
            .or_default()
            .insert(key.clone(), value.clone());
        match key {
            InstanceKey::None => {
                self.aggregates.insert(idx, value);
            }
            InstanceKey::Str(k) => {
                let agg = self
                    .aggregates
                    .entry(idx)
                    .or_insert_with(|| Value::object(Attrs::new()));
                if let Value::Object(attrs) = agg {
                    Arc::make_mut(attrs).insert(k.as_str().into(), value);
                }
            }
            // `count` instances form a tuple, rebuilt once per layer by `finish_layer` rather
            // than once per instance (which would be quadratic).
            InstanceKey::Int(_) => {}
        }
    }

    /// After a layer of a `count` resource: the tuple references see, with every instance so far.
    pub fn finish_layer(&mut self, idx: usize) {
        if matches!(self.expansions.get(&idx), Some(Expansion::Count(_))) {
            let items: Vec<Value> = self
                .instances
                .get(&idx)
                .map(|m| m.values().cloned().collect())
                .unwrap_or_default();
            self.aggregates.insert(idx, Value::tuple(items));
        }
    }

    /// The value a reference to a whole resource sees before any instance is known.
    pub fn start(&mut self, idx: usize, expansion: &Expansion) {
        let empty = match expansion {
            Expansion::Single => Value::unknown(),
            Expansion::Count(_) => Value::tuple(Vec::new()),
            Expansion::ForEach(_) => Value::object(Attrs::new()),
        };
        self.aggregates.insert(idx, empty);
        self.instances.insert(idx, BTreeMap::new());
        self.expansions.insert(idx, expansion.clone());
    }
}

/// Resolves `data.T.N`, `T.N` and `module.M` to planned values.
pub struct ResourceResolver<'a> {
    pub module: &'a Module,
    pub values: &'a ResourceValues,
}

impl Resolver for ResourceResolver<'_> {
    fn resolve(
        &self,
        root: &str,
        attrs: &[&str],
        span: Span,
    ) -> Result<(Value, usize), Diagnostic> {
        let (mode, type_name, name, consumed) = match root {
            "data" => match (attrs.first(), attrs.get(1)) {
                (Some(t), Some(n)) => (ResourceMode::Data, *t, *n, 2),
                _ => return Err(Diagnostic::error("Invalid reference").detail("The \"data\" object must be followed by two attribute names: the data source type and the resource name.").at(span)),
            },
            "module" => {
                let Some(name) = attrs.first() else {
                    return Err(Diagnostic::error("Invalid reference")
                        .detail("The \"module\" object cannot be accessed directly. Instead, access one of its attributes.")
                        .at(span));
                };
                return match self.values.module_calls.get(*name) {
                    Some(v) => Ok((v.clone(), 1)),
                    None if self.module.module_calls.contains_key(*name) => Ok((Value::unknown(), 1)),
                    None => Err(Diagnostic::error("Reference to undeclared module")
                        .detail(format!("No module call named {name:?} is declared in this module."))
                        .at(span)),
                };
            }
            t => match attrs.first() {
                Some(n) => (ResourceMode::Managed, t, *n, 1),
                None => return Err(Diagnostic::error("Invalid reference").detail("A reference to a resource type must be followed by at least one attribute access, specifying the resource name.").at(span)),
            },
        };
        let Some(idx) = self
            .module
            .resources
            .iter()
            .position(|r| r.mode == mode && r.type_name == type_name && r.name == name)
        else {
            let kind = if mode == ResourceMode::Data {
                "data"
            } else {
                "managed"
            };
            return Err(Diagnostic::error("Reference to undeclared resource")
                .detail(format!("A {kind} resource {type_name:?} {name:?} has not been declared in the root module."))
                .at(span));
        };
        let v = self
            .values
            .aggregates
            .get(&idx)
            .cloned()
            .unwrap_or_else(Value::unknown);
        Ok((v, consumed))
    }
}

pub fn resource_addr(r: &Resource, module: &ModuleInstance) -> ResourceAddr {
    ResourceAddr {
        module: module.clone(),
        mode: r.mode,
        type_name: r.type_name.clone(),
        name: r.name.clone(),
    }
}

/// Per instance, the other instances of the same resource it refers to.
pub type SelfDependencies = HashMap<InstanceKey, Vec<InstanceKey>>;

/// Evaluation of the module's expressions during the walk.
pub struct Walk<'a> {
    pub module: &'a Module,
    pub ev: ModuleEvaluator<'a>,
    pub values: ModuleValues,
    pub resources: ResourceValues,
}

impl<'a> Walk<'a> {
    pub fn new(
        module: &'a Module,
        sources: &'a SourceMap,
        opts: &EvalOptions,
        values: ModuleValues,
    ) -> Walk<'a> {
        Walk {
            module,
            ev: ModuleEvaluator::new(module, sources, opts),
            values,
            resources: ResourceValues::default(),
        }
    }

    /// Evaluates `e` with `bindings` (`count`, `each`, `self`) in scope.
    pub fn eval(
        &self,
        e: &crate::config::Expr,
        bindings: &[(&'static str, Value)],
    ) -> Result<Value, Diagnostic> {
        let resources = ResourceResolver {
            module: self.module,
            values: &self.resources,
        };
        let resolver = ModuleScope {
            module: self.module,
            values: &self.values,
            external: Some(&resources),
        };
        self.eval_bound(e, &Scope::new(&resolver), bindings)
    }

    fn eval_bound(
        &self,
        e: &crate::config::Expr,
        scope: &Scope,
        bindings: &[(&'static str, Value)],
    ) -> Result<Value, Diagnostic> {
        match bindings.split_first() {
            None => self.ev.eval(e, scope),
            Some(((name, v), rest)) => self.eval_bound(e, &scope.bind(name, v.clone()), rest),
        }
    }

    /// The `local-exec` provisioners of `r` that run at `when`, evaluated for one instance whose
    /// object (`self`) is `self_value`.
    pub fn provisioners(
        &self,
        r: &Resource,
        bindings: &[(&'static str, Value)],
        self_value: &Value,
        when: When,
    ) -> Vec<Result<ProvisionerRun, Diagnostic>> {
        let mut with_self = bindings.to_vec();
        with_self.push(("self", self_value.clone()));
        r.provisioners
            .iter()
            .filter(|p| super::provisioner::when_of(p) == when)
            .filter_map(|p| {
                let run = super::provisioner::decode(p, &|e| self.eval(e, &with_self));
                match run {
                    Ok(run) if run.when == when => Some(Ok(run)),
                    Ok(_) => None,
                    Err(d) => Some(Err(d)),
                }
            })
            .collect()
    }

    /// How resource `idx` repeats.
    pub fn expansion(&self, r: &Resource) -> Result<Expansion, Diagnostic> {
        if let Some(c) = &r.count {
            return expand_count(&self.eval(c, &[])?, c.span());
        }
        if let Some(f) = &r.for_each {
            return expand_for_each(&self.eval(f, &[])?, f.span());
        }
        Ok(Expansion::Single)
    }

    /// The instances of resource `idx` in an order where every instance comes after the
    /// instances of the same resource it refers to.
    pub fn instance_order(
        &self,
        idx: usize,
        g: &graph::ModuleGraph,
        expansion: &Expansion,
    ) -> Result<(Vec<InstanceKey>, SelfDependencies), Diagnostic> {
        let r = &self.module.resources[idx];
        let keys = expansion.keys();
        let mut deps: HashMap<InstanceKey, Vec<InstanceKey>> = HashMap::new();
        let Some(self_refs) = g.self_references.get(&idx) else {
            return Ok((keys, deps));
        };
        for key in &keys {
            let bindings = expansion.bindings(key);
            let mut mine = Vec::new();
            for reference in self_refs {
                match &reference.key_expr {
                    Some(kexpr) => {
                        let kv = self.eval(
                            &crate::config::Expr::new(reference.span.file, kexpr.clone()),
                            &bindings,
                        );
                        match kv.ok().map(|v| v.unmark().0.clone()) {
                            Some(v) if v.is_null() => {}
                            Some(Value::String(s)) => mine.push(InstanceKey::Str(s.to_string())),
                            Some(Value::Number(n)) if n.to_i64().is_some() => {
                                mine.push(InstanceKey::Int(n.to_i64().unwrap_or(0)))
                            }
                            // An unknown or failing key: it may be any instance.
                            _ => mine.extend(keys.iter().filter(|k| *k != key).cloned()),
                        }
                    }
                    None => mine.extend(keys.iter().filter(|k| *k != key).cloned()),
                }
            }
            if mine.contains(key) {
                return Err(Diagnostic::error(format!("Cycle: {}{key}", r.address()))
                    .detail("This instance refers to itself.")
                    .at(self_refs[0].span));
            }
            deps.insert(key.clone(), mine);
        }
        let order = graph::instance_order(
            &keys,
            &|k| deps.get(k).cloned().unwrap_or_default(),
            &r.address(),
            r.span,
        )?;
        Ok((order, deps))
    }
}

/// The type of an unknown value that stands for a whole planned object.
pub fn planned_unknown(block: &Block) -> Value {
    Value::Unknown(block.implied_type())
}

/// Paths at which `a` and `b` differ, at the top level of the object.
fn changed_attributes(prior: &Value, planned: &Value) -> Vec<String> {
    let (Some(a), Some(b)) = (prior.as_attrs(), planned.as_attrs()) else {
        return Vec::new();
    };
    b.iter()
        .filter(|(k, v)| {
            let before = a.get(*k).map(|p| p.unmark_deep().0).unwrap_or(Value::NULL);
            before.equals(&v.unmark_deep().0) != Some(true)
        })
        .map(|(k, _)| k.to_string())
        .collect()
}

/// Carries out planned changes as the walk reaches them (apply); the plan walk itself only
/// records them.
pub trait Executor: Sync {
    /// Makes `change` real; returns the new object (null when deleted). `provisioners` gives
    /// the instance's provisioners for an object and a moment (creation or destruction).
    fn execute(
        &self,
        change: &ResourceChange,
        resource: &Resource,
        config: &Value,
        provisioners: &Provisioners,
    ) -> Result<Value, Diagnostic>;
    /// Records the dependencies of an instance for the state file.
    fn dependencies(&self, _inst: &ResourceInstanceAddr, _deps: &Dependencies) {}
    /// Invokes an action an `action_trigger` fired.
    fn invoke_action(
        &self,
        action: &super::actions::ActionInstance,
        _triggered_by: Option<&ResourceInstanceAddr>,
    ) -> Result<(), Diagnostic> {
        Err(Diagnostic::error("Actions cannot run here")
            .detail(format!(
                "{} was triggered, but this run does not invoke actions.",
                action.addr
            ))
            .at(action.span))
    }
}

/// The provisioners of one instance, evaluated for its object (`self`) at a moment.
pub type Provisioners<'a> = dyn Fn(&Value, When) -> Vec<Result<ProvisionerRun, Diagnostic>> + 'a;

/// Builds the plan.
pub fn build_plan(ctx: &PlanContext, opts: &PlanOptions) -> (Option<PlanResult>, Diagnostics) {
    walk_module(ctx, opts, None)
}

/// Walks the module in dependency order, planning every instance; with an executor, applies each
/// change as soon as its dependencies are done, so later instances see real values. An instance
/// whose dependency failed is skipped and reported once.
pub fn walk_module(
    ctx: &PlanContext,
    opts: &PlanOptions,
    exec: Option<&dyn Executor>,
) -> (Option<PlanResult>, Diagnostics) {
    let mut acc = Acc {
        plan: Plan {
            destroy: opts.destroy,
            ..Plan::default()
        },
        ..Acc::default()
    };
    let (values, vdiags) =
        evaluate_variables_only(&ctx.tree.module, ctx.sources, ctx.inputs, ctx.eval);
    let bad = vdiags.has_errors();
    acc.diags.extend(vdiags);
    if bad {
        return (None, acc.diags);
    }
    let values = walk_one(
        ctx,
        opts,
        exec,
        ctx.tree,
        &ModuleInstance::root(),
        ctx.eval,
        values,
        &mut acc,
    );
    let Acc {
        mut plan,
        dependencies,
        in_config,
        failed: _,
        skipped,
        not_started,
        mut diags,
        pending: _,
        actions,
    } = acc;
    // Instances in state that the configuration no longer has.
    for (inst, state) in ctx.prior.instances() {
        if inst.resource.mode != ResourceMode::Managed || in_config.contains(&inst) {
            continue;
        }
        let selected_by_pattern =
            |patterns: &[String]| patterns.iter().any(|p| super::targeting::matches(p, &inst));
        if opts.selected.is_some()
            && (!opts.targets.is_empty() && !selected_by_pattern(&opts.targets)
                || selected_by_pattern(&opts.excludes))
        {
            continue;
        }
        let config_module = ctx.tree.find(&inst.resource.module).map(|t| &t.module);
        let in_module = config_module.and_then(|m| {
            m.resources.iter().find(|r| {
                r.mode == ResourceMode::Managed
                    && r.type_name == inst.resource.type_name
                    && r.name == inst.resource.name
            })
        });
        let reason = match in_module {
            None if config_module.is_none() => ActionReason::DeleteBecauseNoModule,
            None => ActionReason::DeleteBecauseNoResourceConfig,
            Some(_) if matches!(inst.key, InstanceKey::Int(_)) => {
                ActionReason::DeleteBecauseCountIndex
            }
            Some(_) => ActionReason::DeleteBecauseEachKey,
        };
        let provider = ctx
            .providers
            .for_type(&inst.resource.type_name, Span::default())
            .ok();
        let before = provider
            .and_then(|p| p.schema().resource_schemas.get(&inst.resource.type_name))
            .map(|s| decode_attributes(&state.attributes, &s.block))
            .unwrap_or_else(|| crate::value::value_from_json(&state.attributes));
        let source = provider.map(|p| p.source().to_string()).unwrap_or_default();
        plan.resource_changes.push(ResourceChange {
            addr: inst.clone(),
            provider: source,
            action: Action::Delete,
            reason: if opts.destroy { None } else { Some(reason) },
            before: Some(before),
            after: None,
            replace_paths: Vec::new(),
        });
    }
    if let Some(exec) = exec {
        let empty = Value::NULL;
        for c in plan
            .resource_changes
            .iter()
            .filter(|c| c.action == Action::Delete && !in_config.contains(&c.addr))
        {
            let bindings: Vec<(&'static str, Value)> = match &c.addr.key {
                InstanceKey::None => Vec::new(),
                InstanceKey::Int(i) => vec![(
                    "count",
                    Value::object([("index".into(), Value::int(*i))].into_iter().collect()),
                )],
                InstanceKey::Str(k) => vec![(
                    "each",
                    Value::object(
                        [
                            ("key".into(), Value::from(k.as_str())),
                            ("value".into(), Value::NULL),
                        ]
                        .into_iter()
                        .collect(),
                    ),
                )],
            };
            // A resource removed from configuration has no block, so no provisioners to run.
            // Destroy-time provisioners may refer only to `self`, `count` and `each`, so a walk
            // of the module without any values serves them.
            let orphan = orphan_resource(c);
            let config_module = ctx.tree.find(&c.addr.resource.module).map(|t| &t.module);
            let r = config_module
                .and_then(|m| {
                    m.resources.iter().find(|r| {
                        r.type_name == c.addr.resource.type_name && r.name == c.addr.resource.name
                    })
                })
                .unwrap_or(&orphan);
            let walk = Walk::new(
                config_module.unwrap_or(&ctx.tree.module),
                ctx.sources,
                ctx.eval,
                ModuleValues::default(),
            );
            let provs = |v: &Value, when: When| walk.provisioners(r, &bindings, v, when);
            if let Err(d) = exec.execute(c, r, &empty, &provs) {
                diags.push(d);
            }
        }
    }
    for (why, instances) in &not_started {
        diags.push(Diagnostic::warning("Not started").detail(format!(
            "These instances were not started because {why}: {}.",
            instances.join(", ")
        )));
    }
    if !skipped.is_empty() {
        diags.push(
            Diagnostic::warning("Skipped because a dependency failed").detail(format!(
                "These instances were not applied because an instance they depend on failed: {}.",
                skipped.join(", ")
            )),
        );
    }
    plan.resource_changes.sort_by(|a, b| a.addr.cmp(&b.addr));
    // Output changes against the prior state.
    for (name, v) in &values.outputs {
        let before = ctx
            .prior
            .outputs
            .get(name)
            .map(|o| o.value.clone().mark_if(o.sensitive));
        let action = match &before {
            None => Action::Create,
            Some(b) if b.unmark_deep().0.equals(&v.unmark_deep().0) == Some(true) => Action::NoOp,
            Some(_) => Action::Update,
        };
        let sensitive = ctx
            .tree
            .module
            .outputs
            .get(name)
            .is_some_and(|o| o.sensitive);
        let (action, after) = if opts.destroy {
            (Action::Delete, None)
        } else {
            (action, Some(v.clone()))
        };
        plan.output_changes.push(OutputChange {
            name: name.clone(),
            action,
            before,
            after,
            sensitive,
        });
    }
    for (name, o) in &ctx.prior.outputs {
        if !values.outputs.contains_key(name) {
            plan.output_changes.push(OutputChange {
                name: name.clone(),
                action: Action::Delete,
                before: Some(o.value.clone()),
                after: None,
                sensitive: o.sensitive,
            });
        }
    }
    plan.output_changes.sort_by(|a, b| a.name.cmp(&b.name));
    if diags.has_errors() {
        return (None, diags);
    }
    (
        Some(PlanResult {
            plan,
            actions,
            values,
            dependencies,
        }),
        diags,
    )
}

/// The conditions that are known to be false, as diagnostics with their error messages.
/// Conditions whose value is not known yet are checked later (at apply).
fn failed_conditions(
    walk: &Walk,
    r: &Resource,
    conditions: &[crate::config::Condition],
    bindings: &[(&'static str, Value)],
    summary: &str,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for c in conditions {
        let ok = match walk.eval(&c.condition, bindings) {
            Ok(v) => v.unmark().0.as_bool(),
            Err(d) => {
                out.push(d);
                continue;
            }
        };
        if ok == Some(false) {
            let message = c
                .error_message
                .as_ref()
                .and_then(|m| walk.eval(m, bindings).ok())
                .map(|m| match m.unmark() {
                    (_, true) => {
                        "The error message included a sensitive value, so it will not be displayed."
                            .to_string()
                    }
                    (m, false) if !m.is_wholly_known() => {
                        "The error message could not be determined yet.".to_string()
                    }
                    (m, false) => m.as_str().map_or_else(|| m.to_string(), str::to_string),
                })
                .unwrap_or_else(|| "The condition evaluated to false.".into());
            out.push(
                Diagnostic::error(summary)
                    .detail(message)
                    .at(c.condition.span())
                    .context(format!("resource {:?} {:?}", r.type_name, r.name)),
            );
        }
    }
    out
}

/// `lifecycle { replace_triggered_by = [...] }`: true when an instance (or attribute) it names
/// has a change planned.
fn replace_triggered(
    r: &Resource,
    path: &ModuleInstance,
    walk: &Walk,
    bindings: &[(&'static str, Value)],
    plan: &Plan,
) -> bool {
    let Some(e) = &r.lifecycle.replace_triggered_by else {
        return false;
    };
    let changed = |addr: &ResourceAddr, key: Option<InstanceKey>| {
        plan.resource_changes.iter().any(|c| {
            c.addr.resource == *addr
                && key.as_ref().is_none_or(|k| &c.addr.key == k)
                && !matches!(c.action, Action::NoOp | Action::Read)
        })
    };
    let refs = crate::eval::refs::find(&e.expr, e.file).references;
    refs.iter().any(|reference| {
        let Some(name) = reference.attrs.first() else {
            return false;
        };
        let addr = ResourceAddr {
            module: path.clone(),
            mode: ResourceMode::Managed,
            type_name: reference.root.clone(),
            name: name.clone(),
        };
        let key = reference.key_expr.as_ref().and_then(|k| {
            walk.eval(&crate::config::Expr::new(e.file, k.clone()), bindings)
                .ok()
                .and_then(|v| instance_key(&v))
        });
        changed(&addr, key)
    })
}

/// A stand-in block for an instance whose resource block was removed from the configuration.
fn orphan_resource(c: &ResourceChange) -> Resource {
    Resource {
        mode: c.addr.resource.mode,
        type_name: c.addr.resource.type_name.clone(),
        name: c.addr.resource.name.clone(),
        span: Span::default(),
        file: crate::diag::FileId(0),
        count: None,
        for_each: None,
        depends_on: Vec::new(),
        provider: None,
        lifecycle: Default::default(),
        provisioners: Vec::new(),
        connection: None,
        body: Arc::new(hcl_edit::structure::Body::new()),
    }
}

/// Walks one module instance (the root, or a child at `path`) in dependency order; returns its
/// values, outputs included.
#[allow(clippy::too_many_arguments)]
fn walk_one(
    ctx: &PlanContext,
    opts: &PlanOptions,
    exec: Option<&dyn Executor>,
    tree: &ModuleTree,
    path: &ModuleInstance,
    eval_opts: &EvalOptions,
    values: ModuleValues,
    acc: &mut Acc,
) -> ModuleValues {
    let module = &tree.module;
    let g = match graph::build(module, ctx.sources) {
        Ok(g) => g,
        Err(d) => {
            acc.diags.extend(d);
            return values;
        }
    };
    let mut walk = Walk::new(module, ctx.sources, eval_opts, values);
    for node_index in &g.order {
        let node = g.graph[*node_index].clone();
        match &node {
            Node::Local(name) => {
                let local = &module.locals[name];
                let v = walk.eval(&local.expr, &[]).unwrap_or_else(|d| {
                    acc.diags.push(d.context("locals"));
                    Value::unknown()
                });
                walk.values.locals.insert(name.clone(), v);
            }
            Node::Output(name) => {
                let out = &module.outputs[name];
                let Some(e) = &out.value else { continue };
                match walk.eval(e, &[]) {
                    Ok(v) => {
                        if v.contains_sensitive() && !out.sensitive {
                            acc.diags.push(Diagnostic::error("Output refers to sensitive values").detail("To reduce the risk of accidentally exporting sensitive data that was intended to be only internal, bcmhcl requires that any root module output containing sensitive data be explicitly marked as sensitive, to confirm your intent.\n\nIf you do intend to export this data, annotate the output value as sensitive by adding the following argument:\n    sensitive = true").at(out.span));
                        }
                        walk.values
                            .outputs
                            .insert(name.clone(), v.mark_if(out.sensitive));
                    }
                    Err(d) => acc.diags.push(d.context(format!("output {name:?}"))),
                }
            }
            Node::ModuleCall(name) => {
                let v = walk_module_call(ctx, opts, exec, tree, path, &walk, name, acc);
                walk.resources.module_calls.insert(name.clone(), v);
            }
            Node::Resource(idx) => {
                let idx = *idx;
                let r = &module.resources[idx];
                let provider = match ctx.providers.for_type(&r.type_name, r.span) {
                    Ok(p) => p.clone(),
                    Err(d) => {
                        acc.diags.push(d);
                        continue;
                    }
                };
                let schema = provider.schema();
                let block = match r.mode {
                    ResourceMode::Managed => schema.resource_schemas.get(&r.type_name),
                    ResourceMode::Data => schema.data_source_schemas.get(&r.type_name),
                };
                let Some(block) = block.map(|s| &s.block) else {
                    acc.diags.push(
                        Diagnostic::error("Unsupported resource type")
                            .detail(format!(
                                "The provider {} has no {} type {:?}.",
                                provider.source(),
                                if r.mode == ResourceMode::Data {
                                    "data source"
                                } else {
                                    "resource"
                                },
                                r.type_name
                            ))
                            .at(r.span),
                    );
                    continue;
                };
                let expansion = if opts.destroy {
                    Expansion::ForEach(Vec::new())
                } else {
                    match walk.expansion(r) {
                        Ok(e) => e,
                        Err(d) => {
                            acc.diags.push(d);
                            continue;
                        }
                    }
                };
                walk.resources.start(idx, &expansion);
                if opts.destroy {
                    // Everything goes: what refers to these objects sees unknown values, not
                    // missing instances.
                    walk.resources.aggregates.insert(idx, Value::unknown());
                }
                let (order, self_deps) = match walk.instance_order(idx, &g, &expansion) {
                    Ok(o) => o,
                    Err(d) => {
                        acc.diags.push(d);
                        continue;
                    }
                };
                let addr = resource_addr(r, path);
                let triggers = match super::actions::triggers_of(r) {
                    Ok(t) => t,
                    Err(d) => {
                        acc.diags.push(d);
                        Vec::new()
                    }
                };
                let context = match r.mode {
                    ResourceMode::Managed => format!("resource {:?} {:?}", r.type_name, r.name),
                    ResourceMode::Data => format!("data {:?} {:?}", r.type_name, r.name),
                };
                let (whole, keyed) = resource_dependencies(module, path, &g, &node);
                for layer in layers(&order, &self_deps) {
                    let mut jobs: Vec<Job> = Vec::new();
                    for key in layer {
                        let inst = addr.instance(key.clone());
                        acc.in_config.insert(inst.clone());
                        let managed = r.mode == ResourceMode::Managed;
                        if opts.selected.as_ref().is_some_and(|s| !s.contains(&inst))
                            || (opts.refresh_only && managed)
                        {
                            // Not targeted: it keeps its prior object and is not planned.
                            let prior = ctx
                                .prior
                                .instance(&inst)
                                .map(|s| decode_attributes(&s.attributes, block))
                                .unwrap_or_else(|| planned_unknown(block));
                            walk.resources.set(idx, &key, prior);
                            continue;
                        }
                        let bindings = expansion.bindings(&key);
                        let mut deps = Dependencies {
                            instances: BTreeSet::new(),
                            resources: whole.clone(),
                        };
                        for (target, key_expr) in &keyed {
                            match walk
                                .eval(key_expr, &bindings)
                                .ok()
                                .and_then(|k| instance_key(&k))
                            {
                                Some(k) => deps.instances.insert(target.instance(k)),
                                None => deps.resources.insert(target.clone()),
                            };
                        }
                        for k in self_deps.get(&key).into_iter().flatten() {
                            deps.instances.insert(addr.instance(k.clone()));
                        }
                        acc.dependencies.insert(inst.clone(), deps);
                        // Preconditions first, as Terraform checks them before it evaluates the
                        // body: a failed one is reported with its own message, not as the body's
                        // error it was written to prevent.
                        if let Some(d) = failed_conditions(
                            &walk,
                            r,
                            &r.lifecycle.preconditions,
                            &bindings,
                            "Resource precondition failed",
                        )
                        .into_iter()
                        .next()
                        {
                            acc.diags.push(d.address(inst.to_string()));
                            walk.resources.set(idx, &key, planned_unknown(block));
                            continue;
                        }
                        let config = {
                            let eval = |e: &crate::config::Expr| walk.eval(e, &bindings);
                            let origin = BodyOrigin {
                                file: r.file,
                                header: r.span,
                                context: &context,
                                sources: ctx.sources,
                            };
                            let (v, ds) = decode_body(&r.body, &origin, block, &eval);
                            let bad = ds.iter().any(|d| d.is_error());
                            for d in ds {
                                acc.diags.push(d);
                            }
                            if bad {
                                walk.resources.set(idx, &key, planned_unknown(block));
                                continue;
                            }
                            v
                        };
                        let (value, change) = match r.mode {
                            ResourceMode::Data => {
                                let deps_pending = r
                                    .depends_on
                                    .iter()
                                    .any(|_| !acc.pending.is_empty())
                                    || other_deps_pending(&acc.dependencies[&inst], &acc.pending);
                                if config.is_wholly_known() && !deps_pending {
                                    let read = ctx.read_data.read(
                                        provider.as_ref(),
                                        &r.type_name,
                                        &config,
                                    );
                                    match read {
                                        Ok(v) => (v, None),
                                        Err(d) => {
                                            acc.diags.push(d.at(r.span));
                                            (planned_unknown(block), None)
                                        }
                                    }
                                } else {
                                    let reason = if config.is_wholly_known() {
                                        ActionReason::ReadBecauseDependencyPending
                                    } else {
                                        ActionReason::ReadBecauseConfigUnknown
                                    };
                                    let after = planned_unknown(block);
                                    (
                                        after.clone(),
                                        Some(ResourceChange {
                                            addr: inst.clone(),
                                            provider: provider.source().to_string(),
                                            action: Action::Read,
                                            reason: Some(reason),
                                            before: None,
                                            after: Some(after),
                                            replace_paths: Vec::new(),
                                        }),
                                    )
                                }
                            }
                            ResourceMode::Managed => {
                                let prior_state = ctx.prior.instance(&inst);
                                let prior =
                                    prior_state.map(|s| decode_attributes(&s.attributes, block));
                                let triggered =
                                    replace_triggered(r, path, &walk, &bindings, &acc.plan);
                                match plan_instance(
                                    &provider,
                                    r,
                                    triggered,
                                    &inst,
                                    prior.as_ref(),
                                    prior_state.is_some_and(|s| s.tainted),
                                    &config,
                                    opts,
                                    &walk,
                                    &bindings,
                                ) {
                                    Ok(c) => (c.after.clone().unwrap_or(Value::NULL), Some(c)),
                                    Err(d) => {
                                        acc.diags.push(d);
                                        (planned_unknown(block), None)
                                    }
                                }
                            }
                        };
                        jobs.push(Job {
                            inst,
                            key,
                            bindings,
                            config,
                            change,
                            value,
                            outcome: None,
                        });
                    }
                    // The layer's changes run together (at most `parallelism` at once); instances
                    // that chain to each other are in different layers, so they run in order.
                    if let Some(exec) = exec {
                        for job in &mut jobs {
                            let Some(c) = job.change.as_ref() else {
                                continue;
                            };
                            exec.dependencies(&job.inst, &acc.dependencies[&job.inst]);
                            if matches!(c.action, Action::NoOp | Action::Read) {
                                continue;
                            }
                            if acc
                                .failed
                                .iter()
                                .any(|f| acc.dependencies[&job.inst].includes(f))
                            {
                                acc.failed.insert(job.inst.clone());
                                acc.skipped.push(job.inst.to_string());
                            } else {
                                job.outcome = Some(Err(Diagnostic::error("not run")));
                            }
                        }
                        let run = |job: &Job| {
                            let c = job.change.as_ref()?;
                            let provs = |v: &Value, when: When| {
                                walk.provisioners(r, &job.bindings, v, when)
                            };
                            Some(exec.execute(c, r, &job.config, &provs))
                        };
                        // Power operations are scheduled within the provisioning slots; their
                        // mode comes from the configuration unless the command line overrides it.
                        let provisioning = jobs
                            .iter()
                            .find(|j| j.outcome.is_some())
                            .and_then(|j| provider.provisioning_mode(&r.type_name, &j.config))
                            .map(|m| opts.provisioning.mode.unwrap_or(m));
                        let (not_started, why) = match provisioning {
                            Some(mode) => {
                                run_scheduled(&mut jobs, mode, &opts.provisioning, &opts.stop, &run)
                            }
                            None => {
                                let left = run_jobs(&mut jobs, opts.parallelism, &opts.stop, &run);
                                let why = (!left.is_empty())
                                    .then_some(super::schedule::StopReason::Interrupted);
                                (left, why)
                            }
                        };
                        for i in not_started {
                            let job = &mut jobs[i];
                            job.outcome = None;
                            acc.failed.insert(job.inst.clone());
                            acc.not_started
                                .entry(why.clone().map(|w| w.to_string()).unwrap_or_default())
                                .or_default()
                                .push(job.inst.to_string());
                        }
                    }
                    for job in jobs {
                        let Job {
                            inst,
                            key,
                            bindings,
                            change,
                            mut value,
                            outcome,
                            ..
                        } = job;
                        match outcome {
                            Some(Ok(v)) => value = v,
                            Some(Err(d)) => {
                                acc.diags.push(d);
                                acc.failed.insert(inst.clone());
                            }
                            None => {}
                        }
                        if let Some(c) = change.as_ref().filter(|c| c.action != Action::NoOp) {
                            if exec.is_none() || !acc.failed.contains(&inst) {
                                for t in &triggers {
                                    match super::actions::triggered_addresses(
                                        &walk, t, path, &bindings, c.action,
                                    ) {
                                        Ok(addrs) => acc.plan.action_invocations.extend(
                                            addrs.into_iter().map(|a| super::ActionInvocation {
                                                addr: a,
                                                triggered_by: Some(inst.clone()),
                                            }),
                                        ),
                                        Err(d) => acc.diags.push(d.address(inst.to_string())),
                                    }
                                }
                            }
                        }
                        if change.as_ref().is_some_and(|c| c.action != Action::NoOp)
                            && exec.is_none()
                        {
                            acc.pending.insert(addr.clone());
                        }
                        if !r.lifecycle.postconditions.is_empty() {
                            let mut with_self = bindings.clone();
                            with_self.push(("self", value.clone()));
                            for d in failed_conditions(
                                &walk,
                                r,
                                &r.lifecycle.postconditions,
                                &with_self,
                                "Resource postcondition failed",
                            ) {
                                acc.diags.push(d.address(inst.to_string()));
                                acc.failed.insert(inst.clone());
                            }
                        }
                        walk.resources.set(idx, &key, value);
                        if let Some(c) = change {
                            acc.plan.resource_changes.push(c);
                        }
                    }
                    walk.resources.finish_layer(idx);
                }
            }
        }
    }
    run_module_actions(ctx, exec, path, &walk, acc);
    walk.values
}

/// Evaluates the module's actions now that every value is final, and (when applying) invokes
/// the ones that changes of this module triggered, in the order they were triggered.
fn run_module_actions(
    ctx: &PlanContext,
    exec: Option<&dyn Executor>,
    path: &ModuleInstance,
    walk: &Walk,
    acc: &mut Acc,
) {
    let mut instances = Vec::new();
    for a in &walk.module.actions {
        match super::actions::evaluate_action(walk, a, path, ctx.providers, ctx.sources) {
            Ok(v) => instances.extend(v),
            Err(ds) => ds.into_iter().for_each(|d| acc.diags.push(d)),
        }
    }
    let triggered: Vec<super::ActionInvocation> = acc
        .plan
        .action_invocations
        .iter()
        .filter(|i| i.addr.module == *path && i.triggered_by.is_some())
        .cloned()
        .collect();
    for inv in triggered {
        let Some(action) = instances.iter().find(|a| a.addr == inv.addr) else {
            acc.diags.push(
                Diagnostic::error("Reference to undeclared action")
                    .detail(format!(
                        "{} triggers {}, which is not declared (or has no such instance) in this module.",
                        inv.triggered_by.as_ref().map(|a| a.to_string()).unwrap_or_default(),
                        inv.addr
                    )),
            );
            continue;
        };
        if let Some(exec) = exec {
            if let Err(d) = exec.invoke_action(action, inv.triggered_by.as_ref()) {
                acc.diags.push(d.address(action.addr.to_string()));
            }
        }
    }
    acc.actions.extend(instances);
}

/// Plans (and applies) every instance of a module call: its inputs become the child's
/// variables, its outputs the value `module.NAME` refers to.
#[allow(clippy::too_many_arguments)]
fn walk_module_call(
    ctx: &PlanContext,
    opts: &PlanOptions,
    exec: Option<&dyn Executor>,
    tree: &ModuleTree,
    path: &ModuleInstance,
    walk: &Walk,
    name: &str,
    acc: &mut Acc,
) -> Value {
    let call = &tree.module.module_calls[name];
    let Some(child) = tree.children.get(name) else {
        return Value::unknown();
    };
    let expansion = if let Some(c) = &call.count {
        walk.eval(c, &[]).and_then(|v| expand_count(&v, c.span()))
    } else if let Some(f) = &call.for_each {
        walk.eval(f, &[])
            .and_then(|v| expand_for_each(&v, f.span()))
    } else {
        Ok(Expansion::Single)
    };
    let expansion = match expansion {
        Ok(e) => e,
        Err(d) => {
            acc.diags.push(d);
            return Value::unknown();
        }
    };
    let mut results: Vec<(InstanceKey, Value)> = Vec::new();
    for key in expansion.keys() {
        let bindings = expansion.bindings(&key);
        let mut inputs = Vec::new();
        for (input, e) in &call.inputs {
            if !child.module.variables.contains_key(input) {
                acc.diags.push(
                    Diagnostic::error("Unsupported argument")
                        .detail(format!("An argument named {input:?} is not expected here."))
                        .at(e.span())
                        .context(format!("module {name:?}")),
                );
                continue;
            }
            match walk.eval(e, &bindings) {
                Ok(v) => inputs.push(RawInput {
                    name: input.clone(),
                    value: crate::eval::module::InputValue::Assigned(
                        crate::config::tfvars::Assigned::Value(v, e.span()),
                    ),
                }),
                Err(d) => acc.diags.push(d),
            }
        }
        let child_opts = EvalOptions {
            path_module: child.path_module.clone(),
            ..ctx.eval.clone()
        };
        let (values, vdiags) =
            evaluate_variables_only(&child.module, ctx.sources, &inputs, &child_opts);
        let bad = vdiags.has_errors();
        acc.diags.extend(vdiags);
        if bad {
            results.push((key, Value::unknown()));
            continue;
        }
        let child_path = path.child(name, key.clone());
        let values = walk_one(
            ctx,
            opts,
            exec,
            child,
            &child_path,
            &child_opts,
            values,
            acc,
        );
        let outputs: Attrs = values
            .outputs
            .iter()
            .map(|(k, v)| (k.as_str().into(), v.clone()))
            .collect();
        results.push((key, Value::object(outputs)));
    }
    match expansion {
        Expansion::Single => results.pop().map(|(_, v)| v).unwrap_or_else(Value::unknown),
        Expansion::Count(_) => Value::tuple(results.into_iter().map(|(_, v)| v).collect()),
        Expansion::ForEach(_) => Value::object(
            results
                .into_iter()
                .map(|(k, v)| (k.to_value().as_str().unwrap_or_default().into(), v))
                .collect(),
        ),
    }
}

fn other_deps_pending(deps: &Dependencies, pending: &BTreeSet<ResourceAddr>) -> bool {
    deps.resource_addresses()
        .into_iter()
        .any(|d| pending.contains(d))
}

/// An instance key from an evaluated index value.
fn instance_key(v: &Value) -> Option<InstanceKey> {
    match v.unmark().0 {
        Value::String(s) => Some(InstanceKey::Str(s.to_string())),
        Value::Number(n) => n.to_i64().map(InstanceKey::Int),
        _ => None,
    }
}

/// What the instances of a resource depend on besides their own resource: whole resources
/// (references without a key, through locals, `depends_on`) and keyed references whose key each
/// instance evaluates (`terraform_data.device[each.key]`).
pub fn resource_dependencies(
    module: &Module,
    path: &ModuleInstance,
    g: &graph::ModuleGraph,
    node: &Node,
) -> (
    BTreeSet<ResourceAddr>,
    Vec<(ResourceAddr, crate::config::Expr)>,
) {
    let mut whole = BTreeSet::new();
    let mut keyed = Vec::new();
    let resource_of = |n: &Node| match n {
        Node::Resource(i) => Some(resource_addr(&module.resources[*i], path)),
        _ => None,
    };
    for r in g.references.get(node).into_iter().flatten() {
        let Some(target) = graph::target(module, r) else {
            continue;
        };
        if &target == node {
            continue;
        }
        match (&target, &r.key_expr) {
            (Node::Resource(_), Some(k)) => {
                if let Some(addr) = resource_of(&target) {
                    keyed.push((addr, crate::config::Expr::new(r.span.file, k.clone())));
                }
            }
            (Node::Resource(_), None) => whole.extend(resource_of(&target)),
            (Node::Local(_), _) => {
                // Everything a local reaches, transitively, counts as a whole resource.
                let mut stack = vec![g.index[&target]];
                let mut seen = BTreeSet::new();
                while let Some(n) = stack.pop() {
                    if !seen.insert(n) {
                        continue;
                    }
                    match &g.graph[n] {
                        Node::Resource(_) => whole.extend(resource_of(&g.graph[n])),
                        Node::Local(_) => stack
                            .extend(g.graph.neighbors_directed(n, petgraph::Direction::Incoming)),
                        Node::Output(_) | Node::ModuleCall(_) => {}
                    }
                }
            }
            // Values from called modules are ordered by the walk; instance dependencies
            // across module boundaries are not tracked yet.
            (Node::Output(_) | Node::ModuleCall(_), _) => {}
        }
    }
    (whole, keyed)
}

/// Plans one managed instance: asks the provider, then decides the action.
#[allow(clippy::too_many_arguments)]
fn plan_instance(
    provider: &Arc<dyn crate::provider::Provider>,
    r: &Resource,
    triggered: bool,
    inst: &ResourceInstanceAddr,
    prior: Option<&Value>,
    tainted: bool,
    config: &Value,
    opts: &PlanOptions,
    walk: &Walk,
    bindings: &[(&'static str, Value)],
) -> Result<ResourceChange, Diagnostic> {
    let source = provider.source().to_string();
    let change = |action, reason, before: Option<Value>, after: Option<Value>, replace_paths| {
        ResourceChange {
            addr: inst.clone(),
            provider: source.clone(),
            action,
            reason,
            before,
            after,
            replace_paths,
        }
    };
    if opts.destroy {
        return Ok(change(
            Action::Delete,
            None,
            prior.cloned(),
            None,
            Vec::new(),
        ));
    }
    let Some(prior) = prior else {
        let resp = provider.plan(PlanRequest {
            type_name: &r.type_name,
            prior: None,
            config,
        })?;
        return Ok(change(
            Action::Create,
            None,
            None,
            Some(resp.planned),
            Vec::new(),
        ));
    };
    let config = apply_ignore_changes(r, prior, config);
    let resp = provider.plan(PlanRequest {
        type_name: &r.type_name,
        prior: Some(prior),
        config: &config,
    })?;
    let changed = changed_attributes(prior, &resp.planned);
    let forced: Vec<AttrPath> = resp
        .requires_replace
        .iter()
        .filter(|p| matches!(p.first(), Some(PathStep::Attr(a)) if changed.contains(a)))
        .cloned()
        .collect();
    let requested = opts.replace.iter().any(|a| *a == inst.to_string());
    let cbd = r
        .lifecycle
        .create_before_destroy
        .as_ref()
        .and_then(|e| walk.eval(e, bindings).ok())
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    let replace_action = if cbd {
        Action::CreateThenDelete
    } else {
        Action::DeleteThenCreate
    };
    let reason = if tainted {
        Some(ActionReason::ReplaceBecauseTainted)
    } else if requested {
        Some(ActionReason::ReplaceByRequest)
    } else if triggered {
        Some(ActionReason::ReplaceByTriggers)
    } else if !forced.is_empty() {
        Some(ActionReason::ReplaceBecauseCannotUpdate)
    } else {
        None
    };
    if let Some(reason) = reason {
        check_prevent_destroy(r, inst, walk, bindings)?;
        let fresh = provider.plan(PlanRequest {
            type_name: &r.type_name,
            prior: None,
            config: &config,
        })?;
        return Ok(change(
            replace_action,
            Some(reason),
            Some(prior.clone()),
            Some(fresh.planned),
            forced,
        ));
    }
    if changed.is_empty() {
        return Ok(change(
            Action::NoOp,
            None,
            Some(prior.clone()),
            Some(prior.clone()),
            Vec::new(),
        ));
    }
    Ok(change(
        Action::Update,
        None,
        Some(prior.clone()),
        Some(resp.planned),
        Vec::new(),
    ))
}

fn check_prevent_destroy(
    r: &Resource,
    inst: &ResourceInstanceAddr,
    walk: &Walk,
    bindings: &[(&'static str, Value)],
) -> Result<(), Diagnostic> {
    let prevent = r
        .lifecycle
        .prevent_destroy
        .as_ref()
        .and_then(|e| walk.eval(e, bindings).ok())
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    if prevent {
        return Err(Diagnostic::error("Instance cannot be destroyed")
            .detail(format!("Resource {inst} has lifecycle.prevent_destroy set, but the plan calls for this resource to be destroyed. To avoid this error and continue with the plan, either disable lifecycle.prevent_destroy or reduce the scope of the plan using the -target flag."))
            .at(r.span));
    }
    Ok(())
}

/// `lifecycle { ignore_changes = [...] }`: the ignored attributes keep their prior values.
fn apply_ignore_changes(r: &Resource, prior: &Value, config: &Value) -> Value {
    let Some(e) = &r.lifecycle.ignore_changes else {
        return config.clone();
    };
    let names: Vec<String> = match &*e.expr {
        hcl_edit::expr::Expression::Variable(v) if v.value().as_str() == "all" => {
            return prior.clone();
        }
        hcl_edit::expr::Expression::Array(items) => items
            .iter()
            .filter_map(|i| match i {
                hcl_edit::expr::Expression::Variable(v) => Some(v.value().to_string()),
                hcl_edit::expr::Expression::Traversal(t) => match &t.expr {
                    hcl_edit::expr::Expression::Variable(v) => Some(v.value().to_string()),
                    _ => None,
                },
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let (Some(c), Some(p)) = (config.as_attrs(), prior.as_attrs()) else {
        return config.clone();
    };
    let mut out = c.clone();
    for n in names {
        if let Some(v) = p.get(n.as_str()) {
            out.insert(n.as_str().into(), v.clone());
        }
    }
    Value::object(out)
}
