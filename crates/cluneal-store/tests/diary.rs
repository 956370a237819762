//! A patient diary: a link (token) opens one case's diary without an account,
//! entries read back by day with what was prescribed then, everything is
//! audited (the link acts under its short id, never the token), a revoked link
//! opens nothing and adds nothing while the entries stay, and deleting the case
//! deletes both. SQLite always; PostgreSQL when configured.

use cluneal_store::{Location, NewCase, NewDiaryEntry, Store};

fn case() -> NewCase {
    NewCase {
        label: "diary".into(),
        case_json: r#"{"answers":{}}"#.into(),
        report_json: r#"{"plan":{"exercises":[{"id":"pelvic_tilt"}]}}"#.into(),
        kb_version: "test".into(),
        triage_level: "routine".into(),
        top_condition: "scne".into(),
        visit_date: None,
        outcomes_json: "{}".into(),
    }
}

fn entry(date: &str, pain: Option<i64>, done: &str) -> NewDiaryEntry {
    NewDiaryEntry {
        entry_date: date.into(),
        pain,
        exercises_done_json: done.into(),
        exercises_prescribed_json: r#"["pelvic_tilt"]"#.into(),
        notes: "walked to the shop".into(),
    }
}

async fn diary_works(store: Store) {
    let c = store.create_case(&case(), "ann").await.expect("create");
    assert!(store.create_diary_link("nope", "ann").await.expect("link").is_none(), "no case, no link");
    let (token, link) = store.create_diary_link(&c.id, "ann").await.expect("link").expect("the case exists");
    assert!(token.starts_with("dry_") && token.len() == 68, "{token}");
    assert_eq!(link.id.len(), 12);
    assert!(!token.contains(&link.id), "the short id comes from the hash, not the token");

    let (access, entries) = store.open_diary(&token).await.expect("open").expect("an open link");
    assert_eq!(access.case_id, c.id);
    assert!(access.report_json.contains("pelvic_tilt"));
    assert!(entries.is_empty());
    assert!(store.open_diary("dry_0000").await.expect("open").is_none(), "an unknown token opens nothing");
    let reached = store.diary_access(&token).await.expect("access").expect("an open link");
    assert_eq!((reached.case_id.as_str(), reached.link_id.as_str()), (c.id.as_str(), link.id.as_str()));
    assert!(store.diary_access("dry_0000").await.expect("access").is_none());

    // Sent out of order: read back by day.
    store
        .add_diary_entry(&token, &entry("2026-11-02", Some(5), r#"["pelvic_tilt"]"#))
        .await
        .expect("add")
        .expect("open");
    let e =
        store.add_diary_entry(&token, &entry("2026-11-01", None, "[]")).await.expect("add").expect("open");
    assert_eq!(e.seq, 2);
    let listed = store.list_diary(&c.id, "bob").await.expect("list").expect("the case exists");
    assert_eq!(
        listed.iter().map(|e| e.entry_date.as_str()).collect::<Vec<_>>(),
        ["2026-11-01", "2026-11-02"]
    );
    assert_eq!(listed[0].pain, None);
    assert_eq!(listed[1].pain, Some(5));
    assert_eq!(listed[1].link_id, link.id);
    assert!(store.list_diary("nope", "bob").await.expect("list").is_none());

    // Revoked: the link opens nothing and adds nothing; the entries stay.
    assert_eq!(store.revoke_diary_links(&c.id, "ann").await.expect("revoke"), Some(1));
    assert!(store.open_diary(&token).await.expect("open").is_none());
    assert!(store.diary_access(&token).await.expect("access").is_none(), "a revoked link reaches nothing");
    assert!(store.add_diary_entry(&token, &entry("2026-11-03", Some(2), "[]")).await.expect("add").is_none());
    assert_eq!(store.list_diary(&c.id, "bob").await.expect("list").expect("case").len(), 2);
    let links = store.list_diary_links(&c.id, "ann").await.expect("links").expect("case");
    assert_eq!(links.len(), 1);
    assert!(links[0].revoked_at.is_some());
    assert_eq!(
        store.revoke_diary_links(&c.id, "ann").await.expect("revoke"),
        Some(0),
        "nothing left to revoke"
    );

    let audit = store.audit(50).await.expect("audit");
    let actions = |a: &str| audit.iter().filter(|x| x.action == a).count();
    assert_eq!(actions("diary_link_create"), 1);
    assert_eq!(actions("diary_entry"), 2);
    assert_eq!(actions("diary_open"), 1);
    assert!(actions("read_diary") >= 2);
    assert_eq!(actions("diary_link_revoke"), 2);
    let actor = format!("diary-link:{}", link.id);
    assert!(audit.iter().filter(|x| x.action == "diary_entry").all(|x| x.actor == actor));
    assert!(
        audit.iter().all(|x| !x.detail.contains(&token) && !x.actor.contains(&token)),
        "the token is never logged"
    );

    // A second link works until the case is deleted, which deletes everything.
    let (again, _) = store.create_diary_link(&c.id, "ann").await.expect("link").expect("case");
    assert!(store.open_diary(&again).await.expect("open").is_some());
    assert!(store.delete_case(&c.id, "ann").await.expect("delete"));
    assert!(store.open_diary(&again).await.expect("open").is_none());
    assert!(store.list_diary(&c.id, "ann").await.expect("list").is_none());
}

#[tokio::test]
async fn diary_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("cluneal-diary-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    diary_works(Store::open(&Location::Sqlite(dir.join("c.db"))).await.expect("store")).await;
}

#[tokio::test]
async fn diary_on_postgres_when_available() {
    let Ok(url) = std::env::var("CLUNEAL_TEST_POSTGRES_URL") else {
        eprintln!("CLUNEAL_TEST_POSTGRES_URL is not set: PostgreSQL variant skipped");
        return;
    };
    let admin = cluneal_store::admin::Admin::connect(&url).await.expect("postgres reachable");
    let db = format!("cluneal_diary_{}", std::process::id());
    admin.recreate_database(&db).await.expect("create database");
    let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
    diary_works(Store::open(&Location::Postgres(format!("{base}/{db}"))).await.expect("store")).await;
}
