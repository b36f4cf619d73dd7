import type { AccountState } from '@kopitra/engine';
import type { Queryable } from '../db';
import type { StoredFollowerContext, StoredLeg, StoredPending } from './copy-batch';
import { toAccountState, toSubscription, type AccountStateRow, type SubscriptionRow } from './rows';
import { projectJournal } from './journal';
import { jsonObjectText } from './keyed-rows';
import type { CachedMaster, FollowerBase, SubscriptionCache } from './subscription-cache';

export interface MasterLock {
  lastSequence: number;
  master: AccountState;
  /**
   * The versions (`xmin`) of the rows `master` and `lastSequence` were read from — the master's
   * state row and its account row — and the locking transaction's id: the state row's `xmin` once
   * this transaction updated it and committed (see HeldMasters).
   */
  versions: { state: string; account: string; xid: string };
}

const LOCK_SQL = `
  SELECT s.account_id, s.balance, s.equity, s.day_start_equity, s.symbols, s.last_sequence, a.symbol_prefix, a.symbol_suffix,
         s.xmin::text AS state_xmin, a.xmin::text AS account_xmin, pg_current_xact_id()::xid::text AS xid
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
  const { rows } = await q.query<LockRow>(LOCK_SQL, [ids]);
  return toLocks(rows.length < ids.length ? await createStateRowsAndLock(q, ids) : rows, ids);
}

/** First signal of an account: create its state row, then lock them all. */
async function createStateRowsAndLock(q: Queryable, ids: string[]): Promise<LockRow[]> {
  await q.query('INSERT INTO account_state (account_id) SELECT unnest($1::text[]) ON CONFLICT (account_id) DO NOTHING', [ids]);
  return (await q.query<LockRow>(LOCK_SQL, [ids])).rows;
}

type LockRow = AccountStateRow & { last_sequence: number; state_xmin: string; account_xmin: string; xid: string };

function toLocks(rows: LockRow[], ids: string[]): Map<string, MasterLock> {
  const out = new Map<string, MasterLock>();
  for (const row of rows) out.set(row.account_id, {
    lastSequence: Number(row.last_sequence), master: toAccountState(row), versions: { state: row.state_xmin, account: row.account_xmin, xid: row.xid },
  });
  for (const id of ids) if (!out.has(id)) throw new Error(`account ${id} has no state row`);
  return out;
}

/**
 * lockMasters and loadFollowerContextsForMasters in one round trip: the reads are written behind
 * the lock on the same connection, so PostgreSQL runs them once the lock is held and they see
 * everything committed before it. When a master has no state row yet (its first signal), the row
 * is created and locked and the contexts are read again after the lock.
 */
export async function lockMastersWithContexts(
  q: Queryable,
  masterAccountIds: string[],
  relevantIds?: RelevantId[],
  cache?: SubscriptionCache,
): Promise<{ locks: Map<string, MasterLock>; contexts: Map<string, StoredFollowerContext[]> }> {
  const ids = [...new Set(masterAccountIds)].sort();
  const [locked, contexts] = await Promise.all([
    q.query<LockRow>(LOCK_SQL, [ids]),
    loadFollowerContextsForMasters(q, ids, undefined, relevantIds, cache),
  ]);
  if (locked.rows.length === ids.length) return { locks: toLocks(locked.rows, ids), contexts };
  const locks = toLocks(await createStateRowsAndLock(q, ids), ids);
  return { locks, contexts: await loadFollowerContextsForMasters(q, ids, undefined, relevantIds, cache) };
}

export async function lockMaster(q: Queryable, masterAccountId: string): Promise<MasterLock> {
  return (await lockMasters(q, [masterAccountId])).get(masterAccountId)!;
}

/**
 * The live subscriptions of the masters in the text[] parameter `p`, as `sub`: one descent of
 * `subscriptions_master` per master. As `master_account_id = ANY(p)`, the plan depended on the
 * table's statistics: without them (a table never analysed) the partial indexes' `deleted_at IS
 * NULL` is estimated at 0.5 % of the rows, and the generic plan each gateway connection keeps
 * read every live subscription through `subscriptions_follower` and filtered them by master — on
 * every signal, twice (measured: 255 of 256 rows read and dropped for a signal of one master).
 * The ids must be distinct (loadFollowerContextsForMasters makes them so): each is probed once.
 */
const LIVE_SUBSCRIPTIONS_OF_MASTERS = (p: string) => `unnest(${p}::text[]) AS m(id)
      CROSS JOIN LATERAL (
        -- OFFSET 0 keeps this a probe per master, never a join planned over the table
        SELECT *, xmin FROM subscriptions WHERE master_account_id = m.id AND deleted_at IS NULL OFFSET 0) AS sub`;

const SUBSCRIPTIONS_SQL = `
  SELECT sub.id, sub.master_account_id, sub.follower_account_id, sub.settings, sub.status,
         fa.status AS follower_status, fa.symbol_prefix, fa.symbol_suffix, fa.id AS account_id,
         st.balance, st.equity, st.day_start_equity, st.symbols
    FROM ${LIVE_SUBSCRIPTIONS_OF_MASTERS('$1')}
    JOIN accounts fa ON fa.id = sub.follower_account_id
    LEFT JOIN account_state st ON st.account_id = sub.follower_account_id
   WHERE ($2::text IS NULL OR sub.id = $2)
   ORDER BY sub.created_at, sub.id`;

/**
 * The live subscriptions of the masters in `p` with their followers' rows, as `${s}`, and each
 * master's fingerprint of them (`master`, `fingerprint`) as `${f}`: md5 over each subscription's id
 * and the `xmin` of its subscription, follower account and follower state rows (SubscriptionCache).
 * `columns`: more columns of theirs for `${s}`.
 */
export function subscriptionFingerprintCtes(p: string, s: string, f: string, columns = ''): string {
  return `${s} AS (
    SELECT sub.master_account_id,${columns}
           sub.id || '/' || sub.xmin::text || '/' || fa.xmin::text || '/' || COALESCE(st.xmin::text, '-') AS v
      FROM ${LIVE_SUBSCRIPTIONS_OF_MASTERS(p)}
      JOIN accounts fa ON fa.id = sub.follower_account_id
      LEFT JOIN account_state st ON st.account_id = sub.follower_account_id),
  ${f} AS (
    SELECT m.id AS master, COALESCE(md5(string_agg(${s}.v, ',' ORDER BY ${s}.v)), '') AS fingerprint
      FROM unnest(${p}::text[]) AS m(id) LEFT JOIN ${s} ON ${s}.master_account_id = m.id
     GROUP BY m.id)`;
}

// The same rows for the signal path, against what it holds (SubscriptionCache): every master gets
// its fingerprint; full rows come only for masters whose fingerprint differs from $2's.
const SUBSCRIPTIONS_CHANGED_SQL = `
  WITH ${subscriptionFingerprintCtes('$1', 's', 'f', `
           sub.id, sub.follower_account_id, sub.settings, sub.status, sub.created_at,
           fa.status AS follower_status, fa.symbol_prefix, fa.symbol_suffix,
           st.balance, st.equity, st.day_start_equity, st.symbols,`)}
  SELECT f.master, f.fingerprint, s.id, s.follower_account_id, s.settings, s.status, s.follower_status,
         s.symbol_prefix, s.symbol_suffix, s.balance, s.equity, s.day_start_equity, s.symbols
    FROM f LEFT JOIN s ON s.master_account_id = f.master AND f.fingerprint IS DISTINCT FROM ($2::jsonb ->> f.master)
   ORDER BY f.master, s.created_at, s.id`;

type SubscriptionContextRow = SubscriptionRow & AccountStateRow & { follower_status: 'active' | 'disabled' };

function toBase(r: SubscriptionContextRow): FollowerBase {
  return { subscription: toSubscription(r), follower: toAccountState({ ...r, account_id: r.follower_account_id }), followerStatus: r.follower_status };
}

/** Each master's subscriptions with their followers' state: from the cache where its rows are unchanged. */
async function readBases(q: Queryable, masterAccountIds: string[], onlySubscriptionId: string | undefined, cache: SubscriptionCache | undefined): Promise<Map<string, FollowerBase[]>> {
  const out = new Map<string, FollowerBase[]>();
  if (!cache || onlySubscriptionId !== undefined) {
    const { rows } = await q.query<SubscriptionContextRow>(SUBSCRIPTIONS_SQL, [masterAccountIds, onlySubscriptionId ?? null]);
    for (const r of rows) {
      const list = out.get(r.master_account_id);
      if (list) list.push(toBase(r));
      else out.set(r.master_account_id, [toBase(r)]);
    }
    return out;
  }
  const held = cache.snapshot(masterAccountIds);
  const { rows } = await q.query<Omit<SubscriptionContextRow, 'master_account_id' | 'id'> & { master: string; fingerprint: string; id: string | null }>(
    SUBSCRIPTIONS_CHANGED_SQL, [masterAccountIds, jsonObjectText([...held].map(([m, e]) => [m, e.fingerprint] as const))],
  );
  const fresh = new Map<string, CachedMaster>();
  for (const r of rows) {
    const h = held.get(r.master);
    if (h && h.fingerprint === r.fingerprint) {
      out.set(r.master, h.bases);
      continue;
    }
    let e = fresh.get(r.master);
    if (!e) fresh.set(r.master, (e = { fingerprint: r.fingerprint, bases: [] }));
    if (r.id !== null) e.bases.push(toBase({ ...r, id: r.id, master_account_id: r.master }));
  }
  for (const [master, e] of fresh) {
    cache.set(master, e);
    out.set(master, e.bases);
  }
  cache.hits += out.size - fresh.size;
  cache.misses += fresh.size;
  return out;
}

// Open copy legs and active pending copies of the same subscriptions, and the masters' pending
// copy-journal rows (their projection comes first; see loadFollowerContextsForMasters). $4 true: all of them;
// otherwise only those of the master positions / orders in $3 (each of the master beside it in
// $5), plus every one of subscriptions with a position cap (the cap counts them all). Each case is
// a branch of its own reaching its rows through the whole key: with an OR between them every open
// leg of every follower was read on each signal, and `subscription_id = ANY(…) AND
// master_position_id = ANY(…)` descends the index once per pair of the two lists (64 masters ×
// 64 ids: 4,096 descents, 4 ms) where each subscription needs only its own master's ids.
const COPY_STATE_SQL = `
  WITH s AS (
    SELECT sub.id, sub.master_account_id, $4::boolean OR sub.settings->>'maxOpenPositions' IS NOT NULL AS whole
      FROM ${LIVE_SUBSCRIPTIONS_OF_MASTERS('$1')}
     WHERE ($2::text IS NULL OR sub.id = $2)),
  k AS (
    SELECT s.id AS sub, r.id FROM s JOIN unnest($5::text[], $3::text[]) AS r(master, id) ON r.master = s.master_account_id
     WHERE NOT s.whole)
  SELECT 'leg' AS kind, subscription_id, jsonb_build_object('id', open_order_id, 'mp', master_position_id, 'sym', follower_symbol,
         'side', side, 'vol', volume, 'fp', follower_position_id, 'at', (extract(epoch FROM opened_at) * 1000)::float8) AS r
    FROM copy_legs WHERE subscription_id = ANY(ARRAY(SELECT id FROM s WHERE whole)) AND volume > 0
  UNION ALL
  SELECT 'leg', l.subscription_id, jsonb_build_object('id', l.open_order_id, 'mp', l.master_position_id, 'sym', l.follower_symbol,
         'side', l.side, 'vol', l.volume, 'fp', l.follower_position_id, 'at', (extract(epoch FROM l.opened_at) * 1000)::float8)
    FROM k CROSS JOIN LATERAL (
      -- OFFSET 0 keeps this a probe per key (one index descent each), never a join over the table
      SELECT * FROM copy_legs WHERE subscription_id = k.sub AND master_position_id = k.id AND volume > 0 OFFSET 0) l
  UNION ALL
  SELECT 'pending', subscription_id, jsonb_build_object('id', place_order_id, 'mo', master_order_id, 'sym', follower_symbol,
         'kind', kind, 'vol', volume, 'price', price)
    FROM pending_copies WHERE subscription_id = ANY(ARRAY(SELECT id FROM s WHERE whole)) AND active
  UNION ALL
  SELECT 'pending', p.subscription_id, jsonb_build_object('id', p.place_order_id, 'mo', p.master_order_id, 'sym', p.follower_symbol,
         'kind', p.kind, 'vol', p.volume, 'price', p.price)
    FROM k CROSS JOIN LATERAL (
      SELECT * FROM pending_copies WHERE subscription_id = k.sub AND master_order_id = k.id AND active OFFSET 0) p
  UNION ALL
  -- A copy-journal row of these masters still pending (none, nearly always: a small table's scan)
  SELECT 'journal', NULL, jsonb_build_object('id', id, 'at', created_at) FROM copy_journal WHERE master_account_ids && $1::text[]`;

