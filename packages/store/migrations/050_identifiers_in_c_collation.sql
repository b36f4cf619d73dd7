-- Identifiers compare as bytes. Every id, foreign key and key column the copy path looks up, joins,
-- sorts or locks in order was text in the database's collation, so each B-tree step on it went
-- through the C library's strcoll (PostgreSQL only skips that for the collations named "C" and
-- "POSIX": C.UTF-8 here, en_US.utf8 on Azure Database for PostgreSQL). In a profile of the
-- throughput run the collation's own work (locale look-ups, the copies strcoll needs, strcoll) was
-- up to a tenth of PostgreSQL's time, and it spent 8 % less per signal with the database in C. The
-- ids are ASCII (prefixed random or hashed strings, broker tickets, idempotency keys), so byte order
-- is also the order the gateway sorts them in. Names and free text keep the database's collation.
--
-- Both ends of every foreign key change. A column a view reads cannot change type, so the
-- `signals` view is dropped and made again from its own definition.
DO $$
DECLARE
  signals_view text := pg_get_viewdef('signals'::regclass);
  col text;
BEGIN
  DROP VIEW signals;
  FOREACH col IN ARRAY ARRAY[
    'accounts.id', 'account_state.account_id', 'ea_credentials.key_id', 'ea_credentials.account_id',
    'subscriptions.id', 'subscriptions.master_account_id', 'subscriptions.follower_account_id',
    'audit_runs.id', 'audit_runs.account_id',
    'orders.id', 'orders.run_id', 'orders.signal_id', 'orders.subscription_id', 'orders.follower_account_id',
    'orders.master_position_id', 'orders.master_order_id', 'orders.leg_id',
    'executions.order_id',
    'copy_legs.open_order_id', 'copy_legs.subscription_id', 'copy_legs.master_position_id', 'copy_legs.follower_position_id',
    'pending_copies.subscription_id', 'pending_copies.master_order_id', 'pending_copies.place_order_id',
    'idempotency_records.account_id', 'idempotency_records.key',
    'artifacts.id', 'artifacts.account_id', 'artifacts.run_id',
    'task_effects.run_id', 'task_secrets.run_id', 'task_secrets.key_id', 'operators.id']
  LOOP
    EXECUTE format('ALTER TABLE %I ALTER COLUMN %I TYPE text COLLATE "C"', split_part(col, '.', 1), split_part(col, '.', 2));
  END LOOP;
  EXECUTE 'CREATE VIEW signals AS ' || signals_view;
END
$$;
