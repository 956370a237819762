//! Storage for saved cases, the audit log and access tokens.
//!
//! SQLite (a file, embedded) by default, PostgreSQL when a `postgres://` URL is
//! given: one schema, migrations per engine (`migrations/sqlite`,
//! `migrations/postgres`, applied at start), and the same queries for both.
//! Every create, read, update and delete of a saved case writes an audit entry
//! in the same transaction, so the log never misses an acknowledged change.
//! SQLite runs in WAL mode with `synchronous = FULL`: a write that was
//! acknowledged survives a crash of the process (and of the machine).
//!
//! The store keeps cases and reports as JSON text; it knows nothing of the
//! engine's types.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sha2::{Digest, Sha256};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened.
    #[error("cannot open the database `{target}`: {source}")]
    Open {
        /// The database (a file path, or `postgres`).
        target: String,
        /// Why.
        source: sqlx::Error,
    },
    /// A migration failed.
    #[error("cannot apply the database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A query failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A token name that is empty, too long or holds control characters.
    #[error("a token name must be 1 to 100 characters without control characters, not `{0}`")]
    InvalidTokenName(String),
    /// A token with that name exists already.
    #[error("a token named `{0}` already exists")]
    TokenExists(String),
    /// The system's random source failed.
    #[error("cannot draw random bytes for an identifier: {0}")]
    Random(String),
}

/// What kind of failure a store error is, so that callers can answer with
/// the right status without knowing the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The request would duplicate something that must be unique.
    Conflict,
    /// A row the request needs does not exist.
    NotFound,
    /// The database is busy (locked, timed out, a serialization conflict): the
    /// same request may succeed if tried again.
    Busy,
    /// The request itself is invalid (a token name, for instance).
    Invalid,
    /// Anything else: the server's fault.
    Internal,
}

impl StoreError {
    /// What kind of failure this is.
    pub fn failure(&self) -> Failure {
        match self {
            StoreError::TokenExists(_) => Failure::Conflict,
            StoreError::InvalidTokenName(_) => Failure::Invalid,
            StoreError::Database(e) => database_failure(e),
            StoreError::Open { .. } | StoreError::Migrate(_) | StoreError::Random(_) => Failure::Internal,
        }
    }
}

fn database_failure(e: &sqlx::Error) -> Failure {
    match e {
        sqlx::Error::RowNotFound => Failure::NotFound,
        sqlx::Error::PoolTimedOut => Failure::Busy,
        sqlx::Error::Database(d) if d.is_unique_violation() => Failure::Conflict,
        sqlx::Error::Database(d) => failure_of_code(d.code().as_deref()),
        _ => Failure::Internal,
    }
}

/// A database error code as a failure: SQLite's BUSY (5) and LOCKED (6) and
/// their extended codes, and PostgreSQL's serialization failure (40001),
/// deadlock (40P01) and lock timeout (55P03) are worth retrying; unique and
/// foreign-key violations are conflicts.
fn failure_of_code(code: Option<&str>) -> Failure {
    let Some(code) = code else { return Failure::Internal };
    // PostgreSQL's SQLSTATE codes have five characters; SQLite's (extended)
    // result codes are numbers below 4096, whose low byte is the primary code.
    if code.len() == 5 {
        return match code {
            "40001" | "40P01" | "55P03" => Failure::Busy,
            "23505" | "23503" => Failure::Conflict,
            _ => Failure::Internal,
        };
    }
    match code.parse::<u32>() {
        Ok(n) if matches!(n & 0xff, 5 | 6) => Failure::Busy,
        // SQLITE_CONSTRAINT_UNIQUE, _PRIMARYKEY, _FOREIGNKEY (a NOT NULL or
        // CHECK violation is the server's fault).
        Ok(2067 | 1555 | 787) => Failure::Conflict,
        _ => Failure::Internal,
    }
}

/// Where the data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite database file (created if missing).
    Sqlite(std::path::PathBuf),
    /// A PostgreSQL connection URL.
    Postgres(String),
}

impl Location {
    /// `postgres://…` or `postgresql://…` is PostgreSQL; anything else is a SQLite file path.
    pub fn parse(spec: &str) -> Location {
        if spec.starts_with("postgres://") || spec.starts_with("postgresql://") {
            Location::Postgres(spec.to_string())
        } else {
            Location::Sqlite(spec.into())
        }
    }
}

enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The same query code against whichever pool is open.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.backend {
            Backend::Sqlite($pool) => $body,
            Backend::Postgres($pool) => $body,
        }
    };
}

