-- Saved cases keep the knowledge-base version they were assessed with.
CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    label TEXT NOT NULL DEFAULT '',
    case_json TEXT NOT NULL,
    report_json TEXT NOT NULL,
    kb_version TEXT NOT NULL,
    triage_level TEXT NOT NULL,
    top_condition TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX cases_updated ON cases (updated_at);

-- Who did what to which saved case, and when. Never updated, never deleted.
CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    case_id TEXT,
    detail TEXT NOT NULL DEFAULT ''
);

-- Bearer tokens, stored as SHA-256 digests only.
CREATE TABLE tokens (
    name TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
