-- Reserved for another branch's migration (0006 dashboard, 0007 conduits, 0008 defence): a
-- no-op here so the numbering has no gap; the lead replaces it with the real file when merging.
SELECT 1;
