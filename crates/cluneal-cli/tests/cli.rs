//! The `cluneal` binary end to end: commands, malformed input and their messages.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cluneal"))
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(args: &[&str]) -> Output {
    bin().args(args).current_dir(root()).output().expect("the binary runs")
}

fn run_stdin(args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = bin()
        .args(args)
        .current_dir(root())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write stdin");
    child.wait_with_output().expect("the binary finishes")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A failed run exits with 2 (an error) and never with 101 (a panic).
fn expect_error(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(2), "stdout: {}\nstderr: {}", text(&out.stdout), text(&out.stderr));
    text(&out.stderr)
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cluneal-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

#[test]
fn kb_check_passes_on_the_repository_knowledge() {
    let out = run(&["--knowledge", "knowledge", "kb", "check"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("ok:"));
}

#[test]
fn assess_prints_json_honouring_the_contract() {
    let out = run(&["assess", "examples/scne_typical.json", "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let level = v["triage"]["level"].as_str().expect("level");
    assert!(["emergency", "urgent", "soon", "routine"].contains(&level));
    let diff = v["differential"].as_array().expect("differential");
    let mut last = 1.0;
    for item in diff {
        assert!(item["condition"].is_string());
        let p = item["probability"].as_f64().expect("probability");
        assert!((0.0..=1.0).contains(&p) && p <= last);
        last = p;
    }
}

#[test]
fn assess_reads_standard_input_and_prints_text() {
    let case = std::fs::read_to_string(root().join("examples/cauda_equina.json")).expect("example");
    let out = run_stdin(&["assess", "-"], &case);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let t = text(&out.stdout);
    assert!(t.contains("URGENCY: EMERGENCY"), "{t}");
    assert!(t.contains("does not"), "the disclaimer is missing");
}

#[test]
fn the_text_report_lists_serious_causes_first_and_no_specific_cause_apart() {
    // Back pain with a pulsating lump in the belly: the aneurysm is named
    // above the ranking, with the finding and the red flag that put it there.
    let case = r#"{"age": 71, "sex": "male", "duration_weeks": 0.3, "respondent": "clinician",
        "answers": {"pain_low_back": "yes", "pulsatile_abdominal_mass": "yes"}}"#;
    let out = run_stdin(&["assess", "-"], case);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let t = text(&out.stdout);
    let (must, differential) = (t.find("MUST NOT MISS"), t.find("DIFFERENTIAL"));
    assert!(must.is_some() && must < differential, "{t}");
    let listed = &t[must.unwrap_or_default()..differential.unwrap_or_default()];
    assert!(listed.contains("Abdominal aortic aneurysm"), "{listed}");
    assert!(listed.contains("for it: Pulsatile abdominal mass"), "{listed}");
    assert!(listed.contains("red flag: "), "{listed}");
    // "No specific cause" is a conclusion of its own, never a ranked cause.
    assert!(t.contains("no specific cause found: "), "{t}");
    assert!(t.contains("setting: Primary care"), "{t}");
}

#[test]
fn invalid_json_names_file_line_and_column() {
    let err = expect_error(&run_stdin(
        &["assess", "-"],
        "{\n  \"age\": 50,\n  \"answers\": { \"pain_buttock\": yes }\n}",
    ));
    assert!(err.contains("<stdin>:3:"), "{err}");
}

#[test]
fn an_unknown_finding_is_named_with_suggestions() {
    let err = expect_error(&run_stdin(&["assess", "-"], r#"{"answers": {"crest_tenderness": "yes"}}"#));
    assert!(err.contains("answers.crest_tenderness"), "{err}");
    assert!(err.contains("unknown finding `crest_tenderness`"), "{err}");
    assert!(err.contains("did you mean `crest_tenderness_focal`"), "{err}");
}

#[test]
fn out_of_range_values_name_the_field_and_the_range() {
    let err = expect_error(&run_stdin(
        &["assess", "-"],
        r#"{"age": 300, "answers": {"pain_intensity": 14}, "block": {"pain_before": 8, "readings": [{"minutes": 30, "pain": 11}]}}"#,
    ));
    assert!(err.contains("`age`: 300 is out of range: allowed 0 to 120"), "{err}");
    assert!(err.contains("`answers.pain_intensity`: 14 is out of range: allowed 0 to 10"), "{err}");
    assert!(err.contains("`block.readings[0].pain`: 11 is out of range: allowed 0 to 10"), "{err}");
}

#[test]
fn wrong_answer_types_and_unknown_fields_are_named() {
    let err = expect_error(&run_stdin(&["assess", "-"], r#"{"answers": {"pain_buttock": 4}}"#));
    assert!(
        err.contains("`answers.pain_buttock`: `pain_buttock` takes \"yes\", \"no\" or \"unknown\""),
        "{err}"
    );
    let err = expect_error(&run_stdin(&["assess", "-"], r#"{"agee": 40}"#));
    assert!(err.contains("unknown field `agee`"), "{err}");
    let err = expect_error(&run_stdin(&["assess", "-"], r#"{"setting": "hospital"}"#));
    assert!(err.contains("unknown setting `hospital`"), "{err}");
}

#[test]
fn a_case_must_be_a_json_object() {
    for input in ["[]", "[null, 40]", "\"case\"", "3"] {
        let err = expect_error(&run_stdin(&["assess", "-"], input));
        assert!(err.contains("expected a case: a JSON object"), "{input}: {err}");
    }
}

#[test]
fn a_wrong_kind_of_value_is_named_as_such_not_as_broken_json() {
    let err = expect_error(&run_stdin(
        &["assess", "-"],
        r#"{"treatments_tried": [{"treatment": "nsaids", "response": -1}]}"#,
    ));
    assert!(err.contains("<stdin>:1:") && err.contains("not an allowed value for this field"), "{err}");
}

#[test]
fn a_missing_case_file_is_an_error_not_a_panic() {
    let err = expect_error(&run(&["assess", "examples/no_such_case.json"]));
    assert!(err.contains("cannot read `examples/no_such_case.json`"), "{err}");
}

#[test]
fn a_broken_knowledge_folder_reports_every_problem_with_file_and_line() {
    let dir = temp_dir("broken-kb");
    let src = root().join("knowledge");
    copy_dir(&src, &dir);
    // A TOML syntax error, an unknown key and a dangling reference, all at once.
    std::fs::write(dir.join("findings/pain_buttock.toml"), "kind = \"symptom\nlabel = 3\n").expect("write");
    let scne = std::fs::read_to_string(dir.join("conditions/scne.toml")).expect("read");
    std::fs::write(dir.join("conditions/scne.toml"), scne.replacen("short_name", "shortname", 1))
        .expect("write");
    let sgne = std::fs::read_to_string(dir.join("conditions/sgne.toml")).expect("read");
    std::fs::write(
        dir.join("conditions/sgne.toml"),
        sgne.replacen("\"wikimsk_sgne\"", "\"wikimsk_sgnee\"", 1),
    )
    .expect("write");
    let out = run(&["--knowledge", dir.to_str().expect("utf-8 path"), "kb", "check"]);
    let err = expect_error(&out);
    assert!(err.contains("findings/pain_buttock.toml:1:"), "{err}");
    assert!(err.contains("conditions/scne.toml:") && err.contains("shortname"), "{err}");
    assert!(err.contains("unknown reference `wikimsk_sgnee` (did you mean `wikimsk_sgne`"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn copy_dir(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).expect("read dir") {
        let e = e.expect("entry");
        let p = e.path();
        let t = to.join(e.file_name());
        if p.is_dir() {
            std::fs::create_dir_all(&t).expect("mkdir");
            copy_dir(&p, &t);
        } else {
            std::fs::copy(&p, &t).expect("copy");
        }
    }
}

#[test]
fn the_interview_runs_from_a_file_of_answers_and_saves_the_case() {
    let dir = temp_dir("interview");
    let saved = dir.join("case.json");
    let out = run(&[
        "interview",
        "--clinician",
        "--answers",
        "examples/scne_typical.json",
        "--save",
        saved.to_str().expect("utf-8 path"),
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let t = text(&out.stdout);
    assert!(t.contains("stopped:"), "{t}");
    let case: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&saved).expect("saved")).expect("json");
    assert!(case["answers"].as_object().is_some_and(|a| !a.is_empty()));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_interactive_interview_asks_red_flags_first_and_ends_on_request() {
    // Basics, then the emergency-sign group (tick none), then quit.
    let out = run_stdin(&["interview"], "55\nfemale\n30\nleft\n0\nq\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let t = text(&out.stdout);
    let first_group = t.find("Type the numbers that apply").expect("a tick-all group is asked");
    assert!(
        t[..first_group].to_lowercase().contains("bladder")
            || t[..first_group].to_lowercase().contains("numb"),
        "{t}"
    );
    assert!(t.contains("Interview finished"), "{t}");
}

#[test]
fn an_emergency_answer_shows_what_to_do_at_once() {
    let out = run_stdin(&["interview"], "55\nmale\n30\nboth\nall\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let t = text(&out.stdout);
    assert!(t.contains("***"), "{t}");
    assert!(t.contains("URGENCY: EMERGENCY"), "{t}");
}

#[test]
fn learn_lists_topics_and_shows_the_comparison_table() {
    let out = run(&["learn"]);
    assert!(out.status.success());
    assert!(text(&out.stdout).contains("comparison"));
    let out = run(&["learn", "comparison"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let t = text(&out.stdout);
    assert!(
        t.contains("Superior cluneal nerve entrapment") && t.contains("Superior gluteal nerve entrapment"),
        "{t}"
    );
    let err = expect_error(&run(&["learn", "comparisn"]));
    assert!(err.contains("did you mean `comparison`"), "{err}");
}

#[test]
fn kb_show_and_list_work_and_unknown_ids_get_suggestions() {
    let out = run(&["kb", "show", "scne"]);
    assert!(out.status.success());
    assert!(text(&out.stdout).contains("# conditions/scne.toml"));
    let out = run(&["kb", "list", "conditions"]);
    assert!(out.status.success());
    assert!(text(&out.stdout).lines().count() >= 20);
    // The care settings a case may name, in kb.toml's order.
    let out = run(&["kb", "list", "settings"]);
    assert!(out.status.success());
    assert_eq!(
        text(&out.stdout).lines().collect::<Vec<_>>(),
        [
            "settings/primary_care",
            "settings/spine_clinic",
            "settings/emergency_department",
            "settings/physiotherapy"
        ]
    );
    let err = expect_error(&run(&["kb", "show", "scnee"]));
    assert!(err.contains("did you mean `scne`"), "{err}");
}

#[test]
fn committed_json_schemas_are_current() {
    for which in ["case", "report"] {
        let out = run(&["schema", which]);
        assert!(out.status.success());
        let committed = std::fs::read_to_string(root().join(format!("schemas/{which}.schema.json")))
            .expect("committed schema");
        assert_eq!(
            text(&out.stdout),
            committed,
            "schemas/{which}.schema.json is stale: run `cluneal schema {which} > schemas/{which}.schema.json`"
        );
    }
}

#[test]
fn a_repeated_key_is_refused_and_named() {
    let out = run_stdin(
        &["assess", "-", "--format", "json"],
        r#"{"answers":{"saddle_anaesthesia":"yes","saddle_anaesthesia":"no"}}"#,
    );
    let err = expect_error(&out);
    assert!(err.contains("<stdin>:1:"), "{err}");
    assert!(err.contains("`saddle_anaesthesia` appears more than once"), "{err}");
    assert!(err.contains("`answers.saddle_anaesthesia`"), "{err}");
    let out = run_stdin(&["assess", "-"], r#"{"age": 40, "block": {"pain_before": 8, "pain_before": 2}}"#);
    assert!(expect_error(&out).contains("`pain_before` appears more than once"));
    // The interview's answer file is a case too.
    let dir = temp_dir("duplicate");
    let file = dir.join("answers.json");
    std::fs::write(&file, r#"{"respondent":"patient","answers":{"fever":"no","fever":"yes"}}"#)
        .expect("write");
    let out = run(&["interview", "--answers", file.to_str().expect("path")]);
    assert!(expect_error(&out).contains("`fever` appears more than once"));
}

#[test]
fn a_vignette_is_assessed_only_when_asked_for() {
    // A top-level `case` no longer makes a file a vignette: the other fields were dropped unread.
    let out = run_stdin(&["assess", "-"], r#"{"case":{},"age":-5,"block":{"pain_before":99}}"#);
    let err = expect_error(&out);
    assert!(err.contains("unknown field `case`"), "{err}");
    assert!(err.contains("pass `--vignette`"), "{err}");
    // With the flag, the file must be a whole vignette.
    let out = run_stdin(&["assess", "-", "--vignette"], r#"{"case":{},"age":-5,"block":{"pain_before":99}}"#);
    assert!(expect_error(&out).contains("<stdin>:1:"));
    let vignette = std::fs::read_dir(root().join("vignettes"))
        .expect("vignettes")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .expect("a vignette");
    let v = vignette.to_str().expect("path");
    let out = run(&["assess", v, "--vignette", "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(expect_error(&run(&["assess", v])).contains("pass `--vignette`"));
}

#[test]
fn the_committed_json_schemas_are_what_the_binary_prints() {
    for which in ["case", "report"] {
        let out = run(&["schema", which]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let committed = std::fs::read_to_string(root().join(format!("schemas/{which}.schema.json")))
            .expect("schema file");
        assert_eq!(
            text(&out.stdout).trim_end(),
            committed.trim_end(),
            "schemas/{which}.schema.json is stale: run `cluneal schema {which} > schemas/{which}.schema.json`"
        );
    }
}

#[test]
fn a_report_names_the_exact_knowledge_files_by_hash() {
    let hash = |args: &[&str]| -> String {
        let out = run(args);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let h = report["kb_hash"].as_str().expect("kb_hash").to_string();
        assert_eq!(h.len(), 64, "{h}");
        h
    };
    let embedded = hash(&["assess", "examples/sgne.json", "--format", "json"]);
    let folder = hash(&["--knowledge", "knowledge", "assess", "examples/sgne.json", "--format", "json"]);
    assert_eq!(embedded, folder, "the embedded copy and the folder are the same files");
    // One changed note gives another hash, though the version stays the same.
    let dir = temp_dir("hash-kb");
    copy_dir(&root().join("knowledge"), &dir);
    let path = dir.join("references/becker_2015.toml");
    let changed = std::fs::read_to_string(&path).expect("read") + "\n";
    std::fs::write(&path, changed).expect("write");
    let other = hash(&[
        "--knowledge",
        dir.to_str().expect("utf-8 path"),
        "assess",
        "examples/sgne.json",
        "--format",
        "json",
    ]);
    assert_ne!(embedded, other);
}
