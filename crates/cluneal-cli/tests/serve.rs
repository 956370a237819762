//! `cluneal serve` as a process: it starts on a fresh machine with embedded
//! storage, an acknowledged write survives `kill -9`, and remote listening
//! without a token is refused.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cluneal-serve-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// Start the server on a free port; returns the child and its base URL.
fn start(data: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cluneal"))
        .args(["serve", "--port", "0", "--data-dir"])
        .arg(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("first line");
    let url = line.split_whitespace().nth(2).expect("listening on URL").to_string();
    (child, url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_acknowledged_write_survives_a_killed_process() {
    let data = temp_dir("crash");
    let (mut child, base) = start(&data);
    let c = reqwest::Client::new();
    let case: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/sgne.json"),
        )
        .expect("example"),
    )
    .expect("json");
    let res = c
        .post(format!("{base}/api/v1/cases"))
        .json(&serde_json::json!({"case": case}))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status().as_u16(), 201);
    let id = res.json::<serde_json::Value>().await.expect("json")["id"].as_str().expect("id").to_string();
    // SIGKILL: no shutdown, no flush beyond what was acknowledged.
    child.kill().expect("kill");
    let _ = child.wait();
    let (mut child, base) = start(&data);
    let got = c.get(format!("{base}/api/v1/cases/{id}")).send().await.expect("get");
    assert_eq!(got.status().as_u16(), 200);
    child.kill().expect("kill");
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn listening_on_all_addresses_without_a_token_is_refused() {
    let data = temp_dir("remote");
    let out = Command::new(env!("CARGO_BIN_EXE_cluneal"))
        .args(["serve", "--host", "0.0.0.0", "--port", "0", "--data-dir"])
        .arg(&data)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("refusing to listen on `0.0.0.0:0`"), "{err}");
    assert!(err.contains("cluneal token create"), "{err}");
}

#[test]
fn tokens_and_the_audit_log_from_the_command_line() {
    let data = temp_dir("tokens");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_cluneal"))
            .args(args)
            .arg("--data-dir")
            .arg(&data)
            .output()
            .expect("runs")
    };
    let out = run(&["token", "create", "dr-lee"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("cln_"));
    let out = run(&["token", "create", "dr-lee"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
    let out = run(&["token", "list"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("dr-lee"));
    let out = run(&["audit"]);
    assert!(out.status.success());
    let out = run(&["token", "revoke", "nobody"]);
    assert_eq!(out.status.code(), Some(2));
}

/// A crash trial under load: writers create cases and save further visits
/// while the process is killed with SIGKILL; after a restart every save that
/// was acknowledged is there (its case, and at least as many visits as were
/// acknowledged for it). Nothing acknowledged is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_saves_and_visits_survive_a_kill_under_load() {
    use std::sync::{Arc, Mutex};
    let data = temp_dir("crash-load");
    let (mut child, base) = start(&data);
    let c = reqwest::Client::new();
    let case =
        serde_json::json!({ "age": 58, "answers": { "pain_over_iliac_crest": "yes", "pain_intensity": 6 } });
    // id -> saves acknowledged (create = 1, each update +1)
    let acked: Arc<Mutex<Vec<(String, usize)>>> = Arc::new(Mutex::new(Vec::new()));
    let mut writers = Vec::new();
    for _ in 0..4 {
        let (c, base, case, acked) = (c.clone(), base.clone(), case.clone(), acked.clone());
        writers.push(tokio::spawn(async move {
            for _ in 0..200 {
                let Ok(res) = c
                    .post(format!("{base}/api/v1/cases"))
                    .json(&serde_json::json!({ "case": case }))
                    .send()
                    .await
                else {
                    return;
                };
                if res.status().as_u16() != 201 {
                    return;
                }
                let Ok(v) = res.json::<serde_json::Value>().await else { return };
                let id = v["id"].as_str().expect("id").to_string();
                let slot = {
                    let mut a = acked.lock().expect("lock");
                    a.push((id.clone(), 1));
                    a.len() - 1
                };
                for _ in 0..2 {
                    let body = serde_json::json!({ "case": case, "visit_date": "2026-11-30" });
                    let Ok(res) = c.put(format!("{base}/api/v1/cases/{id}")).json(&body).send().await else {
                        return;
                    };
                    if res.status().as_u16() != 200 {
                        return;
                    }
                    acked.lock().expect("lock")[slot].1 += 1;
                }
            }
        }));
    }
    // Let the writers run, then kill the server in the middle of their work.
    while acked.lock().expect("lock").len() < 20 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    child.kill().expect("kill");
    let _ = child.wait();
    for w in writers {
        let _ = w.await;
    }
    let acked = acked.lock().expect("lock").clone();
    assert!(acked.len() >= 20, "writes were acknowledged before the kill");
    let (mut child, base) = start(&data);
    for (id, saves) in &acked {
        let got = c.get(format!("{base}/api/v1/cases/{id}")).send().await.expect("get");
        assert_eq!(got.status().as_u16(), 200, "acknowledged case {id} is there");
        let visits: serde_json::Value = c
            .get(format!("{base}/api/v1/cases/{id}/visits"))
            .send()
            .await
            .expect("visits")
            .json()
            .await
            .expect("json");
        let n = visits.as_array().map_or(0, Vec::len);
        assert!(n >= *saves, "case {id}: {saves} saves acknowledged, {n} visits kept");
    }
    child.kill().expect("kill");
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&data);
}
