import type { Queryable } from '../db';

export async function recordHeartbeat(q: Queryable, accountId: string, at: string, terminal: unknown): Promise<void> {
  await q.query(
    `INSERT INTO account_state (account_id, last_heartbeat_at, terminal) VALUES ($1, $2, $3)
     ON CONFLICT (account_id) DO UPDATE SET last_heartbeat_at = GREATEST(account_state.last_heartbeat_at, EXCLUDED.last_heartbeat_at),
                                            terminal = COALESCE(EXCLUDED.terminal, account_state.terminal)`,
    [accountId, at, terminal === undefined ? null : JSON.stringify(terminal)],
  );
}

export interface SnapshotInput {
  accountId: string;
  at: string;
  balance: number;
  equity: number;
  currency: string | null;
  leverage: number | null;
  positions: unknown[];
  orders: unknown[] | null;
  symbols: unknown[] | null;
}

/**
 * Stores the latest snapshot. The first equity of each UTC day is kept as the day's start
 * (the daily-loss guard measures against it). Returns whether a resync was pending.
 */
export async function recordSnapshot(q: Queryable, s: SnapshotInput): Promise<{ resyncPending: boolean }> {
  const { rows } = await q.query<{ resync_pending: boolean }>(
    `INSERT INTO account_state (account_id, balance, equity, currency, leverage, day_start_equity, day, symbols, positions, orders, snapshot_at, last_heartbeat_at)
     VALUES ($1, $2, $3, $4, $5, $3, ($9::timestamptz AT TIME ZONE 'UTC')::date, $6, $7, $8, $9, $9)
     ON CONFLICT (account_id) DO UPDATE SET
       balance = EXCLUDED.balance, equity = EXCLUDED.equity,
       currency = COALESCE(EXCLUDED.currency, account_state.currency),
       leverage = COALESCE(EXCLUDED.leverage, account_state.leverage),
       day_start_equity = CASE WHEN account_state.day IS DISTINCT FROM EXCLUDED.day THEN EXCLUDED.equity ELSE account_state.day_start_equity END,
       day = EXCLUDED.day,
       symbols = COALESCE(EXCLUDED.symbols, account_state.symbols),
       positions = EXCLUDED.positions,
       orders = COALESCE(EXCLUDED.orders, account_state.orders),
       snapshot_at = EXCLUDED.snapshot_at,
       last_heartbeat_at = GREATEST(account_state.last_heartbeat_at, EXCLUDED.last_heartbeat_at)
     RETURNING resync_pending`,
    [s.accountId, s.balance, s.equity, s.currency, s.leverage,
      s.symbols === null ? null : JSON.stringify(s.symbols), JSON.stringify(s.positions),
      s.orders === null ? null : JSON.stringify(s.orders), s.at],
  );
  return { resyncPending: rows[0]?.resync_pending ?? false };
}

export async function clearResyncPending(q: Queryable, accountId: string): Promise<void> {
  await q.query('UPDATE account_state SET resync_pending = false WHERE account_id = $1', [accountId]);
}

export interface AccountSnapshotView {
  accountId: string;
  positions: Array<{ id: string; symbol: string; side: 'buy' | 'sell'; volume: number; price: number; sl?: number | null; tp?: number | null; comment?: string }>;
  snapshotAt: string | null;
}

export async function loadSnapshot(q: Queryable, accountId: string): Promise<AccountSnapshotView | null> {
  const { rows } = await q.query<{ positions: AccountSnapshotView['positions'] | null; snapshot_at: Date | null }>(
    'SELECT positions, snapshot_at FROM account_state WHERE account_id = $1',
    [accountId],
  );
  const r = rows[0];
  if (!r || r.positions === null) return null;
  return { accountId, positions: r.positions, snapshotAt: r.snapshot_at ? new Date(r.snapshot_at).toISOString() : null };
}
