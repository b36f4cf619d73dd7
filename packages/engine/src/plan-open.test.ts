import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planSignal } from './plan-signal.js';
import { MASTER, NOW, account, context, leg, opened, planOne, spec } from './test-fixtures.js';

describe('position.opened', () => {
  it('carries the master price, the subscription maxDeviation, sl and tp', () => {
    const d = planOne(opened({ sl: 1.08, tp: 1.09 }), context({ subscription: { maxDeviation: 0.0003 } }));
    assert.equal(d.outcome, 'copied');
    assert.deepEqual(d.orders[0], {
      action: 'open', symbol: 'EURUSD', side: 'buy', kind: null, volume: 1, price: 1.085, maxDeviation: 0.0003,
      sl: 1.08, tp: 1.09, expiresAt: null, masterPositionId: 'P1', masterOrderId: null, followerPositionId: null, updates: null,
    });
    assert.equal(d.volume, 1);
  });
  it('copySl / copyTp false leave them out and note it', () => {
    const d = planOne(opened({ sl: 1.08, tp: 1.09 }), context({ subscription: { copySl: false, copyTp: false } }));
    assert.equal(d.orders[0]?.sl, null);
    assert.equal(d.orders[0]?.tp, null);
    assert.ok(d.notes.includes('sl_not_copied') && d.notes.includes('tp_not_copied'));
  });
  it('reverse with copyTp false: the master SL (the follower TP) is dropped', () => {
    const d = planOne(opened({ sl: 1.08, tp: 1.09 }), context({ subscription: { reverse: true, copyTp: false } }));
    assert.deepEqual([d.orders[0]?.side, d.orders[0]?.sl, d.orders[0]?.tp], ['sell', 1.09, null]);
  });
  it('assumes min 0.01 / step 0.01 / max 100 for an unreported symbol and notes it', () => {
    const d = planOne(opened({ volume: 250 }), context({ follower: { symbols: null } }));
    assert.equal(d.orders[0]?.volume, 100);
    assert.deepEqual(d.notes, ['symbol_specs_assumed', 'clamped']);
    assert.equal(d.inputs.volumeStep, 0.01);
  });
  it('a reported spec with unusable numbers is replaced by the assumed one', () => {
    const d = planOne(opened({ volume: 0.5 }), context({ follower: { symbols: [spec('EURUSD', { volumeStep: 0 })] } }));
    assert.equal(d.orders[0]?.volume, 0.5);
    assert.ok(d.notes.includes('symbol_specs_invalid'));
  });
  it('uses the follower step (0.1) and min', () => {
    const d = planOne(opened({ volume: 0.77 }), context({ follower: { symbols: [spec('EURUSD', { volumeStep: 0.1, volumeMin: 0.1 })] } }));
    assert.equal(d.orders[0]?.volume, 0.7);
  });
  it('round_up opens volumeMin instead of skipping', () => {
    const d = planOne(opened({ volume: 1 }), context({ subscription: { sizing: { mode: 'multiplier', multiplier: 0.001 }, minVolume: 'round_up' } }));
    assert.equal(d.orders[0]?.volume, 0.01);
    assert.deepEqual(d.notes, ['rounded_up_to_min']);
  });
  it('maps the symbol through affixes (inputs record how)', () => {
    const master = account({ accountId: 'master-1', symbolSuffix: '.m' });
    const d = planOne(opened({ symbol: 'EURUSD.m' }), context({ follower: { symbolPrefix: '', symbolSuffix: 'pro', symbols: [spec('EURUSDpro')] } }), master);
    assert.equal(d.orders[0]?.symbol, 'EURUSDpro');
    assert.equal(d.inputs.symbolVia, 'affixes');
    assert.equal(d.inputs.canonicalSymbol, 'EURUSD');
  });
  it('filters on the canonical name', () => {
    const master = account({ accountId: 'master-1', symbolSuffix: '.m' });
    const d = planOne(opened({ symbol: 'EURUSD.m' }), context({ subscription: { symbols: { allow: ['EURUSD'], deny: [] } } }), master);
    assert.equal(d.outcome, 'copied');
  });
  it('maxOpenPositions counts distinct master positions, not legs', () => {
    const copies = [leg({ masterPositionId: 'P1', followerPositionId: 'F1' }), leg({ masterPositionId: 'P1', followerPositionId: 'F2' })];
    const d = planOne(opened({ id: 'P2' }), context({ subscription: { maxOpenPositions: 2 }, copies }));
    assert.equal(d.outcome, 'copied');
    assert.equal(d.inputs.openCopies, 1);
    const full = planOne(opened({ id: 'P3' }), context({ subscription: { maxOpenPositions: 2 }, copies: [...copies, leg({ masterPositionId: 'P2' })] }));
    assert.equal(full.reason, 'max_positions');
  });
  it('a re-open of a position id the follower still holds is planned and noted', () => {
    const d = planOne(opened(), context({ subscription: { maxOpenPositions: 1 }, copies: [leg()] }));
    assert.equal(d.outcome, 'copied');
    assert.ok(d.notes.includes('existing_copy_legs'));
  });
  it('a signal exactly maxSignalAgeMs old is not stale', () => {
    assert.equal(planOne(opened({}, NOW - 30_000), context()).outcome, 'copied');
    assert.equal(planOne(opened({}, NOW - 30_001), context()).reason, 'stale_signal');
  });
  it('daily loss: at the threshold opens are skipped; above it they go; unknown equity is noted', () => {
    const sub = { dailyLossPercent: 5 };
    assert.equal(planOne(opened(), context({ subscription: sub, follower: { dayStartEquity: 10_000, equity: 9_500 } })).reason, 'daily_loss_limit');
    const ok = planOne(opened(), context({ subscription: sub, follower: { dayStartEquity: 10_000, equity: 9_501 } }));
    assert.equal(ok.outcome, 'copied');
    assert.equal(ok.inputs.dailyLossThreshold, 9_500);
    const unknown = planOne(opened(), context({ subscription: sub, follower: { dayStartEquity: null } }));
    assert.equal(unknown.outcome, 'copied');
    assert.ok(unknown.notes.includes('daily_loss_not_evaluated'));
  });
  it('stopOutEquity: opens at the threshold still go (strictly below stops them)', () => {
    assert.equal(planOne(opened(), context({ subscription: { stopOutEquity: 5_000 }, follower: { equity: 5_000 } })).outcome, 'copied');
  });
  it('guards run in a fixed order: paused before stale before filters', () => {
    const d = planOne(opened({ side: 'sell' }, NOW - 99_999), context({ subscription: { status: 'paused', direction: 'long_only' } }));
    assert.equal(d.reason, 'subscription_paused');
    const d2 = planOne(opened({ side: 'sell' }, NOW - 99_999), context({ subscription: { direction: 'long_only' } }));
    assert.equal(d2.reason, 'stale_signal');
  });
  it('skips keep their inputs', () => {
    const d = planOne(opened({ volume: 0.01 }), context({ subscription: { sizing: { mode: 'multiplier', multiplier: 0.5 } } }));
    assert.equal(d.reason, 'below_min_volume');
    assert.equal(d.inputs.rawVolume, 0.005);
    assert.equal(d.inputs.volumeMin, 0.01);
    assert.equal(d.inputs.followerSymbol, 'EURUSD');
  });
  it('one decision per follower, in order', () => {
    const followers = [
      context({ subscription: { id: 'a', sizing: { mode: 'fixed', lots: 0.1 } } }),
      context({ subscription: { id: 'b', status: 'paused' } }),
      context({ subscription: { id: 'c', sizing: { mode: 'multiplier', multiplier: 2 } } }),
    ];
    const ds = planSignal({ event: opened({ volume: 0.5 }), nowMs: NOW, master: MASTER, followers });
    assert.deepEqual(ds.map((d) => [d.subscriptionId, d.outcome, d.volume]), [['a', 'copied', 0.1], ['b', 'skipped', null], ['c', 'copied', 1]]);
  });
});
