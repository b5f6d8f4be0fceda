-- SQLite's migration 0005: per-channel choices a broadcaster makes in chat.
-- answer_help: whether `!help` and `!commands` get botcheck's help here (0 or 1).
CREATE TABLE channel_options (
    channel_id   BIGINT PRIMARY KEY REFERENCES channels (channel_id) ON DELETE CASCADE,
    answer_help  INTEGER NOT NULL DEFAULT 0
);
