//! Token names and the audit trail of token changes.

use cluneal_store::{Location, Store, StoreError};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_changes_are_audited_and_names_cannot_forge_log_lines() {
    let dir = std::env::temp_dir().join(format!("cluneal-store-tokens-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let store = Store::open(&Location::Sqlite(dir.join("cluneal.db"))).await.expect("store");
    for bad in ["dr\nlee", "dr-lee\r", "tab\there", "\u{1b}[31m", " ", ""] {
        let err = store.create_token(bad).await.expect_err("refused");
        assert!(matches!(err, StoreError::InvalidTokenName(_)), "{bad:?}: {err}");
        assert!(!err.to_string().contains('\n'), "{err}");
    }
    assert_eq!(store.token_count().await.expect("count"), 0);
    store.create_token("dr-lee").await.expect("token");
    assert!(store.revoke_token("dr-lee").await.expect("revoke"));
    assert!(!store.revoke_token("dr-lee").await.expect("revoke"));
    store.record_failed_login("a bearer token that is not valid").await.expect("record");
    let log: Vec<(String, String)> =
        store.audit(10).await.expect("audit").into_iter().rev().map(|e| (e.action, e.detail)).collect();
    let log: Vec<(&str, &str)> = log.iter().map(|(a, d)| (a.as_str(), d.as_str())).collect();
    assert_eq!(
        log,
        [
            ("token_create", "dr-lee"),
            ("token_revoke", "dr-lee"),
            ("login_failed", "a bearer token that is not valid")
        ]
    );
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
