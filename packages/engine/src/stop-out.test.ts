import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planStopOut } from './stop-out.js';
import { context, leg } from './test-fixtures.js';

describe('planStopOut', () => {
  const copies = [leg({ masterPositionId: 'P2', followerPositionId: 'F2', volume: 0.2, openedAtMs: 2 }), leg({ volume: 0.13, openedAtMs: 1 })];
  it('equity below stopOutEquity closes every leg fully (reason stop_out) and cancels pending copies', () => {
    const d = planStopOut({
      ctx: context({
        subscription: { stopOutEquity: 5_000 },
        follower: { equity: 4_999.99 },
        copies,
        pendingCopies: [{ masterOrderId: 'O1', followerSymbol: 'EURUSD', kind: 'sell_limit', volume: 0.1, price: 1.1 }],
      }),
    });
    assert.equal(d.outcome, 'copied');
    assert.equal(d.reason, 'stop_out');
    assert.deepEqual(d.orders.map((o) => [o.action, o.followerPositionId ?? o.masterOrderId, o.volume]), [
      ['close', 'F1', 0.13], ['close', 'F2', 0.2], ['cancel', 'O1', null],
    ]);
    assert.equal(d.volume, 0.33);
    assert.deepEqual(d.notes, ['pending_copies_cancelled']);
    assert.equal(d.inputs.stopOutEquity, 5_000);
    assert.equal(d.inputs.followerEquity, 4_999.99);
  });
  it('triggered with nothing open: stop_out with no orders (the caller still pauses)', () => {
    const d = planStopOut({ ctx: context({ subscription: { stopOutEquity: 5_000 }, follower: { equity: 1 } }) });
    assert.deepEqual([d.outcome, d.reason, d.orders, d.notes], ['copied', 'stop_out', [], ['no_open_copies']]);
  });
  it('closes even when paused', () => {
    const d = planStopOut({ ctx: context({ subscription: { stopOutEquity: 5_000, status: 'paused' }, follower: { equity: 1 }, copies }) });
    assert.equal(d.orders.length, 2);
  });
  const notTriggered: Array<[string, Parameters<typeof context>[0], string]> = [
    ['equity at the threshold', { subscription: { stopOutEquity: 5_000 }, follower: { equity: 5_000 }, copies }, 'equity_ok'],
    ['equity unknown', { subscription: { stopOutEquity: 5_000 }, follower: { equity: null }, copies }, 'equity_unknown'],
    ['not configured', { follower: { equity: 1 }, copies }, 'stop_out_not_configured'],
  ];
  for (const [title, over, note] of notTriggered) {
    it(`not triggered (${title}): skipped, reason null, note ${note}`, () => {
      const d = planStopOut({ ctx: context(over) });
      assert.deepEqual([d.outcome, d.reason, d.orders, d.notes], ['skipped', null, [], [note]]);
    });
  }
});
