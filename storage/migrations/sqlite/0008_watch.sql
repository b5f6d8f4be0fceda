-- Issue 19: `!botcheck watch on|off`: automatic checks while the channel is live (0 or 1).
ALTER TABLE channel_options ADD COLUMN watch INTEGER NOT NULL DEFAULT 0;
