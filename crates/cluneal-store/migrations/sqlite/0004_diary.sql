-- A patient diary: a clinician gives a patient a link (a random token, stored
-- only as its SHA-256) that opens one case's diary without an account. The
-- link can be revoked; entries stay with the case (deleting the case deletes
-- them and its links).
CREATE TABLE diary_links (
    token_hash TEXT PRIMARY KEY,
    case_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX diary_links_case ON diary_links (case_id);
-- One row per day's entry as the patient sent it, with the exercises the plan
-- prescribed then, so adherence reads as it was.
CREATE TABLE diary_entries (
    case_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    entry_date TEXT NOT NULL,
    pain INTEGER,
    exercises_done_json TEXT NOT NULL,
    exercises_prescribed_json TEXT NOT NULL,
    notes TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    link_id TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
);
