//! Saved-case reads and lists write an audit entry; under concurrent writes
//! they must wait their turn, never fail with "database is locked".

use std::sync::Arc;
use std::time::{Duration, Instant};

use cluneal_store::{Location, NewCase, Store};

fn new_case(label: &str) -> NewCase {
    NewCase {
        label: label.into(),
        case_json: r#"{"age":40}"#.into(),
        report_json: r#"{"triage":{"level":"routine"}}"#.into(),
        kb_version: "test".into(),
        triage_level: "routine".into(),
        top_condition: "scne".into(),
        visit_date: None,
        outcomes_json: "{}".into(),
    }
}

#[derive(Debug, Default)]
struct Tally {
    ok: usize,
    errors: Vec<String>,
}

/// One writer (create + update), one reader and one lister for `for_how_long`.
async fn mixed_load(store: Arc<Store>, for_how_long: Duration) {
    let first = store.create_case(&new_case("first"), "setup").await.expect("create");
    let until = Instant::now() + for_how_long;
    let writer = {
        let store = store.clone();
        let id = first.id.clone();
        tokio::spawn(async move {
            let mut t = Tally::default();
            let mut i = 0;
            while Instant::now() < until {
                i += 1;
                let result = if i % 2 == 0 {
                    store.update_case(&id, &new_case(&format!("update {i}")), "writer").await.map(|_| ())
                } else {
                    store.create_case(&new_case(&format!("case {i}")), "writer").await.map(|_| ())
                };
                match result {
                    Ok(()) => t.ok += 1,
                    Err(e) => t.errors.push(format!("write: {e}")),
                }
            }
            t
        })
    };
    let reader = {
        let store = store.clone();
        let id = first.id.clone();
        tokio::spawn(async move {
            let mut t = Tally::default();
            while Instant::now() < until {
                match store.get_case(&id, "reader").await {
                    Ok(Some(_)) => t.ok += 1,
                    Ok(None) => t.errors.push("read: the case vanished".into()),
                    Err(e) => t.errors.push(format!("read: {e}")),
                }
            }
            t
        })
    };
    let lister = {
        let store = store.clone();
        tokio::spawn(async move {
            let mut t = Tally::default();
            while Instant::now() < until {
                match store.list_cases("lister").await {
                    Ok(_) => t.ok += 1,
                    Err(e) => t.errors.push(format!("list: {e}")),
                }
            }
            t
        })
    };
    let mut errors = Vec::new();
    for (name, task) in [("writer", writer), ("reader", reader), ("lister", lister)] {
        let t = task.await.expect("task");
        assert!(t.ok > 0, "the {name} completed nothing");
        errors.extend(t.errors);
    }
    assert!(errors.is_empty(), "{} error(s), first: {}", errors.len(), errors[0]);
    // Every acknowledged read and list left its audit entry.
    let audit = store.audit(100_000).await.expect("audit");
    assert!(audit.iter().any(|e| e.action == "read") && audit.iter().any(|e| e.action == "list"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reads_and_lists_never_fail_while_others_write_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("cluneal-store-concurrency-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let store = Arc::new(Store::open(&Location::Sqlite(dir.join("cluneal.db"))).await.expect("store"));
    mixed_load(store.clone(), Duration::from_secs(3)).await;
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reads_and_lists_never_fail_while_others_write_on_postgres_when_available() {
    let Ok(url) = std::env::var("CLUNEAL_TEST_POSTGRES_URL") else {
        eprintln!("CLUNEAL_TEST_POSTGRES_URL is not set: PostgreSQL variant skipped");
        return;
    };
    let admin = cluneal_store::admin::Admin::connect(&url).await.expect("postgres reachable");
    let db = format!("cluneal_concurrency_{}", std::process::id());
    admin.recreate_database(&db).await.expect("create database");
    let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
    let store = Arc::new(Store::open(&Location::Postgres(format!("{base}/{db}"))).await.expect("store"));
    mixed_load(store.clone(), Duration::from_secs(3)).await;
    store.close().await;
}
