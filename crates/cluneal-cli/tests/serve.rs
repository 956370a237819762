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
