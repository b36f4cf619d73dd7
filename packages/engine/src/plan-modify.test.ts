import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NOW, context, leg, planOne } from './test-fixtures.js';
import type { MasterEvent } from './types.js';

const modified = (position: { sl?: number | null; tp?: number | null }, id = 'P1'): MasterEvent => ({
  type: 'position.modified', occurredAtMs: NOW - 3_600_000, position: { id, ...position },
});

describe('position.modified', () => {
  it('modifies each follower position of the copy, naming what changes', () => {
    const copies = [leg({ followerPositionId: 'F1' }), leg({ followerPositionId: 'F2', openedAtMs: NOW })];
    const d = planOne(modified({ sl: 1.07, tp: null }), context({ copies }));
    assert.equal(d.orders.length, 2);
    assert.deepEqual(d.orders[0], {
      action: 'modify', symbol: 'EURUSD', side: 'buy', kind: null, volume: null, price: null, maxDeviation: null,
      sl: 1.07, tp: null, expiresAt: null, masterPositionId: 'P1', masterOrderId: null, followerPositionId: 'F1',
      updates: { sl: true, tp: true, price: false, expiresAt: false },
    });
    assert.equal(d.volume, null);
  });
  it('legs sharing one follower position (netting) are modified once', () => {
    const copies = [leg({ followerPositionId: 'F1' }), leg({ followerPositionId: 'F1', openedAtMs: NOW })];
    assert.equal(planOne(modified({ sl: 1.07 }), context({ copies })).orders.length, 1);
  });
  it('only the master SL changed: the follower TP is left alone', () => {
    const d = planOne(modified({ sl: 1.07 }), context({ copies: [leg()] }));
    assert.deepEqual(d.orders[0]?.updates, { sl: true, tp: false, price: false, expiresAt: false });
  });
  it('reverse: the master SL moves the follower TP', () => {
    const d = planOne(modified({ sl: 1.07 }), context({ subscription: { reverse: true }, copies: [leg({ side: 'sell' })] }));
    assert.deepEqual([d.orders[0]?.sl, d.orders[0]?.tp, d.orders[0]?.updates?.tp, d.orders[0]?.updates?.sl], [null, 1.07, true, false]);
  });
  it('copySl false: SL changes are dropped, TP still follows', () => {
    const d = planOne(modified({ sl: 1.07, tp: 1.1 }), context({ subscription: { copySl: false }, copies: [leg()] }));
    assert.deepEqual(d.orders[0]?.updates, { sl: false, tp: true, price: false, expiresAt: false });
    assert.deepEqual(d.notes, ['sl_not_copied']);
  });
  it('nothing copyable → sl_tp_not_copied; nothing at all → nothing_to_change; no copy → no_copy', () => {
    assert.equal(planOne(modified({ tp: 1.1 }), context({ subscription: { copyTp: false }, copies: [leg()] })).reason, 'sl_tp_not_copied');
    assert.equal(planOne(modified({}), context({ copies: [leg()] })).reason, 'nothing_to_change');
    assert.equal(planOne(modified({ sl: 1 }, 'P9'), context({ copies: [leg()] })).reason, 'no_copy');
  });
  it('is not blocked by pausing or age', () => {
    const d = planOne(modified({ sl: 1.07 }), context({ subscription: { status: 'paused', maxSignalAgeMs: 1 }, copies: [leg()] }));
    assert.equal(d.outcome, 'copied');
  });
});
