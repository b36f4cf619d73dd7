import type { ReferenceMaster } from '@kopitra/ea-client';

/**
 * One random master action for stream tests: close the oldest open position (45 % of the time
 * when one is open) or open 0.1 lots either way. Every signal it emits plans one order per
 * follower. Returns how many signals it emitted.
 */
export async function randomTrade(master: ReferenceMaster, open: string[], random: () => number): Promise<number> {
  const { result, signals } = open.length > 0 && random() < 0.45
    ? await master.close(open.shift()!)
    : await master.open('EURUSD', random() < 0.5 ? 'buy' : 'sell', 0.1);
  if (!result.ok) throw new Error(`the simulated broker refused: ${result.message}`);
  for (const s of signals) if (s.type === 'position.opened') open.push(s.position.id);
  return signals.length;
}