/// Write one audit entry inside the caller's transaction `$tx`, so the entry
/// and the change it records commit together.
macro_rules! audit {
    ($tx:expr, $at:expr, $actor:expr, $action:literal, $case_id:expr, $detail:expr) => {
        sqlx::query("INSERT INTO audit (at, actor, action, case_id, detail) VALUES ($1, $2, $3, $4, $5)")
            .bind($at)
            .bind($actor)
            .bind($action)
            .bind($case_id)
            .bind($detail)
            .execute(&mut *$tx)
            .await?
    };
}

/// Whether the saved case `$id` exists, read in the transaction `$tx` (the
/// reads and writes that follow are about that case).
macro_rules! case_exists {
    ($tx:expr, $id:expr) => {{
        let row: Option<(String,)> =
            sqlx::query_as("SELECT id FROM cases WHERE id = $1").bind($id).fetch_optional(&mut *$tx).await?;
        row.is_some()
    }};
}

/// The rows `$query` returns for saved case `$id` (its one parameter), with a
/// `$action` audit entry, or `None` when there is no such case; all in the
/// transaction `$tx`, so a read is audited exactly when it happened.
macro_rules! audited_case_rows {
    ($tx:expr, $id:expr, $at:expr, $actor:expr, $action:literal, $query:expr) => {{
        if case_exists!($tx, $id) {
            let rows = sqlx::query_as($query).bind($id).fetch_all(&mut *$tx).await?;
            audit!($tx, $at, $actor, $action, Some($id), "");
            Some(rows)
        } else {
            None
        }
    }};
}

/// The case and its current report that an open (not revoked) diary link
/// reaches, by the digest of its token, read in the transaction `$tx`.
macro_rules! open_link {
    ($tx:expr, $hash:expr) => {{
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT l.case_id, c.report_json FROM diary_links l JOIN cases c ON c.id = l.case_id \
             WHERE l.token_hash = $1 AND l.revoked_at IS NULL",
        )
        .bind($hash)
        .fetch_optional(&mut *$tx)
        .await?;
        row
    }};
}

/// Add a visit row in the transaction `$tx` (a save of a case).
macro_rules! insert_visit {
    ($tx:expr, $id:expr, $seq:expr, $new:expr, $at:expr, $actor:expr) => {
        sqlx::query(
            "INSERT INTO visits (case_id, seq, visit_date, case_json, report_json, kb_version, outcomes_json, saved_at, saved_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind($id)
        .bind($seq)
        .bind($new.visit_date.clone().unwrap_or_else(|| $at.get(..10).unwrap_or("").to_string()))
        .bind(&$new.case_json)
        .bind(&$new.report_json)
        .bind(&$new.kb_version)
        .bind(&$new.outcomes_json)
        .bind($at)
        .bind($actor)
        .execute(&mut *$tx)
        .await?
    };
}

/// How long a SQLite writer waits for another to finish: far above the few
/// milliseconds a saved-case write takes, so only a stuck writer makes it fail.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Saved cases, the audit log and tokens on SQLite or PostgreSQL.
pub struct Store {
    backend: Backend,
}

/// Start a transaction that writes (every transaction here writes at least an
/// audit entry). SQLite's default deferred transaction starts as a reader, and
/// its upgrade to a writer fails at once with "database is locked" when another
/// connection wrote in between: the busy timeout does not apply to that
/// upgrade. `BEGIN IMMEDIATE` takes the write lock first, waiting up to the
/// busy timeout. PostgreSQL needs nothing special: readers never block there.
trait BeginWrite {
    type Db: sqlx::Database;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>;
}

impl BeginWrite for SqlitePool {
    type Db = sqlx::Sqlite;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl BeginWrite for PgPool {
    type Db = sqlx::Postgres;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.begin().await
    }
}

/// What a clinician did with one CDS Hooks card, as the EHR reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardFeedback {
    /// The card's uuid.
    pub card: String,
    /// `accepted` or `overridden`.
    pub outcome: String,
    /// The override reason's code.
    pub override_reason: Option<String>,
    /// The clinician's comment.
    pub user_comment: Option<String>,
    /// Ids of the suggestions accepted.
    pub accepted_suggestions: Vec<String>,
    /// When it happened, as the EHR sent it.
    pub outcome_at: String,
}

/// A case to save: the case and its report as JSON, with what the list shows.
#[derive(Debug, Clone)]
pub struct NewCase {
    /// A free label.
    pub label: String,
    /// The case as JSON.
    pub case_json: String,
    /// The report as JSON.
    pub report_json: String,
    /// The knowledge-base version the report was made with.
    pub kb_version: String,
    /// The report's triage level.
    pub triage_level: String,
    /// The report's leading condition.
    pub top_condition: String,
    /// The visit's date (`YYYY-MM-DD`); today (UTC) when absent.
    pub visit_date: Option<String>,
    /// The visit's outcome measures as JSON (for example the Patient-Specific
    /// Functional Scale); `{}` when none.
    pub outcomes_json: String,
}

