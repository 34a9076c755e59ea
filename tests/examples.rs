//! Every example of `examples/` run as its README says, against an in-process headnode
//! simulator over real HTTP (and real `ipmi_sim` BMCs for the IPMI variants), so that none of
//! them can rot: apply, the outputs (every node UP where they are powered on), a second apply
//! that changes nothing. Also the acceptance of `modules/bcm_node_provisioning`: `bcmhcl
//! validate` with the demo inventory fails with the module's own message for an unknown image,
//! an unknown network, a duplicate MAC and an invalid power action (and the other rules).

#[path = "support/ipmi_sim.rs"]
mod ipmi_sim;

use bcmhcl::provider::bcm::wire::NodeStatus;
use bcmhcl::sim::SimConfig;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

#[path = "support/headnode.rs"]
mod support;
use support::Headnode;

/// A simulator whose nodes provision in 0.4 s.
fn headnode() -> Headnode {
    Headnode::start(SimConfig {
        provision_seconds: Some(0.4),
        ..SimConfig::default()
    })
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        // Leftovers of a manual run stay behind.
        if name.starts_with("terraform.tfstate") || name.starts_with(".terraform") {
            continue;
        }
        let target = to.join(&*name);
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A copy of `examples/NAME` and `modules/` in a fresh directory, laid out as in the repository
/// so that `../../modules/...` sources resolve; the states are written there.
struct Workspace {
    root: tempfile::TempDir,
    example: PathBuf,
}

impl Workspace {
    fn of(name: &str) -> Workspace {
        let root = tempfile::tempdir().unwrap();
        copy_tree(&repo().join("modules"), &root.path().join("modules"));
        copy_tree(
            &repo().join("examples").join(name),
            &root.path().join("examples").join(name),
        );
        let example = root.path().join("examples").join(name);
        Workspace { root, example }
    }

    fn dir(&self, sub: &str) -> PathBuf {
        self.example.join(sub)
    }
}

fn bcmhcl(sim: &Headnode, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bcmhcl"));
    cmd.args(args)
        .current_dir(dir)
        .env("BCM_ENDPOINT", sim.handle().endpoint())
        .env("BCM_USERNAME", sim.handle().username())
        .env("BCM_PASSWORD", sim.handle().password().expose())
        .env("BCMHCL_STATUS_POLL_SECONDS", "0.1")
        .env("NO_COLOR", "1")
        .env_remove("BCMHCL_LOG")
        .env_remove("TF_LOG")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Runs `bcmhcl ARGS` and requires success.
fn run(sim: &Headnode, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let o = bcmhcl(sim, dir, args, env);
    assert!(o.status.success(), "bcmhcl {args:?} failed:\n{}", text(&o));
    text(&o)
}

fn apply(sim: &Headnode, dir: &Path, vars: &[&str], env: &[(&str, &str)]) -> String {
    let mut args = vec!["apply", "-auto-approve", "-no-color"];
    for v in vars {
        args.extend(["-var", v]);
    }
    run(sim, dir, &args, env)
}

/// A second apply with the same inputs plans nothing and changes nothing.
fn assert_second_apply_changes_nothing(
    sim: &Headnode,
    dir: &Path,
    vars: &[&str],
    env: &[(&str, &str)],
) {
    let operations = sim.handle().stats().power_operations;
    let out = apply(sim, dir, vars, env);
    assert!(
        out.contains("No changes.") && out.contains("0 added, 0 changed, 0 destroyed"),
        "{out}"
    );
    assert_eq!(sim.handle().stats().power_operations, operations);
}

fn outputs(sim: &Headnode, dir: &Path) -> serde_json::Value {
    serde_json::from_str(&run(sim, dir, &["output", "-json"], &[])).unwrap()
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// Every node of a power-on example is UP on the headnode and in the module's outputs.
fn assert_all_up(sim: &Headnode, summary: &serde_json::Value, hostnames: &[&str]) {
    assert_eq!(summary["total_nodes"], hostnames.len(), "{summary}");
    assert_eq!(summary["successful"], hostnames.len(), "{summary}");
    assert_eq!(summary["failed"], 0, "{summary}");
    assert_eq!(strings(&summary["successful_nodes"]), hostnames);
    let statuses = sim.handle().stats().status;
    for h in hostnames {
        assert_eq!(statuses.get(*h), Some(&NodeStatus::Up), "{h}: {statuses:?}");
    }
}

#[test]
fn quickstart_registers_four_nodes_powers_them_on_and_waits_until_they_are_up() {
    let sim = headnode();
    let ws = Workspace::of("quickstart");
    let out = apply(&sim, &ws.example, &[], &[]);
    assert!(
        out.contains("Apply complete! Resources: 9 added, 0 changed, 0 destroyed."),
        "{out}"
    );
    let o = outputs(&sim, &ws.example);
    let hostnames = ["cpu-01", "cpu-02", "gpu-01", "gpu-02"];
    assert_all_up(&sim, &o["provisioning_summary"]["value"], &hostnames);
    let status = &o["node_status"]["value"];
    for h in hostnames {
        assert_eq!(status[h]["status"], "UP", "{status}");
        assert_eq!(status[h]["success"], true);
        assert_eq!(status[h]["power_action"], "power_on");
        assert_eq!(strings(&status[h]["interfaces"]), ["BOOTIF", "ipmi0"]);
    }
    assert_eq!(status["gpu-01"]["category"], "gpu");
    assert_eq!(status["gpu-01"]["software_image"], "gpu-image");
    assert_eq!(status["cpu-02"]["software_image"], "default-image");
    assert_eq!(o["node_bmc_ips"]["value"]["gpu-02"], "10.148.0.12");
    let categories = &o["node_categories"]["value"];
    assert_eq!(categories["cpu-01"]["name"], "default");
    assert_eq!(
        categories["gpu-02"]["uuid"],
        "3a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c02"
    );
    let operations = sim.handle().stats().power_operations;
    assert!(hostnames.iter().all(|h| operations.get(*h) == Some(&1)));
    assert_second_apply_changes_nothing(&sim, &ws.example, &[], &[]);
}

#[test]
fn multi_cluster_roots_keep_separate_states_on_one_headnode() {
    let sim = headnode();
    let ws = Workspace::of("multi-cluster");
    let prod = ws.dir("clusters/prod-gpu-cluster");
    let dev = ws.dir("clusters/dev-cpu-cluster");
    let bmc = [
        ("TF_VAR_bmc_username", "admin"),
        ("TF_VAR_bmc_password", "Bmc-S3cret-77"),
    ];

    // Step 1 (the README's): register only; no power operation without the opt-in.
    for dir in [&prod, &dev] {
        apply(&sim, dir, &[], &bmc);
    }
    assert!(sim.handle().stats().power_operations.is_empty());
    let o = outputs(&sim, &prod);
    assert_eq!(
        strings(&o["provisioning_summary"]["value"]["not_powered_nodes"]),
        ["prod-dgx-01", "prod-dgx-02", "prod-dgx-03"]
    );
    // Step 2: power on, cluster by cluster.
    let on = ["enable_power_action=true"];
    for dir in [&prod, &dev] {
        let out = apply(&sim, dir, &on, &bmc);
        assert!(out.contains("0 changed, 0 destroyed"), "{out}");
    }
    let prod_out = outputs(&sim, &prod);
    let dev_out = outputs(&sim, &dev);
    assert_all_up(
        &sim,
        &prod_out["provisioning_summary"]["value"],
        &["prod-dgx-01", "prod-dgx-02", "prod-dgx-03"],
    );
    assert_all_up(
        &sim,
        &dev_out["provisioning_summary"]["value"],
        &["dev-cpu-01", "dev-cpu-02"],
    );
    assert_eq!(
        prod_out["node_categories"]["value"]["prod-dgx-02"]["software_image"],
        "gpu-image"
    );
    assert_eq!(
        dev_out["node_categories"]["value"]["dev-cpu-01"]["name"],
        "dev-cpu"
    );

    // Each state holds its own cluster's objects only.
    for (dir, mine, theirs) in [
        (&prod, "prod-dgx-", "dev-cpu-"),
        (&dev, "dev-cpu-", "prod-dgx-"),
    ] {
        let listed = run(&sim, dir, &["state", "list"], &[]);
        assert!(listed.contains(mine), "{listed}");
        assert!(!listed.contains(theirs), "{listed}");
        let state = std::fs::read_to_string(dir.join("terraform.tfstate")).unwrap();
        assert!(!state.contains(theirs));
    }
    // The BMC password went into the dev category's BMC settings; show does not print it.
    let shown = run(&sim, &dev, &["show", "-no-color"], &[]);
    assert!(shown.contains("bmc_settings"), "{shown}");
    assert!(!shown.contains("Bmc-S3cret-77"), "{shown}");
    assert!(shown.contains("(sensitive value)"), "{shown}");

    for dir in [&prod, &dev] {
        assert_second_apply_changes_nothing(&sim, dir, &on, &bmc);
    }
}

#[test]
fn reprovision_changes_the_image_then_the_category_and_power_cycles_each_node_once_per_change() {
    let sim = headnode();
    let ws = Workspace::of("reprovision");
    let dir = &ws.example;
    let nodes = ["rp-01", "rp-02", "rp-03"];
    let per_node = |sim: &Headnode| -> Vec<u64> {
        let ops = sim.handle().stats().power_operations;
        nodes
            .iter()
            .map(|h| ops.get(*h).copied().unwrap_or(0))
            .collect()
    };
    let node_status = |sim: &Headnode| -> BTreeMap<String, String> {
        let o = outputs(sim, dir);
        serde_json::from_value(o["node_status"]["value"].clone()).unwrap()
    };

    apply(&sim, dir, &[], &[]);
    assert_eq!(per_node(&sim), [1, 1, 1]);
    assert!(node_status(&sim)
        .values()
        .all(|s| s == "UP (power_on, reprovision-demo, default-image)"));

    // Step 2: a new image for the category, and a power cycle.
    let step2 = ["software_image_name=gpu-image", "power_action=power_cycle"];
    let out = apply(&sim, dir, &step2, &[]);
    assert!(
        out.contains("Resources: 0 added, 4 changed, 0 destroyed."),
        "{out}"
    );
    assert!(out.contains("bcm_cmdevice_category.custom[0]: Modifying..."));
    assert_eq!(per_node(&sim), [2, 2, 2]);
    assert!(node_status(&sim)
        .values()
        .all(|s| s == "UP (power_cycle, reprovision-demo, gpu-image)"));
    assert_second_apply_changes_nothing(&sim, dir, &step2, &[]);

    // Step 3: into BCM's gpu category; power_action is unchanged, the new category alone sends
    // the power cycle again, and the module's category goes once no node uses it.
    let step3 = [
        "create_custom_category=false",
        "category_name=gpu",
        "software_image_name=gpu-image",
        "power_action=power_cycle",
    ];
    let out = apply(&sim, dir, &step3, &[]);
    assert!(
        out.contains("Resources: 0 added, 6 changed, 1 destroyed."),
        "{out}"
    );
    assert_eq!(per_node(&sim), [3, 3, 3]);
    assert!(node_status(&sim)
        .values()
        .all(|s| s == "UP (power_cycle, gpu, gpu-image)"));
    let exported = run(&sim, dir, &["inventory", "export"], &[]);
    assert!(!exported.contains("reprovision-demo"), "{exported}");
    assert_second_apply_changes_nothing(&sim, dir, &step3, &[]);
}

#[test]
fn sequential_provisions_one_node_at_a_time_in_hostname_order_and_parallel_all_at_once() {
    let hostnames: Vec<String> = (1..=6).map(|i| format!("sq-{i:02}")).collect();
    for mode in ["sequential", "parallel"] {
        let sim = headnode();
        let ws = Workspace::of("sequential-vs-parallel");
        let var = format!("provisioning_mode={mode}");
        apply(&sim, &ws.example, &[&var], &[]);
        let o = outputs(&sim, &ws.example);
        let summary = &o["provisioning_summary"]["value"];
        assert_eq!(summary["provisioning_mode"], mode);
        let names: Vec<&str> = hostnames.iter().map(String::as_str).collect();
        assert_all_up(&sim, summary, &names);
        let stats = sim.handle().stats();
        let up: Vec<f64> = hostnames
            .iter()
            .map(|h| stats.up_after_seconds[h.as_str()])
            .collect();
        if mode == "sequential" {
            assert_eq!(stats.peak_provisioning, 1, "{mode}");
            // In hostname order, each a whole provisioning after the previous one.
            for pair in up.windows(2) {
                assert!(pair[1] - pair[0] >= 0.9 * stats.provision_seconds, "{up:?}");
            }
        } else {
            assert_eq!(stats.peak_provisioning, 6, "{mode}");
            let spread = up.iter().cloned().fold(f64::MIN, f64::max)
                - up.iter().cloned().fold(f64::MAX, f64::min);
            assert!(spread < stats.provision_seconds, "{up:?}");
        }
        assert_second_apply_changes_nothing(&sim, &ws.example, &[&var], &[]);
    }
}

/// An `ipmitool` first on PATH that logs its arguments and runs the real one.
fn logging_ipmitool(dir: &Path) -> (PathBuf, PathBuf) {
    let real = ipmi_sim::require_tool("ipmitool");
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = dir.join("ipmitool-argv.log");
    let wrapper = bin.join("ipmitool");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\nexec '{}' \"$@\"\n",
            log.display(),
            real.display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    (bin, log)
}

#[test]
fn ipmi_fallback_powers_real_bmcs_with_ipmitool_and_with_the_built_in_client() {
    let sim = headnode();
    let ws = Workspace::of("ipmi-fallback");
    let bmcs: Vec<ipmi_sim::SimBmc> = (0..3).map(|_| ipmi_sim::SimBmc::start()).collect();
    let nodes = format!(
        "nodes={{ {} }}",
        bmcs.iter()
            .enumerate()
            .map(|(i, b)| format!(
                "\"ipmi-0{n}\" = {{ mac = \"52:54:00:50:00:0{n}\", ipmi_ip = \"{}\", ipmi_port = {}, management_ip = \"10.141.50.{n}\" }}",
                b.host,
                b.port,
                n = i + 1
            ))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let (bin, argv_log) = logging_ipmitool(ws.root.path());
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let env = [
        ("TF_VAR_bmc_password", ipmi_sim::PASSWORD),
        ("PATH", path.as_str()),
    ];

    let out = apply(&sim, &ws.example, &[&nodes], &env);
    assert!(
        out.contains("Resources: 7 added, 0 changed, 0 destroyed."),
        "{out}"
    );
    assert!(bmcs.iter().all(ipmi_sim::SimBmc::power_is_on));
    let o = outputs(&sim, &ws.example);
    let summary = &o["provisioning_summary"]["value"];
    assert_eq!(summary["power_method"], "ipmitool");
    assert_eq!(summary["successful"], 3, "{summary}");
    let power: BTreeMap<String, String> =
        serde_json::from_value(o["chassis_power"]["value"].clone()).unwrap();
    assert!(power.values().all(|s| s == "on"), "{power:?}");
    // ipmitool got the password from the environment (-E), never on its command line.
    let argv = std::fs::read_to_string(&argv_log).unwrap();
    let calls: Vec<&str> = argv.lines().collect();
    assert!(calls.len() >= 6, "{argv}");
    assert!(calls.iter().all(|c| c.contains(" -E ")), "{argv}");
    assert!(calls
        .iter()
        .any(|c| c.ends_with("chassis power on") && c.contains("-U admin")));
    assert!(!argv.contains(ipmi_sim::PASSWORD), "{argv}");
    assert!(
        !out.contains(&format!("\"{}\"", ipmi_sim::PASSWORD)),
        "{out}"
    );
    assert_second_apply_changes_nothing(&sim, &ws.example, &[&nodes], &env);

    // The built-in client: off, waiting until each chassis says so.
    let ipmi = [
        nodes.as_str(),
        "power_method=ipmi",
        "power_action=power_off",
    ];
    let out = apply(&sim, &ws.example, &ipmi, &env);
    assert!(
        out.contains("Resources: 3 added, 0 changed, 3 destroyed."),
        "{out}"
    );
    assert!(bmcs.iter().all(|b| !b.power_is_on()));
    let o = outputs(&sim, &ws.example);
    let power: BTreeMap<String, String> =
        serde_json::from_value(o["chassis_power"]["value"].clone()).unwrap();
    assert!(power.values().all(|s| s == "off"), "{power:?}");
    assert_eq!(o["provisioning_summary"]["value"]["successful"], 3);
    assert_second_apply_changes_nothing(&sim, &ws.example, &ipmi, &env);
}

/// The `run:` blocks of a workflow's steps, in order (the YAML of examples/ci is plain enough
/// to read by indentation).
fn workflow_steps(yaml: &str) -> Vec<(String, String)> {
    let mut steps = Vec::new();
    let mut name = String::new();
    let mut lines = yaml.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if let Some(n) = trimmed.strip_prefix("- name: ") {
            name = n.to_string();
        } else if trimmed == "run: |" {
            let indent = line.len() - trimmed.len();
            let mut script = String::new();
            while let Some(next) = lines.peek() {
                let next_indent = next.len() - next.trim_start().len();
                if !next.trim().is_empty() && next_indent <= indent {
                    break;
                }
                script.push_str(next.get(indent + 2..).unwrap_or(""));
                script.push('\n');
                lines.next();
            }
            steps.push((name.clone(), script));
        }
    }
    steps
}

#[test]
fn the_ci_workflow_passes_on_the_example_and_fails_on_what_it_must_catch() {
    let sim = headnode();
    let ws = Workspace::of("ci");
    // The committed inventory is what `bcmhcl inventory export` gives for the demo cluster.
    let fresh = ws.root.path().join("fresh-inventory.json");
    run(
        &sim,
        &ws.example,
        &["inventory", "export", "-o", fresh.to_str().unwrap()],
        &[],
    );
    assert_eq!(
        std::fs::read_to_string(&fresh).unwrap(),
        std::fs::read_to_string(ws.dir("inventory.json")).unwrap(),
        "examples/ci/inventory.json is stale: regenerate it as its README says"
    );
    drop(sim);

    let yaml = std::fs::read_to_string(ws.dir(".github/workflows/bcm-modules.yml")).unwrap();
    let steps: Vec<(String, String)> = workflow_steps(&yaml)
        .into_iter()
        .filter(|(name, _)| name != "Install bcmhcl")
        .collect();
    let names: Vec<&str> = steps.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "Formatting (as terraform fmt)",
            "Validate each root module against its exported inventory"
        ]
    );
    assert!(steps[0].1.contains("bcmhcl fmt -check"));
    assert!(steps[1]
        .1
        .contains("bcmhcl validate -no-color -inventory=inventory.json"));
    // The steps run with the bcmhcl under test, from the repository root, with no headnode.
    let bin_dir = PathBuf::from(env!("CARGO_BIN_EXE_bcmhcl"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run_steps = |root: &Path| -> Vec<Output> {
        steps
            .iter()
            .map(|(_, script)| {
                Command::new("bash")
                    .args(["-e", "-c", script])
                    .current_dir(root)
                    .env("PATH", &path)
                    .env("NO_COLOR", "1")
                    .env_remove("BCM_ENDPOINT")
                    .env_remove("BCM_USERNAME")
                    .env_remove("BCM_PASSWORD")
                    .output()
                    .unwrap()
            })
            .collect()
    };
    for o in run_steps(ws.root.path()) {
        assert!(o.status.success(), "{}", text(&o));
    }
    let validated = text(&run_steps(ws.root.path())[1]);
    assert!(
        validated.contains("Success! The configuration is valid."),
        "{validated}"
    );

    // What the workflow is there to catch: a badly formatted file, a category the headnode
    // does not have.
    let main = ws.dir("main.tf");
    let good = std::fs::read_to_string(&main).unwrap();
    std::fs::write(&main, good.replace("  nodes               =", "  nodes =")).unwrap();
    let results = run_steps(ws.root.path());
    assert!(!results[0].status.success());
    assert!(
        text(&results[0]).contains("main.tf"),
        "{}",
        text(&results[0])
    );
    std::fs::write(&main, &good).unwrap();
    let tfvars = ws.dir("terraform.tfvars");
    let nodes = std::fs::read_to_string(&tfvars).unwrap();
    std::fs::write(
        &tfvars,
        nodes.replace("category = \"gpu\"", "category = \"gpu-v2\""),
    )
    .unwrap();
    let results = run_steps(ws.root.path());
    assert!(results[0].status.success(), "{}", text(&results[0]));
    assert!(!results[1].status.success());
    assert!(
        text(&results[1])
            .contains("Category 'gpu-v2' of node ci-03 not found on the BCM headnode. Available: default, gpu."),
        "{}",
        text(&results[1])
    );
}

#[test]
fn every_example_and_the_module_are_formatted_as_terraform_fmt_writes_them() {
    let o = Command::new(env!("CARGO_BIN_EXE_bcmhcl"))
        .args(["fmt", "-check", "-recursive", "modules", "examples"])
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn every_example_directory_has_a_test_here_and_a_readme() {
    // register-and-power is exercised by tests/bcm_apply.rs.
    let covered = [
        "ci",
        "ipmi-fallback",
        "multi-cluster",
        "quickstart",
        "register-and-power",
        "reprovision",
        "sequential-vs-parallel",
    ];
    let mut found: Vec<String> = std::fs::read_dir(repo().join("examples"))
        .unwrap()
        .filter_map(|e| {
            let e = e.unwrap();
            e.file_type()
                .unwrap()
                .is_dir()
                .then(|| e.file_name().to_string_lossy().into_owned())
        })
        .collect();
    found.sort();
    assert_eq!(found, covered);
    for name in covered.iter().filter(|n| **n != "register-and-power") {
        let readme = std::fs::read_to_string(repo().join("examples").join(name).join("README.md"))
            .unwrap_or_else(|_| panic!("examples/{name} has no README.md"));
        assert!(readme.contains("bcmhcl "), "{name}: no commands");
        assert!(
            readme.contains("Apply complete!") || readme.contains("Success!"),
            "{name}: no output excerpt"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The module's acceptance: what `bcmhcl validate` says for wrong inputs, with the demo
// cluster's inventory (src/sim/demo-inventory.json is the wire inventory format, what
// `bcmhcl inventory export` writes) and no headnode.
// ---------------------------------------------------------------------------------------------

const GOOD_NODES: &str = r#"nodes = {
  "node-a" = { mac = "52:54:00:70:00:01", ipmi_ip = "10.148.70.1", management_ip = "10.141.70.1" }
  "node-b" = { mac = "52:54:00:70:00:02", ipmi_ip = "10.148.70.2", category = "gpu" }
}
"#;

/// `bcmhcl validate -inventory=demo` of the module with these tfvars and `-var`s.
fn validate_module(tfvars: &str, vars: &[&str]) -> Output {
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("test.tfvars");
    std::fs::write(&file, tfvars).unwrap();
    let inventory = repo().join("src/sim/demo-inventory.json");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bcmhcl"));
    cmd.arg("validate")
        .arg("-no-color")
        .arg(format!("-inventory={}", inventory.display()))
        .arg(format!("-var-file={}", file.display()));
    for v in vars {
        cmd.args(["-var", v]);
    }
    cmd.arg(repo().join("modules/bcm_node_provisioning"))
        .env_remove("BCM_ENDPOINT")
        .env_remove("BCM_USERNAME")
        .env_remove("BCM_PASSWORD")
        .output()
        .unwrap()
}

fn assert_rejected(tfvars: &str, vars: &[&str], message: &str) {
    let o = validate_module(tfvars, vars);
    assert!(!o.status.success(), "accepted: {vars:?}\n{}", text(&o));
    assert!(
        text(&o).contains(message),
        "{vars:?}: wanted {message:?} in\n{}",
        text(&o)
    );
}

#[test]
fn the_module_validates_with_the_demo_inventory() {
    let o = validate_module(GOOD_NODES, &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("Success! The configuration is valid."));
    let o = validate_module(
        GOOD_NODES,
        &[
            "create_custom_category=true",
            "software_image_name=gpu-image",
            "enable_power_action=true",
            "power_method=ipmi",
            "bmc_username=admin",
            "bmc_password=pw",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn an_unknown_software_image_is_refused_with_the_images_the_headnode_has() {
    let message = "Software image 'ubuntu-22.04-nvidia-535' not found on the BCM headnode. Available: default-image, gpu-image.";
    assert_rejected(
        GOOD_NODES,
        &["software_image_name=ubuntu-22.04-nvidia-535"],
        message,
    );
    assert_rejected(
        GOOD_NODES,
        &[
            "software_image_name=ubuntu-22.04-nvidia-535",
            "create_custom_category=true",
        ],
        message,
    );
}

#[test]
fn an_unknown_network_is_refused_with_the_networks_the_headnode_has() {
    assert_rejected(
        GOOD_NODES,
        &["management_network_name=prod-mgmt"],
        "Management network 'prod-mgmt' not found on the BCM headnode. Available: internalnet, ipminet.",
    );
    assert_rejected(
        GOOD_NODES,
        &["bmc_network_name=oob"],
        "BMC network 'oob' not found on the BCM headnode. Available: internalnet, ipminet.",
    );
    let interface_network = r#"nodes = {
  "node-a" = { mac = "52:54:00:70:00:01", ipmi_ip = "10.148.70.1", interfaces = [
    { name = "eth0", bootable = true },
    { name = "ib0", network = "ibnet" },
  ] }
}
"#;
    assert_rejected(
        interface_network,
        &[],
        "Interface network(s) not found on the BCM headnode: 'ibnet' (node-a/ib0). Available: internalnet, ipminet.",
    );
}

#[test]
fn a_duplicate_mac_is_refused_naming_both_nodes() {
    let duplicate = r#"nodes = {
  "node-a" = { mac = "52:54:00:70:00:01", ipmi_ip = "10.148.70.1" }
  "node-b" = { mac = "52:54:00:70:00:01", ipmi_ip = "10.148.70.2" }
}
"#;
    assert_rejected(
        duplicate,
        &[],
        "Duplicate MAC address(es): 52:54:00:70:00:01 is used by node-a, node-b. Every MAC address must belong to one node.",
    );
    // Case does not make a MAC different, and interface MACs count too.
    let via_interface = r#"nodes = {
  "node-a" = { mac = "52:54:00:70:00:01", ipmi_ip = "10.148.70.1" }
  "node-b" = { mac = "52:54:00:70:00:02", ipmi_ip = "10.148.70.2", interfaces = [
    { name = "eth0", bootable = true },
    { name = "eth1", mac = "52:54:00:70:00:0A" },
  ] }
  "node-c" = { mac = "52:54:00:70:00:0a", ipmi_ip = "10.148.70.3" }
}
"#;
    assert_rejected(
        via_interface,
        &[],
        "Duplicate MAC address(es): 52:54:00:70:00:0a is used by node-b, node-c.",
    );
}

#[test]
fn an_invalid_power_action_is_refused_listing_the_valid_ones() {
    assert_rejected(
        GOOD_NODES,
        &["power_action=reboot"],
        "power_action must be one of: power_on, power_off, power_cycle, power_reset.",
    );
}

#[test]
fn the_other_rules_of_the_module_each_have_their_message() {
    let one = |node: &str| format!("nodes = {{\n  {node}\n}}\n");
    assert_rejected(
        &one(r#""Node_1" = { mac = "52:54:00:70:00:01", ipmi_ip = "10.148.70.1" }"#),
        &[],
        "Invalid hostname(s): Node_1.",
    );
    assert_rejected(
        &one(r#""node-a" = { mac = "52:54:00:70:01", ipmi_ip = "10.148.70.1" }"#),
        &[],
        "Invalid MAC address(es): 52:54:00:70:01 (node-a).",
    );
    assert_rejected(
        &one(r#""node-a" = { mac = "52:54:00:70:00:01", ipmi_ip = "10.148.70.256" }"#),
        &[],
        "Invalid IPv4 address(es): 10.148.70.256 (node-a).",
    );
    assert_rejected(
        r#"nodes = {
  "node-a" = { mac = "52:54:00:70:00:01", ipmi_ip = "10.148.70.1", management_ip = "10.141.70.1" }
  "node-b" = { mac = "52:54:00:70:00:02", ipmi_ip = "10.148.70.2", management_ip = "10.141.70.1" }
}
"#,
        &[],
        "Duplicate address(es): 10.141.70.1 is used by node-a, node-b.",
    );
    assert_rejected(
        &one(
            r#""node-a" = { mac = "52:54:00:70:00:01", ipmi_ip = "10.148.70.1", interfaces = [{ name = "eth0", bootable = true }, { name = "eth1", mac = "52:54:00:70:00:02", bootable = true }] }"#,
        ),
        &[],
        "Exactly one interface of a node must be bootable (the one it PXE-boots from, not its BMC): check node-a (2 bootable).",
    );
    assert_rejected(
        &one(
            r#""node-a" = { mac = "52:54:00:70:00:01", ipmi_ip = "10.148.70.1", interfaces = [{ name = "bond0", type = "bond", members = ["eth0"], bootable = true }] }"#,
        ),
        &[],
        "A bond interface needs members that name physical interfaces of the same node",
    );
    // A hostname written twice: Terraform would keep the last silently; bcmhcl refuses it.
    assert_rejected(
        r#"nodes = {
  "node-a" = { mac = "52:54:00:70:00:01", ipmi_ip = "10.148.70.1" }
  "node-a" = { mac = "52:54:00:70:00:02", ipmi_ip = "10.148.70.2" }
}
"#,
        &[],
        "found redefined object key",
    );
    assert_rejected(
        GOOD_NODES,
        &["category_name=compute"],
        "Category 'compute' of node node-a not found on the BCM headnode. Available: default, gpu.",
    );
    assert_rejected(
        &one(r#""node-a" = { mac = "52:54:00:70:00:01", ipmi_ip = "10.148.70.1", roles = ["compute", "boot"] }"#),
        &[],
        "Role(s) not found on the BCM headnode: compute. Available: boot, provisioning, slurmserver.",
    );
    assert_rejected(
        GOOD_NODES,
        &["software_image_name=default-image"],
        "These nodes' categories do not run software image 'default-image': node-b (gpu runs gpu-image).",
    );
    assert_rejected(
        GOOD_NODES,
        &["create_custom_category=true"],
        "create_custom_category needs software_image_name: the image the category's nodes run. Available: default-image, gpu-image.",
    );
    assert_rejected(
        GOOD_NODES,
        &["enable_power_action=true", "power_method=ipmitool"],
        "power_method = \"ipmitool\" talks to the BMCs directly: set bmc_username and bmc_password",
    );
    assert_rejected(
        GOOD_NODES,
        &["power_method=ipmi", "provisioning_mode=sequential"],
        "provisioning_mode = \"sequential\" needs power_method = \"bcm\"",
    );
    assert_rejected(
        GOOD_NODES,
        &["provisioning_mode=one-by-one"],
        "provisioning_mode must be one of: sequential, parallel.",
    );
    assert_rejected(
        GOOD_NODES,
        &["power_method=redfish"],
        "power_method must be one of: bcm, ipmitool, ipmi.",
    );
    assert_rejected(
        GOOD_NODES,
        &["install_mode=NOSYNC"],
        "install_mode must be one of AUTO, FULL, MINIMAL.",
    );
    assert_rejected(
        &one(
            r#""node-a" = { mac = "52:54:00:70:00:01", ipmi_ip = "10.148.70.1", interfaces = [{ name = "eth0", bootable = true }, { name = "eth1", mac = "52:54:00:70:00:02" }, { name = "eth2", mac = "52:54:00:70:00:03" }, { name = "eth3", mac = "52:54:00:70:00:04" }] }"#,
        ),
        &[],
        "At most 4 interfaces per node, the BMC interface included: node-a has 5.",
    );
}

#[test]
fn a_precondition_whose_message_needs_the_headnode_gets_it_from_the_inventory() {
    // The condition is decided by a variable alone; the message lists the headnode's images.
    // With -inventory the message is complete; without, the failure is still reported.
    assert_rejected(
        GOOD_NODES,
        &["create_custom_category=true"],
        "Available: default-image, gpu-image.",
    );
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("test.tfvars");
    std::fs::write(&file, GOOD_NODES).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_bcmhcl"))
        .args([
            "validate",
            "-no-color",
            "-var",
            "create_custom_category=true",
        ])
        .arg(format!("-var-file={}", file.display()))
        .arg(repo().join("modules/bcm_node_provisioning"))
        .env_remove("BCM_ENDPOINT")
        .output()
        .unwrap();
    assert!(!o.status.success());
    let t = text(&o);
    assert!(t.contains("Resource precondition failed"), "{t}");
    assert!(
        t.contains("The error message could not be determined yet."),
        "{t}"
    );
    assert_eq!(t.matches("Resource precondition failed").count(), 1, "{t}");
}
