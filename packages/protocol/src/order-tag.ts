import { createHash } from 'node:crypto';

/**
 * Deterministic ids: an order's id derives from (signal, subscription, leg index), so a replay
 * after a crash computes the same id and dedupes by construction.
 */
export function deriveOrderId(signalId: string, subscriptionId: string, index: number): string {
  const h = createHash('sha256').update(`${signalId}\u0000${subscriptionId}\u0000${index}`).digest('base64url');
  return 'ord_' + h.slice(0, 22);
}

/** The follower's order tag: fits an MT4/MT5 comment (≤ 31 chars), unique per order. */
export function orderTag(orderId: string): string {
  return 'kp:' + orderId.replace(/^ord_/, '').slice(0, 22);
}
