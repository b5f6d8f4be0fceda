-- Stream events (issue 18): subscriptions (new, resub, gift), raids in and out, follows.
-- One row per EventSub notification (dedupe_key: its message id), tied to the stream session
-- it fell in (NULL while the channel was offline). Times are epoch milliseconds like the rest
-- of the channel history; a channel's events go with the channel (forget).
-- kind: sub, resub, gift, raid_in, raid_out, follow. user_*: the subscriber, gifter (NULL:
-- anonymous), follower, or the other channel of a raid. amount: a gift's count, a raid's
-- viewers. months: a resub's cumulative months.
CREATE TABLE stream_events (
    event_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    dedupe_key  TEXT NOT NULL UNIQUE,
    channel_id  INTEGER NOT NULL REFERENCES channels (channel_id) ON DELETE CASCADE,
    session_id  INTEGER REFERENCES stream_sessions (session_id) ON DELETE SET NULL,
    kind        TEXT NOT NULL,
    user_id     INTEGER,
    user_login  TEXT NOT NULL DEFAULT '',
    tier        TEXT NOT NULL DEFAULT '',
    amount      INTEGER,
    months      INTEGER,
    message     TEXT NOT NULL DEFAULT '',
    at          INTEGER NOT NULL
);
CREATE INDEX stream_events_channel_time ON stream_events (channel_id, at);
CREATE INDEX stream_events_session ON stream_events (session_id, at);

-- Per-channel switch: whether the bot subscribes to the channel's stream events (1 by default).
ALTER TABLE channel_options ADD COLUMN stream_events INTEGER NOT NULL DEFAULT 1;
