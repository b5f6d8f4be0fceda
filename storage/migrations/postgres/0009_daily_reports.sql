-- SQLite's migration 0012 (issue 18): categories at each viewer sample, one daily report per
-- channel and local day (the primary key is the claim between processes).
ALTER TABLE viewer_samples ADD COLUMN category TEXT NOT NULL DEFAULT '';

CREATE TABLE daily_reports (
    channel_id   BIGINT NOT NULL REFERENCES channels (channel_id) ON DELETE CASCADE,
    day          TEXT NOT NULL,
    timezone     TEXT NOT NULL,
    report_token TEXT NOT NULL UNIQUE,
    status       TEXT NOT NULL,
    claimed_at   BIGINT NOT NULL,
    created_at   BIGINT,
    body         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (channel_id, day)
);
