-- Statistics rollups (storage/stats_rollups.py): per channel, user and UTC hour, per channel and
-- user over all time, and emote uses per channel and UTC hour. A trigger keeps them as messages
-- arrive (only rows really inserted: INSERT OR IGNORE skips the trigger for a duplicate); a
-- channel's rollups go with the channel (forget). Deletes and retention keep every count, as the
-- statistics always did. Hours are UTC hours since the epoch (sent_at / 3600000): any whole-hour
-- timezone is a re-grouping of them; half-hour zones need the raw rows.
CREATE TABLE chat_user_hours (
    channel_id INTEGER NOT NULL REFERENCES channels (channel_id) ON DELETE CASCADE,
    hour       INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    messages   INTEGER NOT NULL,
    chars      INTEGER NOT NULL,
    PRIMARY KEY (channel_id, hour, user_id)
) WITHOUT ROWID;
CREATE INDEX chat_user_hours_user ON chat_user_hours (channel_id, user_id, hour);

CREATE TABLE chat_users (
    channel_id INTEGER NOT NULL REFERENCES channels (channel_id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    messages   INTEGER NOT NULL,
    chars      INTEGER NOT NULL,
    first_at   INTEGER NOT NULL,
    last_at    INTEGER NOT NULL,
    PRIMARY KEY (channel_id, user_id)
) WITHOUT ROWID;

CREATE TABLE chat_emote_hours (
    channel_id INTEGER NOT NULL REFERENCES channels (channel_id) ON DELETE CASCADE,
    hour       INTEGER NOT NULL,
    emote      TEXT NOT NULL,
    uses       INTEGER NOT NULL,
    PRIMARY KEY (channel_id, hour, emote)
) WITHOUT ROWID;

INSERT INTO chat_user_hours (channel_id, hour, user_id, messages, chars)
SELECT channel_id, sent_at / 3600000, user_id, count(*), sum(text_length)
FROM chat_messages GROUP BY 1, 2, 3;

INSERT INTO chat_users (channel_id, user_id, messages, chars, first_at, last_at)
SELECT channel_id, user_id, count(*), sum(text_length), min(sent_at), max(sent_at)
FROM chat_messages GROUP BY 1, 2;

-- Emote names are space-separated; the list becomes a JSON array (quotes and backslashes
-- escaped). A list that still is not JSON (a control character in a name) is left out.
INSERT INTO chat_emote_hours (channel_id, hour, emote, uses)
SELECT m.channel_id, m.sent_at / 3600000, e.value, count(*)
FROM chat_messages AS m, json_each(CASE WHEN json_valid(
        '["' || replace(replace(replace(m.emotes, '\', '\\'), '"', '\"'), ' ', '","') || '"]')
    THEN '["' || replace(replace(replace(m.emotes, '\', '\\'), '"', '\"'), ' ', '","') || '"]'
    ELSE '[]' END) AS e
WHERE m.emotes != '' AND e.value != ''
GROUP BY 1, 2, 3;

CREATE TRIGGER chat_messages_rollups AFTER INSERT ON chat_messages BEGIN
    INSERT INTO chat_user_hours (channel_id, hour, user_id, messages, chars)
    VALUES (NEW.channel_id, NEW.sent_at / 3600000, NEW.user_id, 1, NEW.text_length)
    ON CONFLICT (channel_id, hour, user_id) DO UPDATE SET
        messages = messages + 1, chars = chars + excluded.chars;
    INSERT INTO chat_users (channel_id, user_id, messages, chars, first_at, last_at)
    VALUES (NEW.channel_id, NEW.user_id, 1, NEW.text_length, NEW.sent_at, NEW.sent_at)
    ON CONFLICT (channel_id, user_id) DO UPDATE SET
        messages = messages + 1, chars = chars + excluded.chars,
        first_at = min(first_at, excluded.first_at), last_at = max(last_at, excluded.last_at);
    INSERT INTO chat_emote_hours (channel_id, hour, emote, uses)
    SELECT NEW.channel_id, NEW.sent_at / 3600000, value, count(*)
    FROM json_each(CASE WHEN NEW.emotes != '' AND json_valid(
            '["' || replace(replace(replace(NEW.emotes, '\', '\\'), '"', '\"'), ' ', '","') || '"]')
        THEN '["' || replace(replace(replace(NEW.emotes, '\', '\\'), '"', '\"'), ' ', '","') || '"]'
        ELSE '[]' END)
    WHERE value != ''
    GROUP BY value
    ON CONFLICT (channel_id, hour, emote) DO UPDATE SET uses = uses + excluded.uses;
END;
