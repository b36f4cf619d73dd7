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
  return { ok: true, raw: masterVolume * r * multiplier, inputs: { ...inputs, ratio: r } };
}

export function sizeVolume(input: SizeVolumeInput): SizeVolumeResult {
  const { sizing, masterVolume, master, follower } = input;
  const base: Partial<DecisionInputs> = { sizingMode: sizing.mode, masterVolume };
  switch (sizing.mode) {
    case 'fixed':
      return { ok: true, raw: sizing.lots, inputs: { ...base, lots: sizing.lots } };
    case 'multiplier':
      return { ok: true, raw: masterVolume * sizing.multiplier, inputs: { ...base, multiplier: sizing.multiplier } };
    case 'balance_ratio': {
      const multiplier = sizing.multiplier ?? 1;
      const inputs = { ...base, multiplier, masterBalance: master.balance, followerBalance: follower.balance };
      return ratio(masterVolume, follower.balance, master.balance, multiplier, inputs);
    }
    case 'equity_ratio': {
      const multiplier = sizing.multiplier ?? 1;
      const inputs = { ...base, multiplier, masterEquity: master.equity, followerEquity: follower.equity };
      return ratio(masterVolume, follower.equity, master.equity, multiplier, inputs);
    }
    case 'risk_percent': {
      const tickSize = input.spec.tickSize ?? null;
      const tickValue = input.spec.tickValue ?? null;
      const inputs: Partial<DecisionInputs> = {
        ...base,
        percent: sizing.percent,
        followerEquity: follower.equity,
        masterPrice: input.price,
        masterSl: input.sl,
        tickSize,
        tickValue,
      };
      if (input.sl === null || !Number.isFinite(input.sl) || input.sl === input.price) {
        return { ok: false, reason: 'no_stop_loss', inputs };
      }
      if (follower.equity === null || !Number.isFinite(follower.equity)) {
        return { ok: false, reason: 'account_state_unknown', inputs };
      }
      if (!positive(tickSize) || !positive(tickValue)) return { ok: false, reason: 'tick_value_unknown', inputs };
      const riskAmount = (follower.equity * sizing.percent) / 100;
      const lossPerLot = (Math.abs(input.price - input.sl) / tickSize) * tickValue;
      return { ok: true, raw: riskAmount / lossPerLot, inputs: { ...inputs, riskAmount, lossPerLot } };
    }
  }
}
