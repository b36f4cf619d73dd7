// Raw volume → a tradeable follower volume (copy-semantics.md § Rounding and limits):
// round down to the step, clamp to min(maxLot, volumeMax) (note `clamped`), then below volumeMin
// skip with `below_min_volume` unless minVolume is round_up (use volumeMin, but never above the cap).
import { stepGrid, stepsToVolume, volumeToSteps } from './lots.js';
import type { StepGrid } from './lots.js';
import type { NoteCode } from './reasons.js';
import type { DecisionInputs, SymbolSpec } from './types.js';

export interface FitVolumeInput {
  raw: number;
  spec: Pick<SymbolSpec, 'volumeMin' | 'volumeMax' | 'volumeStep'>;
  maxLot: number | null;
  minVolume: 'skip' | 'round_up';
  /** false: the cap is maxLot only (a whole position's target in reconciliation may exceed a
   * single order's volumeMax). Default true. */
  capByVolumeMax?: boolean;
  /** The decision inputs to add the rounding inputs to (see SizeVolumeInput.into); a new object when absent. */
  into?: Partial<DecisionInputs>;
}

export type FitVolumeResult =
  | { ok: true; volume: number; steps: number; notes: NoteCode[]; inputs: Partial<DecisionInputs> }
  | { ok: false; reason: 'below_min_volume'; notes: NoteCode[]; inputs: Partial<DecisionInputs> };

/** The most whole steps not above `cap`. Unlike a sized volume, a cap gets no tolerance beyond
 * float noise: a maxLot of 999.999999 must never let 1000 through. */
function capToSteps(cap: number, grid: StepGrid): number {
  let steps = Math.max(0, Math.floor((cap * 10 ** grid.decimals) / grid.units + 1e-9));
  while (steps > 0 && stepsToVolume(steps, grid) > cap) steps--;
  return steps;
}

export function fitVolume(input: FitVolumeInput): FitVolumeResult {
  const { raw, spec, maxLot, minVolume } = input;
  const grid = stepGrid(spec.volumeStep);
  const capLots = Math.min(
    maxLot ?? Number.POSITIVE_INFINITY,
    input.capByVolumeMax === false ? Number.POSITIVE_INFINITY : spec.volumeMax,
  );
  const inputs: Partial<DecisionInputs> = input.into ?? {};
  inputs.rawVolume = raw;
  inputs.volumeStep = spec.volumeStep;
  inputs.volumeMin = spec.volumeMin;
  inputs.volumeMax = spec.volumeMax;
  inputs.maxLot = maxLot;
  inputs.minVolume = minVolume;
  if (Number.isFinite(capLots)) inputs.volumeCap = capLots;
  const notes: NoteCode[] = [];

  if (!Number.isFinite(raw) || raw <= 0) {
    return { ok: false, reason: 'below_min_volume', notes: ['zero_volume'], inputs };
  }
  // Cap absurd raw volumes so step counts stay safe integers (any real cap is far below this).
  let steps = Math.min(volumeToSteps(raw, grid, 'down'), 1e12);
  const capSteps = Number.isFinite(capLots) ? capToSteps(capLots, grid) : Number.POSITIVE_INFINITY;
  if (steps > capSteps) {
    steps = capSteps;
    notes.push('clamped');
  }
  const minSteps = Math.max(1, volumeToSteps(spec.volumeMin, grid, 'up'));
  if (steps < minSteps) {
    if (minVolume !== 'round_up') return { ok: false, reason: 'below_min_volume', notes, inputs };
    if (minSteps > capSteps) return { ok: false, reason: 'below_min_volume', notes: [...notes, 'cap_below_min'], inputs };
    steps = minSteps;
    notes.push('rounded_up_to_min');
  }
  return { ok: true, volume: stepsToVolume(steps, grid), steps, notes, inputs };
}
