-- placeholder (asyncpg refuses an empty script)
SELECT 1;
