-- Autocomplete (storage/search.py) scans logins by prefix as a range. The database's collation
-- may order '_' or case apart from bytes, so the range is taken in the "C" collation on these
-- indexes. (SQLite compares text byte by byte: its existing indexes serve the same ranges.)
CREATE INDEX chat_messages_channel_login_c ON chat_messages (channel_id, (login COLLATE "C"));
CREATE INDEX account_names_login_c ON account_names ((login COLLATE "C"));
