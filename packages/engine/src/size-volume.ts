// Follower volume before rounding, per sizing mode (copy-semantics.md § Sizing modes).
import type { ReasonCode } from './reasons.js';
import type { AccountState, DecisionInputs, SizingSettings, SymbolSpec } from './types.js';

export interface SizeVolumeInput {
  sizing: SizingSettings;
  masterVolume: number;
  /** Master price and stop-loss (used by risk_percent). */
  price: number;
  sl: number | null;
  master: Pick<AccountState, 'balance' | 'equity'>;
  follower: Pick<AccountState, 'balance' | 'equity'>;
  /** The follower symbol's spec (tickSize / tickValue for risk_percent). */
  spec: Pick<SymbolSpec, 'tickSize' | 'tickValue'>;
  /**
   * The decision inputs to add the sizing inputs to (returned as the result's `inputs`); a new
   * object when absent. Added one named property at a time, a decision's inputs stay a fast V8
   * object: merged in with Object.assign, its twentieth-odd key turned it into a dictionary
   * (slower to fill, to read and to serialise — docs/performance.md, session 8).
   */
  into?: Partial<DecisionInputs>;
}

export type SizeVolumeResult =
  | { ok: true; raw: number; inputs: Partial<DecisionInputs> }
  | { ok: false; reason: ReasonCode; inputs: Partial<DecisionInputs> };

const positive = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isFinite(x) && x > 0;

function ratio(
  masterVolume: number,
  followerValue: number | null,
  masterValue: number | null,
  multiplier: number,
  inputs: Partial<DecisionInputs>,
): SizeVolumeResult {
  // A master with no (or a non-positive) balance/equity cannot be divided by: treat it as unknown.
  if (followerValue === null || !Number.isFinite(followerValue) || !positive(masterValue)) {
    return { ok: false, reason: 'account_state_unknown', inputs };
  }
  const r = followerValue / masterValue;
  inputs.ratio = r;
  return { ok: true, raw: masterVolume * r * multiplier, inputs };
}

export function sizeVolume(input: SizeVolumeInput): SizeVolumeResult {
  const { sizing, masterVolume, master, follower } = input;
  const inputs: Partial<DecisionInputs> = input.into ?? {};
  inputs.sizingMode = sizing.mode;
  inputs.masterVolume = masterVolume;
  switch (sizing.mode) {
    case 'fixed':
      inputs.lots = sizing.lots;
      return { ok: true, raw: sizing.lots, inputs };
    case 'multiplier':
      inputs.multiplier = sizing.multiplier;
      return { ok: true, raw: masterVolume * sizing.multiplier, inputs };
    case 'balance_ratio': {
      const multiplier = sizing.multiplier ?? 1;
      inputs.multiplier = multiplier;
      inputs.masterBalance = master.balance;
      inputs.followerBalance = follower.balance;
      return ratio(masterVolume, follower.balance, master.balance, multiplier, inputs);
    }
    case 'equity_ratio': {
      const multiplier = sizing.multiplier ?? 1;
      inputs.multiplier = multiplier;
      inputs.masterEquity = master.equity;
      inputs.followerEquity = follower.equity;
      return ratio(masterVolume, follower.equity, master.equity, multiplier, inputs);
    }
    case 'risk_percent': {
      const tickSize = input.spec.tickSize ?? null;
      const tickValue = input.spec.tickValue ?? null;
      inputs.percent = sizing.percent;
      inputs.followerEquity = follower.equity;
      inputs.masterPrice = input.price;
      inputs.masterSl = input.sl;
      inputs.tickSize = tickSize;
      inputs.tickValue = tickValue;
      if (input.sl === null || !Number.isFinite(input.sl) || input.sl === input.price) {
        return { ok: false, reason: 'no_stop_loss', inputs };
      }
      if (follower.equity === null || !Number.isFinite(follower.equity)) {
        return { ok: false, reason: 'account_state_unknown', inputs };
      }
      if (!positive(tickSize) || !positive(tickValue)) return { ok: false, reason: 'tick_value_unknown', inputs };
      const riskAmount = (follower.equity * sizing.percent) / 100;
      const lossPerLot = (Math.abs(input.price - input.sl) / tickSize) * tickValue;
      inputs.riskAmount = riskAmount;
      inputs.lossPerLot = lossPerLot;
      return { ok: true, raw: riskAmount / lossPerLot, inputs };
    }
  }
}
