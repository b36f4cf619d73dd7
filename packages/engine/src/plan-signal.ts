// One master event → one Decision per follower context, in the order given.
import { legsOf } from './close-legs.js';
import { copied, skipped } from './decision.js';
import { followerSide } from './filters.js';
import { planClose } from './plan-close.js';
import { planModify } from './plan-modify.js';
import { planOpen } from './plan-open.js';
import { planAmend, planCancel, planPlace } from './plan-pending.js';
import type {
  AccountState,
  Decision,
  FollowerContext,
  MasterEvent,
  PositionIncreasedEvent,
  PositionOpenedEvent,
} from './types.js';

export interface PlanSignalInput {
  event: MasterEvent;
  nowMs: number;
  master: AccountState;
  followers: FollowerContext[];
}

export function planSignal(input: PlanSignalInput): Decision[] {
  return input.followers.map((ctx) => planForFollower(input.event, ctx, input.master, input.nowMs));
}

export function planForFollower(event: MasterEvent, ctx: FollowerContext, master: AccountState, nowMs: number): Decision {
  switch (event.type) {
    case 'position.opened':
      return planOpened(event, ctx, master, nowMs);
    case 'position.increased':
      return planIncreased(event, ctx, master, nowMs);
    case 'position.closed':
      return planClose(event, ctx);
    case 'position.modified':
      return planModify(event, ctx);
    case 'order.placed':
      return planPlace(event, ctx, master, nowMs);
    case 'order.modified':
      return planAmend(event, ctx);
    case 'order.cancelled':
      return planCancel(event, ctx);
  }
}

function planOpened(event: PositionOpenedEvent, ctx: FollowerContext, master: AccountState, nowMs: number): Decision {
  const p = event.position;
  // The fill of a master pending order the follower holds a pending copy of: that copy is (or
  // will be) the follower's position, so nothing new is opened; the caller links the two.
  const linkedOrderId = p.orderId ?? p.id;
  const pending = ctx.pendingCopies.find((pc) => pc.masterOrderId === linkedOrderId);
  if (pending !== undefined) {
    return copied(
      ctx,
      [],
      {
        eventType: event.type,
        masterPositionId: p.id,
        masterOrderId: linkedOrderId,
        masterSymbol: p.symbol,
        masterSide: p.side,
        masterVolume: p.volume,
        followerSymbol: pending.followerSymbol,
        followerKind: pending.kind,
      },
      ['linked_to_pending_copy'],
    );
  }
  return planOpen(
    {
      eventType: event.type,
      occurredAtMs: event.occurredAtMs,
      action: 'open',
      masterPositionId: p.id,
      masterOrderId: null,
      masterSymbol: p.symbol,
      followerSymbol: null,
      masterSide: p.side,
      pendingKind: null,
      volume: p.volume,
      price: p.price,
      sl: p.sl ?? null,
      tp: p.tp ?? null,
      expiresAt: null,
      newPosition: true,
      notes: ctx.copies.some((c) => c.masterPositionId === p.id) ? ['existing_copy_legs'] : [],
    },
    ctx,
    master,
    nowMs,
  );
}

/** A scale-in is sized like an open of the added volume, with the same guards except
 * max_positions, and opens another leg of the same copy. When the follower holds no copy yet
 * (the first open was skipped) it is a new copy and max_positions applies; without the symbol
 * and side in the event there is nothing to open (`no_copy`). */
function planIncreased(event: PositionIncreasedEvent, ctx: FollowerContext, master: AccountState, nowMs: number): Decision {
  const p = event.position;
  const first = legsOf(ctx.copies, p.id)[0];
  const masterSide = p.side ?? (first === undefined ? undefined : followerSide(first.side, ctx.subscription.reverse));
  if (masterSide === undefined || (first === undefined && p.symbol === undefined)) {
    return skipped(ctx, 'no_copy', { eventType: event.type, masterPositionId: p.id, masterVolume: p.volume, legs: 0 });
  }
  return planOpen(
    {
      eventType: event.type,
      occurredAtMs: event.occurredAtMs,
      action: 'open',
      masterPositionId: p.id,
      masterOrderId: null,
      masterSymbol: p.symbol ?? null,
      followerSymbol: first?.followerSymbol ?? null,
      masterSide,
      pendingKind: null,
      volume: p.volume,
      price: p.price,
      sl: p.sl ?? null,
      tp: p.tp ?? null,
      expiresAt: null,
      newPosition: first === undefined,
    },
    ctx,
    master,
    nowMs,
  );
}
