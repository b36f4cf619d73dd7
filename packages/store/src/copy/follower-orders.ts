import type { Queryable } from '../db';
import { jsonObjectText } from './keyed-rows';

/**
 * Written into the statements as a literal, never passed as a parameter: it is the predicate of the
 * partial indexes `orders_open_by_follower` and `orders_open_expiry`, and a generic plan can only use
 * a partial index whose predicate it can prove from the statement's text.
 */
const OPEN = `status IN ('pending', 'delivered', 'partially_filled')`;

/**
 * The follower's orders still awaiting a terminal execution report, oldest first. A close or
 * modify planned before its copy's opening fill was reported gets the follower position id now.
 */
export async function fetchPendingOrders(q: Queryable, followerAccountId: string, limit: number): Promise<Record<string, unknown>[]> {
  const { rows } = await q.query<{ payload: Record<string, unknown>; leg_position: string | null }>(
    `SELECT o.payload, (SELECT l.follower_position_id FROM copy_legs l WHERE l.open_order_id = o.leg_id) AS leg_position
       FROM orders o
      WHERE o.follower_account_id = $1 AND o.${OPEN} AND o.expires_at > now()
      ORDER BY o.seq
      LIMIT $2`,
    [followerAccountId, limit],
  );
  return rows.map((r) => (r.payload.followerPositionId == null && r.leg_position ? { ...r.payload, followerPositionId: r.leg_position } : r.payload));
}

/**
 * fetchPendingOrdersFor's statement ($1 the followers, each once; $2 the limit per follower). Each
 * follower's orders are read from `orders_open_by_follower` in `seq` order, stopping at the limit:
 * the form leaves the planner no other index to take. Written as one scan for all followers
 * (`follower_account_id = ANY(…)` and a window), a plan made while the table was small, and kept by
 * the connection's prepared statement, walked `orders_open_expiry` instead — every open order of
 * every follower. Measured with 40,000 unanswered orders of other followers: a one-follower read
 * 5 ms (580 buffers), the 500/s latency phase at p50 15–32 ms (docs/performance.md, session 16).
 */
export const PENDING_FOR_SQL = `SELECT o.follower_account_id, o.payload,
            (SELECT l.follower_position_id FROM copy_legs l WHERE l.open_order_id = o.leg_id) AS leg_position
       FROM unnest($1::text[]) AS f(id)
       CROSS JOIN LATERAL (
         SELECT o.follower_account_id, o.payload, o.leg_id, o.seq FROM orders o
          WHERE o.follower_account_id = f.id AND o.${OPEN} AND o.expires_at > now()
          ORDER BY o.seq LIMIT $2) o
      ORDER BY o.follower_account_id, o.seq`;

/** followersWithPendingOrders' statement ($1 the followers, each once): the same index, for the same reason. */
export const WAITING_SQL = `SELECT f.id AS follower_account_id FROM unnest($1::text[]) AS f(id)
      CROSS JOIN LATERAL (
        SELECT FROM orders o WHERE o.follower_account_id = f.id AND o.${OPEN} AND o.expires_at > now()
         ORDER BY o.seq LIMIT 1) o`;

/**
 * The same for several followers in one query (woken long-polls of a fan-out read together):
 * at most `limit` orders each, oldest first (PENDING_FOR_SQL).
 */
export async function fetchPendingOrdersFor(q: Queryable, followerAccountIds: string[], limit: number): Promise<Map<string, Record<string, unknown>[]>> {
  const out = new Map<string, Record<string, unknown>[]>();
  for (const id of followerAccountIds) out.set(id, []);
  if (followerAccountIds.length === 0) return out;
  const { rows } = await q.query<{ follower_account_id: string; payload: Record<string, unknown>; leg_position: string | null }>(PENDING_FOR_SQL, [[...out.keys()], limit]);
  for (const r of rows) {
    out.get(r.follower_account_id)?.push(r.payload.followerPositionId == null && r.leg_position ? { ...r.payload, followerPositionId: r.leg_position } : r.payload);
  }
  return out;
}

