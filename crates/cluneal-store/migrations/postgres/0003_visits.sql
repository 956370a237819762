-- Every save of a case is a visit: the case, its report and the outcome
-- measures as they were on that date. Saving adds a row; none is overwritten
-- (deleting the case deletes its visits).
CREATE TABLE visits (
    case_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    visit_date TEXT NOT NULL,
    case_json TEXT NOT NULL,
    report_json TEXT NOT NULL,
    kb_version TEXT NOT NULL,
    outcomes_json TEXT NOT NULL DEFAULT '{}',
    saved_at TEXT NOT NULL,
    saved_by TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
);
-- Cases saved before visits existed get their first visit from what was stored.
INSERT INTO visits (case_id, seq, visit_date, case_json, report_json, kb_version, outcomes_json, saved_at, saved_by)
SELECT id, 1, substr(updated_at, 1, 10), case_json, report_json, kb_version, '{}', updated_at, created_by FROM cases;
