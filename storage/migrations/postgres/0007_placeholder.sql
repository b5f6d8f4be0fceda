-- placeholder (branch i18n only: the lead drops it; asyncpg refuses a file of comments alone)
SELECT 1;