/** Which of these followers have an order waiting (the long-polls' safety net, one query for all: WAITING_SQL). */
export async function followersWithPendingOrders(q: Queryable, followerAccountIds: string[]): Promise<string[]> {
  if (followerAccountIds.length === 0) return [];
  const { rows } = await q.query<{ follower_account_id: string }>(WAITING_SQL, [[...new Set(followerAccountIds)]]);
  return rows.map((r) => r.follower_account_id);
}

/**
 * Stamps first deliveries (each with the time the gateway handed the order over) and moves
 * pending → delivered. Rows an execution report or the expiry is updating right now are skipped
 * (that report stamps the delivery itself), and rows are locked in id order: two transactions
 * never wait on each other crosswise (a deadlock costs a second).
 */
export async function markDelivered(q: Queryable, stamps: Array<{ orderId: string; at: string }>): Promise<void> {
  if (stamps.length === 0) return;
  await q.query(
    // No join: the rows locked below are reached by their ids (a join with \`= ANY\` beside it
    // compared every row with every id — 466 ms for a fan-out's 1,000).
    `UPDATE orders o SET status = CASE WHEN o.status = 'pending' THEN 'delivered' ELSE o.status END,
                         first_delivered_at = COALESCE(o.first_delivered_at, ($1::jsonb ->> o.id)::timestamptz)
      WHERE o.id = ANY(ARRAY(SELECT id FROM orders WHERE id = ANY(ARRAY(SELECT jsonb_object_keys($1::jsonb)))
                                AND status IN ('pending', 'delivered')
                              ORDER BY id FOR UPDATE SKIP LOCKED))`,
    [jsonObjectText(stamps.map((s) => [s.orderId, s.at] as const))],
  );
}

/**
 * Expires orders whose time ran out (all followers when followerAccountId is null), at most `limit`
 * at once (the caller repeats while a whole chunk came back): an open never executed gives its planned
 * volume back (the copy leg goes to zero), a close never executed gives the volume back to its leg.
 * One statement for everything due was measured at 450–550 ms for 20,000 orders, and every signal
 * committing meanwhile waited behind its WAL (p99 at 500 signals/s: 62 ms in that second).
 */
export async function expireOrders(q: Queryable, followerAccountId: string | null, limit = 250): Promise<number> {
  const { rows } = await q.query<{ id: string }>(
    `WITH due AS (
       SELECT id FROM orders
        WHERE ($1::text IS NULL OR follower_account_id = $1) AND ${OPEN} AND expires_at <= now()
        -- in the index's order, so the limit ends the scan (by id it sorted everything due, per chunk);
        -- rows locked elsewhere are skipped, so this never waits on another transaction's orders
        ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED
     ), expired AS (
       UPDATE orders o SET status = 'expired', finished_at = now()
        WHERE o.id = ANY(ARRAY(SELECT id FROM due))
        RETURNING o.id, o.action, o.leg_id, (o.payload->>'volume')::numeric AS volume
     ), opens AS (
       UPDATE copy_legs l SET volume = 0
        WHERE l.open_order_id = ANY(ARRAY(SELECT id FROM expired WHERE action = 'open'))
     ), give_back AS (
       -- two expired closes of one leg give back both volumes
       SELECT jsonb_object_agg(leg_id, volume) AS by_leg
         FROM (SELECT leg_id, sum(volume) AS volume FROM expired
                WHERE action = 'close' AND leg_id IS NOT NULL AND volume IS NOT NULL GROUP BY leg_id) s
     ), closes AS (
       UPDATE copy_legs l SET volume = l.volume + ((SELECT by_leg FROM give_back) ->> l.open_order_id)::numeric
        WHERE l.open_order_id = ANY(ARRAY(SELECT jsonb_object_keys((SELECT by_leg FROM give_back))))
     )
     SELECT id FROM expired`,
    [followerAccountId, limit],
  );
  return rows.length;
}
