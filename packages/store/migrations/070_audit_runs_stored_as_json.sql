-- An audit run's JSON is kept as written (`json`), no longer as `jsonb`. Nothing on the copy path
-- looks inside a run: it is written once per signal and read back whole by the admin API, so
-- building jsonb's binary form on every insert was work no reader needed. Measured with the bench's
-- signal run (one follower): 1,532 instead of 1,921 bytes a row, and PostgreSQL's CPU per run
-- inserted in batches of 64 52–55 instead of 60–62 µs, one at a time 117–155 instead of
-- 155–176 µs (docs/performance.md, session 18). The few readers that do look inside (the metrics
-- overview's skip reasons and latencies, the task runner's appended steps) use json's operators
-- or cast. Existing rows are rewritten once (the table is locked meanwhile).
--
-- A column a view reads cannot change type, so the `signals` view is dropped and made again from
-- its own definition (json has the same `->` and `->>`).
DO $$
DECLARE
  signals_view text := pg_get_viewdef('signals'::regclass);
BEGIN
  DROP VIEW signals;
  ALTER TABLE audit_runs
    ALTER COLUMN steps DROP DEFAULT,
    ALTER COLUMN decisions DROP DEFAULT,
    ALTER COLUMN latency DROP DEFAULT,
    ALTER COLUMN trigger TYPE json,
    ALTER COLUMN steps TYPE json,
    ALTER COLUMN decisions TYPE json,
    ALTER COLUMN result TYPE json,
    ALTER COLUMN latency TYPE json,
    ALTER COLUMN progress TYPE json,
    ALTER COLUMN steps SET DEFAULT '[]',
    ALTER COLUMN decisions SET DEFAULT '[]',
    ALTER COLUMN latency SET DEFAULT '{}';
  EXECUTE 'CREATE VIEW signals AS ' || signals_view;
END
$$;
