import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FollowerOrder } from '@kopitra/protocol';
import { orderTag } from '@kopitra/protocol';

/** Helpers shared by the package's tests. */
export function tempDir(prefix = 'kopitra-ea-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Records the delays asked for and returns at once (deterministic, no real waiting). */
export function recordingSleep(): { sleep: (ms: number, signal: AbortSignal) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return { delays, sleep: async (ms) => { delays.push(ms); await new Promise((r) => setImmediate(r)); } };
}

let counter = 0;
export function followerOrder(fields: Partial<FollowerOrder> & Pick<FollowerOrder, 'action'>, now = Date.now()): FollowerOrder {
  const orderId = fields.orderId ?? `ord_test${String(++counter).padStart(6, '0')}`;
  return {
    orderId, runId: 'run_1', subscriptionId: 'sub_1', createdAt: new Date(now).toISOString(), expiresAt: new Date(now + 60_000).toISOString(),
    symbol: 'EURUSD', side: null, kind: null, volume: null, price: null, maxDeviation: null, sl: null, tp: null,
    masterPositionId: null, masterOrderId: null, followerPositionId: null, tag: orderTag(orderId),
    ...fields,
  };
}
