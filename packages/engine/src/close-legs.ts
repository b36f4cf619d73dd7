// Closing (part of) a copy that may span several legs. Legs are consumed oldest first (then in
// the order given), so a partial close is deterministic; a leg consumed entirely is closed with its
// own recorded volume, so nothing is left behind by rounding.
import { order } from './decision.js';
import { stepsToVolume, volumeToSteps } from './lots.js';
import type { StepGrid } from './lots.js';
import type { CopyLeg, PlannedOrder } from './types.js';

export interface ClosableLeg {
  leg: CopyLeg;
  /** Volume that can be closed on this leg now (usually leg.volume). */
  volume: number;
}

export function legsOf(copies: readonly CopyLeg[], masterPositionId: string): CopyLeg[] {
  return oldestFirst(copies.filter((c) => c.masterPositionId === masterPositionId));
}

export function oldestFirst<T extends { openedAtMs: number }>(legs: readonly T[]): T[] {
  // Array.prototype.sort is stable: equal times keep the caller's order.
  return [...legs].sort((a, b) => a.openedAtMs - b.openedAtMs);
}

export function closeOrder(leg: CopyLeg, volume: number): PlannedOrder {
  return order({
    action: 'close',
    symbol: leg.followerSymbol,
    side: leg.side,
    volume,
    masterPositionId: leg.masterPositionId,
    followerPositionId: leg.followerPositionId,
  });
}

/** Close `closeSteps` steps across `legs` (oldest first). */
export function allocateClose(legs: readonly ClosableLeg[], closeSteps: number, grid: StepGrid): PlannedOrder[] {
  const orders: PlannedOrder[] = [];
  let remaining = closeSteps;
  for (const { leg, volume } of legs) {
    if (remaining <= 0) break;
    const legSteps = volumeToSteps(volume, grid, 'down');
    if (legSteps <= 0) continue;
    if (legSteps <= remaining) {
      orders.push(closeOrder(leg, volume));
      remaining -= legSteps;
    } else {
      orders.push(closeOrder(leg, stepsToVolume(remaining, grid)));
      remaining = 0;
    }
  }
  return orders;
}
