-- SQLite's migration 0013 (issue 16): per-channel state shared by the bot processes: the
-- !botcheck cooldown, the "told about the cooldown" notes, the !botcheck forget confirmation.
CREATE TABLE channel_marks (
    channel_id BIGINT NOT NULL,
    name       TEXT NOT NULL,
    until_ms   BIGINT NOT NULL,
    by_user    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (channel_id, name)
);
