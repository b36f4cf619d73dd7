import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeldMasters, type HeldMaster } from './held-signals';

const held = (lastSequence: number): HeldMaster => ({
  lastSequence, stateVersion: String(100 + lastSequence), accountVersion: '7',
  master: { accountId: 'm', balance: 10_000, equity: 10_000, dayStartEquity: null, symbols: null, symbolPrefix: '', symbolSuffix: '' },
});

test('held masters: an entry is replaced whole; a full set starts over and keeps the newest', () => {
  const masters = new HeldMasters(2);
  masters.set('a', held(1));
  masters.set('a', held(2));
  masters.set('b', held(1));
  assert.deepEqual([masters.size, masters.get('a')?.lastSequence], [2, 2]);
  masters.set('c', held(5));
  assert.deepEqual([masters.size, masters.get('a'), masters.get('c')?.stateVersion], [1, undefined, '105']);
});
