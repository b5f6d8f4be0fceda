-- placeholder (asyncpg refuses a statement that is only a comment)
SELECT 1;
