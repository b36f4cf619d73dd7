// Builders for Decision and PlannedOrder values, so every planner fills every field the same way.
import { sumVolumes } from './lots.js';
import type { NoteCode, ReasonCode } from './reasons.js';
import type { Decision, DecisionInputs, FollowerContext, PlannedOrder } from './types.js';

export function uniqueNotes(notes: readonly NoteCode[]): NoteCode[] {
  return notes.length < 2 ? notes.slice() : [...new Set(notes)];
}

export function skipped(
  ctx: FollowerContext,
  reason: ReasonCode | null,
  inputs: DecisionInputs,
  notes: readonly NoteCode[] = [],
): Decision {
  return {
    subscriptionId: ctx.subscription.id,
    followerAccountId: ctx.subscription.followerAccountId,
    outcome: 'skipped',
    reason,
    notes: uniqueNotes(notes),
    volume: null,
    inputs,
    orders: [],
  };
}

export function copied(
  ctx: FollowerContext,
  orders: PlannedOrder[],
  inputs: DecisionInputs,
  notes: readonly NoteCode[] = [],
  reason: ReasonCode | null = null,
): Decision {
  const volumes = orders.flatMap((o) => (o.volume === null ? [] : [o.volume]));
  return {
    subscriptionId: ctx.subscription.id,
    followerAccountId: ctx.subscription.followerAccountId,
    outcome: 'copied',
    reason,
    notes: uniqueNotes(notes),
    volume: volumes.length === 0 ? null : sumVolumes(volumes),
    inputs,
    orders,
  };
}

/** A PlannedOrder with every field not given set to null. */
export function order(fields: Partial<PlannedOrder> & Pick<PlannedOrder, 'action' | 'symbol'>): PlannedOrder {
  const { action, symbol, ...rest } = fields;
  return {
    action,
    symbol,
    side: null,
    kind: null,
    volume: null,
    price: null,
    maxDeviation: null,
    sl: null,
    tp: null,
    expiresAt: null,
    masterPositionId: null,
    masterOrderId: null,
    followerPositionId: null,
    updates: null,
    ...rest,
  };
}
