-- Chat defence (issue 20): per-channel settings, and every moderation action the bot takes
-- (guard timeouts, shield mode, ban runs), so it can be audited, resumed and undone.

CREATE TABLE defence_channels (
    channel_id   INTEGER PRIMARY KEY REFERENCES channels (channel_id) ON DELETE CASCADE,
    guard        INTEGER NOT NULL DEFAULT 0,        -- 0 off, 1 time out raiders, 2 shield mode
    sensitivity  TEXT NOT NULL DEFAULT 'normal',     -- low, normal, high
    notice_days  INTEGER,                            -- first-message notice: under N days; NULL off
    updated_at   INTEGER NOT NULL
);

-- A `!botcheck ban` run: confirmed, then worked through one action at a time.
CREATE TABLE ban_runs (
    run_id       INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id   INTEGER NOT NULL REFERENCES channels (channel_id) ON DELETE CASCADE,
    capture_id   INTEGER,
    requested_by TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    state        TEXT NOT NULL                       -- running, done, stopped, undone
);
CREATE INDEX ban_runs_channel ON ban_runs (channel_id, run_id);

-- One moderation action: pending until Twitch answers, then done or failed; undone later.
CREATE TABLE defence_actions (
    action_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id   INTEGER NOT NULL REFERENCES channels (channel_id) ON DELETE CASCADE,
    run_id       INTEGER REFERENCES ban_runs (run_id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,                      -- ban, timeout, shield
    user_id      INTEGER,                            -- NULL for shield mode
    login        TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    done_at      INTEGER,
    state        TEXT NOT NULL,                      -- pending, done, failed, undone
    detail       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX defence_actions_channel ON defence_actions (channel_id, created_at);
CREATE INDEX defence_actions_run ON defence_actions (run_id, state);
