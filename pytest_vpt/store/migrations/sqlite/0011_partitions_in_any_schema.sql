-- PostgreSQL's partition function learned to find a schema of any name; SQLite has no
-- partitions. Kept so that both engines number their versions alike.
SELECT 1;
