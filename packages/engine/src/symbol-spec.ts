// The follower's spec for a symbol, or the assumed one (min 0.01, step 0.01, max 100) when the
// follower has not reported it (or reported numbers that cannot be traded on).
import { isValidStep } from './lots.js';
import type { NoteCode } from './reasons.js';
import type { AccountState, SymbolSpec } from './types.js';

export const ASSUMED_VOLUME_MIN = 0.01;
export const ASSUMED_VOLUME_STEP = 0.01;
export const ASSUMED_VOLUME_MAX = 100;

export interface ResolvedSpec {
  spec: SymbolSpec;
  assumed: boolean;
  notes: NoteCode[];
}

export function isUsableSpec(spec: SymbolSpec): boolean {
  return (
    isValidStep(spec.volumeStep) &&
    Number.isFinite(spec.volumeMin) &&
    spec.volumeMin >= 0 &&
    Number.isFinite(spec.volumeMax) &&
    spec.volumeMax > 0 &&
    spec.volumeMax >= spec.volumeMin
  );
}

export function findSymbol(account: Pick<AccountState, 'symbols'>, name: string): SymbolSpec | null {
  return account.symbols?.find((s) => s.name === name) ?? null;
}

export function specFor(account: Pick<AccountState, 'symbols'>, name: string): ResolvedSpec {
  const found = findSymbol(account, name);
  if (found && isUsableSpec(found)) return { spec: found, assumed: false, notes: [] };
  const assumed: SymbolSpec = {
    name,
    volumeMin: ASSUMED_VOLUME_MIN,
    volumeMax: ASSUMED_VOLUME_MAX,
    volumeStep: ASSUMED_VOLUME_STEP,
  };
  // Keep whatever tick data was reported: risk_percent can still use it.
  if (found?.tickSize !== undefined) assumed.tickSize = found.tickSize;
  if (found?.tickValue !== undefined) assumed.tickValue = found.tickValue;
  return {
    spec: assumed,
    assumed: true,
    notes: found ? ['symbol_specs_assumed', 'symbol_specs_invalid'] : ['symbol_specs_assumed'],
  };
}
