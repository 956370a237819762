//! The web app's labels for the report's closed sets (plan-step status,
//! criterion status) name exactly the values the report schema allows, so the
//! two cannot drift: a value the engine emits always has a label, and no label
//! waits for a value the engine never emits.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

fn root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The values a closed set allows in `schemas/report.schema.json`.
fn schema_values(name: &str) -> BTreeSet<String> {
    values_in("schemas/report.schema.json", name)
}

/// The values closed set `name` allows in the JSON Schema at `file`.
fn values_in(file: &str, name: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(root().join(file)).expect("schema");
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    let def = &schema["$defs"][name];
    let values: BTreeSet<String> = def["oneOf"]
        .as_array()
        .map(|v| v.iter().filter_map(|x| x["const"].as_str().map(String::from)).collect())
        .or_else(|| {
            def["enum"].as_array().map(|v| v.iter().filter_map(|x| x.as_str().map(String::from)).collect())
        })
        .unwrap_or_default();
    assert!(!values.is_empty(), "`{name}` is a closed set in {file}");
    values
}

/// The web app's module of labels, where every table below is defined.
fn vocabulary_js() -> String {
    std::fs::read_to_string(root().join("crates/cluneal-server/web/vocabulary.js")).expect("vocabulary.js")
}

/// The keys of `const NAME = { key: ..., ... };` in the web app.
fn web_keys(name: &str) -> BTreeSet<String> {
    let js = vocabulary_js();
    let start =
        js.find(&format!("const {name} = {{")).unwrap_or_else(|| panic!("vocabulary.js defines {name}"));
    let body = &js[start..];
    let body = &body[body.find('{').expect("{") + 1..body.find("};").expect("};")];
    body.split(',')
        .filter_map(|entry| {
            let key = entry.split(':').next()?.trim();
            let ok = !key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase() || c == '_');
            ok.then(|| key.to_string())
        })
        .collect()
}

#[test]
fn plan_step_labels_match_the_statuses_the_engine_emits() {
    assert_eq!(web_keys("STATUS_NAMES"), schema_values("StepStatus"));
}

#[test]
fn block_result_labels_match_the_results_the_engine_emits() {
    assert_eq!(web_keys("BLOCK_RESULTS"), schema_values("BlockOutcome"));
}

#[test]
fn probability_band_names_match_the_bands_the_engine_emits() {
    assert_eq!(web_keys("BAND_NAMES"), schema_values("Band"));
}

#[test]
fn criterion_marks_match_the_statuses_the_engine_emits() {
    assert_eq!(web_keys("CRITERION_MARKS"), schema_values("CriterionStatus"));
}

/// The first element of each `['value', 'label']` pair of `const NAME = [...];`.
fn web_pairs(name: &str) -> BTreeSet<String> {
    let js = vocabulary_js();
    let start =
        js.find(&format!("const {name} = [")).unwrap_or_else(|| panic!("vocabulary.js defines {name}"));
    let body = &js[start..];
    let body = &body[..body.find("];").expect("];")];
    body.split("['").skip(1).filter_map(|pair| pair.split('\'').next().map(String::from)).collect()
}

#[test]
fn treatment_responses_offered_match_the_case_schema() {
    assert_eq!(web_pairs("RESPONSES"), values_in("schemas/case.schema.json", "Response"));
}

/// `name: [min, max]` of `const BOUNDS = { ... };` in the web app.
fn web_bounds() -> Vec<(String, f64, f64)> {
    let js = vocabulary_js();
    let start = js.find("const BOUNDS = {").expect("vocabulary.js defines BOUNDS");
    let body = &js[start..];
    let body = &body[body.find('{').expect("{") + 1..body.find("};").expect("};")];
    body.split("],")
        .filter_map(|entry| {
            let (key, range) = entry.split_once(':')?;
            let range = range.trim().trim_start_matches('[').trim_end_matches([']', ',', '\n', ' ']);
            let (lo, hi) = range.split_once(',')?;
            Some((key.trim().to_string(), lo.trim().parse().ok()?, hi.trim().parse().ok()?))
        })
        .collect()
}

/// The `minimum` and `maximum` of property `field` of definition `def` (the
/// case itself when `def` is empty) in the case schema.
fn schema_range(def: &str, field: &str) -> (f64, f64) {
    let text = std::fs::read_to_string(root().join("schemas/case.schema.json")).expect("schema");
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    let owner = if def.is_empty() { &schema } else { &schema["$defs"][def] };
    let p = &owner["properties"][field];
    let (lo, hi) = (p["minimum"].as_f64(), p["maximum"].as_f64());
    (
        lo.unwrap_or_else(|| panic!("{def}.{field} has a minimum")),
        hi.unwrap_or_else(|| panic!("{def}.{field} has a maximum")),
    )
}

#[test]
fn number_ranges_in_the_web_app_match_the_case_schema() {
    // Each web range, and every case field the schema bounds with it.
    let fields: [(&str, &[(&str, &str)]); 5] = [
        ("age", &[("", "age")]),
        ("weeks", &[("", "duration_weeks"), ("TreatmentTried", "weeks")]),
        ("pain", &[("BlockRecord", "pain_before"), ("BlockReading", "pain")]),
        ("minutes", &[("BlockReading", "minutes")]),
        ("hours", &[("BlockReading", "hours")]),
    ];
    let web = web_bounds();
    assert_eq!(web.len(), fields.len(), "BOUNDS lists exactly the ranges checked here: {web:?}");
    for (name, owners) in fields {
        let &(_, lo, hi) =
            web.iter().find(|(n, _, _)| n == name).unwrap_or_else(|| panic!("BOUNDS has `{name}`"));
        for &(def, field) in owners {
            assert_eq!(
                schema_range(def, field),
                (lo, hi),
                "web range `{name}` vs the schema's {def}.{field}"
            );
        }
    }
}
