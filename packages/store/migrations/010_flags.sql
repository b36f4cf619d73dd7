-- Feature flags: broker integrations and risky features, switched by admins at run time.
-- Changes are audited (audit_log) and announced on kopitra_cache as `flags:*`, so every
-- gateway and API process re-reads them without a restart.
CREATE TABLE feature_flags (
  name        text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_.-]{0,63}$'),
  enabled     boolean NOT NULL,
  description text NOT NULL DEFAULT '',
  updated_at  timestamptz NOT NULL DEFAULT now(),
  updated_by  text
);

INSERT INTO feature_flags (name, enabled, description) VALUES
  ('copy.pending_orders', true, 'Copy master pending orders (place, amend, cancel) to subscriptions with copyPending'),
  ('copy.reverse', true, 'Allow reverse copying (buy becomes sell, SL and TP swapped)'),
  ('copy.resync_open_missing', false, 'Let reconciliation open copies the follower is missing when a subscription asks for it'),
  ('broker.mt4', true, 'Accept MetaTrader 4 accounts and their EAs'),
  ('broker.mt5', true, 'Accept MetaTrader 5 accounts and their EAs'),
  ('ea.log_upload', true, 'Accept EA log uploads into Blob Storage');
