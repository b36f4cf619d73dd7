// A journal part written with its shared values hoisted (hoistShared) is turned back into exactly
// its rows, in their order, by the projection's SQL — on both backends; a part written before
// hoisting (an array) is taken as it is.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db';
import { testBackends } from '../testing';
import { hoistShared, unhoistSql } from './journal';

const payload = (i: number, over: Record<string, unknown> = {}) => ({
  orderId: `ord_${i}`, runId: 'run_1', createdAt: '2026-11-26T00:00:00.000Z', action: 'open', symbol: 'EURUSD', side: 'buy',
  kind: null, volume: i % 3 === 0 ? 0.5 : 1, price: 1.085, sl: null, updates: i === 2 ? { sl: 1.08 } : null, ...over,
});

for (const backend of testBackends()) {
  describe(`hoisted journal parts on ${backend.name}`, () => {
    let db: Db;
    let drop: () => Promise<void>;
    before(async () => {
      ({ db, drop } = await backend.open());
    });
    after(async () => drop());

    const unhoist = async (part: unknown, nested?: string) =>
      (await db.query<{ rows: unknown }>(`SELECT ${unhoistSql('$1::jsonb', nested)} AS rows`, [JSON.stringify(part)])).rows[0]!.rows;

    test('orders with their payloads: shared values written once, the rows back as they were, in order', async () => {
      const rows = Array.from({ length: 6 }, (_, i) => ({ s: 'sig_1', f: `acc_${i}`, l: i === 4 ? 'leg_4' : null, p: payload(i, i === 5 ? { side: 'sell' } : {}) }));
      const hoisted = hoistShared(rows, 'p');
      // What every row shares is in `c` once; what differs stays with its row.
      assert.deepEqual(hoisted.c, { s: 'sig_1', p: { runId: 'run_1', createdAt: '2026-11-26T00:00:00.000Z', action: 'open', symbol: 'EURUSD', kind: null, price: 1.085, sl: null } });
      assert.deepEqual(hoisted.r[2], { f: 'acc_2', l: null, p: { orderId: 'ord_2', side: 'buy', volume: 1, updates: { sl: 1.08 } } });
      assert.ok(JSON.stringify(hoisted).length < JSON.stringify(rows).length * 0.6);
      assert.deepEqual(await unhoist(hoisted, 'p'), rows);
    });

    test('flat rows (copy legs), a key absent from some rows, and a part of one row', async () => {
      const legs = Array.from({ length: 4 }, (_, i) => ({ open_order_id: `ord_${i}`, subscription_id: `sub_${i}`, side: 'buy', volume: 1, ...(i === 1 ? { extra: 'x' } : {}) }));
      const hoisted = hoistShared(legs);
      assert.deepEqual(hoisted.c, { side: 'buy', volume: 1 });
      assert.deepEqual(await unhoist(hoisted), legs);
      const one = hoistShared(legs.slice(0, 1));
      assert.deepEqual(one.r, [{}]);
      assert.deepEqual(await unhoist(one), legs.slice(0, 1));
    });

    test('a part written before hoisting (an array) and a part without rows (null) are taken as they are', async () => {
      const rows = [{ s: 'sig', f: 'acc', l: null, p: payload(1) }];
      assert.deepEqual(await unhoist(rows, 'p'), rows);
      assert.equal((await db.query<{ rows: unknown }>(`SELECT ${unhoistSql('$1::jsonb', 'p')} AS rows`, [null])).rows[0]!.rows, null);
    });
  });
}
