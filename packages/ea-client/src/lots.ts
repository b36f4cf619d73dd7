/**
 * Exact lot arithmetic. Volumes are held as integer "units" of 1e-8 lots, so sums and
 * differences are integer operations and `0.1 + 0.2` never reaches the broker. A unit count
 * converts back to the nearest double of its decimal value (integer ÷ power of ten is
 * correctly rounded), so 30_000_000 units is exactly the literal 0.3.
 */
export const UNITS_PER_LOT = 100_000_000;

/** Tolerance, in steps, below which a remainder counts as a whole step (0.29999999 → 0.3). */
const STEP_EPSILON = 1e-6;

export function toUnits(volume: number): number {
  return Math.round(volume * UNITS_PER_LOT);
}

export function fromUnits(units: number): number {
  return units / UNITS_PER_LOT;
}

export function addLots(a: number, b: number): number {
  return fromUnits(toUnits(a) + toUnits(b));
}

export function subLots(a: number, b: number): number {
  return fromUnits(toUnits(a) - toUnits(b));
}

export function compareLots(a: number, b: number): number {
  return Math.sign(toUnits(a) - toUnits(b));
}

/** Whole steps in `volume`, rounding down (with a tiny tolerance for binary noise). */
export function stepsIn(volume: number, step: number): number {
  const stepUnits = toUnits(step);
  if (stepUnits <= 0) throw new RangeError(`volume step must be positive, got ${step}`);
  return Math.floor(toUnits(volume) / stepUnits + STEP_EPSILON);
}

export function stepsToLots(steps: number, step: number): number {
  return fromUnits(steps * toUnits(step));
}

/** Round down to a whole number of steps. */
export function roundDownToStep(volume: number, step: number): number {
  return stepsToLots(stepsIn(volume, step), step);
}

/** True when `volume` is a whole number of steps (within the tolerance). */
export function isWholeSteps(volume: number, step: number): boolean {
  const stepUnits = toUnits(step);
  const ratio = toUnits(volume) / stepUnits;
  return Math.abs(ratio - Math.round(ratio)) < STEP_EPSILON;
}

/** Round a price to the symbol's tick size and digits (e.g. 1.0834500000000001 → 1.08345). */
export function roundToTick(price: number, tickSize: number, digits: number): number {
  const ticks = Math.round(price / tickSize);
  return Number((ticks * tickSize).toFixed(digits));
}

/** Snap a volume already known to be whole steps onto the exact decimal of those steps. */
export function snapToStep(volume: number, step: number): number {
  return stepsToLots(Math.round(toUnits(volume) / toUnits(step)), step);
}
