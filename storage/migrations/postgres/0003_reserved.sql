-- Reserved for another branch's migration (0003 dashboard, 0004 conduits, 0005 defence): a
-- no-op here so the numbering has no gap; the lead replaces it with the real file when merging.
SELECT 1;