/** A master position or order id a batch touches, with its master. */
export interface RelevantId {
  masterAccountId: string;
  id: string;
}

/**
 * Every live subscription of these masters with the follower's state, open copy legs and pending
 * copies — two statements, one round trip, for any number of masters; what a pending journal row
 * of theirs holds is projected first.
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
  relevantIds?: RelevantId[],
  /** The signal path's: subscriptions whose rows did not change are not read again. */
  cache?: SubscriptionCache,
): Promise<Map<string, StoredFollowerContext[]>> {
  masterAccountIds = [...new Set(masterAccountIds)];
  const out = new Map<string, StoredFollowerContext[]>();
  for (const id of masterAccountIds) out.set(id, []);
  // Both statements at once (one round trip): the legs and pending copies find the subscriptions
  // themselves instead of waiting for the first statement's ids.
  const [bases, state] = await Promise.all([
    readBases(q, masterAccountIds, onlySubscriptionId, cache),
    q.query<{ kind: 'leg' | 'pending' | 'journal'; subscription_id: string; r: Record<string, unknown> }>(
      COPY_STATE_SQL,
      [masterAccountIds, onlySubscriptionId ?? null, (relevantIds ?? []).map((r) => r.id), relevantIds === undefined, (relevantIds ?? []).map((r) => r.masterAccountId)],
    ),
  ]);
  // A journal row of these masters still pending (a fan-out committed, not yet projected) holds
  // copy state these reads miss: it is projected first, in this transaction (in commit order), and
  // everything read again. The read came after the masters' locks, if the caller holds them: a
  // row committed before them is in it.
  const journal = state.rows.filter((row) => row.kind === 'journal').map((row) => row.r as { id: string; at: string });
  if (journal.length > 0) {
    journal.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const { id } of journal) await projectJournal(q, id);
    return loadFollowerContextsForMasters(q, masterAccountIds, onlySubscriptionId, relevantIds, cache);
  }
  const legsBySub = new Map<string, StoredLeg[]>();
  const pendingBySub = new Map<string, StoredPending[]>();
  for (const { kind, subscription_id: sub, r } of state.rows) {
    if (kind === 'leg') {
      const list = legsBySub.get(sub) ?? [];
      list.push({ legId: String(r.id), masterPositionId: String(r.mp), followerSymbol: String(r.sym), side: r.side as 'buy' | 'sell', volume: Number(r.vol), followerPositionId: (r.fp as string | null) ?? null, openedAtMs: Number(r.at) });
      legsBySub.set(sub, list);
    } else if (kind === 'pending') {
      const list = pendingBySub.get(sub) ?? [];
      list.push({ placeOrderId: String(r.id), masterOrderId: String(r.mo), followerSymbol: String(r.sym), kind: r.kind as StoredPending['kind'], volume: Number(r.vol), price: Number(r.price) });
      pendingBySub.set(sub, list);
    }
  }
  for (const list of legsBySub.values()) list.sort((a, b) => a.openedAtMs - b.openedAtMs || (a.legId < b.legId ? -1 : 1));
  for (const [master, list] of bases) {
    // A context per signal batch; the subscription and follower objects are shared and never modified.
    out.set(master, list.map((b) => ({
      subscription: b.subscription, follower: b.follower, followerStatus: b.followerStatus,
      copies: legsBySub.get(b.subscription.id) ?? [], pendingCopies: pendingBySub.get(b.subscription.id) ?? [],
    })));
  }
  return out;
}

/** Every live subscription of one master (or just one of them) with its follower context. */
export async function loadFollowerContexts(q: Queryable, masterAccountId: string, onlySubscriptionId?: string): Promise<StoredFollowerContext[]> {
  return (await loadFollowerContextsForMasters(q, [masterAccountId], onlySubscriptionId)).get(masterAccountId) ?? [];
}
