// Row → engine value mappers: a subscription's settings as the engine reads them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toSubscription, type SubscriptionRow } from './rows';

const SETTINGS = {
  sizing: { mode: 'multiplier', multiplier: 2 }, symbolMap: { XAUUSD: 'GOLD' }, symbols: { allow: [], deny: ['BTCUSD'] }, direction: 'both',
  reverse: false, copySl: true, copyTp: false, copyPending: true, maxLot: 5, maxOpenPositions: null, maxSignalAgeMs: 30_000, maxDeviation: null,
  dailyLossPercent: 3, stopOutEquity: null, minVolume: 'skip', resync: { openMissing: false },
} as const;

function row(settings: Record<string, unknown>, status: 'active' | 'paused' = 'active'): SubscriptionRow {
  return { id: 'sub_1', master_account_id: 'm1', follower_account_id: 'f1', settings: settings as unknown as SubscriptionRow['settings'], status };
}

describe('toSubscription', () => {
  test('every setting with the ids, and the row\'s status over one left in the settings', () => {
    const sub = toSubscription(row({ ...SETTINGS, status: 'active' }, 'paused'));
    assert.deepEqual({ ...sub }, { ...SETTINGS, id: 'sub_1', masterAccountId: 'm1', followerAccountId: 'f1', status: 'paused' });
  });

  test('one field order whatever the order of the stored JSON (one shape for every subscription)', () => {
    const reversed = Object.fromEntries(Object.entries(SETTINGS).reverse());
    assert.deepEqual(Object.keys(toSubscription(row(reversed))), Object.keys(toSubscription(row({ ...SETTINGS }))));
  });

  test('a setting this version does not know is kept, after the known ones', () => {
    const sub = toSubscription(row({ ...SETTINGS, futureSetting: { on: true } })) as unknown as Record<string, unknown>;
    assert.deepEqual(sub.futureSetting, { on: true });
    assert.equal(Object.keys(sub).at(-1), 'futureSetting');
  });

  test('a setting absent from an older row reads as undefined, as before', () => {
    const sub = toSubscription(row({ sizing: { mode: 'multiplier', multiplier: 1 } }));
    assert.equal(sub.maxOpenPositions, undefined);
    assert.equal(sub.copyPending, undefined);
    assert.deepEqual(sub.sizing, { mode: 'multiplier', multiplier: 1 });
  });
});
