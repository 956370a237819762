//! Every save of a case is a visit: nothing is overwritten, the history reads
//! back in order with what was saved, reading it is audited, and deleting the
//! case deletes its visits. SQLite always; PostgreSQL when configured.

use cluneal_store::{Location, NewCase, Store};

fn save(pain: u32, date: Option<&str>) -> NewCase {
    NewCase {
        label: "followed".into(),
        case_json: format!(r#"{{"answers":{{"pain_intensity":{pain}}}}}"#),
        report_json: r#"{"triage":{"level":"routine"}}"#.into(),
        kb_version: "test".into(),
        triage_level: "routine".into(),
        top_condition: "scne".into(),
        visit_date: date.map(str::to_string),
        outcomes_json: format!(r#"{{"psfs":[{{"activity":"sitting","score":{}}}]}}"#, 10 - pain),
    }
}

async fn visits_are_kept(store: Store) {
    let c = store.create_case(&save(8, Some("2026-09-01")), "ann").await.expect("create");
    store.update_case(&c.id, &save(6, Some("2026-10-01")), "bob").await.expect("update").expect("exists");
    store.update_case(&c.id, &save(3, None), "ann").await.expect("update").expect("exists");
    let visits = store.list_visits(&c.id, "carol").await.expect("list").expect("exists");
    assert_eq!(visits.iter().map(|v| v.seq).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(visits[0].visit_date, "2026-09-01");
    assert_eq!(visits[1].visit_date, "2026-10-01");
    assert_eq!(visits[2].visit_date.len(), 10, "today when no date is given");
    assert!(visits[0].case_json.contains("\"pain_intensity\":8"), "the first visit is as it was");
    assert!(visits[2].outcomes_json.contains("\"score\":7"));
    assert_eq!(visits[1].saved_by, "bob");
    // The case itself shows the latest save.
    let now = store.get_case(&c.id, "ann").await.expect("get").expect("exists");
    assert!(now.case_json.contains("\"pain_intensity\":3"));
    let audit = store.audit(20).await.expect("audit");
    assert!(audit.iter().any(|a| a.action == "read_visits" && a.actor == "carol"));
    assert!(store.list_visits("nope", "carol").await.expect("list").is_none());
    assert!(store.delete_case(&c.id, "ann").await.expect("delete"));
    assert!(store.list_visits(&c.id, "ann").await.expect("list").is_none());
}

#[tokio::test]
async fn visits_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("cluneal-visits-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    visits_are_kept(Store::open(&Location::Sqlite(dir.join("c.db"))).await.expect("store")).await;
}

#[tokio::test]
async fn visits_on_postgres_when_available() {
    let Ok(url) = std::env::var("CLUNEAL_TEST_POSTGRES_URL") else {
        eprintln!("CLUNEAL_TEST_POSTGRES_URL is not set: PostgreSQL variant skipped");
        return;
    };
    let admin = cluneal_store::admin::Admin::connect(&url).await.expect("postgres reachable");
    let db = format!("cluneal_visits_{}", std::process::id());
    admin.recreate_database(&db).await.expect("create database");
    let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
    visits_are_kept(Store::open(&Location::Postgres(format!("{base}/{db}"))).await.expect("store")).await;
}
