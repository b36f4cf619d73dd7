-- The copy journal: a large fan-out commits its follower rows as ONE row here, and they are
-- projected into their tables (audit_runs, orders, copy_legs, pending_copies) right after, in a
-- transaction of their own. A thousand orders with their legs and decisions cost PostgreSQL
-- ≈ 30 ms as rows and ≈ 3 ms as one uncompressed text (docs/performance.md, session 11); the
-- signal is answered and its orders handed to the waiting followers once the journal row commits.
--
-- A row is pending until projected; projecting it deletes it in the same transaction, so each is
-- projected exactly once, by whichever process gets its row lock first (the writer right after its
-- commit, the master's next signal, an execution report for one of its orders, any gateway's
-- sweep after a crash). Each part column holds the JSON its copy-path statement part reads, as
-- text: nothing parses it on the hot path.
CREATE TABLE IF NOT EXISTS copy_journal (
  id                 text COLLATE "C" PRIMARY KEY,
  master_account_ids text[] COLLATE "C" NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now(),
  run                text,
  ord                text,
  leg                text,
  leg_change         text,
  pen                text,
  pen_change         text,
  notify             text
);

-- Stored as written: compressing a fan-out's megabyte of JSON cost more than writing it
-- (measured 4.6 vs 2.6 ms per 1,000 orders).
ALTER TABLE copy_journal
  ALTER COLUMN run SET STORAGE EXTERNAL,
  ALTER COLUMN ord SET STORAGE EXTERNAL,
  ALTER COLUMN leg SET STORAGE EXTERNAL,
  ALTER COLUMN leg_change SET STORAGE EXTERNAL,
  ALTER COLUMN pen SET STORAGE EXTERNAL,
  ALTER COLUMN pen_change SET STORAGE EXTERNAL,
  ALTER COLUMN notify SET STORAGE EXTERNAL;
