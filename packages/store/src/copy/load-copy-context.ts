import type { AccountState } from '@kopitra/engine';
import type { Queryable } from '../db';
import type { StoredFollowerContext, StoredLeg, StoredPending } from './copy-batch';
import { toAccountState, toSubscription, type AccountStateRow, type SubscriptionRow } from './rows';

export interface MasterLock {
  lastSequence: number;
  master: AccountState;
}

/** @deprecated name kept for callers: the context type with the follower account's status. */
export type FollowerContextWithAccount = StoredFollowerContext;

const LOCK_SQL = `
  SELECT s.account_id, s.balance, s.equity, s.day_start_equity, s.symbols, s.last_sequence, a.symbol_prefix, a.symbol_suffix
    FROM account_state s JOIN accounts a ON a.id = s.account_id
   WHERE s.account_id = ANY($1::text[])
   ORDER BY s.account_id
     FOR UPDATE OF s`;

/**
 * Locks the masters' state rows for the rest of the transaction — always in id order, so two
 * transactions never wait on each other crosswise — and returns their sequences and sizing state.
 * Signals of one master are thereby planned strictly one after another, across processes too.
 */
export async function lockMasters(q: Queryable, masterAccountIds: string[]): Promise<Map<string, MasterLock>> {
  const ids = [...new Set(masterAccountIds)].sort();
  let { rows } = await q.query<AccountStateRow & { last_sequence: number }>(LOCK_SQL, [ids]);
  if (rows.length < ids.length) {
    // First signal of an account: create its state row, then lock them all.
    await q.query('INSERT INTO account_state (account_id) SELECT unnest($1::text[]) ON CONFLICT (account_id) DO NOTHING', [ids]);
    ({ rows } = await q.query<AccountStateRow & { last_sequence: number }>(LOCK_SQL, [ids]));
  }
  const out = new Map<string, MasterLock>();
  for (const row of rows) out.set(row.account_id, { lastSequence: Number(row.last_sequence), master: toAccountState(row) });
  for (const id of ids) if (!out.has(id)) throw new Error(`account ${id} has no state row`);
  return out;
}

export async function lockMaster(q: Queryable, masterAccountId: string): Promise<MasterLock> {
  return (await lockMasters(q, [masterAccountId])).get(masterAccountId)!;
}

/**
 * Every live subscription of these masters with the follower's state, open copy legs and pending
 * copies — two queries for any number of masters.
 */
export async function loadFollowerContextsForMasters(
  q: Queryable,
  masterAccountIds: string[],
  onlySubscriptionId?: string,
  /**
   * The hot path's narrowing: only the copy legs and pending copies of these master position or
   * order ids (plus every one of subscriptions with a position cap, which counts them all). Omit it
   * to load everything (reconciliation, stop-out).
   */
  relevantIds?: string[],
): Promise<Map<string, StoredFollowerContext[]>> {
  const out = new Map<string, StoredFollowerContext[]>();
  for (const id of masterAccountIds) out.set(id, []);
  const subs = await q.query<SubscriptionRow & AccountStateRow & { follower_status: 'active' | 'disabled' }>(
    `SELECT sub.id, sub.master_account_id, sub.follower_account_id, sub.settings, sub.status,
            fa.status AS follower_status, fa.symbol_prefix, fa.symbol_suffix, fa.id AS account_id,
            st.balance, st.equity, st.day_start_equity, st.symbols
       FROM subscriptions sub
       JOIN accounts fa ON fa.id = sub.follower_account_id
       LEFT JOIN account_state st ON st.account_id = sub.follower_account_id
      WHERE sub.master_account_id = ANY($1::text[]) AND sub.deleted_at IS NULL AND ($2::text IS NULL OR sub.id = $2)
      ORDER BY sub.created_at, sub.id`,
    [masterAccountIds, onlySubscriptionId ?? null],
  );
  if (subs.rows.length === 0) return out;
  const ids = subs.rows.map((r) => r.id);
  const everything = relevantIds === undefined ? ids : subs.rows.filter((r) => r.settings.maxOpenPositions != null).map((r) => r.id);
  // Legs and pending copies in one round trip.
  const state = await q.query<{ kind: 'leg' | 'pending'; subscription_id: string; r: Record<string, unknown> }>(
    `SELECT 'leg' AS kind, subscription_id, jsonb_build_object('id', open_order_id, 'mp', master_position_id, 'sym', follower_symbol,
            'side', side, 'vol', volume, 'fp', follower_position_id, 'at', (extract(epoch FROM opened_at) * 1000)::float8) AS r
       FROM copy_legs WHERE subscription_id = ANY($1::text[]) AND volume > 0
        AND (subscription_id = ANY($2::text[]) OR master_position_id = ANY($3::text[]))
     UNION ALL
     SELECT 'pending', subscription_id, jsonb_build_object('id', place_order_id, 'mo', master_order_id, 'sym', follower_symbol,
            'kind', kind, 'vol', volume, 'price', price)
       FROM pending_copies WHERE subscription_id = ANY($1::text[]) AND active
        AND (subscription_id = ANY($2::text[]) OR master_order_id = ANY($3::text[]))`,
    [ids, everything, relevantIds ?? []],
  );
  const legsBySub = new Map<string, StoredLeg[]>();
  const pendingBySub = new Map<string, StoredPending[]>();
  for (const { kind, subscription_id: sub, r } of state.rows) {
    if (kind === 'leg') {
      const list = legsBySub.get(sub) ?? [];
      list.push({ legId: String(r.id), masterPositionId: String(r.mp), followerSymbol: String(r.sym), side: r.side as 'buy' | 'sell', volume: Number(r.vol), followerPositionId: (r.fp as string | null) ?? null, openedAtMs: Number(r.at) });
      legsBySub.set(sub, list);
    } else {
      const list = pendingBySub.get(sub) ?? [];
      list.push({ placeOrderId: String(r.id), masterOrderId: String(r.mo), followerSymbol: String(r.sym), kind: r.kind as StoredPending['kind'], volume: Number(r.vol), price: Number(r.price) });
      pendingBySub.set(sub, list);
    }
  }
  for (const list of legsBySub.values()) list.sort((a, b) => a.openedAtMs - b.openedAtMs || (a.legId < b.legId ? -1 : 1));
  for (const r of subs.rows) {
    out.get(r.master_account_id)?.push({
      subscription: toSubscription(r),
      follower: toAccountState({ ...r, account_id: r.follower_account_id }),
      copies: legsBySub.get(r.id) ?? [],
      pendingCopies: pendingBySub.get(r.id) ?? [],
      followerStatus: r.follower_status,
    });
  }
  return out;
}

/** Every live subscription of one master (or just one of them) with its follower context. */
export async function loadFollowerContexts(q: Queryable, masterAccountId: string, onlySubscriptionId?: string): Promise<StoredFollowerContext[]> {
  return (await loadFollowerContextsForMasters(q, [masterAccountId], onlySubscriptionId)).get(masterAccountId) ?? [];
}
