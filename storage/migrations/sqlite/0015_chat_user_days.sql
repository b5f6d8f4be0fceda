-- Per-day rollup (storage/stats_rollups.py): messages and characters per channel, user and UTC
-- day since the epoch (sent_at / 86400000). A window's whole UTC days read it, its whole hours
-- at either side read chat_user_hours and its ragged ends the raw rows, so every answer stays
-- exact; a 30-day window reads a row per chatter and day instead of per chatter and hour.
-- It joins the existing trigger (one trigger, one more upsert per message: measured in
-- docs/benchmarks.md), and is backfilled from chat_user_hours (a UTC day is 24 whole hours).
CREATE TABLE chat_user_days (
    channel_id INTEGER NOT NULL REFERENCES channels (channel_id) ON DELETE CASCADE,
    day        INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    messages   INTEGER NOT NULL,
    chars      INTEGER NOT NULL,
    PRIMARY KEY (channel_id, day, user_id)
) WITHOUT ROWID;

INSERT INTO chat_user_days (channel_id, day, user_id, messages, chars)
SELECT channel_id, hour / 24, user_id, sum(messages), sum(chars)
FROM chat_user_hours GROUP BY 1, 2, 3;

DROP TRIGGER chat_messages_rollups;
CREATE TRIGGER chat_messages_rollups AFTER INSERT ON chat_messages BEGIN
    INSERT INTO chat_user_hours (channel_id, hour, user_id, messages, chars)
    VALUES (NEW.channel_id, NEW.sent_at / 3600000, NEW.user_id, 1, NEW.text_length)
    ON CONFLICT (channel_id, hour, user_id) DO UPDATE SET
        messages = messages + 1, chars = chars + excluded.chars;
    INSERT INTO chat_user_days (channel_id, day, user_id, messages, chars)
    VALUES (NEW.channel_id, NEW.sent_at / 86400000, NEW.user_id, 1, NEW.text_length)
    ON CONFLICT (channel_id, day, user_id) DO UPDATE SET
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