/// One visit of a saved case: the case, its report and the outcome measures
/// as they were saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitRecord {
    /// 1 for the first save, then 2, 3, ...
    pub seq: i64,
    /// The visit's date (`YYYY-MM-DD`).
    pub visit_date: String,
    /// The case as JSON.
    pub case_json: String,
    /// The report as JSON, as it was assessed then.
    pub report_json: String,
    /// The knowledge-base version that report was made with.
    pub kb_version: String,
    /// The outcome measures as JSON.
    pub outcomes_json: String,
    /// When it was saved (RFC 3339, UTC).
    pub saved_at: String,
    /// Who saved it.
    pub saved_by: String,
}

/// A saved case as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRecord {
    /// The case id.
    pub id: String,
    /// A free label.
    pub label: String,
    /// The case as JSON.
    pub case_json: String,
    /// The report as JSON.
    pub report_json: String,
    /// The knowledge-base version the report was made with.
    pub kb_version: String,
    /// The report's triage level.
    pub triage_level: String,
    /// The report's leading condition.
    pub top_condition: String,
    /// When it was saved first (RFC 3339, UTC).
    pub created_at: String,
    /// When it was last changed (RFC 3339, UTC).
    pub updated_at: String,
    /// Who saved it.
    pub created_by: String,
}

/// A saved case as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseSummary {
    /// The case id.
    pub id: String,
    /// A free label.
    pub label: String,
    /// The knowledge-base version the report was made with.
    pub kb_version: String,
    /// The report's triage level.
    pub triage_level: String,
    /// The report's leading condition.
    pub top_condition: String,
    /// When it was saved first (RFC 3339, UTC).
    pub created_at: String,
    /// When it was last changed (RFC 3339, UTC).
    pub updated_at: String,
}

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// The entry's number, in order of writing.
    pub id: i64,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Who: the token's name, `local`, `token-admin`, ...
    pub actor: String,
    /// What: `create`, `read`, `list`, `update`, `delete`, `login_failed`, ...
    pub action: String,
    /// The saved case concerned, if any.
    pub case_id: Option<String>,
    /// Details of the action.
    pub detail: String,
}

/// An access token as listed: its name, never the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// The token's name.
    pub name: String,
    /// When it was created (RFC 3339, UTC).
    pub created_at: String,
}

/// A diary link as listed: never the token, only a short id from its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiaryLink {
    /// The first 12 hex digits of the token's SHA-256: names the link in the
    /// audit log and the list without revealing it.
    pub id: String,
    /// When it was created (RFC 3339, UTC).
    pub created_at: String,
    /// Who created it.
    pub created_by: String,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
}

/// A diary entry to add, as validated by the caller.
#[derive(Debug, Clone)]
pub struct NewDiaryEntry {
    /// The day it is about (`YYYY-MM-DD`).
    pub entry_date: String,
    /// Pain that day, 0-10 (NRS), when given.
    pub pain: Option<i64>,
    /// Ids of the exercises done, as a JSON array.
    pub exercises_done_json: String,
    /// Ids of the exercises the plan prescribed then, as a JSON array.
    pub exercises_prescribed_json: String,
    /// The patient's notes.
    pub notes: String,
}

/// One diary entry as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiaryEntry {
    /// 1 for the first entry of the case, then 2, 3, ...
    pub seq: i64,
    /// The day it is about (`YYYY-MM-DD`).
    pub entry_date: String,
    /// Pain that day, 0-10, when given.
    pub pain: Option<i64>,
    /// Ids of the exercises done, as a JSON array.
    pub exercises_done_json: String,
    /// Ids of the exercises prescribed then, as a JSON array.
    pub exercises_prescribed_json: String,
    /// The patient's notes.
    pub notes: String,
    /// When it was sent (RFC 3339, UTC).
    pub saved_at: String,
    /// The link it came through (its short id).
    pub link_id: String,
}

/// What an open diary link gives access to: its case and the case's latest
/// report (for the exercises the plan prescribes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiaryAccess {
    /// The case id.
    pub case_id: String,
    /// The link's short id.
    pub link_id: String,
    /// The case's latest report as JSON.
    pub report_json: String,
}

type DiaryRow = (i64, String, Option<i64>, String, String, String, String, String);

fn diary_entry(r: DiaryRow) -> DiaryEntry {
    DiaryEntry {
        seq: r.0,
        entry_date: r.1,
        pain: r.2,
        exercises_done_json: r.3,
        exercises_prescribed_json: r.4,
        notes: r.5,
        saved_at: r.6,
        link_id: r.7,
    }
}

