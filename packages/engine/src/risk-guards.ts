// Guards that stop new opens (copy-semantics.md § Risk guards). None of them ever blocks a close.
import type { AccountState, CopyLeg, PendingCopy, SubscriptionSettings } from './types.js';

export const DEFAULT_MAX_SIGNAL_AGE_MS = 30_000;

export function maxSignalAge(s: Pick<SubscriptionSettings, 'maxSignalAgeMs'>): number {
  return Number.isFinite(s.maxSignalAgeMs) && s.maxSignalAgeMs >= 0 ? s.maxSignalAgeMs : DEFAULT_MAX_SIGNAL_AGE_MS;
}

/** An open is stale when its master `occurredAt` is older than maxSignalAgeMs at planning time. */
export function isStale(occurredAtMs: number, nowMs: number, maxAgeMs: number): boolean {
  return !Number.isFinite(occurredAtMs) || nowMs - occurredAtMs > maxAgeMs;
}

/** Distinct master positions this subscription holds copies of, not counting `exceptId`. */
export function copiedPositionCount(copies: readonly CopyLeg[], exceptId: string | null): number {
  return new Set(copies.map((c) => c.masterPositionId).filter((id) => id !== exceptId)).size;
}

/** Distinct master pending orders this subscription holds copies of, not counting `exceptId`. */
export function pendingCopyCount(pending: readonly PendingCopy[], exceptId: string | null): number {
  return new Set(pending.map((p) => p.masterOrderId).filter((id) => id !== exceptId)).size;
}

export type DailyLossCheck =
  | { evaluated: false }
  | { evaluated: true; hit: boolean; threshold: number };

/** Hit when equity has fallen `dailyLossPercent` % (or more) below the day's first equity snapshot. */
export function checkDailyLoss(
  follower: Pick<AccountState, 'equity' | 'dayStartEquity'>,
  dailyLossPercent: number | null,
): DailyLossCheck | null {
  if (dailyLossPercent === null) return null;
  const { equity, dayStartEquity } = follower;
  if (equity === null || dayStartEquity === null || !Number.isFinite(equity) || !Number.isFinite(dayStartEquity)) {
    return { evaluated: false };
  }
  const threshold = dayStartEquity * (1 - dailyLossPercent / 100);
  return { evaluated: true, hit: equity <= threshold, threshold };
}

/** Strictly below `stopOutEquity` (absolute, account currency). */
export function isBelowStopOut(
  follower: Pick<AccountState, 'equity'>,
  stopOutEquity: number | null,
): boolean {
  return stopOutEquity !== null && follower.equity !== null && Number.isFinite(follower.equity) && follower.equity < stopOutEquity;
}
