import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NOW, context, leg, planOne } from './test-fixtures.js';
import type { MasterEvent } from './types.js';

const increased = (over: Partial<Extract<MasterEvent, { type: 'position.increased' }>['position']> = {}, at = NOW): MasterEvent => ({
  type: 'position.increased', occurredAtMs: at, position: { id: 'P1', volume: 0.5, price: 1.09, volumeAfter: 1.5, ...over },
});

describe('position.increased', () => {
  it('sizes the added volume and opens another leg of the same copy', () => {
    const d = planOne(increased(), context({ subscription: { sizing: { mode: 'multiplier', multiplier: 0.3 }, maxDeviation: 0.0005 }, copies: [leg()] }));
    assert.deepEqual(d.orders, [{
      action: 'open', symbol: 'EURUSD', side: 'buy', kind: null, volume: 0.15, price: 1.09, maxDeviation: 0.0005,
      sl: null, tp: null, expiresAt: null, masterPositionId: 'P1', masterOrderId: null, followerPositionId: null, updates: null,
    }]);
  });
  it('is not limited by maxOpenPositions when the position is already copied', () => {
    const copies = [leg({ masterPositionId: 'P1' }), leg({ masterPositionId: 'P2' })];
    assert.equal(planOne(increased(), context({ subscription: { maxOpenPositions: 2 }, copies })).outcome, 'copied');
  });
  it('keeps the reversed follower side and symbol of the existing copy', () => {
    const d = planOne(increased(), context({ subscription: { reverse: true }, copies: [leg({ side: 'sell', followerSymbol: 'EURUSDm' })] }));
    assert.deepEqual([d.orders[0]?.side, d.orders[0]?.symbol], ['sell', 'EURUSDm']);
    assert.equal(d.inputs.masterSide, 'buy');
  });
  it('other guards still apply (paused, stale, direction, below_min_volume)', () => {
    assert.equal(planOne(increased(), context({ subscription: { status: 'paused' }, copies: [leg()] })).reason, 'subscription_paused');
    assert.equal(planOne(increased({}, NOW - 31_000), context({ copies: [leg()] })).reason, 'stale_signal');
    assert.equal(planOne(increased(), context({ subscription: { direction: 'short_only' }, copies: [leg()] })).reason, 'direction_filtered');
    assert.equal(planOne(increased({ volume: 0.01 }), context({ subscription: { sizing: { mode: 'multiplier', multiplier: 0.1 } }, copies: [leg()] })).reason, 'below_min_volume');
  });
  it('risk_percent uses the stop-loss the event carries (extension) or skips no_stop_loss', () => {
    const sub = { sizing: { mode: 'risk_percent', percent: 1 } as const };
    assert.equal(planOne(increased(), context({ subscription: sub, copies: [leg()] })).reason, 'no_stop_loss');
    assert.equal(planOne(increased({ price: 1.085, sl: 1.08 }), context({ subscription: sub, copies: [leg()] })).orders[0]?.volume, 0.2);
  });
  it('without a copy: opens a new copy when symbol and side are given (max_positions applies), else no_copy', () => {
    assert.equal(planOne(increased(), context()).reason, 'no_copy');
    const d = planOne(increased({ symbol: 'EURUSD', side: 'sell' }), context());
    assert.deepEqual([d.orders[0]?.side, d.orders[0]?.volume], ['sell', 0.5]);
    assert.equal(planOne(increased({ symbol: 'EURUSD', side: 'sell' }), context({ subscription: { maxOpenPositions: 1 }, copies: [leg({ masterPositionId: 'P2' })] })).reason, 'max_positions');
  });
});
