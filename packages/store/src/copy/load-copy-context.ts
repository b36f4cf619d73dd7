import type { AccountState, CopyLeg, FollowerContext, PendingCopy } from '@kopitra/engine';
import type { Queryable } from '../db';
import { toAccountState, toSubscription, type AccountStateRow, type SubscriptionRow } from './rows';

export interface MasterLock {
  lastSequence: number;
  master: AccountState;
}

/**
 * Locks the master's state row for the rest of the transaction (signals of one master are
 * planned strictly one after another) and returns its sequence and sizing state.
 */
export async function lockMaster(q: Queryable, masterAccountId: string): Promise<MasterLock> {
  await q.query('INSERT INTO account_state (account_id) VALUES ($1) ON CONFLICT (account_id) DO NOTHING', [masterAccountId]);
  const { rows } = await q.query<AccountStateRow & { last_sequence: number }>(
    `SELECT s.account_id, s.balance, s.equity, s.day_start_equity, s.symbols, s.last_sequence,
            a.symbol_prefix, a.symbol_suffix
       FROM account_state s JOIN accounts a ON a.id = s.account_id
      WHERE s.account_id = $1 FOR UPDATE OF s`,
    [masterAccountId],
  );
  const row = rows[0];
  if (!row) throw new Error(`account ${masterAccountId} has no state row`);
  return { lastSequence: Number(row.last_sequence), master: toAccountState(row) };
}

export interface FollowerContextWithAccount extends FollowerContext {
  followerStatus: 'active' | 'disabled';
}

/** Every live subscription of a master with its follower's state, open copy legs and pending copies. */
export async function loadFollowerContexts(q: Queryable, masterAccountId: string, onlySubscriptionId?: string): Promise<FollowerContextWithAccount[]> {
  const subs = await q.query<SubscriptionRow & AccountStateRow & { follower_status: 'active' | 'disabled' }>(
    `SELECT sub.id, sub.master_account_id, sub.follower_account_id, sub.settings, sub.status,
            fa.status AS follower_status, fa.symbol_prefix, fa.symbol_suffix, fa.id AS account_id,
            st.balance, st.equity, st.day_start_equity, st.symbols
       FROM subscriptions sub
       JOIN accounts fa ON fa.id = sub.follower_account_id
       LEFT JOIN account_state st ON st.account_id = sub.follower_account_id
      WHERE sub.master_account_id = $1 AND sub.deleted_at IS NULL AND ($2::text IS NULL OR sub.id = $2)
      ORDER BY sub.created_at, sub.id`,
    [masterAccountId, onlySubscriptionId ?? null],
  );
  if (subs.rows.length === 0) return [];
  const ids = subs.rows.map((r) => r.id);
  const [legs, pendings] = await Promise.all([
    q.query<{ subscription_id: string; open_order_id: string; master_position_id: string; follower_symbol: string; side: 'buy' | 'sell'; volume: number; follower_position_id: string | null; opened_at: Date }>(
      `SELECT subscription_id, open_order_id, master_position_id, follower_symbol, side, volume, follower_position_id, opened_at
         FROM copy_legs WHERE subscription_id = ANY($1::text[]) AND volume > 0 ORDER BY opened_at, open_order_id`,
      [ids],
    ),
    q.query<{ subscription_id: string; master_order_id: string; follower_symbol: string; kind: PendingCopy['kind']; volume: number; price: number; place_order_id: string }>(
      `SELECT subscription_id, master_order_id, follower_symbol, kind, volume, price, place_order_id
         FROM pending_copies WHERE subscription_id = ANY($1::text[]) AND active`,
      [ids],
    ),
  ]);
  const legsBySub = new Map<string, CopyLeg[]>();
  for (const l of legs.rows) {
    const list = legsBySub.get(l.subscription_id) ?? [];
    list.push({
      legId: l.open_order_id,
      masterPositionId: l.master_position_id,
      followerSymbol: l.follower_symbol,
      side: l.side,
      volume: Number(l.volume),
      followerPositionId: l.follower_position_id,
      openedAtMs: new Date(l.opened_at).getTime(),
    } as CopyLeg);
    legsBySub.set(l.subscription_id, list);
  }
  const pendingBySub = new Map<string, PendingCopy[]>();
  for (const p of pendings.rows) {
    const list = pendingBySub.get(p.subscription_id) ?? [];
    list.push({ masterOrderId: p.master_order_id, followerSymbol: p.follower_symbol, kind: p.kind, volume: Number(p.volume), price: p.price });
    pendingBySub.set(p.subscription_id, list);
  }
  return subs.rows.map((r) => ({
    subscription: toSubscription(r),
    follower: toAccountState({ ...r, account_id: r.follower_account_id }),
    copies: legsBySub.get(r.id) ?? [],
    pendingCopies: pendingBySub.get(r.id) ?? [],
    followerStatus: r.follower_status,
  }));
}
