-- SQLite's migration 0009 (issue 19): `!botcheck watch on|off`, automatic checks while live.
ALTER TABLE channel_options ADD COLUMN watch INTEGER NOT NULL DEFAULT 0;
