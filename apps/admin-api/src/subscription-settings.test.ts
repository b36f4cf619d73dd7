import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KopitraError } from '@kopitra/protocol';
import { BAD_SETTINGS, sizing } from './subscription-settings-cases';
import { mergeSubscriptionSettings, normaliseSubscriptionSettings, SUBSCRIPTION_DEFAULTS } from './subscription-settings';

test('defaults fill every setting but sizing', () => {
  assert.deepEqual(normaliseSubscriptionSettings({ sizing }), { sizing, ...SUBSCRIPTION_DEFAULTS });
});

test('ratio modes default their multiplier to 1; other modes keep theirs', () => {
  assert.deepEqual(normaliseSubscriptionSettings({ sizing: { mode: 'balance_ratio' } }).sizing, { mode: 'balance_ratio', multiplier: 1 });
  assert.deepEqual(normaliseSubscriptionSettings({ sizing: { mode: 'equity_ratio', multiplier: 2 } }).sizing, { mode: 'equity_ratio', multiplier: 2 });
  assert.deepEqual(normaliseSubscriptionSettings({ sizing: { mode: 'risk_percent', percent: 100 } }).sizing, { mode: 'risk_percent', percent: 100 });
  assert.deepEqual(normaliseSubscriptionSettings({ sizing: { mode: 'fixed', lots: 0.1 } }).sizing, { mode: 'fixed', lots: 0.1 });
});

test('every setting accepts its valid values', () => {
  const all = {
    sizing: { mode: 'fixed', lots: 0.1 }, symbolMap: { 'XAUUSD.m': 'GOLD' }, symbols: { allow: ['EUR*', '*JPY'], deny: ['USDTRY'] },
    direction: 'long_only', reverse: true, copySl: false, copyTp: false, copyPending: false, maxLot: 2, maxOpenPositions: 5,
    maxSignalAgeMs: 5000, maxDeviation: 0, dailyLossPercent: 100, stopOutEquity: 0, minVolume: 'round_up',
    resync: { openMissing: true }, status: 'paused',
  };
  assert.deepEqual(normaliseSubscriptionSettings(all), all);
  assert.deepEqual(normaliseSubscriptionSettings({ sizing, symbols: { deny: ['X'] } }).symbols, { allow: [], deny: ['X'] });
});

for (const [name, input, field] of BAD_SETTINGS) {
  test(`rejects ${name}, naming ${field}`, () => {
    assert.throws(() => normaliseSubscriptionSettings(input), (e: unknown) => {
      assert.ok(e instanceof KopitraError);
      assert.equal(e.code, 'invalid_payload');
      assert.ok(e.message.startsWith(`${field}:`), `message "${e.message}" should name ${field}`);
      return true;
    });
  });
}

test('merge: sizing and symbolMap are replaced, symbols and resync merged, the whole re-validated', () => {
  const current = normaliseSubscriptionSettings({ sizing, symbolMap: { A: 'B' }, symbols: { allow: ['EURUSD'] }, maxLot: 3 });
  const next = mergeSubscriptionSettings(current, { sizing: { mode: 'fixed', lots: 1 }, symbolMap: { C: 'D' }, symbols: { deny: ['X'] }, maxLot: null });
  assert.deepEqual(next.sizing, { mode: 'fixed', lots: 1 });
  assert.deepEqual(next.symbolMap, { C: 'D' });
  assert.deepEqual(next.symbols, { allow: ['EURUSD'], deny: ['X'] });
  assert.equal(next.maxLot, null);
  assert.throws(() => mergeSubscriptionSettings(current, { sizing: { mode: 'fixed' } }), /sizing\.lots/);
  assert.throws(() => mergeSubscriptionSettings(current, { masterAccountId: 'acc_x' }), /masterAccountId/);
});

test('property: normalising is idempotent and never loses a valid value', () => {
  const arbSizing = fc.oneof(
    fc.record({ mode: fc.constant('fixed'), lots: fc.double({ min: 0.01, max: 100, noNaN: true }) }),
    fc.record({ mode: fc.constant('multiplier'), multiplier: fc.double({ min: 0.001, max: 100, noNaN: true }) }),
    fc.record({ mode: fc.constant('balance_ratio') }, { requiredKeys: ['mode'] }),
    fc.record({ mode: fc.constant('risk_percent'), percent: fc.double({ min: 0.01, max: 100, noNaN: true }) }),
  );
  const arbSettings = fc.record({
    sizing: arbSizing,
    direction: fc.constantFrom('both', 'long_only', 'short_only'),
    maxLot: fc.option(fc.double({ min: 0.01, max: 1000, noNaN: true }), { nil: null }),
    maxOpenPositions: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: null }),
    maxSignalAgeMs: fc.integer({ min: 1, max: 10_000_000 }),
    status: fc.constantFrom('active', 'paused'),
  }, { requiredKeys: ['sizing'] });
  fc.assert(fc.property(arbSettings, (input) => {
    const once = normaliseSubscriptionSettings(input);
    assert.deepEqual(normaliseSubscriptionSettings(once), once);
    for (const [k, v] of Object.entries(input)) if (k !== 'sizing') assert.deepEqual(once[k as keyof typeof once], v);
  }));
});
