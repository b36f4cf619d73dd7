// position.closed → close the follower's copy. A full close (volumeAfter 0) closes every leg
// entirely; a partial close of X out of V = X + volumeAfter closes open × X ÷ V rounded down to
// the step, and when that is zero (or below the symbol's minimum) closes nothing now — the
// remainder goes with the final close. Never blocked by filters, risk guards, age or pausing.
import { allocateClose, closeOrder, legsOf } from './close-legs.js';
import { newInputs } from './decision-inputs.js';
import { copied, skipped } from './decision.js';
import { STEP_TOLERANCE, stepGrid, sumVolumes, volumeToSteps } from './lots.js';
import type { NoteCode } from './reasons.js';
import { specFor } from './symbol-spec.js';
import type { Decision, FollowerContext, PositionClosedEvent } from './types.js';

export function planClose(event: PositionClosedEvent, ctx: FollowerContext): Decision {
  const { id, volume, volumeAfter } = event.position;
  const legs = legsOf(ctx.copies, id);
  const inputs = newInputs(event.type);
  inputs.masterPositionId = id;
  inputs.masterVolumeClosed = volume;
  inputs.masterVolumeAfter = volumeAfter;
  inputs.legs = legs.length;
  if (legs.length === 0) return skipped(ctx, 'no_copy', inputs);
  const first = legs[0] as (typeof legs)[number];
  inputs.followerSymbol = first.followerSymbol;
  inputs.copyOpenVolume = sumVolumes(legs.map((l) => l.volume));

  if (!Number.isFinite(volumeAfter) || volumeAfter < 0) return skipped(ctx, 'invalid_signal', inputs);
  if (volumeAfter === 0) {
    return copied(ctx, legs.map((leg) => closeOrder(leg, leg.volume)), inputs, ['full_close']);
  }
  if (!Number.isFinite(volume) || volume <= 0) return skipped(ctx, 'invalid_signal', inputs);

  const notes: NoteCode[] = [];
  const resolved = specFor(ctx.follower, first.followerSymbol);
  notes.push(...resolved.notes);
  const grid = stepGrid(resolved.spec.volumeStep);
  inputs.volumeStep = resolved.spec.volumeStep;
  inputs.volumeMin = resolved.spec.volumeMin;
  const fraction = volume / (volume + volumeAfter);
  inputs.closeFraction = fraction;

  const openSteps = legs.reduce((acc, leg) => acc + Math.max(0, volumeToSteps(leg.volume, grid, 'down')), 0);
  const closeSteps = Math.floor((openSteps * volume) / (volume + volumeAfter) + STEP_TOLERANCE);
  if (closeSteps <= 0) {
    return skipped(ctx, 'close_rounded_to_zero', inputs, [...notes, 'partial_close_rounded_to_zero']);
  }
  if (closeSteps >= openSteps) {
    return copied(ctx, legs.map((leg) => closeOrder(leg, leg.volume)), inputs, [...notes, 'full_close']);
  }
  const minSteps = Math.max(1, volumeToSteps(resolved.spec.volumeMin, grid, 'up'));
  if (closeSteps < minSteps) {
    return skipped(ctx, 'close_rounded_to_zero', inputs, [...notes, 'partial_close_below_min']);
  }
  const orders = allocateClose(legs.map((leg) => ({ leg, volume: leg.volume })), closeSteps, grid);
  return copied(ctx, orders, inputs, notes);
}