const SELECT_DIARY: &str = "SELECT seq, entry_date, pain, exercises_done_json, exercises_prescribed_json, notes, saved_at, link_id \
     FROM diary_entries WHERE case_id = $1 ORDER BY entry_date, seq";

/// A diary link's short id: the first 12 hex digits of its token's digest
/// (names the link in lists and the audit log without revealing it).
fn link_short_id(hash: &str) -> String {
    hash.get(..12).unwrap_or(hash).to_string()
}

/// The actor a diary link acts as in the audit log.
fn diary_actor(link_id: &str) -> String {
    format!("diary-link:{link_id}")
}

type CaseRow = (String, String, String, String, String, String, String, String, String, String);

fn record(r: CaseRow) -> CaseRecord {
    CaseRecord {
        id: r.0,
        label: r.1,
        case_json: r.2,
        report_json: r.3,
        kb_version: r.4,
        triage_level: r.5,
        top_condition: r.6,
        created_at: r.7,
        updated_at: r.8,
        created_by: r.9,
    }
}

/// One case by id, all columns (a literal, so the SQL stays static).
const SELECT_CASE: &str = "SELECT id, label, case_json, report_json, kb_version, triage_level, top_condition, \
     created_at, updated_at, created_by FROM cases WHERE id = $1";

/// The actor of token creation and revocation: whoever runs `cluneal token`
/// on the database's machine (the store knows no other identity for them).
const TOKEN_ADMIN: &str = "token-admin";

/// Now, as RFC 3339 UTC. The clock is read here, at the edge, never in the engine.
fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

fn random_hex(bytes: usize) -> Result<String, StoreError> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| StoreError::Random(e.to_string()))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

