-- Why a capture stopped short, kept as a phrase (reports.i18n.to_data as JSON) beside the
-- English `status_reason`, so the dashboard, the API and chat say it in the channel's language.
-- Rows written before keep '' here and show their English (bot.capture.model.stop_reason).
ALTER TABLE captures ADD COLUMN status_said TEXT NOT NULL DEFAULT '';
