import type { PlannedOrder } from '@kopitra/engine';
import type { Queryable } from '../db';
import { CopyBatch, type StoredFollowerContext, type WrittenOrder } from './copy-batch';
import { ORDERS_CHANNEL, wakePayloads } from './events';

export type { WrittenOrder } from './copy-batch';

export interface OrderToWrite {
  ctx: StoredFollowerContext;
  orders: PlannedOrder[];
}

/**
 * Writes planned orders for one source (a signal, a reconciliation, a stop-out, a task) in one
 * statement — deterministic ids from (source, subscription, index), copy-leg and pending-copy
 * bookkeeping, and the followers' wake-up notification.
 */
export async function writeOrders(
  q: Queryable,
  input: { sourceId: string; runId: string; signalId: string | null; nowMs: number; items: OrderToWrite[] },
): Promise<WrittenOrder[]> {
  const batch = new CopyBatch(input.nowMs);
  for (const { ctx, orders } of input.items) batch.addOrders({ sourceId: input.sourceId, runId: input.runId, signalId: input.signalId, ctx, orders });
  await batch.flush(q);
  return batch.written;
}

/** Wakes every gateway process's long-polls for these followers (NOTIFY payloads stay under 8000 bytes). */
export async function notifyFollowers(q: Queryable, followerAccountIds: Iterable<string>): Promise<void> {
  for (const payload of wakePayloads(new Set(followerAccountIds))) await q.query(`SELECT pg_notify('${ORDERS_CHANNEL}', $1)`, [payload]);
}