fn digest(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

impl Store {
    /// Open (creating if needed) and migrate.
    pub async fn open(location: &Location) -> Result<Store, StoreError> {
        match location {
            Location::Sqlite(path) => Store::open_sqlite(path).await,
            Location::Postgres(url) => Store::open_postgres(url).await,
        }
    }

    async fn open_sqlite(path: &Path) -> Result<Store, StoreError> {
        let target = path.display().to_string();
        let options = SqliteConnectOptions::from_str("sqlite:")
            .map_err(|source| StoreError::Open { target: target.clone(), source })?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            // Writers queue for the write lock this long before "database is locked".
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Open { target, source })?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(Store { backend: Backend::Sqlite(pool) })
    }

    async fn open_postgres(url: &str) -> Result<Store, StoreError> {
        // Never echo a password from the URL in an error.
        let target = url
            .split('@')
            .next_back()
            .map_or_else(|| "postgres".to_string(), |h| format!("postgres://…@{h}"));
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(|source| StoreError::Open { target, source })?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(Store { backend: Backend::Postgres(pool) })
    }

    /// `sqlite` or `postgres`.
    pub fn kind(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// Save a new case; audited in the same transaction.
    pub async fn create_case(&self, new: &NewCase, actor: &str) -> Result<CaseRecord, StoreError> {
        let id = random_hex(16)?;
        let at = now();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "INSERT INTO cases (id, label, case_json, report_json, kb_version, triage_level, top_condition, created_at, updated_at, created_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9)",
            )
            .bind(&id)
            .bind(&new.label)
            .bind(&new.case_json)
            .bind(&new.report_json)
            .bind(&new.kb_version)
            .bind(&new.triage_level)
            .bind(&new.top_condition)
            .bind(&at)
            .bind(actor)
            .execute(&mut *tx)
            .await?;
            insert_visit!(tx, &id, 1i64, new, &at, actor);
            audit!(tx, &at, actor, "create", Some(&id), &new.kb_version);
            tx.commit().await?;
        });
        Ok(CaseRecord {
            id,
            label: new.label.clone(),
            case_json: new.case_json.clone(),
            report_json: new.report_json.clone(),
            kb_version: new.kb_version.clone(),
            triage_level: new.triage_level.clone(),
            top_condition: new.top_condition.clone(),
            created_at: at.clone(),
            updated_at: at,
            created_by: actor.to_string(),
        })
    }

    /// One case, or `None`; the read is audited when the case exists.
    pub async fn get_case(&self, id: &str, actor: &str) -> Result<Option<CaseRecord>, StoreError> {
        let at = now();
        let row: Option<CaseRow> = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let row: Option<CaseRow> = sqlx::query_as(SELECT_CASE).bind(id).fetch_optional(&mut *tx).await?;
            if row.is_some() {
                audit!(tx, &at, actor, "read", Some(id), "");
            }
            tx.commit().await?;
            row
        });
        Ok(row.map(record))
    }

    /// Every saved case, newest first; the listing is audited.
    pub async fn list_cases(&self, actor: &str) -> Result<Vec<CaseSummary>, StoreError> {
        let at = now();
        type Row = (String, String, String, String, String, String, String);
        let rows: Vec<Row> = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let rows: Vec<Row> = sqlx::query_as(
                "SELECT id, label, kb_version, triage_level, top_condition, created_at, updated_at \
                 FROM cases ORDER BY updated_at DESC, id",
            )
            .fetch_all(&mut *tx)
            .await?;
            audit!(tx, &at, actor, "list", None::<&str>, format!("{} case(s)", rows.len()));
            tx.commit().await?;
            rows
        });
        Ok(rows
            .into_iter()
            .map(|r| CaseSummary {
                id: r.0,
                label: r.1,
                kb_version: r.2,
                triage_level: r.3,
                top_condition: r.4,
                created_at: r.5,
                updated_at: r.6,
            })
            .collect())
    }

    /// Replace a case and its report; `None` when there is no such case.
    pub async fn update_case(
        &self,
        id: &str,
        new: &NewCase,
        actor: &str,
    ) -> Result<Option<CaseRecord>, StoreError> {
        let at = now();
        let row: Option<CaseRow> = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let changed = sqlx::query(
                "UPDATE cases SET label = $2, case_json = $3, report_json = $4, kb_version = $5, \
                 triage_level = $6, top_condition = $7, updated_at = $8 WHERE id = $1",
            )
            .bind(id)
            .bind(&new.label)
            .bind(&new.case_json)
            .bind(&new.report_json)
            .bind(&new.kb_version)
            .bind(&new.triage_level)
            .bind(&new.top_condition)
            .bind(&at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let row: Option<CaseRow> = if changed == 0 {
                None
            } else {
                let (last,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(seq), 0) FROM visits WHERE case_id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                insert_visit!(tx, id, last + 1, new, &at, actor);
                audit!(tx, &at, actor, "update", Some(id), &new.kb_version);
                sqlx::query_as(SELECT_CASE).bind(id).fetch_optional(&mut *tx).await?
            };
            tx.commit().await?;
            row
        });
        Ok(row.map(record))
    }

    /// Delete a case; `false` when there was none.
    pub async fn delete_case(&self, id: &str, actor: &str) -> Result<bool, StoreError> {
        let at = now();
        let deleted = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query("DELETE FROM cases WHERE id = $1").bind(id).execute(&mut *tx).await?.rows_affected();
            sqlx::query("DELETE FROM visits WHERE case_id = $1").bind(id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM diary_entries WHERE case_id = $1").bind(id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM diary_links WHERE case_id = $1").bind(id).execute(&mut *tx).await?;
            if n > 0 {
                audit!(tx, &at, actor, "delete", Some(id), "");
            }
            tx.commit().await?;
            n > 0
        });
        Ok(deleted)
    }

    /// A case's visits, oldest first; `None` when there is no such case. The
    /// read is audited like a case read.
    pub async fn list_visits(&self, id: &str, actor: &str) -> Result<Option<Vec<VisitRecord>>, StoreError> {
        type Row = (i64, String, String, String, String, String, String, String);
        let at = now();
        let rows = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let rows: Option<Vec<Row>> = audited_case_rows!(
                tx,
                id,
                &at,
                actor,
                "read_visits",
                "SELECT seq, visit_date, case_json, report_json, kb_version, outcomes_json, saved_at, saved_by \
                 FROM visits WHERE case_id = $1 ORDER BY seq"
            );
            tx.commit().await?;
            rows
        });
        Ok(rows.map(|rows| {
            rows.into_iter()
                .map(|r| VisitRecord {
                    seq: r.0,
                    visit_date: r.1,
                    case_json: r.2,
                    report_json: r.3,
                    kb_version: r.4,
                    outcomes_json: r.5,
                    saved_at: r.6,
                    saved_by: r.7,
                })
                .collect()
        }))
    }

    /// A new diary link for a case: the token is returned once and only its
    /// hash is kept. `None` when there is no such case. Audited.
    pub async fn create_diary_link(
        &self,
        case_id: &str,
        actor: &str,
    ) -> Result<Option<(String, DiaryLink)>, StoreError> {
        let token = format!("dry_{}", random_hex(32)?);
        let hash = digest(&token);
        let link_id = link_short_id(&hash);
        let at = now();
        let created = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let exists = case_exists!(tx, case_id);
            if exists {
                sqlx::query("INSERT INTO diary_links (token_hash, case_id, created_at, created_by) VALUES ($1, $2, $3, $4)")
                    .bind(&hash)
                    .bind(case_id)
                    .bind(&at)
                    .bind(actor)
                    .execute(&mut *tx)
                    .await?;
                audit!(tx, &at, actor, "diary_link_create", Some(case_id), &link_id);
            }
            tx.commit().await?;
            exists
        });
        Ok(created.then(|| {
            (
                token,
                DiaryLink { id: link_id, created_at: at, created_by: actor.to_string(), revoked_at: None },
            )
        }))
    }

    /// A case's diary links, oldest first; `None` when there is no such case.
    /// Audited.
    pub async fn list_diary_links(
        &self,
        case_id: &str,
        actor: &str,
    ) -> Result<Option<Vec<DiaryLink>>, StoreError> {
        type Row = (String, String, String, Option<String>);
        let at = now();
        let rows = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let rows: Option<Vec<Row>> = audited_case_rows!(
                tx,
                case_id,
                &at,
                actor,
                "read_diary_links",
                "SELECT token_hash, created_at, created_by, revoked_at FROM diary_links \
                 WHERE case_id = $1 ORDER BY created_at, token_hash"
            );
            tx.commit().await?;
            rows
        });
        Ok(rows.map(|rows| {
            rows.into_iter()
                .map(|r| DiaryLink {
                    id: link_short_id(&r.0),
                    created_at: r.1,
                    created_by: r.2,
                    revoked_at: r.3,
                })
                .collect()
        }))
    }

    /// Revoke every open diary link of a case; the number revoked, or `None`
    /// when there is no such case. Entries already sent stay. Audited.
    pub async fn revoke_diary_links(&self, case_id: &str, actor: &str) -> Result<Option<u64>, StoreError> {
        let at = now();
        let n = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let exists = case_exists!(tx, case_id);
            let n = if exists {
                let n = sqlx::query("UPDATE diary_links SET revoked_at = $2 WHERE case_id = $1 AND revoked_at IS NULL")
                    .bind(case_id)
                    .bind(&at)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                audit!(tx, &at, actor, "diary_link_revoke", Some(case_id), format!("{n} link(s)"));
                Some(n)
            } else {
                None
            };
            tx.commit().await?;
            n
        });
        Ok(n)
    }

    /// What an open diary link reaches (its case and the case's report), or
    /// `None` for a token that is unknown, revoked, or whose case is gone. Not
    /// audited: it checks an entry that `add_diary_entry` then writes and audits.
    pub async fn diary_access(&self, token: &str) -> Result<Option<DiaryAccess>, StoreError> {
        let hash = digest(token);
        let row = on_pool!(self, pool => {
            let mut conn = pool.acquire().await?;
            open_link!(conn, &hash)
        });
        Ok(row.map(|(case_id, report_json)| DiaryAccess {
            case_id,
            link_id: link_short_id(&hash),
            report_json,
        }))
    }

    /// What an open diary link reaches, or `None` for a token that is unknown,
    /// revoked, or whose case is gone. Opening is audited as the link.
    pub async fn open_diary(
        &self,
        token: &str,
    ) -> Result<Option<(DiaryAccess, Vec<DiaryEntry>)>, StoreError> {
        let hash = digest(token);
        let at = now();
        let found = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let found = match open_link!(tx, &hash) {
                None => None,
                Some((case_id, report_json)) => {
                    let link_id = link_short_id(&hash);
                    let rows: Vec<DiaryRow> = sqlx::query_as(SELECT_DIARY).bind(&case_id).fetch_all(&mut *tx).await?;
                    audit!(tx, &at, diary_actor(&link_id), "diary_open", Some(&case_id), "");
                    Some((DiaryAccess { case_id, link_id, report_json }, rows))
                }
            };
            tx.commit().await?;
            found
        });
        Ok(found.map(|(a, rows)| (a, rows.into_iter().map(diary_entry).collect())))
    }

    /// Add an entry through an open link; `None` when the link is unknown,
    /// revoked or its case gone. Audited as the link, in the same transaction.
    pub async fn add_diary_entry(
        &self,
        token: &str,
        entry: &NewDiaryEntry,
    ) -> Result<Option<DiaryEntry>, StoreError> {
        let hash = digest(token);
        let link_id = link_short_id(&hash);
        let at = now();
        let seq = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let seq = match open_link!(tx, &hash) {
                None => None,
                Some((case_id, _)) => {
                    let (last,): (i64,) =
                        sqlx::query_as("SELECT COALESCE(MAX(seq), 0) FROM diary_entries WHERE case_id = $1")
                            .bind(&case_id)
                            .fetch_one(&mut *tx)
                            .await?;
                    sqlx::query(
                        "INSERT INTO diary_entries (case_id, seq, entry_date, pain, exercises_done_json, \
                         exercises_prescribed_json, notes, saved_at, link_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    )
                    .bind(&case_id)
                    .bind(last + 1)
                    .bind(&entry.entry_date)
                    .bind(entry.pain)
                    .bind(&entry.exercises_done_json)
                    .bind(&entry.exercises_prescribed_json)
                    .bind(&entry.notes)
                    .bind(&at)
                    .bind(&link_id)
                    .execute(&mut *tx)
                    .await?;
                    audit!(tx, &at, diary_actor(&link_id), "diary_entry", Some(&case_id), &entry.entry_date);
                    Some(last + 1)
                }
            };
            tx.commit().await?;
            seq
        });
        Ok(seq.map(|seq| DiaryEntry {
            seq,
            entry_date: entry.entry_date.clone(),
            pain: entry.pain,
            exercises_done_json: entry.exercises_done_json.clone(),
            exercises_prescribed_json: entry.exercises_prescribed_json.clone(),
            notes: entry.notes.clone(),
            saved_at: at,
            link_id,
        }))
    }

    /// A case's diary, by day; `None` when there is no such case. Audited.
    pub async fn list_diary(
        &self,
        case_id: &str,
        actor: &str,
    ) -> Result<Option<Vec<DiaryEntry>>, StoreError> {
        let at = now();
        let rows = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let rows: Option<Vec<DiaryRow>> =
                audited_case_rows!(tx, case_id, &at, actor, "read_diary", SELECT_DIARY);
            tx.commit().await?;
            rows
        });
        Ok(rows.map(|rows| rows.into_iter().map(diary_entry).collect()))
    }

    /// The newest `limit` audit entries, newest first.
    pub async fn audit(&self, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
        type Row = (i64, String, String, String, Option<String>, String);
        let rows: Vec<Row> = on_pool!(self, pool => {
            sqlx::query_as("SELECT id, at, actor, action, case_id, detail FROM audit ORDER BY id DESC LIMIT $1")
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(|r| AuditEntry { id: r.0, at: r.1, actor: r.2, action: r.3, case_id: r.4, detail: r.5 })
            .collect())
    }

    /// Create a bearer token; the token itself is returned once and never stored.
    /// The name shows in the audit log, so it may not hold control characters
    /// (a newline would forge a line of `cluneal audit`). Audited.
    pub async fn create_token(&self, name: &str) -> Result<String, StoreError> {
        if name.trim().is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(StoreError::InvalidTokenName(name.escape_debug().to_string()));
        }
        let token = format!("cln_{}", random_hex(32)?);
        let at = now();
        let result: Result<(), sqlx::Error> = on_pool!(self, pool => {
            async {
                let mut tx = pool.begin_write().await?;
                sqlx::query("INSERT INTO tokens (name, token_hash, created_at) VALUES ($1, $2, $3)")
                    .bind(name)
                    .bind(digest(&token))
                    .bind(&at)
                    .execute(&mut *tx)
                    .await?;
                audit!(tx, &at, TOKEN_ADMIN, "token_create", None::<&str>, name);
                tx.commit().await
            }
            .await
        });
        match result {
            Ok(()) => Ok(token),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                Err(StoreError::TokenExists(name.to_string()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Every token's name and creation time (never the token).
    pub async fn list_tokens(&self) -> Result<Vec<TokenInfo>, StoreError> {
        let rows: Vec<(String, String)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT name, created_at FROM tokens ORDER BY name").fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(|(name, created_at)| TokenInfo { name, created_at }).collect())
    }

    /// Revoke a token; `false` when there was none with that name. Audited.
    pub async fn revoke_token(&self, name: &str) -> Result<bool, StoreError> {
        let at = now();
        let n = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query("DELETE FROM tokens WHERE name = $1").bind(name).execute(&mut *tx).await?.rows_affected();
            if n > 0 {
                audit!(tx, &at, TOKEN_ADMIN, "token_revoke", None::<&str>, name);
            }
            tx.commit().await?;
            n
        });
        Ok(n > 0)
    }

    /// Store CDS Hooks feedback on cards, one row each, and audit it, in one
    /// transaction: all of a request's items or none.
    pub async fn record_feedback(
        &self,
        client: &str,
        service: &str,
        items: &[CardFeedback],
    ) -> Result<(), StoreError> {
        let at = now();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for f in items {
                sqlx::query(
                    "INSERT INTO cds_feedback (received_at, client, service, card, outcome, override_reason, user_comment, accepted_suggestions, outcome_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(&at)
                .bind(client)
                .bind(service)
                .bind(&f.card)
                .bind(&f.outcome)
                .bind(&f.override_reason)
                .bind(&f.user_comment)
                .bind(f.accepted_suggestions.join(","))
                .bind(&f.outcome_at)
                .execute(&mut *tx)
                .await?;
                let detail = format!(
                    "{service} card {} {}{}",
                    f.card,
                    f.outcome,
                    f.override_reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default()
                );
                audit!(tx, &at, client, "cds_feedback", None::<&str>, detail.escape_debug().to_string());
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The feedback stored for a card, oldest first.
    pub async fn card_feedback(&self, card: &str) -> Result<Vec<CardFeedback>, StoreError> {
        type Row = (String, String, Option<String>, Option<String>, String, String);
        let rows: Vec<Row> = on_pool!(self, pool => {
            sqlx::query_as("SELECT card, outcome, override_reason, user_comment, accepted_suggestions, outcome_at FROM cds_feedback WHERE card = $1 ORDER BY id")
                .bind(card)
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(|r| CardFeedback {
                card: r.0,
                outcome: r.1,
                override_reason: r.2,
                user_comment: r.3,
                accepted_suggestions: r.4.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect(),
                outcome_at: r.5,
            })
            .collect())
    }

    /// Record a request that presented a bearer token that is not valid (the
    /// token itself is never recorded).
    pub async fn record_failed_login(&self, detail: &str) -> Result<(), StoreError> {
        let at = now();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            audit!(tx, &at, "unknown", "login_failed", None::<&str>, detail);
            tx.commit().await?;
        });
        Ok(())
    }

    /// The name of the token, when it is valid.
    pub async fn verify_token(&self, token: &str) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT name FROM tokens WHERE token_hash = $1").bind(digest(token)).fetch_optional(pool).await?
        });
        Ok(row.map(|r| r.0))
    }

    /// How many tokens exist.
    pub async fn token_count(&self) -> Result<i64, StoreError> {
        let row: (i64,) = on_pool!(self, pool => {
            sqlx::query_as("SELECT COUNT(*) FROM tokens").fetch_one(pool).await?
        });
        Ok(row.0)
    }

    /// Close the pool, waiting for connections to finish.
    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await);
    }
}

