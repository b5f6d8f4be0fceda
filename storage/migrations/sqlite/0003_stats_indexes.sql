-- Statistics indexes (storage/stats.py).
-- `!stats <login>` finds a chatter by the login they chatted under: without this index that
-- lookup reads every message of the channel.
CREATE INDEX chat_messages_channel_login ON chat_messages (channel_id, login);
-- Top emotes read only messages that have emotes, from the index alone.
CREATE INDEX chat_messages_channel_emotes ON chat_messages (channel_id, sent_at, emotes)
    WHERE emotes != '';
-- Whom a user replies to most, without reading all of a busy chatter's messages.
CREATE INDEX chat_messages_channel_replies
    ON chat_messages (channel_id, user_id, reply_parent_user_id)
    WHERE reply_parent_user_id IS NOT NULL;
