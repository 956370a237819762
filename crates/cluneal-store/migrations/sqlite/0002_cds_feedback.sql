-- What clinicians did with Cluneal's CDS Hooks cards (accepted, or overridden
-- with a reason), as the EHR reported it. Never updated, never deleted.
CREATE TABLE cds_feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at TEXT NOT NULL,
    client TEXT NOT NULL,
    service TEXT NOT NULL,
    card TEXT NOT NULL,
    outcome TEXT NOT NULL,
    override_reason TEXT,
    user_comment TEXT,
    accepted_suggestions TEXT NOT NULL DEFAULT '',
    outcome_at TEXT NOT NULL
);
CREATE INDEX cds_feedback_card ON cds_feedback (card);
