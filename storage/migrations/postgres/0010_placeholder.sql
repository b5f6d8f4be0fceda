-- placeholder (analytics branch only: the lead drops it)
SELECT 1;
