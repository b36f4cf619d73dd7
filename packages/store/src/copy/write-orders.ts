import type { CopyLeg, FollowerContext, PlannedOrder } from '@kopitra/engine';
import { deriveOrderId, orderTag } from '@kopitra/protocol';
import type { Queryable } from '../db';

const DAY_MS = 86_400_000;
/** An open is only worth executing while the signal is fresh; everything else may wait for a reconnect. */
const MIN_OPEN_TTL_MS = 5_000;

export interface OrderToWrite {
  ctx: FollowerContext;
  orders: PlannedOrder[];
}

export interface WrittenOrder {
  orderId: string;
  followerAccountId: string;
  subscriptionId: string;
  action: PlannedOrder['action'];
  volume: number | null;
  payload: Record<string, unknown>;
}

interface LegRef {
  legId: string;
  remaining: number;
  leg: CopyLeg;
}

function legIdOf(leg: CopyLeg): string {
  return (leg as CopyLeg & { legId?: string }).legId ?? '';
}

/** Exact subtraction of two step-rounded volumes (8 decimal places is finer than any broker step). */
function minus(a: number, b: number): number {
  return Math.round((a - b) * 1e8) / 1e8;
}

/**
 * Turns planned orders into rows — deterministic ids from (source, subscription, index), tags,
 * expiries, copy-leg and pending-copy bookkeeping — and writes them with one statement per table.
 */
export async function writeOrders(
  q: Queryable,
  input: { sourceId: string; runId: string; signalId: string | null; nowMs: number; items: OrderToWrite[] },
): Promise<WrittenOrder[]> {
  const now = new Date(input.nowMs).toISOString();
  const orderRows: unknown[] = [];
  const newLegs: unknown[] = [];
  const legDeltas = new Map<string, number>();
  const newPending: unknown[] = [];
  const pendingUpdates: unknown[] = [];
  const written: WrittenOrder[] = [];

  for (const { ctx, orders } of input.items) {
    const sub = ctx.subscription;
    const legs: LegRef[] = ctx.copies.map((leg) => ({ legId: legIdOf(leg), remaining: leg.volume, leg }));
    orders.forEach((o, index) => {
      const orderId = deriveOrderId(input.sourceId, sub.id, index);
      const tag = orderTag(orderId);
      let legId: string | null = null;
      let followerPositionId = o.followerPositionId;
      let openTag: string | null = null;
      if (o.action === 'open') {
        newLegs.push({ open_order_id: orderId, subscription_id: sub.id, master_position_id: o.masterPositionId, follower_symbol: o.symbol, side: o.side, volume: o.volume, opened_at: now });
      } else if (o.action === 'close' || o.action === 'modify') {
        const explicit = (o as PlannedOrder & { legId?: string }).legId;
        const ref =
          legs.find((l) => explicit && l.legId === explicit) ??
          legs.find((l) => o.followerPositionId && l.leg.followerPositionId === o.followerPositionId) ??
          legs.find((l) => l.leg.masterPositionId === o.masterPositionId && (o.action === 'modify' || l.remaining > 0));
        if (ref) {
          legId = ref.legId;
          followerPositionId = followerPositionId ?? ref.leg.followerPositionId;
          openTag = orderTag(ref.legId);
          if (o.action === 'close' && o.volume !== null) {
            const take = Math.min(ref.remaining, o.volume);
            ref.remaining = minus(ref.remaining, take);
            legDeltas.set(ref.legId, minus(legDeltas.get(ref.legId) ?? 0, take));
          }
        }
      } else if (o.action === 'place') {
        newPending.push({ subscription_id: sub.id, master_order_id: o.masterOrderId, place_order_id: orderId, follower_symbol: o.symbol, kind: o.kind, volume: o.volume, price: o.price });
      } else if (o.action === 'amend' || o.action === 'cancel') {
        pendingUpdates.push({ subscription_id: sub.id, master_order_id: o.masterOrderId, price: o.price, cancel: o.action === 'cancel' });
      }
      const ttl = o.action === 'open' ? Math.max(sub.maxSignalAgeMs, MIN_OPEN_TTL_MS) : DAY_MS;
      const payload = {
        orderId, runId: input.runId, subscriptionId: sub.id, createdAt: now,
        expiresAt: new Date(input.nowMs + ttl).toISOString(),
        action: o.action, symbol: o.symbol, side: o.side, kind: o.kind, volume: o.volume, price: o.price,
        maxDeviation: o.maxDeviation, sl: o.sl, tp: o.tp, orderExpiresAt: o.expiresAt,
        masterPositionId: o.masterPositionId, masterOrderId: o.masterOrderId,
        followerPositionId: followerPositionId ?? null, tag, openTag, updates: o.updates ?? null,
      };
      orderRows.push({
        id: orderId, run_id: input.runId, signal_id: input.signalId, subscription_id: sub.id,
        follower_account_id: sub.followerAccountId, action: o.action, master_position_id: o.masterPositionId,
        master_order_id: o.masterOrderId, leg_id: legId, tag, payload, created_at: now, expires_at: payload.expiresAt,
      });
      written.push({ orderId, followerAccountId: sub.followerAccountId, subscriptionId: sub.id, action: o.action, volume: o.volume, payload });
    });
  }

  if (orderRows.length > 0) {
    // ON CONFLICT: a replay of the same source computes the same ids and adds nothing.
    await q.query(
      `INSERT INTO orders (id, run_id, signal_id, subscription_id, follower_account_id, action, master_position_id,
                           master_order_id, leg_id, tag, payload, created_at, expires_at)
       SELECT id, run_id, signal_id, subscription_id, follower_account_id, action, master_position_id,
              master_order_id, leg_id, tag, payload, created_at, expires_at
         FROM jsonb_to_recordset($1::jsonb) AS x(id text, run_id text, signal_id text, subscription_id text,
              follower_account_id text, action text, master_position_id text, master_order_id text, leg_id text,
              tag text, payload jsonb, created_at timestamptz, expires_at timestamptz)
       ON CONFLICT (id) DO NOTHING`,
      [JSON.stringify(orderRows)],
    );
  }
  if (newLegs.length > 0) {
    await q.query(
      `INSERT INTO copy_legs (open_order_id, subscription_id, master_position_id, follower_symbol, side, volume, opened_at)
       SELECT open_order_id, subscription_id, master_position_id, follower_symbol, side, volume, opened_at
         FROM jsonb_to_recordset($1::jsonb) AS x(open_order_id text, subscription_id text, master_position_id text,
              follower_symbol text, side text, volume numeric, opened_at timestamptz)
       ON CONFLICT (open_order_id) DO NOTHING`,
      [JSON.stringify(newLegs)],
    );
  }
  if (legDeltas.size > 0) {
    await q.query(
      `UPDATE copy_legs l SET volume = GREATEST(l.volume + d.delta, 0)
         FROM jsonb_to_recordset($1::jsonb) AS d(leg_id text, delta numeric)
        WHERE l.open_order_id = d.leg_id`,
      [JSON.stringify([...legDeltas].map(([leg_id, delta]) => ({ leg_id, delta })))],
    );
  }
  if (newPending.length > 0) {
    await q.query(
      `INSERT INTO pending_copies (subscription_id, master_order_id, place_order_id, follower_symbol, kind, volume, price)
       SELECT subscription_id, master_order_id, place_order_id, follower_symbol, kind, volume, price
         FROM jsonb_to_recordset($1::jsonb) AS x(subscription_id text, master_order_id text, place_order_id text,
              follower_symbol text, kind text, volume numeric, price double precision)
       ON CONFLICT (subscription_id, master_order_id) DO UPDATE
         SET place_order_id = EXCLUDED.place_order_id, follower_symbol = EXCLUDED.follower_symbol,
             kind = EXCLUDED.kind, volume = EXCLUDED.volume, price = EXCLUDED.price, active = true`,
      [JSON.stringify(newPending)],
    );
  }
  if (pendingUpdates.length > 0) {
    await q.query(
      `UPDATE pending_copies p SET price = COALESCE(u.price, p.price), active = p.active AND NOT u.cancel
         FROM jsonb_to_recordset($1::jsonb) AS u(subscription_id text, master_order_id text, price double precision, cancel boolean)
        WHERE p.subscription_id = u.subscription_id AND p.master_order_id = u.master_order_id`,
      [JSON.stringify(pendingUpdates)],
    );
  }
  return written;
}

