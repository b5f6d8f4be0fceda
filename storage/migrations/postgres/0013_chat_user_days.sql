-- Per-day rollup (storage/stats_rollups.py): messages and characters per channel, user and UTC
-- day since the epoch (sent_at / 86400000). A window's whole UTC days read it, its whole hours
-- at either side read chat_user_hours and its ragged ends the raw rows, so every answer stays
-- exact. The statement trigger's function gains one grouped upsert; the table is backfilled
-- from chat_user_hours (a UTC day is 24 whole hours).
CREATE TABLE chat_user_days (
    channel_id BIGINT NOT NULL REFERENCES channels (channel_id) ON DELETE CASCADE,
    day        BIGINT NOT NULL,
    user_id    BIGINT NOT NULL,
    messages   BIGINT NOT NULL,
    chars      BIGINT NOT NULL,
    PRIMARY KEY (channel_id, day, user_id)
);

INSERT INTO chat_user_days (channel_id, day, user_id, messages, chars)
SELECT channel_id, hour / 24, user_id, sum(messages), sum(chars)
FROM chat_user_hours GROUP BY 1, 2, 3;

CREATE OR REPLACE FUNCTION chat_messages_rollups() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Sorted, so two writers lock shared rows in the same order.
    INSERT INTO chat_user_hours AS r (channel_id, hour, user_id, messages, chars)
    SELECT channel_id, sent_at / 3600000, user_id, count(*), sum(text_length)
    FROM new_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (channel_id, hour, user_id) DO UPDATE SET
        messages = r.messages + excluded.messages, chars = r.chars + excluded.chars;
    INSERT INTO chat_user_days AS r (channel_id, day, user_id, messages, chars)
    SELECT channel_id, sent_at / 86400000, user_id, count(*), sum(text_length)
    FROM new_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (channel_id, day, user_id) DO UPDATE SET
        messages = r.messages + excluded.messages, chars = r.chars + excluded.chars;
    INSERT INTO chat_users AS r (channel_id, user_id, messages, chars, first_at, last_at)
    SELECT channel_id, user_id, count(*), sum(text_length), min(sent_at), max(sent_at)
    FROM new_rows GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (channel_id, user_id) DO UPDATE SET
        messages = r.messages + excluded.messages, chars = r.chars + excluded.chars,
        first_at = LEAST(r.first_at, excluded.first_at),
        last_at = GREATEST(r.last_at, excluded.last_at);
    INSERT INTO chat_emote_hours AS r (channel_id, hour, emote, uses)
    SELECT m.channel_id, m.sent_at / 3600000, e, count(*)
    FROM new_rows AS m, regexp_split_to_table(m.emotes, ' ') AS e
    WHERE m.emotes != '' AND e != ''
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (channel_id, hour, emote) DO UPDATE SET uses = r.uses + excluded.uses;
    RETURN NULL;
END
$$;

-- Counters updated in place (as 0012 does for the other rollups): room on the page for HOT updates.
ALTER TABLE chat_user_days SET (fillfactor = 70);
