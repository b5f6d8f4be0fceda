-- The three foreign keys on the bulk paths are checked once per statement instead of once per
-- row (issue 15, docs/benchmarks.md). PostgreSQL checks a foreign key with one query per
-- inserted row: measured, that was a quarter of the server's time on a 5,000-message chat batch
-- and 40 % of a 100,000-chatter capture. Each check below locks the distinct parents the
-- statement references FOR KEY SHARE, as the constraint would (a concurrent delete of a parent
-- waits for this transaction), then raises the constraint's error (SQLSTATE 23503) if one is
-- missing. ON DELETE CASCADE becomes a statement trigger on the parent; key columns of either
-- side are never changed by botcheck, and changing one is refused.
ALTER TABLE chat_messages DROP CONSTRAINT chat_messages_channel_id_fkey;
ALTER TABLE capture_chatters DROP CONSTRAINT capture_chatters_capture_id_fkey;
ALTER TABLE account_names DROP CONSTRAINT account_names_user_id_fkey;

-- On the child, after INSERT: args (child table, child column, parent table, parent column).
CREATE FUNCTION bulk_fk_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing BIGINT;
BEGIN
    EXECUTE format(
        'SELECT count(*) FROM (SELECT 1 FROM %3$I AS p WHERE p.%4$I IN '
        '(SELECT DISTINCT %2$I FROM new_rows) ORDER BY p.%4$I FOR KEY SHARE) AS locked',
        TG_ARGV[0], TG_ARGV[1], TG_ARGV[2], TG_ARGV[3]);
    EXECUTE format(
        'SELECT n.%2$I FROM new_rows AS n WHERE NOT EXISTS '
        '(SELECT 1 FROM %3$I AS p WHERE p.%4$I = n.%2$I) LIMIT 1',
        TG_ARGV[0], TG_ARGV[1], TG_ARGV[2], TG_ARGV[3]) INTO missing;
    IF missing IS NOT NULL THEN
        RAISE foreign_key_violation USING MESSAGE = format(
            'insert or update on table "%s" violates foreign key constraint "%s_%s_fkey"',
            TG_ARGV[0], TG_ARGV[0], TG_ARGV[1]),
            DETAIL = format('Key (%s)=(%s) is not present in table "%s".',
            TG_ARGV[1], missing, TG_ARGV[2]);
    END IF;
    RETURN NULL;
END
$$;

-- On the parent, after DELETE: args (child table, child column, parent column).
CREATE FUNCTION bulk_fk_cascade() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('DELETE FROM %1$I WHERE %2$I IN (SELECT %3$I FROM old_rows)',
        TG_ARGV[0], TG_ARGV[1], TG_ARGV[2]);
    RETURN NULL;
END
$$;

-- Before an UPDATE that changes a key column on either side: args (table, column).
CREATE FUNCTION bulk_fk_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE foreign_key_violation USING MESSAGE = format(
        'column %s of table "%s" is a foreign key checked per statement and cannot be changed',
        TG_ARGV[1], TG_ARGV[0]);
END
$$;

CREATE TRIGGER chat_messages_channel_check AFTER INSERT ON chat_messages
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION bulk_fk_check('chat_messages', 'channel_id', 'channels', 'channel_id');
CREATE TRIGGER chat_messages_cascade AFTER DELETE ON channels
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION bulk_fk_cascade('chat_messages', 'channel_id', 'channel_id');
CREATE TRIGGER chat_messages_channel_fixed BEFORE UPDATE OF channel_id ON chat_messages
    FOR EACH ROW WHEN (OLD.channel_id IS DISTINCT FROM NEW.channel_id)
    EXECUTE FUNCTION bulk_fk_fixed('chat_messages', 'channel_id');
CREATE TRIGGER channels_id_fixed BEFORE UPDATE OF channel_id ON channels
    FOR EACH ROW WHEN (OLD.channel_id IS DISTINCT FROM NEW.channel_id)
    EXECUTE FUNCTION bulk_fk_fixed('channels', 'channel_id');

CREATE TRIGGER capture_chatters_capture_check AFTER INSERT ON capture_chatters
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION bulk_fk_check('capture_chatters', 'capture_id', 'captures', 'capture_id');
CREATE TRIGGER capture_chatters_cascade AFTER DELETE ON captures
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION bulk_fk_cascade('capture_chatters', 'capture_id', 'capture_id');
CREATE TRIGGER capture_chatters_capture_fixed BEFORE UPDATE OF capture_id ON capture_chatters
    FOR EACH ROW WHEN (OLD.capture_id IS DISTINCT FROM NEW.capture_id)
    EXECUTE FUNCTION bulk_fk_fixed('capture_chatters', 'capture_id');
CREATE TRIGGER captures_id_fixed BEFORE UPDATE OF capture_id ON captures
    FOR EACH ROW WHEN (OLD.capture_id IS DISTINCT FROM NEW.capture_id)
    EXECUTE FUNCTION bulk_fk_fixed('captures', 'capture_id');

CREATE TRIGGER account_names_account_check AFTER INSERT ON account_names
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION bulk_fk_check('account_names', 'user_id', 'accounts', 'user_id');
CREATE TRIGGER account_names_cascade AFTER DELETE ON accounts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION bulk_fk_cascade('account_names', 'user_id', 'user_id');
CREATE TRIGGER account_names_account_fixed BEFORE UPDATE OF user_id ON account_names
    FOR EACH ROW WHEN (OLD.user_id IS DISTINCT FROM NEW.user_id)
    EXECUTE FUNCTION bulk_fk_fixed('account_names', 'user_id');
CREATE TRIGGER accounts_id_fixed BEFORE UPDATE OF user_id ON accounts
    FOR EACH ROW WHEN (OLD.user_id IS DISTINCT FROM NEW.user_id)
    EXECUTE FUNCTION bulk_fk_fixed('accounts', 'user_id');

-- Rows that are updated in place again and again (the rollup counters, last_seen_at of every
-- account seen by a capture) leave room on their page, so PostgreSQL can update them without
-- touching their indexes (HOT). Measured: 9 % of the server's time on chat ingest, 15 % on
-- re-seeing 100,000 known accounts. Applies to pages written from now on.
ALTER TABLE accounts SET (fillfactor = 70);
ALTER TABLE account_names SET (fillfactor = 70);
ALTER TABLE chat_user_hours SET (fillfactor = 70);
ALTER TABLE chat_users SET (fillfactor = 70);
ALTER TABLE chat_emote_hours SET (fillfactor = 70);