/** Wakes every gateway process's long-polls for these followers (NOTIFY payloads stay under 8000 bytes). */
export async function notifyFollowers(q: Queryable, followerAccountIds: Iterable<string>): Promise<void> {
  const unique = [...new Set(followerAccountIds)];
  let chunk: string[] = [];
  let size = 0;
  const flush = async () => {
    if (chunk.length === 0) return;
    await q.query(`SELECT pg_notify('kopitra_orders', $1)`, [chunk.join(',')]);
    chunk = [];
    size = 0;
  };
  for (const id of unique) {
    if (size + id.length + 1 > 7_000) await flush();
    chunk.push(id);
    size += id.length + 1;
  }
  await flush();
}

/**
 * A master pending order filled and these subscriptions held a pending copy of it: the follower's
 * copy fills at its own broker, so the pending copy becomes the copy leg (its place order's tag is
 * the follower position's comment) and no new open is sent.
 */
export async function linkPendingFills(q: Queryable, subscriptionIds: string[], masterOrderId: string, masterPositionId: string): Promise<void> {
  await q.query(
    `WITH linked AS (
       UPDATE pending_copies SET active = false
        WHERE subscription_id = ANY($1::text[]) AND master_order_id = $2 AND active
        RETURNING place_order_id, subscription_id, follower_symbol, kind, volume
     )
     INSERT INTO copy_legs (open_order_id, subscription_id, master_position_id, follower_symbol, side, volume, opened_at)
     SELECT place_order_id, subscription_id, $3, follower_symbol, CASE WHEN kind LIKE 'buy%' THEN 'buy' ELSE 'sell' END, volume, now()
       FROM linked
     ON CONFLICT (open_order_id) DO NOTHING`,
    [subscriptionIds, masterOrderId, masterPositionId],
  );
}
