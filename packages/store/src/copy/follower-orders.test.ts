// The long-polls' reads: each follower's open orders oldest first, at most a limit each, none past
// its expiry — and the plan each statement keeps once prepared on a small table, which must reach
// a follower's orders by its own index however many other followers' orders pile up. Both backends.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Db } from '../db';
import { genericPlanIndexes, testBackends } from '../testing';
import { fetchPendingOrdersFor, followersWithPendingOrders, PENDING_FOR_SQL, WAITING_SQL } from './follower-orders';

async function addOrders(db: Db, follower: string, n: number, o: { from?: number; expired?: boolean; status?: string; leg?: string } = {}): Promise<void> {
  await db.query(
    `INSERT INTO orders (id, run_id, subscription_id, follower_account_id, action, tag, payload, status, leg_id, created_at, expires_at)
     SELECT $1 || '_' || lpad(i::text, 5, '0'), 'run_x', 'sub_x', $1, 'close', 'kp:' || i, jsonb_build_object('orderId', $1 || '_' || lpad(i::text, 5, '0')),
            $4, $5, now(), now() + CASE WHEN $3 THEN interval '-1 second' ELSE interval '1 hour' END
       FROM generate_series($2::int, $2::int + $6::int - 1) AS i`,
    [follower, o.from ?? 0, o.expired ?? false, o.status ?? 'pending', o.leg ?? null, n],
  );
}

for (const backend of testBackends()) {
  describe(`the long-polls' order reads on ${backend.name}`, () => {
    let db: Db;
    let drop: () => Promise<void>;
    before(async () => {
      ({ db, drop } = await backend.open());
    });
    after(async () => drop());

    test('prepared on an empty table, both reads go by the follower index', async () => {
      assert.deepEqual(await genericPlanIndexes(db, PENDING_FOR_SQL, 'text[], int', `'{acc_a}', 100`, 'orders'), ['orders_open_by_follower']);
      assert.deepEqual(await genericPlanIndexes(db, WAITING_SQL, 'text[]', `'{acc_a}'`, 'orders'), ['orders_open_by_follower']);
    });

    test('oldest first, at most the limit each, none expired or finished; the copy leg fills in the follower position', async () => {
      await addOrders(db, 'acc_a', 3);
      await addOrders(db, 'acc_a', 2, { from: 10, expired: true });
      await addOrders(db, 'acc_a', 1, { from: 20, status: 'filled' });
      await addOrders(db, 'acc_b', 1, { from: 30, status: 'delivered', leg: 'acc_a_00000' });
      await addOrders(db, 'acc_c', 1, { from: 40, expired: true });
      await db.query(`INSERT INTO copy_legs (open_order_id, subscription_id, master_position_id, follower_symbol, side, volume, opened_at, follower_position_id)
                      VALUES ('acc_a_00000', 'sub_x', 'P1', 'EURUSD', 'buy', 1, now(), 'F77')`);
      const got = await fetchPendingOrdersFor(db, ['acc_a', 'acc_b', 'acc_c', 'acc_none'], 2);
      assert.deepEqual([...got].map(([id, orders]) => [id, orders.map((p) => p.orderId)]), [
        ['acc_a', ['acc_a_00000', 'acc_a_00001']], ['acc_b', ['acc_b_00030']], ['acc_c', []], ['acc_none', []],
      ]);
      assert.equal(got.get('acc_b')![0]!.followerPositionId, 'F77');
      assert.equal((await fetchPendingOrdersFor(db, ['acc_a', 'acc_a'], 10)).get('acc_a')!.length, 3, 'a follower named twice reads once');
      assert.deepEqual((await followersWithPendingOrders(db, ['acc_c', 'acc_b', 'acc_a', 'acc_a', 'acc_none'])).sort(), ['acc_a', 'acc_b']);
    });

    test('thousands of other followers\u2019 orders later, the reads still go by the follower index', async () => {
      for (let f = 0; f < 20; f++) await addOrders(db, `acc_off_${f}`, 250);
      assert.deepEqual(await genericPlanIndexes(db, PENDING_FOR_SQL, 'text[], int', `'{acc_a}', 100`, 'orders'), ['orders_open_by_follower']);
      assert.deepEqual(await genericPlanIndexes(db, WAITING_SQL, 'text[]', `'{acc_a}'`, 'orders'), ['orders_open_by_follower']);
    });
  });
}
