-- Reserved for another branch's migration (0005 dashboard, 0006 conduits): a no-op here so
-- the numbering has no gap; the lead replaces it with the real file when merging.
SELECT 1;
