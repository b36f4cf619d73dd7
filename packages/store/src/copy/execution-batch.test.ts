// The handed-over reports' statement (recordHandedExecutions): the plan each gateway connection
// keeps once it is prepared on a small table must reach the reported orders by their ids, however
// many open orders of other followers pile up (the bench's throughput phases leave tens of
// thousands). What the statement writes is tested through the gateway (handed-reports.test.ts).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Db } from '../db';
import { genericPlanIndexes, testBackends } from '../testing';
import { HANDED_WRITE_SQL } from './execution-batch';

const TYPES = 'text, text, text, text, text[], text, text, text[]';
const ARGS = `'[]', '{}', '2026-11-27T10:00:00Z', '{}', '{}', '[]', '[]', '{ord_x}'`;

let added = 0;
/** n open orders of 20 other followers. */
async function addOpenOrders(db: Db, n: number): Promise<void> {
  await db.query(
    `INSERT INTO orders (id, run_id, subscription_id, follower_account_id, action, tag, payload, status, created_at, expires_at)
     SELECT 'ord_' || i, 'run_x', 'sub_x', 'acc_' || (i % 20), 'open', 'kp:' || i, '{"volume": 1}', 'pending', now(), now() + interval '1 hour'
       FROM generate_series($1::int, $1::int + $2::int - 1) AS i`, [added, n]);
  added += n;
}

for (const backend of testBackends()) {
  describe(`the handed-over reports' statement on ${backend.name}`, () => {
    let db: Db;
    let drop: () => Promise<void>;
    before(async () => {
      ({ db, drop } = await backend.open());
    });
    after(async () => drop());

    test('prepared on a small table it never walks the open orders\u2019 indexes; on 5,000 open orders it goes by the primary key', async () => {
      const openIndexes = async () => (await genericPlanIndexes(db, HANDED_WRITE_SQL, TYPES, ARGS, 'orders')).filter((n) => n.startsWith('orders_open'));
      assert.deepEqual(await openIndexes(), [], 'empty table');
      await addOpenOrders(db, 100);
      // A seq scan here, as the transaction's own lock of the orders takes (LOCK_ORDERS_SQL).
      assert.deepEqual(await openIndexes(), [], '100 open orders');
      await addOpenOrders(db, 5000);
      assert.deepEqual(await genericPlanIndexes(db, HANDED_WRITE_SQL, TYPES, ARGS, 'orders'), ['orders_pkey', 'orders_pkey']);
    });
  });
}
