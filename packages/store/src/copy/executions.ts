import type { Queryable } from '../db';

export type ExecutionStatus = 'filled' | 'partially_filled' | 'rejected' | 'expired' | 'cancelled';
type OrderStatus = 'pending' | 'delivered' | ExecutionStatus;

/** The order lifecycle, one table: anything unlisted is refused. */
const TRANSITIONS: Record<OrderStatus, readonly ExecutionStatus[]> = {
  pending: ['filled', 'partially_filled', 'rejected', 'expired', 'cancelled'],
  delivered: ['filled', 'partially_filled', 'rejected', 'expired', 'cancelled'],
  partially_filled: ['filled', 'partially_filled', 'rejected', 'expired', 'cancelled'],
  filled: [],
  rejected: [],
  expired: [],
  cancelled: [],
};

export function isTerminal(s: ExecutionStatus): boolean {
  return s !== 'partially_filled';
}

export interface ExecutionReport {
  orderId: string;
  status: ExecutionStatus;
  executedAt: string;
  volume?: number | null | undefined;
  price?: number | null | undefined;
  followerPositionId?: string | null | undefined;
  brokerCode?: string | undefined;
  message?: string | undefined;
}

export type ExecutionOutcome =
  | { kind: 'recorded'; order: { id: string; runId: string; action: string; subscriptionId: string } }
  | { kind: 'repeat' }
  | { kind: 'not_found' }
  | { kind: 'conflict'; current: string };

/** The fields that make two terminal reports "the same content". */
function essence(r: Partial<ExecutionReport>): string {
  return JSON.stringify([r.status, r.volume ?? null, r.price ?? null, r.followerPositionId ?? null, r.brokerCode ?? null]);
}

/**
 * Records an execution report for one of the follower's own orders: order status by the
 * transition table, the copy leg corrected to what really happened.
 */
export async function recordExecution(q: Queryable, followerAccountId: string, report: ExecutionReport, receivedAt: string): Promise<ExecutionOutcome> {
  const { rows } = await q.query<{ id: string; run_id: string; action: string; status: OrderStatus; leg_id: string | null; subscription_id: string; volume: number | null }>(
    `SELECT id, run_id, action, status, leg_id, subscription_id, (payload->>'volume')::numeric AS volume
       FROM orders WHERE id = $1 AND follower_account_id = $2 FOR UPDATE`,
    [report.orderId, followerAccountId],
  );
  const order = rows[0];
  if (!order) return { kind: 'not_found' };

  if (!TRANSITIONS[order.status].includes(report.status)) {
    const prev = await q.query<{ body: ExecutionReport }>('SELECT body FROM executions WHERE order_id = $1 AND terminal', [order.id]);
    const first = prev.rows[0]?.body;
    if (first && essence(first) === essence(report)) return { kind: 'repeat' };
    // Expired by the gateway's clock, but the EA had it in hand and reports what really happened.
    const expiredByUs = order.status === 'expired' && !first;
    if (!expiredByUs) return { kind: 'conflict', current: order.status };
  }

  const terminal = isTerminal(report.status);
  await q.query(
    'INSERT INTO executions (order_id, status, terminal, body, received_at) VALUES ($1, $2, $3, $4, $5)',
    [order.id, report.status, terminal, JSON.stringify(report), receivedAt],
  );
  await q.query(
    `UPDATE orders SET status = $2, finished_at = CASE WHEN $3 THEN $4::timestamptz ELSE finished_at END,
                       first_delivered_at = COALESCE(first_delivered_at, $4::timestamptz)
      WHERE id = $1`,
    [order.id, report.status, terminal, receivedAt],
  );

  const filled = report.status === 'filled' || report.status === 'partially_filled';
  const reportedVolume = report.volume ?? null;
  if (order.action === 'open') {
    if (filled) {
      await q.query(
        `UPDATE copy_legs SET volume = COALESCE($2::numeric, volume), follower_position_id = COALESCE($3, follower_position_id)
          WHERE open_order_id = $1`,
        [order.id, reportedVolume, report.followerPositionId ?? null],
      );
    } else {
      // Nothing (more) was opened: the leg keeps only what earlier partial fills reported.
      await q.query(
        `UPDATE copy_legs SET volume = COALESCE((SELECT (body->>'volume')::numeric FROM executions
                                                  WHERE order_id = $1 AND status = 'partially_filled' ORDER BY id DESC LIMIT 1), 0)
          WHERE open_order_id = $1`,
        [order.id],
      );
    }
  } else if (order.action === 'close' && order.leg_id && order.volume !== null && terminal) {
    // The leg was reduced when the close was planned; give back what was not closed.
    const closed = report.status === 'filled' ? (reportedVolume ?? Number(order.volume)) : 0;
    const giveBack = Math.max(0, Math.round((Number(order.volume) - closed) * 1e8) / 1e8);
    if (giveBack > 0) await q.query('UPDATE copy_legs SET volume = volume + $2 WHERE open_order_id = $1', [order.leg_id, giveBack]);
  } else if (order.action === 'place' && !filled && terminal) {
    await q.query(`UPDATE pending_copies SET active = false WHERE place_order_id = $1`, [order.id]);
  }
  return { kind: 'recorded', order: { id: order.id, runId: order.run_id, action: order.action, subscriptionId: order.subscription_id } };
}
