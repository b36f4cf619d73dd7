// Which master trades a subscription copies, and how a copy is turned around under `reverse`.
import type { PendingKind, Side, SubscriptionSettings } from './types.js';

/** `*` matches any run of characters; matching is case-insensitive. */
export function matchesPattern(name: string, pattern: string): boolean {
  const escaped = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&'))
    .join('.*');
  return new RegExp(`^${escaped}$`, 'iu').test(name);
}

/** Allowed when it matches no deny pattern and (allow is empty or it matches an allow pattern). */
export function symbolAllowed(canonical: string, filters: SubscriptionSettings['symbols']): boolean {
  if (filters.deny.some((p) => matchesPattern(canonical, p))) return false;
  return filters.allow.length === 0 || filters.allow.some((p) => matchesPattern(canonical, p));
}

/** `direction` filters on the master's side: it selects which master trades are copied;
 * `reverse` is applied afterwards. */
export function directionAllowed(masterSide: Side, direction: SubscriptionSettings['direction']): boolean {
  if (direction === 'long_only') return masterSide === 'buy';
  if (direction === 'short_only') return masterSide === 'sell';
  return true;
}

export function oppositeSide(side: Side): Side {
  return side === 'buy' ? 'sell' : 'buy';
}

export function followerSide(masterSide: Side, reverse: boolean): Side {
  return reverse ? oppositeSide(masterSide) : masterSide;
}

export function kindSide(kind: PendingKind): Side {
  return kind === 'buy_limit' || kind === 'buy_stop' ? 'buy' : 'sell';
}

/** Reversing a pending order keeps its trigger price, so the order type flips with the side:
 * a buy limit (below market) becomes a sell stop (below market), a buy stop (above) a sell limit (above). */
export function followerKind(kind: PendingKind, reverse: boolean): PendingKind {
  if (!reverse) return kind;
  switch (kind) {
    case 'buy_limit':
      return 'sell_stop';
    case 'buy_stop':
      return 'sell_limit';
    case 'sell_limit':
      return 'buy_stop';
    case 'sell_stop':
      return 'buy_limit';
  }
}

/** undefined = leave unchanged / not given; null = none (removes it). */
export type StopValue = number | null | undefined;

export interface FollowerStops {
  sl: StopValue;
  tp: StopValue;
  /** Follower fields the master set but the subscription does not copy. */
  dropped: Array<'sl' | 'tp'>;
}

/** Master SL/TP → follower SL/TP. Under `reverse` the master's SL becomes the follower's TP and
 * vice versa; `copySl` / `copyTp` govern the follower's SL / TP field, whichever master value feeds it. */
export function followerStops(
  masterSl: StopValue,
  masterTp: StopValue,
  s: Pick<SubscriptionSettings, 'reverse' | 'copySl' | 'copyTp'>,
): FollowerStops {
  const sl = s.reverse ? masterTp : masterSl;
  const tp = s.reverse ? masterSl : masterTp;
  const dropped: Array<'sl' | 'tp'> = [];
  if (!s.copySl && sl !== undefined) dropped.push('sl');
  if (!s.copyTp && tp !== undefined) dropped.push('tp');
  return { sl: s.copySl ? sl : undefined, tp: s.copyTp ? tp : undefined, dropped };
}
