// Master pending orders → follower pending orders: order.placed → `place` (sized and guarded like
// an open), order.modified → `amend`, order.cancelled → `cancel`. copyPending false stops new
// `place`s only: a pending copy that already exists is still amended and cancelled (an orphaned
// pending order would fill long after the master cancelled it).
import { newInputs } from './decision-inputs.js';
import { copied, order, skipped } from './decision.js';
import { followerStops, kindSide } from './filters.js';
import { planOpen } from './plan-open.js';
import type { NoteCode } from './reasons.js';
import type {
  AccountState,
  Decision,
  DecisionInputs,
  FollowerContext,
  OrderCancelledEvent,
  OrderModifiedEvent,
  OrderPlacedEvent,
  PendingCopy,
} from './types.js';

export function planPlace(event: OrderPlacedEvent, ctx: FollowerContext, master: AccountState, nowMs: number): Decision {
  const o = event.order;
  if (!ctx.subscription.copyPending) {
    return skipped(ctx, 'pending_not_copied', {
      eventType: event.type,
      masterOrderId: o.id,
      masterSymbol: o.symbol,
      pendingKind: o.kind,
      masterVolume: o.volume,
      copyPending: false,
    });
  }
  return planOpen(
    {
      eventType: event.type,
      occurredAtMs: event.occurredAtMs,
      action: 'place',
      masterPositionId: null,
      masterOrderId: o.id,
      masterSymbol: o.symbol,
      followerSymbol: null,
      masterSide: kindSide(o.kind),
      pendingKind: o.kind,
      volume: o.volume,
      price: o.price,
      sl: o.sl ?? null,
      tp: o.tp ?? null,
      expiresAt: o.expiresAt ?? null,
      newPosition: true,
    },
    ctx,
    master,
    nowMs,
  );
}

function findPending(ctx: FollowerContext, masterOrderId: string): PendingCopy | null {
  return ctx.pendingCopies.find((p) => p.masterOrderId === masterOrderId) ?? null;
}

function missingPending(ctx: FollowerContext, inputs: DecisionInputs): Decision {
  return skipped(ctx, ctx.subscription.copyPending ? 'no_copy' : 'pending_not_copied', inputs);
}

export function planAmend(event: OrderModifiedEvent, ctx: FollowerContext): Decision {
  const s = ctx.subscription;
  const o = event.order;
  const inputs = newInputs(event.type);
  inputs.masterOrderId = o.id;
  inputs.copyPending = s.copyPending;
  inputs.reverse = s.reverse;
  inputs.copySl = s.copySl;
  inputs.copyTp = s.copyTp;
  if (o.price !== undefined) inputs.masterPrice = o.price;
  if (o.sl !== undefined) inputs.masterSl = o.sl;
  if (o.tp !== undefined) inputs.masterTp = o.tp;
  const pending = findPending(ctx, o.id);
  if (pending === null) return missingPending(ctx, inputs);
  inputs.followerSymbol = pending.followerSymbol;
  inputs.followerKind = pending.kind;
  if (o.price !== undefined && (!Number.isFinite(o.price) || o.price < 0)) return skipped(ctx, 'invalid_signal', inputs);

  const stops = followerStops(o.sl, o.tp, s);
  const notes: NoteCode[] = stops.dropped.map((f) => (f === 'sl' ? 'sl_not_copied' : 'tp_not_copied'));
  if (!s.copyPending) notes.push('copy_pending_disabled');
  const updates = {
    sl: stops.sl !== undefined,
    tp: stops.tp !== undefined,
    price: o.price !== undefined,
    expiresAt: o.expiresAt !== undefined,
  };
  if (!updates.sl && !updates.tp && !updates.price && !updates.expiresAt) {
    return skipped(ctx, stops.dropped.length > 0 ? 'sl_tp_not_copied' : 'nothing_to_change', inputs, notes);
  }
  const amend = order({
    action: 'amend',
    symbol: pending.followerSymbol,
    side: kindSide(pending.kind),
    kind: pending.kind,
    price: o.price ?? null,
    sl: stops.sl ?? null,
    tp: stops.tp ?? null,
    expiresAt: o.expiresAt ?? null,
    masterOrderId: o.id,
    updates,
  });
  return copied(ctx, [amend], inputs, notes);
}

export function planCancel(event: OrderCancelledEvent, ctx: FollowerContext): Decision {
  const inputs = newInputs(event.type);
  inputs.masterOrderId = event.order.id;
  inputs.copyPending = ctx.subscription.copyPending;
  const pending = findPending(ctx, event.order.id);
  if (pending === null) return missingPending(ctx, inputs);
  inputs.followerSymbol = pending.followerSymbol;
  inputs.followerKind = pending.kind;
  const cancel = order({
    action: 'cancel',
    symbol: pending.followerSymbol,
    side: kindSide(pending.kind),
    kind: pending.kind,
    masterOrderId: event.order.id,
  });
  return copied(ctx, [cancel], inputs, ctx.subscription.copyPending ? [] : ['copy_pending_disabled']);
}
