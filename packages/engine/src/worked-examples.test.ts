// The ten worked examples of copy-semantics.md, asserted field by field.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MASTER, NOW, account, context, leg, opened, planOne, spec } from './test-fixtures.js';
import type { AccountState, FollowerContext, MasterEvent, PlannedOrder } from './types.js';

const base: PlannedOrder = {
  action: 'open',
  symbol: 'EURUSD',
  side: 'buy',
  kind: null,
  volume: null,
  price: 1.085,
  maxDeviation: null,
  sl: null,
  tp: null,
  expiresAt: null,
  masterPositionId: 'P1',
  masterOrderId: null,
  followerPositionId: null,
  updates: null,
};
const closeBase: PlannedOrder = { ...base, action: 'close', price: null, followerPositionId: 'F1' };

interface Example {
  n: number;
  title: string;
  ctx: FollowerContext;
  master?: AccountState;
  event: MasterEvent;
  orders: PlannedOrder[];
  reason?: string;
  notes?: string[];
}

const closed = (volume: number, volumeAfter: number): MasterEvent => ({
  type: 'position.closed',
  occurredAtMs: NOW,
  position: { id: 'P1', volume, price: 1.09, volumeAfter },
});

const examples: Example[] = [
  {
    n: 1,
    title: 'multiplier 0.5, buy 1.00 → open buy 0.50',
    ctx: context({ subscription: { sizing: { mode: 'multiplier', multiplier: 0.5 } } }),
    event: opened({ volume: 1 }),
    orders: [{ ...base, volume: 0.5 }],
  },
  {
    n: 2,
    title: 'balance_ratio 2 500 / 10 000, sell 0.30 → open sell 0.07 (0.075 rounds down)',
    ctx: context({ subscription: { sizing: { mode: 'balance_ratio' } }, follower: { balance: 2_500 } }),
    master: account({ accountId: 'master-1', balance: 10_000 }),
    event: opened({ side: 'sell', volume: 0.3 }),
    orders: [{ ...base, side: 'sell', volume: 0.07 }],
  },
  {
    n: 3,
    title: 'fixed 0.10, buy 3.00 → open buy 0.10',
    ctx: context({ subscription: { sizing: { mode: 'fixed', lots: 0.1 } } }),
    event: opened({ volume: 3 }),
    orders: [{ ...base, volume: 0.1 }],
  },
  {
    n: 4,
    title: 'multiplier 1, maxLot 2, buy 5.00 → open buy 2.00, clamped',
    ctx: context({ subscription: { sizing: { mode: 'multiplier', multiplier: 1 }, maxLot: 2 } }),
    event: opened({ volume: 5 }),
    orders: [{ ...base, volume: 2 }],
    notes: ['clamped'],
  },
  {
    n: 5,
    title: 'multiplier 0.001, min 0.01, buy 1.00 → skip below_min_volume',
    ctx: context({ subscription: { sizing: { mode: 'multiplier', multiplier: 0.001 } } }),
    event: opened({ volume: 1 }),
    orders: [],
    reason: 'below_min_volume',
  },
  {
    n: 6,
    title: 'copy of 0.30, master closes 0.50 of 1.00 → close 0.15',
    ctx: context({ copies: [leg({ volume: 0.3 })] }),
    event: closed(0.5, 0.5),
    orders: [{ ...closeBase, volume: 0.15 }],
  },
  {
    n: 7,
    title: 'copy of 0.30, master closes the remaining 1.00 of 1.00 → close 0.30',
    ctx: context({ copies: [leg({ volume: 0.3 })] }),
    event: closed(1, 0),
    orders: [{ ...closeBase, volume: 0.3 }],
  },
  {
    n: 8,
    title: 'reverse, master buy sl 1.0800 tp 1.0900 → open sell sl 1.0900 tp 1.0800',
    ctx: context({ subscription: { reverse: true } }),
    event: opened({ volume: 1, sl: 1.08, tp: 1.09 }),
    orders: [{ ...base, side: 'sell', volume: 1, sl: 1.09, tp: 1.08 }],
  },
  {
    n: 9,
    title: 'risk_percent 1, equity 10 000, tick 0.00001/1, price 1.08500 sl 1.08000 → open buy 0.20',
    ctx: context({
      subscription: { sizing: { mode: 'risk_percent', percent: 1 } },
      follower: { equity: 10_000, symbols: [spec('EURUSD', { tickSize: 0.00001, tickValue: 1 })] },
    }),
    event: opened({ volume: 1, price: 1.085, sl: 1.08 }),
    orders: [{ ...base, volume: 0.2, sl: 1.08 }],
  },
  {
    n: 10,
    title: 'symbolMap {"XAUUSD.m": "GOLD"}, master opens XAUUSD.m → open GOLD',
    ctx: context({
      subscription: { symbolMap: { 'XAUUSD.m': 'GOLD' } },
      follower: { symbols: [spec('GOLD', { tickSize: 0.01 }), spec('XAUUSD')] },
    }),
    master: account({ accountId: 'master-1', symbols: [spec('XAUUSD.m')] }),
    event: opened({ symbol: 'XAUUSD.m', volume: 0.5, price: 2650.5 }),
    orders: [{ ...base, symbol: 'GOLD', volume: 0.5, price: 2650.5 }],
  },
];

describe('copy-semantics worked examples', () => {
  it('covers all ten', () => assert.deepEqual(examples.map((e) => e.n), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
  for (const ex of examples) {
    it(`#${ex.n}: ${ex.title}`, () => {
      const d = planOne(ex.event, ex.ctx, ex.master ?? MASTER);
      assert.deepEqual(d.orders, ex.orders);
      assert.equal(d.outcome, ex.orders.length > 0 ? 'copied' : 'skipped');
      assert.equal(d.reason, ex.reason ?? null);
      for (const note of ex.notes ?? []) assert.ok(d.notes.includes(note as never), `note ${note} in ${d.notes.join(',')}`);
      for (const o of d.orders) assert.equal(String(o.volume), String(Number(o.volume?.toFixed(2))));
      assert.equal(d.subscriptionId, 'sub-1');
      assert.equal(d.followerAccountId, 'follower-1');
    });
  }
  it('#2 records every input used', () => {
    const d = planOne(
      opened({ side: 'sell', volume: 0.3 }),
      context({ subscription: { sizing: { mode: 'balance_ratio' } }, follower: { balance: 2_500 } }),
    );
    assert.equal(d.inputs.masterBalance, 10_000);
    assert.equal(d.inputs.followerBalance, 2_500);
    assert.equal(d.inputs.ratio, 0.25);
    assert.equal(d.inputs.multiplier, 1);
    assert.equal(d.inputs.rawVolume, 0.075);
    assert.equal(d.inputs.volumeStep, 0.01);
    assert.equal(d.inputs.followerSymbol, 'EURUSD');
    assert.equal(d.inputs.sizingMode, 'balance_ratio');
    assert.equal(d.volume, 0.07);
  });
});
