-- Reserved: keeps PostgreSQL's numbering in step with SQLite's (0002-0004 are in 0001 here;
-- 0005 dashboard, 0006 conduits come from other branches). A no-op; the lead replaces it.
SELECT 1;
