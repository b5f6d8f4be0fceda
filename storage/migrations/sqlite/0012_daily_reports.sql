-- Issue 18 (stream analytics): the category a stream showed at each viewer sample (a stream can
-- change category; the session keeps only the latest), and one daily report per channel and
-- local day. The (channel_id, day) key is the claim: whichever process inserts it writes the
-- report; a restart finds it and writes nothing twice.
ALTER TABLE viewer_samples ADD COLUMN category TEXT NOT NULL DEFAULT '';

CREATE TABLE daily_reports (
    channel_id   INTEGER NOT NULL REFERENCES channels (channel_id) ON DELETE CASCADE,
    day          TEXT NOT NULL,               -- the local date, YYYY-MM-DD, in `timezone`
    timezone     TEXT NOT NULL,               -- the channel's zone when the day was cut
    report_token TEXT NOT NULL UNIQUE,
    status       TEXT NOT NULL,               -- pending (claimed, being written), done
    claimed_at   INTEGER NOT NULL,            -- epoch ms; a pending claim this old is taken over
    created_at   INTEGER,                     -- epoch ms, when written
    body         TEXT NOT NULL DEFAULT '',    -- the report as JSON (reports/daily_model.py)
    PRIMARY KEY (channel_id, day)
);
