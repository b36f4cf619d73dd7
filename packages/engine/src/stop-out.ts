// Follower equity strictly below the subscription's stopOutEquity: close every copied position of
// the subscription entirely (and cancel its pending copies, which would otherwise fill later).
// The decision is `copied` with reason `stop_out`; the caller then pauses the subscription.
// Not triggered: `skipped`, reason null, no orders, and a note saying why
// (`equity_ok`, `equity_unknown` or `stop_out_not_configured`).
import { closeOrder, oldestFirst } from './close-legs.js';
import { newInputs } from './decision-inputs.js';
import { copied, order, skipped } from './decision.js';
import { kindSide } from './filters.js';
import { sumVolumes } from './lots.js';
import type { NoteCode } from './reasons.js';
import { isBelowStopOut } from './risk-guards.js';
import type { Decision, FollowerContext } from './types.js';

export function planStopOut(input: { ctx: FollowerContext }): Decision {
  const { ctx } = input;
  const s = ctx.subscription;
  const inputs = newInputs('stop_out');
  inputs.stopOutEquity = s.stopOutEquity;
  inputs.followerEquity = ctx.follower.equity;
  inputs.legs = ctx.copies.length;
  inputs.copyOpenVolume = sumVolumes(ctx.copies.map((c) => c.volume));
  if (s.stopOutEquity === null) return skipped(ctx, null, inputs, ['stop_out_not_configured']);
  if (ctx.follower.equity === null) return skipped(ctx, null, inputs, ['equity_unknown']);
  if (!isBelowStopOut(ctx.follower, s.stopOutEquity)) return skipped(ctx, null, inputs, ['equity_ok']);

  const notes: NoteCode[] = [];
  if (ctx.copies.length === 0) notes.push('no_open_copies');
  if (ctx.pendingCopies.length > 0) notes.push('pending_copies_cancelled');
  const closes = oldestFirst(ctx.copies).map((leg) => closeOrder(leg, leg.volume));
  const cancels = ctx.pendingCopies.map((pc) =>
    order({ action: 'cancel', symbol: pc.followerSymbol, side: kindSide(pc.kind), kind: pc.kind, masterOrderId: pc.masterOrderId }),
  );
  return copied(ctx, [...closes, ...cancels], inputs, notes, 'stop_out');
}
