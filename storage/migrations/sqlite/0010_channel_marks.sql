-- Issue 16: per-channel state that several bot processes share (conduit mode), kept the same
-- way on one process: the !botcheck cooldown, the "told about the cooldown" notes, the
-- !botcheck forget confirmation. A row counts until `until_ms`; expired rows are overwritten.
CREATE TABLE channel_marks (
    channel_id INTEGER NOT NULL,
    name       TEXT NOT NULL,      -- cooldown, told:<user id>, forget
    until_ms   INTEGER NOT NULL,   -- epoch milliseconds
    by_user    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (channel_id, name)
);
