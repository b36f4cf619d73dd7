// Exact lot arithmetic. A volume is a whole number of the symbol's volumeStep; the step itself
// is an integer number of units of 10^-decimals (0.01 → 1 unit of 10^-2, 0.05 → 5 units of
// 10^-2). Step counts are plain integers, and a volume is only turned back into a decimal at the
// very end, by one division by a power of ten, so 0.1 + 0.2 never reaches a broker.

/** How far below a whole step a float may fall and still count as that step. It absorbs float
 * noise and 8-digit truncations such as 0.29999999 lots at step 0.01 (29.999999 steps → 30). */
export const STEP_TOLERANCE = 1e-5;

const MAX_DECIMALS = 10;

export interface StepGrid {
  step: number;
  /** Decimal places of the step. */
  decimals: number;
  /** The step in units of 10^-decimals. */
  units: number;
}

export type RoundMode = 'down' | 'up' | 'nearest';

export function isValidStep(step: number): boolean {
  return Number.isFinite(step) && step > 0 && step <= 1e6;
}

export function stepGrid(step: number): StepGrid {
  if (!isValidStep(step)) throw new RangeError(`invalid volume step ${step}`);
  for (let decimals = 0; decimals <= MAX_DECIMALS; decimals++) {
    const scaled = step * 10 ** decimals;
    const units = Math.round(scaled);
    if (units >= 1 && Math.abs(scaled - units) <= 1e-9 * scaled) return { step, decimals, units };
  }
  // A step finer than 10^-10 lots: treat it on a 10^-10 grid (never seen on a real symbol).
  return { step, decimals: MAX_DECIMALS, units: Math.max(1, Math.round(step * 10 ** MAX_DECIMALS)) };
}

/** Number of whole steps in `volume`. */
export function volumeToSteps(volume: number, grid: StepGrid, mode: RoundMode = 'down'): number {
  if (!Number.isFinite(volume)) throw new RangeError(`invalid volume ${volume}`);
  const q = (volume * 10 ** grid.decimals) / grid.units;
  switch (mode) {
    case 'down':
      return Math.floor(q + STEP_TOLERANCE);
    case 'up':
      return Math.ceil(q - STEP_TOLERANCE);
    case 'nearest':
      return Math.round(q);
  }
}

/** Below this many units of 10^-decimals, one division is the clean decimal (see stepsToVolume). */
const EXACT_UNITS = 2 ** 50;

/**
 * The clean decimal volume of `steps` steps (e.g. 7 × 0.01 → 0.07, never 0.07000000000000001).
 * Integer units over a power of ten: the division rounds to the double nearest the decimal, which
 * is what printing it to `decimals` places and parsing it back gives — while the units stay below
 * 2^50 the double is within a quarter of a place of the decimal, so that print cannot round to
 * another one. Beyond that (never a real volume), print and parse.
 */
export function stepsToVolume(steps: number, grid: StepGrid): number {
  if (!Number.isSafeInteger(steps)) throw new RangeError(`steps must be a safe integer, got ${steps}`);
  const units = steps * grid.units;
  // + 0: no negative zero (printing gives "0.00")
  if (Math.abs(units) < EXACT_UNITS) return units / 10 ** grid.decimals + 0;
  return Number((units / 10 ** grid.decimals).toFixed(grid.decimals));
}

/** Round a volume to the step (down by default), exactly. */
export function roundVolume(volume: number, step: number, mode: RoundMode = 'down'): number {
  const grid = stepGrid(step);
  return stepsToVolume(volumeToSteps(volume, grid, mode), grid);
}

/** Whether `volume` is a whole number of steps (within float noise). */
export function isWholeSteps(volume: number, step: number): boolean {
  const grid = stepGrid(step);
  const q = (volume * 10 ** grid.decimals) / grid.units;
  return Math.abs(q - Math.round(q)) <= STEP_TOLERANCE;
}

/** Decimal places needed to write `x` exactly as it prints (0.07 → 2, 1e-7 → 7). */
export function decimalPlaces(x: number): number {
  const s = String(Math.abs(x));
  const [mantissa = '', exp] = s.split('e');
  const frac = mantissa.split('.')[1]?.length ?? 0;
  return Math.max(0, frac - (exp === undefined ? 0 : Number(exp)));
}

/** Exact sum of decimal volumes (as they print), e.g. 0.1 + 0.2 → 0.3. */
export function sumVolumes(volumes: readonly number[]): number {
  if (volumes.length === 0) return 0;
  if (volumes.length === 1) {
    // One volume with at most MAX_DECIMALS decimals is its own sum (the case of nearly every
    // decision); found without printing it, which cost a fan-out ≈ 1 µs per follower.
    const v = volumes[0]! + 0;
    if (Math.round(v * 10 ** MAX_DECIMALS) / 10 ** MAX_DECIMALS === v) return v;
  }
  const decimals = Math.min(MAX_DECIMALS, Math.max(...volumes.map(decimalPlaces)));
  const scale = 10 ** decimals;
  const units = volumes.reduce((acc, v) => acc + Math.round(v * scale), 0);
  return Number((units / scale).toFixed(decimals));
}
