-- Statistics rollups (storage/stats_rollups.py): per channel, user and UTC hour, per channel and
-- user over all time, and emote uses per channel and UTC hour. A statement trigger folds each
-- INSERT's (or COPY's) really inserted rows into them (ON CONFLICT DO NOTHING leaves duplicates
-- out of the transition table); a channel's rollups go with the channel (forget). Deletes and
-- retention keep every count, as the statistics always did. Hours are UTC hours since the epoch
-- (sent_at / 3600000): any whole-hour timezone is a re-grouping; half-hour zones need raw rows.
CREATE TABLE chat_user_hours (
    channel_id BIGINT NOT NULL REFERENCES channels (channel_id) ON DELETE CASCADE,
    hour       BIGINT NOT NULL,
    user_id    BIGINT NOT NULL,
    messages   BIGINT NOT NULL,
    chars      BIGINT NOT NULL,
    PRIMARY KEY (channel_id, hour, user_id)
);
CREATE INDEX chat_user_hours_user ON chat_user_hours (channel_id, user_id, hour);

CREATE TABLE chat_users (
    channel_id BIGINT NOT NULL REFERENCES channels (channel_id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL,
    messages   BIGINT NOT NULL,
    chars      BIGINT NOT NULL,
    first_at   BIGINT NOT NULL,
    last_at    BIGINT NOT NULL,
    PRIMARY KEY (channel_id, user_id)
);

CREATE TABLE chat_emote_hours (
    channel_id BIGINT NOT NULL REFERENCES channels (channel_id) ON DELETE CASCADE,
    hour       BIGINT NOT NULL,
    emote      TEXT NOT NULL,
    uses       BIGINT NOT NULL,
    PRIMARY KEY (channel_id, hour, emote)
);

INSERT INTO chat_user_hours (channel_id, hour, user_id, messages, chars)
SELECT channel_id, sent_at / 3600000, user_id, count(*), sum(text_length)
FROM chat_messages GROUP BY 1, 2, 3;

INSERT INTO chat_users (channel_id, user_id, messages, chars, first_at, last_at)
SELECT channel_id, user_id, count(*), sum(text_length), min(sent_at), max(sent_at)
FROM chat_messages GROUP BY 1, 2;

INSERT INTO chat_emote_hours (channel_id, hour, emote, uses)
SELECT m.channel_id, m.sent_at / 3600000, e, count(*)
FROM chat_messages AS m, regexp_split_to_table(m.emotes, ' ') AS e
WHERE m.emotes != '' AND e != ''
GROUP BY 1, 2, 3;

CREATE FUNCTION chat_messages_rollups() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Sorted, so two writers lock shared rows in the same order.
    INSERT INTO chat_user_hours AS r (channel_id, hour, user_id, messages, chars)
    SELECT channel_id, sent_at / 3600000, user_id, count(*), sum(text_length)
    FROM new_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (channel_id, hour, user_id) DO UPDATE SET
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

CREATE TRIGGER chat_messages_rollups AFTER INSERT ON chat_messages
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION chat_messages_rollups();
