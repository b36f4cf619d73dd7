// position.modified → modify the SL/TP of every follower position of the copy, as far as
// copySl / copyTp allow (reverse swaps them). A modify order changes only the fields its
// `updates` names. Like closes, never blocked by filters, risk guards, age or pausing: managing
// the protection of an open copy is always wanted.
import { legsOf } from './close-legs.js';
import { newInputs } from './decision-inputs.js';
import { copied, order, skipped } from './decision.js';
import { followerStops } from './filters.js';
import type { NoteCode } from './reasons.js';
import type { CopyLeg, Decision, FollowerContext, PositionModifiedEvent } from './types.js';

/** One leg per follower position: legs sharing a followerPositionId (a netting follower scaled in)
 * are one position to modify. Legs whose position id is not known yet are each kept. */
export function distinctPositions(legs: readonly CopyLeg[]): CopyLeg[] {
  const seen = new Set<string>();
  return legs.filter((leg) => {
    if (leg.followerPositionId === null) return true;
    if (seen.has(leg.followerPositionId)) return false;
    seen.add(leg.followerPositionId);
    return true;
  });
}

export function planModify(event: PositionModifiedEvent, ctx: FollowerContext): Decision {
  const s = ctx.subscription;
  const { id, sl, tp } = event.position;
  const legs = legsOf(ctx.copies, id);
  const inputs = newInputs(event.type);
  inputs.masterPositionId = id;
  inputs.reverse = s.reverse;
  inputs.copySl = s.copySl;
  inputs.copyTp = s.copyTp;
  inputs.legs = legs.length;
  if (sl !== undefined) inputs.masterSl = sl;
  if (tp !== undefined) inputs.masterTp = tp;
  if (legs.length === 0) return skipped(ctx, 'no_copy', inputs);

  const stops = followerStops(sl, tp, s);
  const notes: NoteCode[] = stops.dropped.map((f) => (f === 'sl' ? 'sl_not_copied' : 'tp_not_copied'));
  if (stops.sl === undefined && stops.tp === undefined) {
    return skipped(ctx, stops.dropped.length > 0 ? 'sl_tp_not_copied' : 'nothing_to_change', inputs, notes);
  }
  const orders = distinctPositions(legs).map((leg) =>
    order({
      action: 'modify',
      symbol: leg.followerSymbol,
      side: leg.side,
      sl: stops.sl ?? null,
      tp: stops.tp ?? null,
      masterPositionId: id,
      followerPositionId: leg.followerPositionId,
      updates: { sl: stops.sl !== undefined, tp: stops.tp !== undefined, price: false, expiresAt: false },
    }),
  );
  return copied(ctx, orders, inputs, notes);
}
