//! The web app is plain ES modules with no build step, so nothing but the
//! browser resolves its imports. These tests do it first: every import names a
//! file of `web/` by a plain name (the server serves no folders), every module
//! is reached from `app.js`, the imports have no cycle (a module in a cycle can
//! run before the bindings it reads exist), and `index.html` preloads exactly the
//! modules `app.js` reaches.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn web() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("web")
}

/// The relative imports of one module, in source order: `'./x.js'` -> `x.js`.
fn imports(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.starts_with("import "))
        .filter_map(|l| {
            let from = l.find("'./")? + 3;
            let len = l[from..].find('\'')?;
            Some(l[from..from + len].to_string())
        })
        .collect()
}

/// Every module of `web/` with its imports (JSON files are leaves).
fn graph() -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(web()).expect("web/ is readable") {
        let path = entry.expect("a web/ entry").path();
        let name = path.file_name().expect("a file name").to_string_lossy().into_owned();
        if name.ends_with(".js") {
            let text = std::fs::read_to_string(&path).expect("a module is readable");
            out.insert(name, imports(&text));
        }
    }
    out
}

#[test]
fn every_import_names_a_file_the_server_serves() {
    let mut wrong = Vec::new();
    for (module, deps) in graph() {
        for dep in deps {
            // web.rs serves plain names only: letters, digits, `.`, `-`, `_`.
            let plain = dep.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
            if !plain || !web().join(&dep).is_file() {
                wrong.push(format!("{module} imports `{dep}`"));
            }
        }
    }
    assert!(wrong.is_empty(), "imports the server cannot serve: {wrong:?}");
}

/// The modules reached from `app.js`, and any cycle met on the way.
fn walk(graph: &BTreeMap<String, Vec<String>>) -> (BTreeSet<String>, Vec<String>) {
    fn visit(
        at: &str,
        graph: &BTreeMap<String, Vec<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        cycles: &mut Vec<String>,
    ) {
        if let Some(start) = path.iter().position(|p| p == at) {
            cycles.push(format!("{} -> {at}", path[start..].join(" -> ")));
            return;
        }
        if !done.insert(at.to_string()) {
            return;
        }
        path.push(at.to_string());
        for dep in graph.get(at).into_iter().flatten() {
            visit(dep, graph, path, done, cycles);
        }
        path.pop();
    }
    let (mut done, mut cycles) = (BTreeSet::new(), Vec::new());
    visit("app.js", graph, &mut Vec::new(), &mut done, &mut cycles);
    (done, cycles)
}

#[test]
fn the_modules_form_no_cycle_and_app_js_reaches_every_one() {
    let graph = graph();
    let (reached, cycles) = walk(&graph);
    assert!(cycles.is_empty(), "import cycles: {cycles:?}");
    let unreached: Vec<&String> = graph.keys().filter(|m| !reached.contains(*m)).collect();
    assert!(unreached.is_empty(), "modules app.js never imports: {unreached:?}");
}

#[test]
fn index_html_loads_app_js_and_preloads_every_module_it_imports() {
    let html = std::fs::read_to_string(web().join("index.html")).expect("index.html");
    assert!(
        html.contains(r#"<script type="module" src="app.js"></script>"#),
        "index.html loads app.js as a module"
    );
    let preloaded: BTreeSet<String> = html
        .split(r#"<link rel="modulepreload" href=""#)
        .skip(1)
        .filter_map(|rest| rest.split('"').next().map(String::from))
        .collect();
    let (reached, _) = walk(&graph());
    let modules: BTreeSet<String> =
        reached.into_iter().filter(|m| m.ends_with(".js") && m != "app.js").collect();
    assert_eq!(preloaded, modules, "index.html's modulepreload links and the modules app.js reaches");
}
