-- The moderators' dashboard (storage/dashboard.py, storage/api_tokens.py): named sessions of
-- checks, per-user API tokens, the few numbers of each check's analysis that the channel chart
-- draws, and each channel's timezone.
-- PostgreSQL's twin: postgres/0003_dashboard.sql (same tables and columns).

CREATE TABLE check_sessions (
    session_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id    INTEGER NOT NULL REFERENCES channels (channel_id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    created_by_id INTEGER,
    created_by_login TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    kept          INTEGER NOT NULL DEFAULT 0     -- 1: every check in it is kept (pinned)
);
CREATE INDEX check_sessions_channel ON check_sessions (channel_id, created_at);

CREATE TABLE check_session_members (
    session_id INTEGER NOT NULL REFERENCES check_sessions (session_id) ON DELETE CASCADE,
    capture_id INTEGER NOT NULL REFERENCES captures (capture_id) ON DELETE CASCADE,
    PRIMARY KEY (session_id, capture_id)
);
CREATE INDEX check_session_members_capture ON check_session_members (capture_id);

-- A per-user API token is kept as its SHA-256 only; the token itself is shown once.
CREATE TABLE api_tokens (
    token_id     INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      INTEGER NOT NULL,
    user_login   TEXT NOT NULL DEFAULT '',
    name         TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Read from a check's analysis.json once, so the channel chart needs no file per check.
CREATE TABLE check_metrics (
    capture_id INTEGER PRIMARY KEY REFERENCES captures (capture_id) ON DELETE CASCADE,
    analysed   INTEGER NOT NULL,
    flagged    INTEGER NOT NULL
);

-- The channel's timezone (an IANA name, checked by the caller): times on its dashboard pages
-- are shown in it, labelled. Set by its moderators (dashboard, `!botcheck tz`).
ALTER TABLE channel_options ADD COLUMN timezone TEXT NOT NULL DEFAULT 'UTC';
