// One scenario per reason code, and a check that the table covers the whole closed union.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REASON_CODES } from './reasons.js';
import type { ReasonCode } from './reasons.js';
import { MASTER, NOW, account, context, leg, opened, planOne, spec } from './test-fixtures.js';
import type { Decision } from './types.js';

const scenarios: Record<ReasonCode, () => Decision> = {
  invalid_signal: () => planOne(opened({ volume: -1 }), context()),
  subscription_paused: () => planOne(opened(), context({ subscription: { status: 'paused' } })),
  stale_signal: () => planOne(opened({}, NOW - 30_001), context()),
  symbol_filtered: () => planOne(opened(), context({ subscription: { symbols: { allow: [], deny: ['EUR*'] } } })),
  direction_filtered: () => planOne(opened({ side: 'sell' }), context({ subscription: { direction: 'long_only' } })),
  symbol_not_mapped: () => planOne(opened({ symbol: 'BTCUSD' }), context()),
  max_positions: () =>
    planOne(opened({ id: 'P2' }), context({ subscription: { maxOpenPositions: 1 }, copies: [leg({ masterPositionId: 'P1' })] })),
  stop_out: () => planOne(opened(), context({ subscription: { stopOutEquity: 5_000 }, follower: { equity: 4_999 } })),
  daily_loss_limit: () =>
    planOne(opened(), context({ subscription: { dailyLossPercent: 5 }, follower: { dayStartEquity: 10_000, equity: 9_400 } })),
  account_state_unknown: () =>
    planOne(opened(), context({ subscription: { sizing: { mode: 'balance_ratio' } }, follower: { balance: null } })),
  no_stop_loss: () => planOne(opened({ sl: null }), context({ subscription: { sizing: { mode: 'risk_percent', percent: 1 } } })),
  tick_value_unknown: () =>
    planOne(
      opened({ sl: 1.08 }),
      context({
        subscription: { sizing: { mode: 'risk_percent', percent: 1 } },
        follower: { symbols: [{ name: 'EURUSD', volumeMin: 0.01, volumeMax: 100, volumeStep: 0.01 }] },
      }),
    ),
  below_min_volume: () => planOne(opened({ volume: 0.01 }), context({ subscription: { sizing: { mode: 'multiplier', multiplier: 0.5 } } })),
  pending_not_copied: () =>
    planOne(
      { type: 'order.placed', occurredAtMs: NOW, order: { id: 'O1', symbol: 'EURUSD', kind: 'buy_limit', volume: 1, price: 1.08 } },
      context({ subscription: { copyPending: false } }),
    ),
  no_copy: () => planOne({ type: 'position.closed', occurredAtMs: NOW, position: { id: 'P9', volume: 1, price: 1.1, volumeAfter: 0 } }, context()),
  sl_tp_not_copied: () =>
    planOne(
      { type: 'position.modified', occurredAtMs: NOW, position: { id: 'P1', sl: 1.07 } },
      context({ subscription: { copySl: false }, copies: [leg()] }),
    ),
  nothing_to_change: () =>
    planOne({ type: 'position.modified', occurredAtMs: NOW, position: { id: 'P1' } }, context({ copies: [leg()] })),
  close_rounded_to_zero: () =>
    planOne(
      { type: 'position.closed', occurredAtMs: NOW, position: { id: 'P1', volume: 0.1, price: 1.1, volumeAfter: 0.9 } },
      context({ copies: [leg({ volume: 0.05 })] }),
    ),
};

describe('reason codes', () => {
  it('the table names every code of the closed union, and nothing else', () => {
    assert.deepEqual(Object.keys(scenarios).sort(), [...REASON_CODES].sort());
  });
  for (const code of REASON_CODES) {
    it(`${code}: skipped with that reason and no orders`, () => {
      const d = scenarios[code]();
      assert.equal(d.outcome, 'skipped');
      assert.equal(d.reason, code);
      assert.deepEqual(d.orders, []);
      assert.equal(d.volume, null);
    });
  }
  it('stop_out is also the reason of a triggered stop-out (see stop-out.test.ts)', () => {
    assert.ok(REASON_CODES.includes('stop_out'));
  });
  it('the symbol_not_mapped skip keeps the ambiguity in its inputs', () => {
    const d = planOne(
      opened({ symbol: 'EURUSD' }),
      context({ follower: { symbols: [spec('EURUSD.pro'), spec('EURUSDm')] } }),
      account({ accountId: 'master-1' }),
    );
    assert.equal(d.reason, 'symbol_not_mapped');
    assert.deepEqual(d.inputs.symbolCandidates, ['EURUSD.pro', 'EURUSDm']);
  });
  it('MASTER fixture is a master account', () => assert.equal(MASTER.accountId, 'master-1'));
});
