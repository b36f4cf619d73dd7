import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NOW, context, leg, planOne, spec } from './test-fixtures.js';
import type { MasterEvent } from './types.js';

const closed = (volume: number, volumeAfter: number, id = 'P1'): MasterEvent => ({
  type: 'position.closed', occurredAtMs: NOW - 3_600_000, position: { id, volume, price: 1.1, volumeAfter },
});
const volumes = (orders: { volume: number | null; followerPositionId: string | null }[]) => orders.map((o) => [o.followerPositionId, o.volume]);

describe('position.closed', () => {
  it('full close closes every leg entirely, oldest first', () => {
    const copies = [leg({ followerPositionId: 'F2', volume: 0.13, openedAtMs: 2 }), leg({ followerPositionId: 'F1', volume: 0.07, openedAtMs: 1 })];
    const d = planOne(closed(1, 0), context({ copies }));
    assert.deepEqual(volumes(d.orders), [['F1', 0.07], ['F2', 0.13]]);
    assert.equal(d.volume, 0.2);
    assert.ok(d.notes.includes('full_close'));
  });
  it('full close closes legs even when their volume is off the step grid', () => {
    const d = planOne(closed(1, 0), context({ copies: [leg({ volume: 0.015 })] }));
    assert.deepEqual(volumes(d.orders), [['F1', 0.015]]);
  });
  it('partial close: open × X ÷ V rounded down, across legs oldest first', () => {
    const copies = [leg({ followerPositionId: 'F1', volume: 0.1, openedAtMs: 1 }), leg({ followerPositionId: 'F2', volume: 0.2, openedAtMs: 2 })];
    // 0.30 × 0.6 / 1.0 = 0.18 → F1 whole (0.10) + 0.08 of F2
    const d = planOne(closed(0.6, 0.4), context({ copies }));
    assert.deepEqual(volumes(d.orders), [['F1', 0.1], ['F2', 0.08]]);
    assert.equal(d.volume, 0.18);
    assert.equal(d.inputs.closeFraction, 0.6);
  });
  it('partial close rounds down (0.07 × 1/3 → 0.02)', () => {
    const d = planOne(closed(0.1, 0.2), context({ copies: [leg({ volume: 0.07 })] }));
    assert.deepEqual(volumes(d.orders), [['F1', 0.02]]);
  });
  it('partial close rounding to zero closes nothing now, recorded', () => {
    const d = planOne(closed(0.1, 0.9), context({ copies: [leg({ volume: 0.05 })] }));
    assert.equal(d.outcome, 'skipped');
    assert.equal(d.reason, 'close_rounded_to_zero');
    assert.deepEqual(d.notes, ['partial_close_rounded_to_zero']);
  });
  it('partial close below the symbol minimum is deferred', () => {
    const follower = { symbols: [spec('EURUSD', { volumeMin: 0.1, volumeStep: 0.01 })] };
    const d = planOne(closed(0.25, 0.75), context({ follower, copies: [leg({ volume: 0.3 })] }));
    assert.equal(d.reason, 'close_rounded_to_zero');
    assert.ok(d.notes.includes('partial_close_below_min'));
  });
  it('the remainder goes with the final close: partial closes then a full close close everything', () => {
    let copies = [leg({ volume: 0.05 })];
    let total = 0;
    for (const [x, after] of [[0.1, 0.9], [0.3, 0.6], [0.2, 0.4], [0.4, 0]] as const) {
      const d = planOne(closed(x, after), context({ copies }));
      for (const o of d.orders) {
        total = Math.round((total + (o.volume ?? 0)) * 100) / 100;
        copies = copies.map((c) => ({ ...c, volume: Math.round((c.volume - (o.volume ?? 0)) * 100) / 100 })).filter((c) => c.volume > 0);
      }
    }
    assert.equal(total, 0.05);
    assert.deepEqual(copies, []);
  });
  it('is never blocked by pausing, filters, risk limits or age', () => {
    const ctx = context({
      subscription: { status: 'paused', symbols: { allow: [], deny: ['*'] }, direction: 'short_only', maxOpenPositions: 0, dailyLossPercent: 1, stopOutEquity: 1e9 },
      follower: { equity: 1, dayStartEquity: 10_000 },
      copies: [leg()],
    });
    const d = planOne(closed(1, 0), ctx);
    assert.equal(d.outcome, 'copied');
    assert.equal(d.orders[0]?.volume, 0.3);
  });
  it('no copy → no_copy; malformed volumeAfter → invalid_signal', () => {
    assert.equal(planOne(closed(1, 0, 'P7'), context({ copies: [leg()] })).reason, 'no_copy');
    assert.equal(planOne(closed(1, -1), context({ copies: [leg()] })).reason, 'invalid_signal');
  });
  it('close orders name the follower position, the side of the position and no price', () => {
    const d = planOne(closed(1, 0), context({ copies: [leg({ side: 'sell' })] }));
    assert.deepEqual(d.orders[0], {
      action: 'close', symbol: 'EURUSD', side: 'sell', kind: null, volume: 0.3, price: null, maxDeviation: null, sl: null, tp: null,
      expiresAt: null, masterPositionId: 'P1', masterOrderId: null, followerPositionId: 'F1', updates: null,
    });
  });
});
