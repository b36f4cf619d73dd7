// The expiry sweep works in bounded chunks: each statement expires at most `limit` orders (one short
// transaction each), repeated until a chunk comes back short; an expired open gives its leg's
// volume back. Both backends.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Db } from '../db';
import { testBackends } from '../testing';
import { expireOrders } from './follower-orders';

for (const backend of testBackends()) {
  describe(`order expiry on ${backend.name}`, () => {
    let db: Db;
    let drop: () => Promise<void>;

    before(async () => {
      ({ db, drop } = await backend.open());
      // 600 opens whose time ran out, each with its copy leg, and one still in time.
      await db.query(`
        INSERT INTO orders (id, run_id, subscription_id, follower_account_id, action, tag, payload, created_at, expires_at)
        SELECT 'ord_' || lpad(i::text, 4, '0'), 'run_x', 'sub_x', 'acc_f', 'open', 'kp:' || i, '{"volume": 0.5}', now() - interval '1 minute',
               CASE WHEN i = 0 THEN now() + interval '1 hour' ELSE now() - interval '1 second' END
          FROM generate_series(0, 600) AS i`);
      await db.query(`
        INSERT INTO copy_legs (open_order_id, subscription_id, master_position_id, follower_symbol, side, volume, opened_at)
        SELECT 'ord_' || lpad(i::text, 4, '0'), 'sub_x', 'P' || i, 'EURUSD', 'buy', 0.5, now() FROM generate_series(0, 600) AS i`);
    });
    after(async () => drop());

    test('at most a chunk per statement, until a chunk comes back short; legs of expired opens go to zero', async () => {
      const chunks: number[] = [];
      for (let n = 250; n === 250;) chunks.push((n = await expireOrders(db, null, 250)));
      assert.deepEqual(chunks, [250, 250, 100]);
      const { rows } = await db.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM orders GROUP BY status ORDER BY status');
      assert.deepEqual(rows.map((r) => [r.status, r.n]), [['expired', 600], ['pending', 1]]);
      const legs = await db.query<{ open: number }>('SELECT count(*)::int AS open FROM copy_legs WHERE volume > 0');
      assert.equal(legs.rows[0]!.open, 1, 'only the order still in time keeps its leg');
      assert.equal(await expireOrders(db, null, 250), 0);
    });
  });
}
