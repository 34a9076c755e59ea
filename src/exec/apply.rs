//! The apply executor: one change at a time in dependency order (the plan walk calls it as it
//! goes), Terraform's progress lines, provisioners, and the state written after every finished
//! operation so that nothing completed is ever lost.

use crate::addr::ResourceInstanceAddr;
use crate::config::Resource;
use crate::diag::Diagnostic;
use crate::plan::actions::ActionInstance;
use crate::plan::build::{Dependencies, Executor, Provisioners};
use crate::plan::provisioner::When;
use crate::plan::{Action, ResourceChange};
use crate::provider::local_exec::LocalExec;
use crate::provider::{ActionRequest, ApplyRequest, ProviderRegistry};
use crate::schema::encode_attributes;
use crate::state::{InstanceState, State, StateStore};
use crate::value::Value;
use std::sync::Mutex;
use std::time::Instant;

/// What a provisioner's progress lines say it is doing.
fn verb(when: When) -> &'static str {
    match when {
        When::Create => "creating",
        When::Destroy => "destroying",
    }
}

/// Where progress goes: Terraform's plain lines by default.
pub trait Reporter {
    fn line(&mut self, text: &str);
}

/// Prints progress lines on stdout.
pub struct StdoutReporter;

impl Reporter for StdoutReporter {
    fn line(&mut self, text: &str) {
        use std::io::Write;
        let _ = writeln!(std::io::stdout().lock(), "{text}");
    }
}

/// Counts of what was done, for "Apply complete! Resources: A added, C changed, D destroyed."
#[derive(Default, Debug, Clone, Copy)]
pub struct Applied {
    pub added: usize,
    pub changed: usize,
    pub destroyed: usize,
    /// Actions invoked (Terraform 1.14 `action_trigger` and `-invoke`).
    pub actions: usize,
}

pub struct ApplyExecutor<'a> {
    pub providers: &'a ProviderRegistry,
    pub runtime: &'a tokio::runtime::Handle,
    /// The state, updated and recorded after every finished operation (operations of one
    /// layer finish on several threads).
    pub state: Mutex<State>,
    pub store: &'a dyn StateStore,
    reporter: Mutex<&'a mut (dyn Reporter + Send)>,
    /// Values of sensitive variables, masked in provisioner output.
    pub secrets: Vec<String>,
    applied: Mutex<Applied>,
    /// How often a long operation reports that it is still running (Terraform: 10 s).
    pub progress_every: std::time::Duration,
    /// Per instance, the resources it depends on (the state's `dependencies`).
    pending_dependencies: Mutex<std::collections::BTreeMap<ResourceInstanceAddr, Vec<String>>>,
    /// Becomes true on the second Ctrl-C: operations in flight stop waiting and fail.
    abandon: tokio::sync::watch::Receiver<bool>,
    /// How each provisioning operation (power resource instance) ended, in finishing order.
    provisioned: Mutex<Vec<ProvisioningOutcome>>,
}

/// One node's provisioning result, for the summary at the end of an apply.
#[derive(Clone, Debug)]
pub struct ProvisioningOutcome {
    pub addr: ResourceInstanceAddr,
    /// The node's status when the operation ended (`UP`), `done` when it was not waited for,
    /// or `failed`.
    pub result: String,
    pub duration: std::time::Duration,
    /// Why it failed.
    pub error: Option<String>,
}

impl ProvisioningOutcome {
    fn of(
        addr: &ResourceInstanceAddr,
        start: Instant,
        result: &Result<Value, Diagnostic>,
    ) -> ProvisioningOutcome {
        let (result, error) = match result {
            Ok(v) => (
                v.as_attrs()
                    .and_then(|a| a.get("status"))
                    .and_then(|s| s.as_str().map(str::to_string))
                    .unwrap_or_else(|| "done".to_string()),
                None,
            ),
            Err(d) => {
                let detail = d.detail.lines().next().unwrap_or("").trim();
                let why = if detail.is_empty() {
                    d.summary.clone()
                } else {
                    format!("{}: {detail}", d.summary)
                };
                ("failed".to_string(), Some(why))
            }
        };
        ProvisioningOutcome {
            addr: addr.clone(),
            result,
            duration: start.elapsed(),
            error,
        }
    }
}

