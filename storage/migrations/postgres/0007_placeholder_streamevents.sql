-- placeholder (lead drops it at merge)
SELECT 1;
