import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NOW, context, leg, opened, planOne } from './test-fixtures.js';
import type { MasterEvent, PendingCopy } from './types.js';

const placed = (over: Partial<Extract<MasterEvent, { type: 'order.placed' }>['order']> = {}, at = NOW): MasterEvent => ({
  type: 'order.placed', occurredAtMs: at,
  order: { id: 'O1', symbol: 'EURUSD', kind: 'buy_limit', volume: 1, price: 1.08, sl: 1.075, tp: 1.09, expiresAt: '2026-11-26T00:00:00.000Z', ...over },
});
const pending = (over: Partial<PendingCopy> = {}): PendingCopy => ({ masterOrderId: 'O1', followerSymbol: 'EURUSD', kind: 'buy_limit', volume: 0.5, price: 1.08, ...over });

describe('pending orders', () => {
  it('order.placed → place, sized like an open, without maxDeviation', () => {
    const d = planOne(placed(), context({ subscription: { sizing: { mode: 'multiplier', multiplier: 0.5 }, maxDeviation: 0.001 } }));
    assert.deepEqual(d.orders, [{
      action: 'place', symbol: 'EURUSD', side: 'buy', kind: 'buy_limit', volume: 0.5, price: 1.08, maxDeviation: null,
      sl: 1.075, tp: 1.09, expiresAt: '2026-11-26T00:00:00.000Z', masterPositionId: null, masterOrderId: 'O1', followerPositionId: null, updates: null,
    }]);
  });
  it('reverse flips the kind keeping the price, and swaps SL/TP', () => {
    const d = planOne(placed(), context({ subscription: { reverse: true } }));
    assert.deepEqual([d.orders[0]?.kind, d.orders[0]?.side, d.orders[0]?.price, d.orders[0]?.sl, d.orders[0]?.tp], ['sell_stop', 'sell', 1.08, 1.09, 1.075]);
  });
  it('place goes through the open guards (direction on the kind side, staleness, max positions incl. pending copies)', () => {
    assert.equal(planOne(placed({ kind: 'sell_stop' }), context({ subscription: { direction: 'long_only' } })).reason, 'direction_filtered');
    assert.equal(planOne(placed({}, NOW - 60_000), context()).reason, 'stale_signal');
    assert.equal(planOne(placed({ id: 'O2' }), context({ subscription: { maxOpenPositions: 1 }, pendingCopies: [pending()] })).reason, 'max_positions');
  });
  it('copyPending false → pending_not_copied', () => {
    assert.equal(planOne(placed(), context({ subscription: { copyPending: false } })).reason, 'pending_not_copied');
  });
  it('order.modified → amend naming what changes', () => {
    const ev: MasterEvent = { type: 'order.modified', occurredAtMs: NOW, order: { id: 'O1', price: 1.079, sl: null } };
    const d = planOne(ev, context({ pendingCopies: [pending()] }));
    assert.deepEqual(d.orders, [{
      action: 'amend', symbol: 'EURUSD', side: 'buy', kind: 'buy_limit', volume: null, price: 1.079, maxDeviation: null,
      sl: null, tp: null, expiresAt: null, masterPositionId: null, masterOrderId: 'O1', followerPositionId: null,
      updates: { sl: true, tp: false, price: true, expiresAt: false },
    }]);
  });
  it('amend under reverse moves the follower TP for a master SL change', () => {
    const ev: MasterEvent = { type: 'order.modified', occurredAtMs: NOW, order: { id: 'O1', sl: 1.07 } };
    const d = planOne(ev, context({ subscription: { reverse: true }, pendingCopies: [pending({ kind: 'sell_stop' })] }));
    assert.deepEqual([d.orders[0]?.tp, d.orders[0]?.updates?.tp, d.orders[0]?.updates?.sl, d.orders[0]?.kind], [1.07, true, false, 'sell_stop']);
  });
  it('amend / cancel without a pending copy → no_copy (pending_not_copied when copyPending is off)', () => {
    const amend: MasterEvent = { type: 'order.modified', occurredAtMs: NOW, order: { id: 'O1', price: 1 } };
    const cancel: MasterEvent = { type: 'order.cancelled', occurredAtMs: NOW, order: { id: 'O1' } };
    assert.equal(planOne(amend, context()).reason, 'no_copy');
    assert.equal(planOne(cancel, context()).reason, 'no_copy');
    assert.equal(planOne(cancel, context({ subscription: { copyPending: false } })).reason, 'pending_not_copied');
  });
  it('order.cancelled → cancel, even when paused or copyPending was turned off since', () => {
    const cancel: MasterEvent = { type: 'order.cancelled', occurredAtMs: NOW - 999_999, order: { id: 'O1' } };
    const d = planOne(cancel, context({ subscription: { status: 'paused', copyPending: false }, pendingCopies: [pending()] }));
    assert.deepEqual(d.orders, [{
      action: 'cancel', symbol: 'EURUSD', side: 'buy', kind: 'buy_limit', volume: null, price: null, maxDeviation: null,
      sl: null, tp: null, expiresAt: null, masterPositionId: null, masterOrderId: 'O1', followerPositionId: null, updates: null,
    }]);
    assert.deepEqual(d.notes, ['copy_pending_disabled']);
  });
  it('the fill of a copied pending order links to the pending copy instead of opening again', () => {
    const d = planOne(opened({ id: 'O1' }), context({ pendingCopies: [pending()] }));
    assert.equal(d.outcome, 'copied');
    assert.deepEqual(d.orders, []);
    assert.deepEqual(d.notes, ['linked_to_pending_copy']);
    const viaOrderId = planOne(opened({ id: 'P5', orderId: 'O1' }), context({ pendingCopies: [pending()] }));
    assert.deepEqual(viaOrderId.notes, ['linked_to_pending_copy']);
    assert.equal(planOne(opened({ id: 'P5' }), context({ pendingCopies: [pending()], copies: [leg({ masterPositionId: 'X' })] })).orders.length, 1);
  });
});