/// The per-node summary table printed at the end of an apply that provisioned nodes.
pub fn provisioning_summary(outcomes: &[ProvisioningOutcome]) -> String {
    let mut rows: Vec<&ProvisioningOutcome> = outcomes.iter().collect();
    rows.sort_by(|a, b| a.addr.cmp(&b.addr));
    let names: Vec<String> = rows.iter().map(|o| o.addr.to_string()).collect();
    let width = names.iter().map(String::len).max().unwrap_or(4).max(4);
    let failed = rows.iter().filter(|o| o.error.is_some()).count();
    let mut out = format!(
        "Provisioning summary: {} node(s), {} succeeded, {failed} failed\n",
        rows.len(),
        rows.len() - failed
    );
    out.push_str(&format!(
        "  {:width$}  {:<22}  {:>8}  ERROR\n",
        "NODE", "RESULT", "DURATION"
    ));
    for (o, name) in rows.iter().zip(&names) {
        out.push_str(
            format!(
                "  {name:width$}  {:<22}  {:>7.1}s  {}",
                o.result,
                o.duration.as_secs_f64(),
                o.error.as_deref().unwrap_or("")
            )
            .trim_end(),
        );
        out.push('\n');
    }
    out
}

impl<'a> ApplyExecutor<'a> {
    pub fn new(
        providers: &'a ProviderRegistry,
        runtime: &'a tokio::runtime::Handle,
        state: State,
        store: &'a dyn StateStore,
        reporter: &'a mut (dyn Reporter + Send),
        secrets: Vec<String>,
    ) -> ApplyExecutor<'a> {
        ApplyExecutor {
            providers,
            runtime,
            state: Mutex::new(state),
            store,
            reporter: Mutex::new(reporter),
            secrets,
            applied: Mutex::new(Applied::default()),
            progress_every: std::time::Duration::from_secs(10),
            pending_dependencies: Mutex::new(Default::default()),
            abandon: tokio::sync::watch::channel(false).1,
            provisioned: Mutex::new(Vec::new()),
        }
    }

    /// Operations in flight give up when `abandon` becomes true (the second Ctrl-C); what
    /// finished before is in the state.
    pub fn abandon_on(&mut self, abandon: tokio::sync::watch::Receiver<bool>) {
        self.abandon = abandon;
    }

    /// Records the finished operation on `addr` durably (the store's journal keeps this cheap).
    fn save(&self, addr: &ResourceInstanceAddr) -> Result<(), Diagnostic> {
        let mut state = lock(&self.state);
        self.store
            .record(&mut state, addr)
            .map_err(|e| e.to_diagnostic())
    }

    fn run_provisioners(
        &self,
        addr: &ResourceInstanceAddr,
        object: &Value,
        when: When,
        provisioners: &Provisioners,
    ) -> Result<(), Diagnostic> {
        let prefix = addr.to_string();
        for run in provisioners(object, when) {
            let run = run?;
            let exec = LocalExec {
                command: run.command.clone(),
                interpreter: run.interpreter.clone(),
                environment: run.environment.clone(),
                working_dir: run.working_dir.clone(),
                quiet: run.quiet,
            };
            // A command built from sensitive values has its output suppressed and the secrets
            // masked in errors (Terraform's rule); other commands print as they are.
            let secrets: &[String] = if run.sensitive { &self.secrets } else { &[] };
            let secrets = secrets.to_vec();
            let mut lines = Vec::new();
            let mut collect = |l: String| lines.push(l);
            let running: crate::provider::BoxFuture<'_, _> =
                Box::pin(exec.run(&prefix, &secrets, &mut collect));
            let result = self.with_progress(addr, verb(when), running);
            for l in lines {
                self.line(&l);
            }
            match result {
                Ok(()) => {}
                Err(d) if run.continue_on_failure => {
                    self.line(&format!(
                        "{prefix}: provisioner failed, continuing (on_failure = continue): {}",
                        d.summary
                    ));
                }
                Err(d) => return Err(d),
            }
        }
        Ok(())
    }

    /// `create_before_destroy`: the new object exists; now the old one goes. If that fails, the
    /// old object stays in the state as a deposed object of the instance (as in Terraform), so
    /// a later apply can retry.
    fn destroy_replaced(
        &self,
        change: &ResourceChange,
        config: &Value,
        provisioners: &Provisioners,
    ) -> Result<(), Diagnostic> {
        let addr = &change.addr;
        let Some(old) = change.before.as_ref() else {
            return Ok(());
        };
        let provider = self
            .providers
            .for_type(&addr.resource.type_name, crate::diag::Span::default())?
            .clone();
        let start = Instant::now();
        let id = id_of(old).map(|i| format!(" [id={i}]")).unwrap_or_default();
        self.line(&format!("{addr} (deposed object): Destroying...{id}"));
        let result = self
            .run_provisioners(addr, old, When::Destroy, provisioners)
            .and_then(|()| {
                self.runtime.block_on(provider.apply(ApplyRequest {
                    type_name: &addr.resource.type_name,
                    prior: Some(old),
                    planned: None,
                    config,
                }))
            });
        match result {
            Ok(_) => {
                self.line(&format!(
                    "{addr} (deposed object): Destruction complete after {}",
                    Self::elapsed(start)
                ));
                lock(&self.applied).destroyed += 1;
                Ok(())
            }
            Err(d) => {
                let block = provider
                    .schema()
                    .resource_schemas
                    .get(&addr.resource.type_name)
                    .map(|s| s.block.clone())
                    .unwrap_or_default();
                let mut deposed =
                    InstanceState::new(addr.key.clone(), encode_attributes(old, &block));
                let mut state = lock(&self.state);
                deposed.deposed = Some(state.new_deposed_key(addr));
                let provider_field = format!("provider[\"{}\"]", provider.source());
                state.set_instance(addr, &provider_field, deposed);
                self.store.save(&mut state).map_err(|e| e.to_diagnostic())?;
                Err(d)
            }
        }
    }

    /// Runs a provider operation or a provisioner, printing Terraform's `Still creating... [10s elapsed]` every
    /// ten seconds while it lasts.
    fn with_progress<T>(
        &self,
        addr: &dyn std::fmt::Display,
        verb: &str,
        operation: crate::provider::BoxFuture<'_, Result<T, Diagnostic>>,
    ) -> Result<T, Diagnostic> {
        let every = self.progress_every;
        let start = Instant::now();
        let mut abandon = self.abandon.clone();
        let (tx, mut progress) = tokio::sync::mpsc::unbounded_channel::<String>();
        let sink: crate::provider::progress::Sink = std::sync::Arc::new(move |line: &str| {
            let _ = tx.send(line.to_string());
        });
        // Every log line of the operation names the instance (`BCMHCL_LOG=debug`).
        let span = tracing::info_span!("operation", instance = %addr, verb);
        self.runtime.block_on(async move {
            let operation = tracing::Instrument::instrument(
                crate::provider::progress::scope(sink, operation),
                span,
            );
            tokio::pin!(operation);
            let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            loop {
                if *abandon.borrow_and_update() {
                    return Err(Diagnostic::error("Operation abandoned").detail(format!(
                        "{addr}: the wait was abandoned after a second interrupt; the operation may still complete on its own. Run apply again to reconcile."
                    )));
                }
                tokio::select! {
                    result = &mut operation => {
                        while let Ok(line) = progress.try_recv() {
                            self.line(&format!("{addr}: {line}"));
                        }
                        return result;
                    }
                    Some(line) = progress.recv() => self.line(&format!("{addr}: {line}")),
                    _ = ticks.tick() => self.line(&format!(
                        "{addr}: Still {verb}... [{}s elapsed]",
                        start.elapsed().as_secs()
                    )),
                    changed = abandon.changed() => {
                        if changed.is_err() {
                            // The sender is gone: nobody can abandon any more.
                            return operation.await;
                        }
                    }
                }
            }
        })
    }

    fn line(&self, text: &str) {
        lock(&self.reporter).line(text);
    }

    /// The state as it is now (after the walk: with every finished operation).
    pub fn into_state(self) -> State {
        self.state.into_inner().unwrap_or_else(|p| p.into_inner())
    }

    /// How each provisioning operation ended.
    pub fn provisioned(&self) -> Vec<ProvisioningOutcome> {
        lock(&self.provisioned).clone()
    }

    pub fn applied(&self) -> Applied {
        *lock(&self.applied)
    }

    fn elapsed(start: Instant) -> String {
        format!("{}s", start.elapsed().as_secs())
    }
}