/// Database administration for tests and set-up scripts: a fresh PostgreSQL
/// database per test run.
pub mod admin {
    use sqlx::postgres::{PgPool, PgPoolOptions};

    use crate::StoreError;

    /// A connection to the PostgreSQL server's maintenance database.
    pub struct Admin(PgPool);

    impl Admin {
        /// Connect to `url`.
        pub async fn connect(url: &str) -> Result<Admin, StoreError> {
            let pool = PgPoolOptions::new()
                .max_connections(1)
                .connect(url)
                .await
                .map_err(|source| StoreError::Open { target: "postgres".into(), source })?;
            Ok(Admin(pool))
        }

        /// Drop (if present) and create database `name` (lower-case letters, digits, `_`).
        pub async fn recreate_database(&self, name: &str) -> Result<(), StoreError> {
            if name.is_empty()
                || !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                return Err(StoreError::Database(sqlx::Error::Protocol(format!(
                    "`{name}` is not a plain database name"
                ))));
            }
            // Identifiers cannot be bound; the name was checked above.
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                .execute(&self.0)
                .await?;
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&self.0).await?;
            Ok(())
        }
    }
}

#[cfg(test)]
mod failure_tests {
    use super::*;

    #[test]
    fn database_codes_map_to_the_failure_a_caller_can_act_on() {
        for (code, want) in [
            (Some("5"), Failure::Busy),
            (Some("6"), Failure::Busy),
            (Some("517"), Failure::Busy), // SQLITE_BUSY_SNAPSHOT
            (Some("2067"), Failure::Conflict),
            (Some("1555"), Failure::Conflict),
            (Some("787"), Failure::Conflict),
            (Some("1299"), Failure::Internal), // NOT NULL: our bug, not the client's
            (Some("1"), Failure::Internal),
            (Some("40001"), Failure::Busy),
            (Some("40P01"), Failure::Busy),
            (Some("55P03"), Failure::Busy),
            (Some("23505"), Failure::Conflict),
            (Some("23503"), Failure::Conflict),
            (Some("23502"), Failure::Internal),
            (Some("42601"), Failure::Internal),
            (None, Failure::Internal),
        ] {
            assert_eq!(failure_of_code(code), want, "{code:?}");
        }
    }

    #[test]
    fn store_errors_say_what_kind_of_failure_they_are() {
        assert_eq!(StoreError::TokenExists("ci".into()).failure(), Failure::Conflict);
        assert_eq!(StoreError::InvalidTokenName("a\nb".into()).failure(), Failure::Invalid);
        assert_eq!(StoreError::Database(sqlx::Error::RowNotFound).failure(), Failure::NotFound);
        assert_eq!(StoreError::Database(sqlx::Error::PoolTimedOut).failure(), Failure::Busy);
        assert_eq!(StoreError::Random("no entropy".into()).failure(), Failure::Internal);
    }
}
