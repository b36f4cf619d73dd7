import type { PlannedOrder } from '@kopitra/engine';
import type { Queryable } from '../db';
import { CopyBatch, type StoredFollowerContext, type WrittenOrder } from './copy-batch';

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