/// A lock that survives a panicked holder: what it guards is updated whole or not at all.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn id_of(v: &Value) -> Option<String> {
    v.as_attrs()
        .and_then(|a| a.get("id"))
        .and_then(|id| id.as_str().map(str::to_string))
}

impl Executor for ApplyExecutor<'_> {
    fn invoke_action(
        &self,
        action: &ActionInstance,
        triggered_by: Option<&ResourceInstanceAddr>,
    ) -> Result<(), Diagnostic> {
        let provider = self
            .providers
            .for_type(&action.addr.type_name, action.span)?
            .clone();
        let name = match triggered_by {
            Some(t) => format!("{} (triggered by {t})", action.addr),
            None => action.addr.to_string(),
        };
        let start = Instant::now();
        self.line(&format!("Action started: {name}"));
        let progress = |text: &str| self.line(&format!("Action {name}: {text}"));
        let invoking = provider.invoke_action(ActionRequest {
            type_name: &action.addr.type_name,
            config: &action.config,
            progress: &progress,
        });
        let outcome = self.with_progress(&name, "invoking", invoking);
        match outcome {
            Ok(()) => {
                self.line(&format!(
                    "Action complete: {name} after {}",
                    Self::elapsed(start)
                ));
                lock(&self.applied).actions += 1;
                Ok(())
            }
            Err(d) => {
                self.line(&format!("Action failed: {name}"));
                Err(d)
            }
        }
    }

    fn dependencies(&self, inst: &ResourceInstanceAddr, deps: &Dependencies) {
        let names = deps
            .resource_addresses()
            .into_iter()
            .map(|a| a.to_string())
            .collect();
        lock(&self.pending_dependencies).insert(inst.clone(), names);
    }

    fn execute(
        &self,
        change: &ResourceChange,
        r: &Resource,
        config: &Value,
        provisioners: &Provisioners,
    ) -> Result<Value, Diagnostic> {
        let addr = &change.addr;
        let provider = self
            .providers
            .for_type(&addr.resource.type_name, r.span)?
            .clone();
        let block = provider
            .schema()
            .resource_schemas
            .get(&addr.resource.type_name)
            .map(|s| s.block.clone())
            .unwrap_or_default();
        let destroy_first = matches!(change.action, Action::Delete | Action::DeleteThenCreate);
        if destroy_first {
            let start = Instant::now();
            let id = change
                .before
                .as_ref()
                .and_then(id_of)
                .map(|i| format!(" [id={i}]"))
                .unwrap_or_default();
            self.line(&format!("{addr}: Destroying...{id}"));
            let before = change.before.clone().unwrap_or(Value::NULL);
            self.run_provisioners(addr, &before, When::Destroy, provisioners)?;
            let deleting = provider.apply(ApplyRequest {
                type_name: &addr.resource.type_name,
                prior: change.before.as_ref(),
                planned: None,
                config,
            });
            self.with_progress(addr, "destroying", deleting)?;
            lock(&self.state).remove_instance(addr);
            self.save(addr)?;
            self.line(&format!(
                "{addr}: Destruction complete after {}",
                Self::elapsed(start)
            ));
            lock(&self.applied).destroyed += 1;
            if change.action == Action::Delete {
                return Ok(Value::NULL);
            }
        }
        let creating = change.before.is_none() || change.action.is_replace();
        let start = Instant::now();
        if creating {
            self.line(&format!("{addr}: Creating..."));
        } else {
            let id = change
                .before
                .as_ref()
                .and_then(id_of)
                .map(|i| format!(" [id={i}]"))
                .unwrap_or_default();
            self.line(&format!("{addr}: Modifying...{id}"));
        }
        let prior = if creating {
            None
        } else {
            change.before.as_ref()
        };
        let applying = provider.apply(ApplyRequest {
            type_name: &addr.resource.type_name,
            prior,
            planned: change.after.as_ref(),
            config,
        });
        let result = self.with_progress(
            addr,
            if creating { "creating" } else { "modifying" },
            applying,
        );
        if provider
            .provisioning_mode(&addr.resource.type_name, config)
            .is_some()
        {
            lock(&self.provisioned).push(ProvisioningOutcome::of(addr, start, &result));
        }
        let new = result?;
        let dependencies = lock(&self.pending_dependencies)
            .get(addr)
            .cloned()
            .unwrap_or_default();
        let inst = InstanceState {
            key: addr.key.clone(),
            tainted: false,
            deposed: None,
            schema_version: provider
                .schema()
                .resource_schemas
                .get(&addr.resource.type_name)
                .map_or(0, |s| s.version),
            attributes: encode_attributes(&new, &block),
            // The plan's marks (configuration and schema), so that show and later plans hide
            // the same values after the state is read back.
            sensitive_attributes: change
                .after
                .as_ref()
                .map(crate::state::sensitive_paths)
                .unwrap_or_default(),
            private: None,
            dependencies,
            create_before_destroy: change.action == Action::CreateThenDelete,
        };
        let provider_field = format!("provider[\"{}\"]", provider.source());
        lock(&self.state).set_instance(addr, &provider_field, inst.clone());
        self.save(addr)?;
        if creating {
            if let Err(d) = self.run_provisioners(addr, &new, When::Create, provisioners) {
                // A failed creation-time provisioner taints the instance, as in Terraform.
                let mut tainted = inst;
                tainted.tainted = true;
                lock(&self.state).set_instance(addr, &provider_field, tainted);
                self.save(addr)?;
                return Err(d);
            }
        }
        let id = id_of(&new)
            .map(|i| format!(" [id={i}]"))
            .unwrap_or_default();
        if creating {
            self.line(&format!(
                "{addr}: Creation complete after {}{id}",
                Self::elapsed(start)
            ));
            lock(&self.applied).added += 1;
        } else {
            self.line(&format!(
                "{addr}: Modifications complete after {}{id}",
                Self::elapsed(start)
            ));
            lock(&self.applied).changed += 1;
        }
        if change.action == Action::CreateThenDelete {
            self.destroy_replaced(change, config, provisioners)?;
        }
        Ok(new)
    }
}
