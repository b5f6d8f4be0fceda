-- Channel history: chat messages, moderation events, stream sessions and viewer samples.
-- Times here are integer epoch MILLISECONDS (UTC): chat needs sub-second order.

CREATE TABLE chat_messages (
    message_id        TEXT PRIMARY KEY,        -- Twitch's id; a redelivered message is ignored
    channel_id        INTEGER NOT NULL REFERENCES channels (channel_id) ON DELETE CASCADE,
    user_id           INTEGER NOT NULL,
    login             TEXT NOT NULL,           -- as it was when the message was sent
    display_name      TEXT NOT NULL DEFAULT '',
    text              TEXT,                    -- NULL once past BOTCHECK_CHAT_RETENTION_DAYS
    text_length       INTEGER NOT NULL DEFAULT 0,  -- kept after the text goes, for statistics
    badges            TEXT NOT NULL DEFAULT '',    -- "broadcaster/1,subscriber/12"
    bits              INTEGER NOT NULL DEFAULT 0,
    emotes            TEXT NOT NULL DEFAULT '',    -- emote names from the fragments, space-separated
    reply_parent_id   TEXT,
    reply_parent_user_id INTEGER,
    sent_at           INTEGER NOT NULL,
    deleted_at        INTEGER                  -- removed by a moderator (delete or clear)
) WITHOUT ROWID;
CREATE INDEX chat_messages_channel_time ON chat_messages (channel_id, sent_at);
CREATE INDEX chat_messages_channel_user ON chat_messages (channel_id, user_id, sent_at);

CREATE TABLE moderation_events (
    event_id        INTEGER PRIMARY KEY AUTOINCREMENT,
    dedupe_key      TEXT NOT NULL UNIQUE,      -- EventSub message id: redelivery is ignored
    channel_id      INTEGER NOT NULL REFERENCES channels (channel_id) ON DELETE CASCADE,
    action          TEXT NOT NULL,             -- ban, timeout, unban, untimeout, delete, clear, ...
    moderator_id    INTEGER,
    moderator_login TEXT NOT NULL DEFAULT '',
    target_id       INTEGER,
    target_login    TEXT NOT NULL DEFAULT '',
    message_id      TEXT,                      -- the deleted message, for deletes
    reason          TEXT NOT NULL DEFAULT '',
    duration_s      INTEGER,                   -- timeouts
    at              INTEGER NOT NULL
);
CREATE INDEX moderation_events_channel_time ON moderation_events (channel_id, at);
CREATE INDEX moderation_events_target ON moderation_events (channel_id, target_id);

CREATE TABLE stream_sessions (
    session_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id    INTEGER NOT NULL REFERENCES channels (channel_id) ON DELETE CASCADE,
    stream_id     TEXT NOT NULL,               -- Twitch's stream id
    started_at    INTEGER NOT NULL,
    ended_at      INTEGER,                     -- NULL while live
    title         TEXT NOT NULL DEFAULT '',
    category      TEXT NOT NULL DEFAULT '',
    peak_viewers  INTEGER,
    avg_viewers   REAL,
    report_token  TEXT NOT NULL UNIQUE,
    pinned        INTEGER NOT NULL DEFAULT 0,
    UNIQUE (channel_id, stream_id)
);
CREATE INDEX stream_sessions_channel_time ON stream_sessions (channel_id, started_at);

CREATE TABLE viewer_samples (
    session_id INTEGER NOT NULL REFERENCES stream_sessions (session_id) ON DELETE CASCADE,
    at         INTEGER NOT NULL,
    viewers    INTEGER NOT NULL,
    PRIMARY KEY (session_id, at)
) WITHOUT ROWID;
