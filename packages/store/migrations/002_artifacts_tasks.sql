-- Artifacts in Blob Storage, task runs' progress, their recorded effects and one-time secrets.

-- Files kept in Blob Storage (EA logs, audit bundles, reports); the bytes live in the blob, this row says what it is.
CREATE TABLE artifacts (
  id           text PRIMARY KEY,
  kind         text NOT NULL CHECK (kind IN ('ea_log', 'audit_bundle', 'report')),
  name         text NOT NULL,
  size         bigint NOT NULL,
  content_type text NOT NULL,
  blob_name    text NOT NULL UNIQUE,
  account_id   text,
  run_id       text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  sha256       text NOT NULL
);
CREATE INDEX artifacts_kind_created ON artifacts (kind, id DESC);
CREATE INDEX artifacts_account_created ON artifacts (account_id, id DESC);

-- A task run's progress while it runs: {"done", "total", "message"}.
ALTER TABLE audit_runs ADD COLUMN IF NOT EXISTS progress jsonb;

-- The effects a task run committed, one row per effect, written in the effect's own transaction:
-- a redelivered queue message finds its effect here and does not repeat it.
CREATE TABLE task_effects (
  run_id     text NOT NULL,
  effect     text NOT NULL,
  result     jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, effect)
);

-- A secret a task made (a rotated EA credential), sealed, readable once by an admin, then wiped.
CREATE TABLE task_secrets (
  run_id        text PRIMARY KEY,
  key_id        text NOT NULL,
  secret_sealed text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  read_at       timestamptz
);
