// A journal part written with its shared values hoisted keeps everything the rows hold: the copy
// legs' `{c, r}` is turned back into exactly its rows, in their order, by the projection's SQL (both
// backends); an earlier version's part (an array) is taken as it is. The orders' payloads are merged
// back by the order statement itself: apps/gateway/src/services/ingest-signal.test.ts compares
// every order's payload written through the journal with the one written at once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db';
import { testBackends } from '../testing';
import { hoistNested, hoistShared, unhoistSql } from './journal';

const payload = (i: number, over: Record<string, unknown> = {}) => ({
  orderId: `ord_${i}`, runId: 'run_1', createdAt: '2026-11-26T00:00:00.000Z', action: 'open', symbol: 'EURUSD', side: 'buy',
  kind: null, volume: i % 3 === 0 ? 0.5 : 1, price: 1.085, sl: null, updates: i === 2 ? { sl: 1.08 } : null, ...over,
});

test('orders: the payload values every order shares are written once, the rest stays with each order', () => {
  const rows = Array.from({ length: 6 }, (_, i) => ({ s: 'sig_1', f: `acc_${i}`, l: i === 4 ? 'leg_4' : null, p: payload(i, i === 5 ? { side: 'sell' } : {}) }));
  const hoisted = hoistNested(rows, 'p');
  assert.deepEqual(hoisted.c, { runId: 'run_1', createdAt: '2026-11-26T00:00:00.000Z', action: 'open', symbol: 'EURUSD', kind: null, price: 1.085, sl: null });
  assert.deepEqual(hoisted.r[2], { s: 'sig_1', f: 'acc_2', l: null, p: { orderId: 'ord_2', side: 'buy', volume: 1, updates: { sl: 1.08 } } });
  // Each payload is the shared values and its own: nothing lost, nothing added.
  hoisted.r.forEach((r, i) => assert.deepEqual({ ...r, p: { ...hoisted.c, ...(r.p as object) } }, rows[i]));
  assert.ok(JSON.stringify(hoisted).length < JSON.stringify(rows).length * 0.65);
});

test('a key named like an Object.prototype member is a key like any other', () => {
  const rows = [{ id: 1, toString: 'a', valueOf: 'v' }, { id: 2, toString: 'b', valueOf: 'v' }];
  assert.deepEqual(hoistShared(rows), { c: { valueOf: 'v' }, r: [{ id: 1, toString: 'a' }, { id: 2, toString: 'b' }] });
});

for (const backend of testBackends()) {
  describe(`hoisted copy legs on ${backend.name}`, () => {
    let db: Db;
    let drop: () => Promise<void>;
    before(async () => {
      ({ db, drop } = await backend.open());
    });
    after(async () => drop());

    const unhoist = async (part: unknown) =>
      (await db.query<{ rows: unknown }>(`SELECT ${unhoistSql('$1::jsonb')} AS rows`, [part === null ? null : JSON.stringify(part)])).rows[0]!.rows;

    test('back as they were, in order; a key absent from some rows stays with those that have it', async () => {
      const legs = Array.from({ length: 5 }, (_, i) => ({ open_order_id: `ord_${i}`, subscription_id: `sub_${i}`, side: 'buy', volume: 1, ...(i === 1 ? { extra: 'x' } : {}) }));
      const hoisted = hoistShared(legs);
      assert.deepEqual(hoisted.c, { side: 'buy', volume: 1 });
      assert.deepEqual(await unhoist(hoisted), legs);
    });

    test('an earlier version\'s part (an array) and a part without rows (null) are taken as they are', async () => {
      const legs = [{ open_order_id: 'ord_1', subscription_id: 'sub_1', side: 'sell', volume: 2 }];
      assert.deepEqual(await unhoist(legs), legs);
      assert.equal(await unhoist(null), null);
    });
  });
}
