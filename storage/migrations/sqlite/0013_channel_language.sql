-- The channel's language (issue 18): chat replies and pages are translated into it.
-- A code botcheck has a catalog for (reports/i18n.py LANGUAGES); English until set.
ALTER TABLE channel_options ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
