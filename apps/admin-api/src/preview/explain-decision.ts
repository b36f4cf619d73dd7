import type { Decision } from '@kopitra/engine';

const WHY_SKIPPED: Record<string, string> = {
  invalid_signal: 'the trade has an invalid volume or price',
  subscription_paused: 'the subscription is paused, so it opens nothing new',
  stale_signal: 'the signal is older than maxSignalAgeMs',
  symbol_filtered: "the symbol is excluded by the subscription's allow/deny lists",
  direction_filtered: 'the subscription does not copy this direction',
  symbol_not_mapped: 'no follower symbol matches (add a symbolMap entry or the accounts\' prefix/suffix)',
  max_positions: 'the follower already holds maxOpenPositions copies',
  stop_out: "the follower's equity is below stopOutEquity",
  daily_loss_limit: "the follower's equity fell dailyLossPercent below the day's start",
  account_state_unknown: 'this sizing mode needs balance/equity snapshots that have not been reported yet',
  no_stop_loss: 'risk_percent sizing needs a stop-loss on the trade',
  tick_value_unknown: "risk_percent sizing needs the follower symbol's tickSize and tickValue",
  below_min_volume: "the sized volume is below the symbol's minimum (set minVolume to round_up to open the minimum instead)",
  pending_not_copied: 'the subscription does not copy pending orders',
};

function fmt(n: number | null | undefined): string {
  return n === null || n === undefined ? '?' : String(Math.round(n * 1e8) / 1e8);
}

function sizingText(i: Decision['inputs']): string {
  switch (i.sizingMode) {
    case 'fixed': return `fixed ${fmt(i.lots)} lots`;
    case 'multiplier': return `${fmt(i.masterVolume)} × multiplier ${fmt(i.multiplier)}`;
    case 'balance_ratio': return `${fmt(i.masterVolume)} × balance ${fmt(i.followerBalance)} ÷ ${fmt(i.masterBalance)} × ${fmt(i.multiplier ?? 1)}`;
    case 'equity_ratio': return `${fmt(i.masterVolume)} × equity ${fmt(i.followerEquity)} ÷ ${fmt(i.masterEquity)} × ${fmt(i.multiplier ?? 1)}`;
    case 'risk_percent': return `${fmt(i.percent)}% of equity ${fmt(i.followerEquity)} (${fmt(i.riskAmount)}) ÷ loss per lot ${fmt(i.lossPerLot)}`;
    default: return 'the sizing rule';
  }
}

/** One sentence an operator can read: why this volume, or why nothing. */
export function explainDecision(d: Decision): string {
  const i = d.inputs;
  if (d.outcome === 'skipped') return `Skipped (${d.reason ?? 'no reason'}): ${WHY_SKIPPED[d.reason ?? ''] ?? 'see the decision inputs'}.`;
  const order = d.orders[0];
  const parts = [`Copies ${order?.side ?? ''} ${fmt(d.volume)} lots of ${i.followerSymbol ?? order?.symbol ?? '?'}: ${sizingText(i)} = ${fmt(i.rawVolume)}`];
  if (i.volumeStep !== undefined) parts.push(`rounded down to the ${fmt(i.volumeStep)} step`);
  if (d.notes.includes('clamped')) parts.push(`clamped to ${fmt(i.volumeCap)}`);
  if (d.notes.includes('rounded_up_to_min')) parts.push(`raised to the minimum ${fmt(i.volumeMin)}`);
  if (d.notes.includes('symbol_specs_assumed')) parts.push('with assumed symbol specs (min 0.01, step 0.01, max 100) as the follower has not reported them');
  return `${parts.join(', ')}.`;
}
