-- Kopitra schema v1. Migrations are append-only: never edit a released file, add the next one.

CREATE TABLE settings (
  key        text PRIMARY KEY,
  value      jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE operators (
  id            text PRIMARY KEY,
  email         text NOT NULL,
  password_hash text NOT NULL,
  role          text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
  disabled      boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX operators_email ON operators (lower(email));

CREATE TABLE accounts (
  id            text PRIMARY KEY,
  name          text NOT NULL,
  role          text NOT NULL CHECK (role IN ('master', 'follower')),
  platform      text NOT NULL CHECK (platform IN ('mt4', 'mt5')),
  broker_name   text NOT NULL,
  broker_server text NOT NULL,
  login         text NOT NULL,
  status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  symbol_prefix text NOT NULL DEFAULT '',
  symbol_suffix text NOT NULL DEFAULT '',
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

-- The latest state each EA reported: sizing inputs, connectivity and reconciliation source.
CREATE TABLE account_state (
  account_id        text PRIMARY KEY REFERENCES accounts (id),
  balance           double precision,
  equity            double precision,
  currency          text,
  leverage          double precision,
  day_start_equity  double precision,
  day               date,
  symbols           jsonb,
  positions         jsonb,
  orders            jsonb,
  snapshot_at       timestamptz,
  last_heartbeat_at timestamptz,
  terminal          jsonb,
  last_sequence     bigint NOT NULL DEFAULT 0,
  resync_pending    boolean NOT NULL DEFAULT false
);

-- EA credentials: the secret is needed to verify HMACs, so it is kept sealed (AES-256-GCM),
-- never in clear, and never returned after creation.
CREATE TABLE ea_credentials (
  key_id      text PRIMARY KEY,
  account_id  text NOT NULL REFERENCES accounts (id),
  secret_sealed text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz,
  expires_at  timestamptz
);
CREATE INDEX ea_credentials_account ON ea_credentials (account_id);

CREATE TABLE subscriptions (
  id                  text PRIMARY KEY,
  master_account_id   text NOT NULL REFERENCES accounts (id),
  follower_account_id text NOT NULL REFERENCES accounts (id),
  settings            jsonb NOT NULL,
  status              text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused')),
  paused_reason       text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  deleted_at          timestamptz
);
CREATE UNIQUE INDEX subscriptions_pair ON subscriptions (master_account_id, follower_account_id) WHERE deleted_at IS NULL;
CREATE INDEX subscriptions_master ON subscriptions (master_account_id) WHERE deleted_at IS NULL;
CREATE INDEX subscriptions_follower ON subscriptions (follower_account_id) WHERE deleted_at IS NULL;

-- Idempotency records: one per (account, Idempotency-Key), kept at least 24 h.
CREATE TABLE idempotency_records (
  account_id   text NOT NULL,
  key          text NOT NULL,
  request_hash text NOT NULL,
  status       integer NOT NULL,
  response     jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, key)
);
CREATE INDEX idempotency_records_created ON idempotency_records (created_at);

CREATE TABLE signals (
  id          text PRIMARY KEY,
  account_id  text NOT NULL REFERENCES accounts (id),
  sequence    bigint NOT NULL,
  type        text NOT NULL,
  occurred_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL,
  body        jsonb NOT NULL,
  run_id      text NOT NULL,
  gap         boolean NOT NULL DEFAULT false,
  UNIQUE (account_id, sequence)
);

-- One audit run per unit of work (a master signal and everything it caused, or a task run).
CREATE TABLE audit_runs (
  id          text PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('signal', 'task', 'reconcile', 'stop_out')),
  status      text NOT NULL CHECK (status IN ('running', 'succeeded', 'partially_succeeded', 'failed')),
  account_id  text,
  started_at  timestamptz NOT NULL,
  finished_at timestamptz,
  trigger     jsonb NOT NULL,
  steps       jsonb NOT NULL DEFAULT '[]',
  decisions   jsonb NOT NULL DEFAULT '[]',
  result      jsonb,
  latency     jsonb NOT NULL DEFAULT '{}',
  summary     text NOT NULL DEFAULT ''
);
CREATE INDEX audit_runs_started ON audit_runs (started_at DESC);
CREATE INDEX audit_runs_account ON audit_runs (account_id, started_at DESC);

-- Follower orders. The id derives from (signal, subscription, leg) so a replay dedupes by construction.
CREATE TABLE orders (
  id                  text PRIMARY KEY,
  seq                 bigserial NOT NULL,
  run_id              text NOT NULL,
  signal_id           text,
  subscription_id     text NOT NULL,
  follower_account_id text NOT NULL,
  action              text NOT NULL CHECK (action IN ('open', 'close', 'modify', 'place', 'amend', 'cancel')),
  master_position_id  text,
  master_order_id     text,
  leg_id              text, -- the copy leg (its open order id) a close/modify acts on
  tag                 text NOT NULL,
  payload             jsonb NOT NULL,
  status              text NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'delivered', 'partially_filled', 'filled', 'rejected', 'expired', 'cancelled')),
  created_at          timestamptz NOT NULL,
  expires_at          timestamptz NOT NULL,
  first_delivered_at  timestamptz,
  finished_at         timestamptz
);
CREATE INDEX orders_open_by_follower ON orders (follower_account_id, seq)
  WHERE status IN ('pending', 'delivered', 'partially_filled');
CREATE INDEX orders_run ON orders (run_id);

CREATE TABLE executions (
  id          bigserial PRIMARY KEY,
  order_id    text NOT NULL REFERENCES orders (id),
  status      text NOT NULL CHECK (status IN ('filled', 'partially_filled', 'rejected', 'expired', 'cancelled')),
  terminal    boolean NOT NULL,
  body        jsonb NOT NULL,
  received_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX executions_one_terminal ON executions (order_id) WHERE terminal;
CREATE INDEX executions_order ON executions (order_id);

-- The follower's copy of a master position, one row per leg (an open order); volume is what we
-- believe is open now: planned at signal time, corrected by execution reports.
CREATE TABLE copy_legs (
  open_order_id        text PRIMARY KEY,
  subscription_id      text NOT NULL,
  master_position_id   text NOT NULL,
  follower_symbol      text NOT NULL,
  side                 text NOT NULL CHECK (side IN ('buy', 'sell')),
  volume               numeric(24, 8) NOT NULL,
  follower_position_id text,
  opened_at            timestamptz NOT NULL
);
CREATE INDEX copy_legs_open ON copy_legs (subscription_id, master_position_id) WHERE volume > 0;

CREATE TABLE pending_copies (
  subscription_id  text NOT NULL,
  master_order_id  text NOT NULL,
  place_order_id   text NOT NULL,
  follower_symbol  text NOT NULL,
  kind             text NOT NULL,
  volume           numeric(24, 8) NOT NULL,
  price            double precision NOT NULL,
  active           boolean NOT NULL DEFAULT true,
  PRIMARY KEY (subscription_id, master_order_id)
);

-- Append-only, hash-chained audit log of every admin change and run step.
CREATE TABLE audit_log (
  id        bigserial PRIMARY KEY,
  at        timestamptz NOT NULL DEFAULT now(),
  actor     text NOT NULL,
  action    text NOT NULL,
  target    text,
  before    jsonb,
  after     jsonb,
  prev_hash text NOT NULL,
  hash      text NOT NULL
);
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
