-- First schema: channels, accounts and their names, captures, audit log, OAuth tokens.
-- Timestamps are integer epoch seconds (UTC). Twitch user ids are integers.

CREATE TABLE channels (
    channel_id    INTEGER PRIMARY KEY,          -- the broadcaster's user id
    login         TEXT NOT NULL,
    display_name  TEXT NOT NULL DEFAULT '',
    joined_at     INTEGER NOT NULL,
    left_at       INTEGER                       -- NULL while the bot moderates it
);
CREATE INDEX channels_login ON channels (login);

CREATE TABLE accounts (
    user_id           INTEGER PRIMARY KEY,
    login             TEXT NOT NULL,
    display_name      TEXT NOT NULL DEFAULT '',
    created_at        INTEGER,                  -- never changes once known
    type              TEXT NOT NULL DEFAULT '',
    broadcaster_type  TEXT NOT NULL DEFAULT '',
    profile_image_url TEXT NOT NULL DEFAULT '',
    description       TEXT NOT NULL DEFAULT '',
    looked_up_at      INTEGER,                  -- last Get Users answer for it
    first_seen_at     INTEGER,
    last_seen_at      INTEGER,
    gone_at           INTEGER                   -- Get Users stopped returning it
);
CREATE INDEX accounts_login ON accounts (login);

-- Every (login, display name) an account was seen with; more than one row is a rename.
CREATE TABLE account_names (
    user_id       INTEGER NOT NULL REFERENCES accounts (user_id) ON DELETE CASCADE,
    login         TEXT NOT NULL,
    display_name  TEXT NOT NULL DEFAULT '',
    first_seen_at INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, login, display_name)
) WITHOUT ROWID;
CREATE INDEX account_names_login ON account_names (login);

CREATE TABLE captures (
    capture_id         INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id         INTEGER NOT NULL REFERENCES channels (channel_id) ON DELETE CASCADE,
    requested_by_id    INTEGER,
    requested_by_login TEXT NOT NULL DEFAULT '',
    started_at         INTEGER NOT NULL,
    finished_at        INTEGER,
    status             TEXT NOT NULL DEFAULT 'running'
        CHECK (status IN ('running', 'complete', 'partial', 'failed', 'interrupted')),
    status_reason      TEXT NOT NULL DEFAULT '',
    chatter_total      INTEGER,
    chatter_count      INTEGER NOT NULL DEFAULT 0,
    looked_up_count    INTEGER NOT NULL DEFAULT 0,
    viewer_count       INTEGER,
    report_token       TEXT NOT NULL UNIQUE,
    pinned             INTEGER NOT NULL DEFAULT 0,
    verdict            TEXT,
    summary            TEXT
);
CREATE INDEX captures_channel ON captures (channel_id, started_at);

CREATE TABLE capture_chatters (
    capture_id INTEGER NOT NULL REFERENCES captures (capture_id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    login      TEXT NOT NULL,
    PRIMARY KEY (capture_id, user_id)
) WITHOUT ROWID;
CREATE INDEX capture_chatters_user ON capture_chatters (user_id);

CREATE TABLE audit_log (
    audit_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    at         INTEGER NOT NULL,
    channel_id INTEGER,
    user_id    INTEGER,
    user_login TEXT NOT NULL DEFAULT '',
    command    TEXT NOT NULL,
    args       TEXT NOT NULL DEFAULT '',
    outcome    TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_channel ON audit_log (channel_id, at);

CREATE TABLE oauth_tokens (
    user_id       INTEGER PRIMARY KEY,
    login         TEXT NOT NULL DEFAULT '',
    access_token  TEXT NOT NULL,
    refresh_token TEXT NOT NULL DEFAULT '',
    scopes        TEXT NOT NULL DEFAULT '',
    expires_at    INTEGER,
    updated_at    INTEGER NOT NULL
);
