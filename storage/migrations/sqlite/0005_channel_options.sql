-- Per-channel choices a broadcaster makes in chat.
-- answer_help: whether `!help` and `!commands` get botcheck's help here (other bots usually
-- own those words, so it is off until the broadcaster types `!botcheck help on`).
CREATE TABLE channel_options (
    channel_id   INTEGER PRIMARY KEY REFERENCES channels (channel_id) ON DELETE CASCADE,
    answer_help  INTEGER NOT NULL DEFAULT 0
);
