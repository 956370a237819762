//! Tidy: the crate boundaries of ARCHITECTURE.md ("Boundaries"), checked from
//! `cargo metadata` so that they hold without anyone remembering them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Cluneal crates each crate may depend on (normal and build dependencies;
/// dev-dependencies are free). `cluneal-cli` is the binary and may use them all.
const ALLOWED_INTERNAL: &[(&str, &[&str])] = &[
    ("cluneal-kb", &[]),
    ("cluneal-engine", &["cluneal-kb"]),
    ("cluneal-eval", &["cluneal-kb", "cluneal-engine"]),
    ("cluneal-store", &[]),
    ("cluneal-fhir", &["cluneal-kb", "cluneal-engine"]),
    ("cluneal-pdf", &["cluneal-kb", "cluneal-engine"]),
    ("cluneal-server", &["cluneal-kb", "cluneal-engine", "cluneal-store", "cluneal-fhir", "cluneal-pdf"]),
];

/// The pure crates: no I/O, no clock, no randomness.
const PURE: &[&str] = &["cluneal-kb", "cluneal-engine", "cluneal-eval", "cluneal-fhir", "cluneal-pdf"];

/// Crates a pure crate must not depend on, directly or through another Cluneal
/// crate: async runtimes and I/O, HTTP, storage, clocks and randomness.
const IMPURE: &[&str] = &[
    // async runtimes, I/O and the file system
    "tokio",
    "async-std",
    "smol",
    "mio",
    "futures-io",
    "walkdir",
    "ignore",
    "tempfile",
    "memmap2",
    "notify",
    "libc",
    "nix", // HTTP and networking
    "hyper",
    "hyper-util",
    "axum",
    "tower",
    "tower-http",
    "reqwest",
    "ureq",
    "http",
    "socket2",
    // storage
    "sqlx",
    "rusqlite",
    "postgres",
    "tokio-postgres",
    "diesel",
    "sled",
    "redis",
    "cluneal-store",
    // clocks and randomness
    "time",
    "chrono",
    "rand",
    "rand_core",
    "getrandom",
    "fastrand",
    "uuid",
];

struct Package {
    /// (dependency name, kind: `None` for normal, `Some("dev")`, `Some("build")`)
    deps: Vec<(String, Option<String>)>,
    manifest: PathBuf,
}

fn workspace() -> BTreeMap<String, Package> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(root())
        .output()
        .expect("cargo metadata runs");
    assert!(out.status.success(), "cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr));
    let meta: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata prints JSON");
    let mut packages = BTreeMap::new();
    for p in meta["packages"].as_array().expect("packages") {
        let name = p["name"].as_str().expect("package name").to_string();
        let deps = p["dependencies"]
            .as_array()
            .expect("dependencies")
            .iter()
            .map(|d| {
                (
                    d["name"].as_str().expect("dependency name").to_string(),
                    d["kind"].as_str().map(String::from),
                )
            })
            .collect();
        let manifest = PathBuf::from(p["manifest_path"].as_str().expect("manifest_path"));
        packages.insert(name, Package { deps, manifest });
    }
    packages
}

fn shipped(p: &Package) -> impl Iterator<Item = &str> {
    p.deps.iter().filter(|(_, k)| k.as_deref() != Some("dev")).map(|(n, _)| n.as_str())
}

#[test]
fn cluneal_crates_depend_only_on_the_layers_below_them() {
    let ws = workspace();
    let mut wrong = Vec::new();
    for (name, p) in &ws {
        if name == "cluneal-cli" {
            continue;
        }
        let Some((_, allowed)) = ALLOWED_INTERNAL.iter().find(|(n, _)| n == name) else {
            wrong.push(format!("{name} is not in ARCHITECTURE.md's boundaries (add it there and here)"));
            continue;
        };
        for dep in shipped(p).filter(|d| ws.contains_key(*d)) {
            if !allowed.contains(&dep) {
                wrong.push(format!("{name} -> {dep}"));
            }
        }
    }
    assert!(wrong.is_empty(), "dependencies ARCHITECTURE.md forbids: {}", wrong.join(", "));
}

#[test]
fn pure_crates_use_no_io_http_storage_clock_or_randomness() {
    let ws = workspace();
    let mut wrong = BTreeSet::new();
    for &name in PURE {
        // Walk the Cluneal crates it reaches, naming the path to each impure dependency.
        let mut stack = vec![vec![name.to_string()]];
        let mut seen = BTreeSet::new();
        while let Some(path) = stack.pop() {
            let at = path.last().expect("non-empty path").clone();
            if !seen.insert(at.clone()) {
                continue;
            }
            let p = ws.get(&at).unwrap_or_else(|| panic!("{at} is a workspace crate"));
            for dep in p.deps.iter().filter(|(_, k)| k.is_none()).map(|(n, _)| n) {
                if IMPURE.contains(&dep.as_str()) {
                    wrong.insert(format!("{} -> {dep}", path.join(" -> ")));
                } else if ws.contains_key(dep) {
                    let mut next = path.clone();
                    next.push(dep.clone());
                    stack.push(next);
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "a pure crate depends on an I/O, HTTP, storage, clock or randomness crate: {wrong:?}"
    );
}

/// `[lints]` of a manifest, as (table, lint) -> level.
fn lints(table: &toml::Table) -> BTreeMap<(String, String), String> {
    let mut out = BTreeMap::new();
    for (tool, lints) in table.iter().filter_map(|(k, v)| v.as_table().map(|t| (k, t))) {
        for (lint, level) in lints {
            let level = level
                .as_str()
                .map(String::from)
                .or_else(|| level.get("level").and_then(|l| l.as_str()).map(String::from))
                .unwrap_or_default();
            out.insert((tool.clone(), lint.clone()), level);
        }
    }
    out
}

fn manifest(path: &Path) -> toml::Table {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.parse().unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_crate_has_at_least_the_workspace_lints() {
    let rank = |l: &str| ["allow", "warn", "deny", "forbid"].iter().position(|x| *x == l);
    let root_manifest = manifest(&root().join("Cargo.toml"));
    let workspace_lints = lints(
        root_manifest
            .get("workspace")
            .and_then(|w| w.get("lints"))
            .and_then(|l| l.as_table())
            .expect("[workspace.lints]"),
    );
    let mut wrong = Vec::new();
    for (name, p) in workspace() {
        let m = manifest(&p.manifest);
        let Some(table) = m.get("lints").and_then(|l| l.as_table()) else {
            wrong.push(format!("{name} has no [lints]"));
            continue;
        };
        if table.get("workspace").and_then(toml::Value::as_bool) == Some(true) {
            continue;
        }
        // Cargo cannot add to inherited lints, so such a crate repeats the list.
        let own = lints(table);
        for ((tool, lint), level) in &workspace_lints {
            let ok = own.get(&(tool.clone(), lint.clone())).is_some_and(|l| rank(l) >= rank(level));
            if !ok {
                wrong.push(format!("{name} lacks {tool}::{lint} = \"{level}\""));
            }
        }
    }
    assert!(wrong.is_empty(), "crates weaker than [workspace.lints]: {}", wrong.join(", "));
}
